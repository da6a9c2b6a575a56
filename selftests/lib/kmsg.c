// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const splats[] = {
#define SPLAT(pattern) pattern,
#include "splats.def"
#undef SPLAT
};

bool kmsg_is_splat(const char *line)
{
	for (size_t i = 0; i < sizeof(splats) / sizeof(splats[0]); i++)
		if (strstr(line, splats[i]))
			return true;
	return false;
}

void kmsg_watch_start(struct kmsg_watch *w)
{
	w->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	w->err = w->fd < 0 ? errno : 0;
	w->splats = 0;
	w->first_splat[0] = '\0';
	if (w->fd >= 0)
		lseek(w->fd, 0, SEEK_END);
}

/*
 * Reads what was logged since the last call; a line containing @want sets
 * *found, and the first such line goes to @line (@line_len bytes).
 */
static int scan(struct kmsg_watch *w, char *splat, size_t len, const char *want, bool *found,
		char *line, size_t line_len)
{
	char rec[2048];

	if (found)
		*found = false;
	/* A log that cannot be read proves nothing: fail, never "no splat". */
	if (w->fd < 0) {
		if (len)
			snprintf(splat, len, "cannot read /dev/kmsg: %s", strerror(w->err));
		return -1;
	}
	for (;;) {
		ssize_t r = read(w->fd, rec, sizeof(rec) - 1);
		char *msg;

		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten records: keep reading */
		if (r <= 0)
			break;
		rec[r] = '\0';
		/* "prio,seq,time,flags;message\n" */
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		if (kmsg_is_splat(msg) && w->splats++ == 0)
			snprintf(w->first_splat, sizeof(w->first_splat), "%.*s",
				 (int)sizeof(w->first_splat) - 1, msg);
		if (want && found && !*found && strstr(msg, want)) {
			*found = true;
			if (line_len)
				snprintf(line, line_len, "%s", msg);
		}
	}
	if (w->splats && len)
		snprintf(splat, len, "%s", w->first_splat);
	return w->splats;
}

int kmsg_watch_scan(struct kmsg_watch *w, char *splat, size_t len, const char *want, bool *found)
{
	return scan(w, splat, len, want, found, NULL, 0);
}

bool kmsg_watch_find(struct kmsg_watch *w, const char *want, char *line, size_t len)
{
	bool found = false;

	scan(w, NULL, 0, want, &found, line, len);
	return found;
}

void kmsg_watch_stop(struct kmsg_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
