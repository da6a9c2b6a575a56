// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "ptdump.h"
#include "file_io.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <lib/test_bootmem_hotplug_uapi.h>

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

/* Is @word a level as ptdump names it, upper case (arm64) or lower (x86)? */
static bool is_level(const char *word, bool upper)
{
	static const char *const levels[] = { "PTE", "PMD", "PUD", "P4D", "PGD" };

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(word, levels[i]) && word[0] == (upper ? 'P' : 'p'))
			return true;
	return false;
}

/*
 * Reads the level and the attributes of one line after its range and
 * size, in either architecture's layout:
 *   arm64:  "PTE   RW NX SHD AF   UXN   MEM/NORMAL"  level first, upper case
 *   x86-64: "RW         PSE     GLB NX pmd"          level last, lower case
 * An unmapped range has no attributes in either. Returns false for a line
 * that is neither, or unmapped.
 */
static bool parse_level_and_attrs(const char *rest, char *level, size_t len,
				  char *attrs, size_t attrs_len)
{
	char first[8] = "", last[8] = "";
	const char *p, *end = rest + strlen(rest);

	while (end > rest && (end[-1] == ' ' || end[-1] == '\n'))
		end--;
	for (p = end; p > rest && p[-1] != ' '; p--)
		;
	snprintf(last, sizeof(last), "%.*s", (int)(end - p), p);
	sscanf(rest, "%7s", first);
	if (is_level(first, true)) {		/* arm64 */
		snprintf(level, len, "%s", first);
		snprintf(attrs, attrs_len, "%s", rest + strspn(rest, " ") + strlen(first));
	} else if (is_level(last, false)) {	/* x86-64 */
		snprintf(level, len, "%s", last);
		for (char *c = level; *c; c++)
			*c = toupper((unsigned char)*c);
		snprintf(attrs, attrs_len, "%.*s", (int)(p - rest), rest);
	} else {
		return false;
	}
	return attrs[strspn(attrs, " \n")] != '\0';
}

/*
 * A line reads, on arm64 and on x86-64:
 * 0xffff000000000000-0xffff000000200000     2M PTE   RW NX SHD AF   UXN   MEM/NORMAL
 * 0xffff888000200000-0xffff888001000000          14M     RW         PSE     GLB NX pmd
 * Holes are printed as a range and a level with no attributes.
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
		char buf[256], level[8], attrs[256];
		unsigned long long start, end;
		unsigned long size;
		char unit;
		int rest = 0;
		size_t n = eol ? (size_t)(eol - line) : strlen(line);

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line += eol ? n + 1 : n;
		if (strncmp(buf, "0x", 2))
			continue;
		if (sscanf(buf, "0x%llx-0x%llx %lu%c %n", &start, &end, &size, &unit, &rest) != 4 ||
		    !rest)
			continue;
		/* Invalid arm64 entries carry "F". */
		if (!parse_level_and_attrs(buf + rest, level, sizeof(level), attrs, sizeof(attrs)) ||
		    has_word(attrs, "F"))
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
		e->rw = has_word(attrs, "RW");
		e->nx = has_word(attrs, "NX");
		/* A block mapping: arm64 says BLK, x86 PSE (a 2M or 1G page). */
		e->block = has_word(attrs, "BLK") || has_word(attrs, "PSE");
		e->cont = has_word(attrs, "CON");
	}
	return pt->nr ? 0 : -EINVAL;
}

const char *ptdump_path(void)
{
	static const char *const paths[] = {
		"/sys/kernel/debug/kernel_page_tables",
		"/sys/kernel/debug/page_tables/kernel",
		"/sys/kernel/debug/" TEST_BOOTMEM_DIR "/" TEST_BOOTMEM_FILE_PAGE_TABLES,
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return NULL;
}

int ptdump_read(struct ptdump *pt)
{
	const char *path = ptdump_path();
	char *text = path ? file_read_all(path) : NULL;
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
