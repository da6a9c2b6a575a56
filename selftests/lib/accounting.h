/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot of the memory accounting that hot-remove must keep exact:
 * per-zone present/managed/spanned/start_pfn (/proc/zoneinfo), MemTotal
 * (/proc/meminfo and each node's meminfo), /proc/vmstat counters and the
 * top-level System RAM ranges of /proc/iomem. Free-page counts are kept
 * for the metrics only: they move with per-CPU lists and are never
 * compared exactly.
 */
#ifndef BOOTMEM_ACCOUNTING_H
#define BOOTMEM_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCT_MAX_ZONES 32
#define ACCT_MAX_NODES 8
#define ACCT_MAX_RAM 64

struct acct_zone {
	int node;
	char name[16];
	uint64_t free, spanned, present, managed, start_pfn;
	uint64_t pcp;	/* free pages on the per-CPU lists ("count:" of each pageset) */
};

struct acct_range {
	uint64_t start, end;	/* inclusive, as /proc/iomem prints them */
};

struct acct_snapshot {
	struct acct_zone zones[ACCT_MAX_ZONES];
	int nr_zones;
	uint64_t mem_total_kb, mem_free_kb;
	uint64_t node_total_kb[ACCT_MAX_NODES];
	int nr_nodes;
	uint64_t nr_page_table_pages, pgmigrate_success, pgmigrate_fail;
	/*
	 * Pages of memmap, allocated at boot and since (6.12's
	 * nr_memmap_boot_pages and nr_memmap_pages; 6.1 has neither).
	 */
	bool has_memmap_counters;
	uint64_t nr_memmap_pages, nr_memmap_boot_pages;
	struct acct_range ram[ACCT_MAX_RAM];
	int nr_ram;
};

/* Parsers of the files' text, kept apart from reading them for testing. */
int acct_parse_zoneinfo(const char *text, struct acct_snapshot *s);
int acct_parse_meminfo(const char *text, struct acct_snapshot *s);
int acct_parse_node_meminfo(const char *text, int nid, struct acct_snapshot *s);
int acct_parse_vmstat(const char *text, struct acct_snapshot *s);
int acct_parse_iomem(const char *text, struct acct_snapshot *s);

/* Reads every source; returns 0 or -errno of the first that failed. */
int acct_take(struct acct_snapshot *s);

const struct acct_zone *acct_zone(const struct acct_snapshot *s, int node,
				  const char *name);
uint64_t acct_total_managed(const struct acct_snapshot *s);
/* Every free page: the zones' free counts plus their per-CPU lists. */
uint64_t acct_total_free_with_pcp(const struct acct_snapshot *s);
/*
 * Shrinks every slab cache (/sys/kernel/slab/<cache>/shrink): empty slabs
 * go back to the page allocator, and under KASAN each cache's quarantine
 * of freed objects is flushed too, which would otherwise keep pages
 * allocated for a while after every free. Returns the caches shrunk, or
 * -errno if there is no slab sysfs.
 */
int acct_shrink_slab_caches(void);
/* Does one System RAM range contain [start, end]? */
bool acct_ram_covers(const struct acct_snapshot *s, uint64_t start, uint64_t end);
/* Does any System RAM range overlap [start, end]? */
bool acct_ram_overlaps(const struct acct_snapshot *s, uint64_t start, uint64_t end);
/* Is there a System RAM range exactly [start, end]? */
bool acct_ram_exact(const struct acct_snapshot *s, uint64_t start, uint64_t end);
/*
 * Compare the exact fields of two snapshots; describes the first
 * differences in @why. Returns how many fields differ.
 */
int acct_compare(const struct acct_snapshot *a, const struct acct_snapshot *b,
		 char *why, size_t len);

#endif
