// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "accounting.h"
#include "file_io.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calls @fn on each line of @text, with the line terminated. */

static bool field(const char *line, const char *key, uint64_t *val)
{
	size_t k = strlen(key);

	line += strspn(line, " \t");
	if (strncmp(line, key, k) || (line[k] != ' ' && line[k] != '\t' && line[k] != ':'))
		return false;
	line += k;
	line += strspn(line, ": \t");
	*val = strtoull(line, NULL, 10);
	return true;
}

static void zoneinfo_line(const char *line, void *arg)
{
	struct acct_snapshot *s = arg;
	struct acct_zone *z;
	int node;
	char name[16];

	if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
		if (s->nr_zones >= ACCT_MAX_ZONES)
			return;
		z = &s->zones[s->nr_zones++];
		memset(z, 0, sizeof(*z));
		z->node = node;
		snprintf(z->name, sizeof(z->name), "%s", name);
		return;
	}
	if (!s->nr_zones)
		return;
	z = &s->zones[s->nr_zones - 1];
	if (field(line, "pages free", &z->free) || field(line, "spanned", &z->spanned) ||
	    field(line, "present", &z->present) || field(line, "managed", &z->managed) ||
	    field(line, "start_pfn", &z->start_pfn))
		return;
	{
		unsigned long long count;

		if (sscanf(line, " count: %llu", &count) == 1)
			z->pcp += count;
	}
}

int acct_parse_zoneinfo(const char *text, struct acct_snapshot *s)
{
	s->nr_zones = 0;
	text_for_each_line(text, zoneinfo_line, s);
	return s->nr_zones ? 0 : -EINVAL;
}

static void meminfo_line(const char *line, void *arg)
{
	struct acct_snapshot *s = arg;

	if (!field(line, "MemTotal", &s->mem_total_kb))
		field(line, "MemFree", &s->mem_free_kb);
}

int acct_parse_meminfo(const char *text, struct acct_snapshot *s)
{
	s->mem_total_kb = 0;
	text_for_each_line(text, meminfo_line, s);
	return s->mem_total_kb ? 0 : -EINVAL;
}

int acct_parse_node_meminfo(const char *text, int nid, struct acct_snapshot *s)
{
	char key[32];
	const char *p;

	if (nid < 0 || nid >= ACCT_MAX_NODES)
		return -EINVAL;
	snprintf(key, sizeof(key), "Node %d MemTotal:", nid);
	p = strstr(text, key);
	if (!p)
		return -EINVAL;
	s->node_total_kb[nid] = strtoull(p + strlen(key), NULL, 10);
	if (nid + 1 > s->nr_nodes)
		s->nr_nodes = nid + 1;
	return 0;
}

static void vmstat_line(const char *line, void *arg)
{
	struct acct_snapshot *s = arg;

	if (field(line, "nr_page_table_pages", &s->nr_page_table_pages) ||
	    field(line, "pgmigrate_success", &s->pgmigrate_success) ||
	    field(line, "pgmigrate_fail", &s->pgmigrate_fail) ||
	    field(line, "nr_memmap_pages", &s->nr_memmap_pages))
		return;
	if (field(line, "nr_memmap_boot_pages", &s->nr_memmap_boot_pages))
		s->has_memmap_counters = true;
}

int acct_parse_vmstat(const char *text, struct acct_snapshot *s)
{
	text_for_each_line(text, vmstat_line, s);
	return 0;
}

static void iomem_line(const char *line, void *arg)
{
	struct acct_snapshot *s = arg;
	unsigned long long start, end;
	int used = 0;

	/* Only top-level entries: children are indented. */
	if (line[0] == ' ' || s->nr_ram >= ACCT_MAX_RAM)
		return;
	if (sscanf(line, "%llx-%llx : %n", &start, &end, &used) != 2 || !used)
		return;
	if (strcmp(line + used, "System RAM"))
		return;
	s->ram[s->nr_ram].start = start;
	s->ram[s->nr_ram].end = end;
	s->nr_ram++;
}

int acct_parse_iomem(const char *text, struct acct_snapshot *s)
{
	s->nr_ram = 0;
	text_for_each_line(text, iomem_line, s);
	return s->nr_ram ? 0 : -EINVAL;
}

static int parse_file(const char *path, int (*parse)(const char *, struct acct_snapshot *),
		      struct acct_snapshot *s)
{
	char *text = file_read_all(path);
	int ret;

	if (!text)
		return -errno ? -errno : -EIO;
	ret = parse(text, s);
	free(text);
	return ret;
}

int acct_take(struct acct_snapshot *s)
{
	int ret, nid;

	memset(s, 0, sizeof(*s));
	/*
	 * Fold the per-CPU vmstat deltas into the global counters first:
	 * /proc/vmstat otherwise lags by up to the stat threshold per CPU,
	 * and nr_page_table_pages is held exact across a phase. Best effort:
	 * without it (not root, an old kernel) the counters are only close.
	 */
	(void)file_write_once("/proc/sys/vm/stat_refresh", "1");
	ret = parse_file("/proc/zoneinfo", acct_parse_zoneinfo, s);
	if (!ret)
		ret = parse_file("/proc/meminfo", acct_parse_meminfo, s);
	if (!ret)
		ret = parse_file("/proc/vmstat", acct_parse_vmstat, s);
	if (!ret)
		ret = parse_file("/proc/iomem", acct_parse_iomem, s);
	for (nid = 0; !ret && nid < ACCT_MAX_NODES; nid++) {
		char path[64], *text;

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
		text = file_read_all(path);
		if (!text)
			continue;	/* no such node */
		ret = acct_parse_node_meminfo(text, nid, s);
		free(text);
	}
	return ret;
}

const struct acct_zone *acct_zone(const struct acct_snapshot *s, int node, const char *name)
{
	for (int i = 0; i < s->nr_zones; i++)
		if (s->zones[i].node == node && !strcmp(s->zones[i].name, name))
			return &s->zones[i];
	return NULL;
}

uint64_t acct_total_free_with_pcp(const struct acct_snapshot *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < s->nr_zones; i++)
		sum += s->zones[i].free + s->zones[i].pcp;
	return sum;
}

uint64_t acct_total_managed(const struct acct_snapshot *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < s->nr_zones; i++)
		sum += s->zones[i].managed;
	return sum;
}

bool acct_ram_covers(const struct acct_snapshot *s, uint64_t start, uint64_t end)
{
	for (int i = 0; i < s->nr_ram; i++)
		if (s->ram[i].start <= start && s->ram[i].end >= end)
			return true;
	return false;
}

bool acct_ram_overlaps(const struct acct_snapshot *s, uint64_t start, uint64_t end)
{
	for (int i = 0; i < s->nr_ram; i++)
		if (s->ram[i].start <= end && s->ram[i].end >= start)
			return true;
	return false;
}

bool acct_ram_exact(const struct acct_snapshot *s, uint64_t start, uint64_t end)
{
	for (int i = 0; i < s->nr_ram; i++)
		if (s->ram[i].start == start && s->ram[i].end == end)
			return true;
	return false;
}

#define NOTE(...) do {							\
	if (diffs++ < 4 && used < len)					\
		used += snprintf(why + used, len - used, __VA_ARGS__);	\
} while (0)

int acct_compare(const struct acct_snapshot *a, const struct acct_snapshot *b,
		 char *why, size_t len)
{
	size_t used = 0;
	int diffs = 0;

	if (len)
		why[0] = '\0';
	if (a->mem_total_kb != b->mem_total_kb)
		NOTE("MemTotal %" PRIu64 " kB vs %" PRIu64 " kB; ", a->mem_total_kb, b->mem_total_kb);
	for (int n = 0; n < ACCT_MAX_NODES; n++)
		if (a->node_total_kb[n] != b->node_total_kb[n])
			NOTE("node%d MemTotal %" PRIu64 " kB vs %" PRIu64 " kB; ", n,
			     a->node_total_kb[n], b->node_total_kb[n]);
	if (a->nr_zones != b->nr_zones)
		NOTE("%d zones vs %d; ", a->nr_zones, b->nr_zones);
	for (int i = 0; i < a->nr_zones && i < b->nr_zones; i++) {
		const struct acct_zone *x = &a->zones[i], *y = &b->zones[i];

		if (x->present != y->present)
			NOTE("node%d %s present %" PRIu64 " vs %" PRIu64 "; ", x->node, x->name, x->present, y->present);
		if (x->managed != y->managed)
			NOTE("node%d %s managed %" PRIu64 " vs %" PRIu64 "; ", x->node, x->name, x->managed, y->managed);
		if (x->spanned != y->spanned)
			NOTE("node%d %s spanned %" PRIu64 " vs %" PRIu64 "; ", x->node, x->name, x->spanned, y->spanned);
		if (x->start_pfn != y->start_pfn)
			NOTE("node%d %s start_pfn %" PRIu64 " vs %" PRIu64 "; ", x->node, x->name, x->start_pfn, y->start_pfn);
	}
	if (a->nr_ram != b->nr_ram)
		NOTE("%d System RAM ranges vs %d; ", a->nr_ram, b->nr_ram);
	for (int i = 0; i < a->nr_ram && i < b->nr_ram; i++)
		if (a->ram[i].start != b->ram[i].start || a->ram[i].end != b->ram[i].end)
			NOTE("System RAM %" PRIx64 "-%" PRIx64 " vs %" PRIx64 "-%" PRIx64 "; ",
			     a->ram[i].start, a->ram[i].end, b->ram[i].start, b->ram[i].end);
	return diffs;
}

int acct_shrink_slab_caches(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[320];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		/* Aliases are symlinks to the same cache: shrinking twice is harmless. */
		if (!file_write_once(path, "1"))
			n++;
	}
	closedir(d);
	return n;
}
