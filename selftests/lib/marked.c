// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "marked.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "verdict.h"

struct parse_state {
	struct marked_list *l;
	int err;
};

static void marked_line(const char *line, void *arg)
{
	struct parse_state *ps = arg;
	unsigned long long s, e;
	int used = 0;

	if (!*line)
		return;
	if (sscanf(line, "%llx-%llx%n", &s, &e, &used) != 2 || line[used] || e < s) {
		ps->err = -EINVAL;
		return;
	}
	marked_add(ps->l, s, e + 1);
}

int marked_parse(const char *text, struct marked_list *l)
{
	struct parse_state ps = { .l = l };

	l->n = 0;
	text_for_each_line(text, marked_line, &ps);
	return ps.err;
}

int marked_read(struct marked_list *l)
{
	char *text = file_read_all(SERIES_DEBUGFS_FILE);
	int ret;

	if (!text)
		return errno ? -errno : -EIO;
	ret = marked_parse(text, l);
	free(text);
	return ret;
}

static int by_start(const void *a, const void *b)
{
	const struct phys_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void marked_add(struct marked_list *l, uint64_t start, uint64_t end)
{
	struct marked_list out = { .n = 0 };

	if (l->n < PHYS_RAM_MAX)
		l->r[l->n++] = (struct phys_range){ start, end };
	qsort(l->r, l->n, sizeof(l->r[0]), by_start);
	/* Ranges that overlap or touch are one run of marked sections. */
	for (int i = 0; i < l->n; i++) {
		struct phys_range *last = out.n ? &out.r[out.n - 1] : NULL;

		if (last && l->r[i].start <= last->end) {
			if (l->r[i].end > last->end)
				last->end = l->r[i].end;
		} else {
			out.r[out.n++] = l->r[i];
		}
	}
	*l = out;
}

bool marked_equal(const struct marked_list *a, const struct marked_list *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->r[i].start != b->r[i].start || a->r[i].end != b->r[i].end)
			return false;
	return true;
}

bool marked_covers(const struct marked_list *l, uint64_t start, uint64_t end)
{
	for (int i = 0; i < l->n; i++)
		if (l->r[i].start <= start && end <= l->r[i].end)
			return true;
	return false;
}

const char *marked_str(const struct marked_list *l, char *buf, int len)
{
	int off = 0;

	buf[0] = '\0';
	for (int i = 0; i < l->n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%#" PRIx64 "-%#" PRIx64, i ? ", " : "",
				l->r[i].start, l->r[i].end - 1);
	if (!l->n)
		snprintf(buf, len, "(none)");
	return buf;
}
