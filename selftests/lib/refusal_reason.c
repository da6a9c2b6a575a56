// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "refusal_reason.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool mark_refusal_logged(struct kmsg_watch *w, uint64_t start, uint64_t end,
			 const char *reason, char *other, size_t len)
{
	char prefix[96], line[512];

	snprintf(prefix, sizeof(prefix), "Boot memory [%" PRIx64 " %" PRIx64 "] not marked hot-removable: ",
		 start, end);
	if (len)
		snprintf(other, len, "no refusal logged for [%" PRIx64 " %" PRIx64 "]", start, end);
	if (!kmsg_watch_find(w, prefix, line, sizeof(line)))
		return false;
	if (!strcmp(strstr(line, prefix) + strlen(prefix), reason))
		return true;
	if (len)
		snprintf(other, len, "%s", line);
	return false;
}
