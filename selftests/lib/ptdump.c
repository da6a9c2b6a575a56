// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "ptdump.h"
#include "file_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)); p += n) {
		bool left = p == line || p[-1] == ' ';
		bool right = p[n] == ' ' || p[n] == '\0' || p[n] == '\n';

		if (left && right)
			return true;
	}
	return false;
}

/*
 * A line reads:
 * 0xffff000000000000-0xffff000000200000     2M PTE   RW NX SHD AF   UXN   MEM/NORMAL
 * Holes are printed as a range and a level with nothing after them.
 */
int ptdump_parse(const char *text, struct ptdump *pt)
{
	int cap = 256;
	const char *line = text;

	pt->nr = 0;
	pt->entries = malloc(cap * sizeof(*pt->entries));
	if (!pt->entries)
		return -ENOMEM;
	while (*line) {
		const char *eol = strchr(line, '\n');
		char buf[256], level[8];
		unsigned long long start, end;
		unsigned long size;
		char unit;
		size_t n = eol ? (size_t)(eol - line) : strlen(line);

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line += eol ? n + 1 : n;
		if (strncmp(buf, "0x", 2))
			continue;
		int attrs = 0;

		if (sscanf(buf, "0x%llx-0x%llx %lu%c %7s %n", &start, &end, &size, &unit,
			   level, &attrs) != 5)
			continue;
		/*
		 * Unmapped ranges are printed with no attributes after the
		 * level; invalid entries carry "F".
		 */
		if (!attrs || !buf[attrs] || has_word(buf, "F"))
			continue;
		if (pt->nr == cap) {
			struct ptdump_entry *more = realloc(pt->entries, 2 * cap * sizeof(*more));

			if (!more)
				return -ENOMEM;
			pt->entries = more;
			cap *= 2;
		}
		struct ptdump_entry *e = &pt->entries[pt->nr++];

		e->start = start;
		e->end = end;
		snprintf(e->level, sizeof(e->level), "%.3s", level);
		e->rw = has_word(buf, "RW");
		e->nx = has_word(buf, "NX");
		e->block = has_word(buf, "BLK");
		e->cont = has_word(buf, "CON");
	}
	return pt->nr ? 0 : -EINVAL;
}

int ptdump_read(struct ptdump *pt)
{
	char *text = file_read_all(PTDUMP_PATH);
	int ret;

	if (!text)
		return -ENOENT;
	ret = ptdump_parse(text, pt);
	free(text);
	return ret;
}

void ptdump_free(struct ptdump *pt)
{
	free(pt->entries);
	pt->entries = NULL;
	pt->nr = 0;
}

void ptdump_cover(const struct ptdump *pt, uint64_t start, uint64_t end,
		  struct ptdump_coverage *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < pt->nr; i++) {
		const struct ptdump_entry *e = &pt->entries[i];
		uint64_t lo = e->start > start ? e->start : start;
		uint64_t hi = e->end < end ? e->end : end;

		if (lo >= hi)
			continue;
		c->mapped += hi - lo;
		if (!e->rw || !e->nx)
			c->not_rw_nx += hi - lo;
		if (!strcmp(e->level, "PTE"))
			c->pte += hi - lo;
		else if (!strcmp(e->level, "PMD"))
			c->pmd += hi - lo;
		else if (!strcmp(e->level, "PUD"))
			c->pud += hi - lo;
	}
}

int ptdump_count_wx(const struct ptdump *pt, const struct ptdump_entry **first)
{
	int n = 0;

	for (int i = 0; i < pt->nr; i++) {
		if (pt->entries[i].rw && !pt->entries[i].nx) {
			if (!n && first)
				*first = &pt->entries[i];
			n++;
		}
	}
	return n;
}
