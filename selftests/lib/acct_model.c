// SPDX-License-Identifier: GPL-2.0
/*
 * The accounting model, explained once. It is the behaviour x86-64 6.1
 * already has for boot memory (measured: shared facts), and the series
 * gives arm64.
 *
 * offline  offline_pages() -> adjust_managed_page_count(-pages) and
 *          adjust_present_page_count(-pages): the zone's present and
 *          managed drop by the block, MemTotal (totalram_pages) and the
 *          node's MemTotal by its size. remove_pfn_range_from_zone() ->
 *          shrink_zone_span(): a block at either end of the zone shrinks
 *          spanned, one at the start moves start_pfn. iomem is untouched.
 * remove   arch_remove_memory() -> __remove_pgd_mapping() and
 *          vmemmap_free(): the block's linear map and vmemmap go. For a
 *          boot block their backing came from memblock at boot and is
 *          PageReserved; free_hotplug_page_range() hands it back with
 *          free_reserved_page(), which adds it to managed and totalram:
 *          the block's memmap (pages * sizeof(struct page)) and, with a
 *          PTE-mapped linear map, its PTE tables (one per PMD_SIZE). A
 *          hot-added block's memmap and tables came from the buddy
 *          allocator, so its remove changes no counter. Zone present is
 *          unchanged (already offline). release_mem_region_adjustable()
 *          splits the System RAM resource around the block; the memory
 *          block device goes away.
 * add      add_memory() -> arch_add_memory(): a new memmap and tables
 *          from the buddy allocator (no counter moves), a System RAM
 *          resource exactly the block, a memory block device, offline.
 * online   online_pages(): present, managed, MemTotal and node MemTotal
 *          grow by the block, in ZONE_MOVABLE (online_movable).
 *
 * NR_PAGETABLE (nr_page_table_pages) is where the kernels differ. In 6.1
 *          and 6.12 arch_add_memory() takes its tables from
 *          __pgd_pgtable_alloc(), with no constructor, so the count never
 *          sees hotplug's tables. In 7.2 it takes them from
 *          pgd_pgtable_alloc_init_mm(), whose __pgd_pgtable_alloc() runs
 *          pagetable_*_ctor(), which counts them, and
 *          free_hotplug_pgtable_page() runs pagetable_dtor(), which
 *          takes them off: an add counts the linear-map tables it
 *          allocates, and the remove of that block takes off the same.
 *          Boot tables come from memblock (early_pgtable_alloc()) and
 *          vmemmap tables from vmemmap_alloc_block_zero(), never through
 *          a constructor. On every kernel, then: a boot block's remove
 *          changes the count by 0, and a re-added block's remove by
 *          minus what its add changed it by
 *          (acct_page_tables_remove_delta()).
 */
#define _GNU_SOURCE
#include "acct_model.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint64_t acct_boot_pages_freed(uint64_t pages, uint64_t page_size,
			       uint64_t struct_page_bytes, bool linear_map_by_pte)
{
	/* A PTE table is one page of 8-byte entries: it maps page_size / 8 pages. */
	uint64_t ptes_per_table = page_size / 8;
	uint64_t memmap = pages * struct_page_bytes / page_size;
	uint64_t pte_tables = linear_map_by_pte ? pages / ptes_per_table : 0;

	return memmap + pte_tables;
}

int64_t acct_page_tables_remove_delta(bool boot, int64_t add_delta)
{
	return boot ? 0 : -add_delta;
}

int acct_block_place(struct acct_block *b, const struct acct_snapshot *online)
{
	const struct acct_zone *z = acct_zone(online, b->nid, "Movable");

	if (!z)
		return -1;
	b->first_in_zone = z->start_pfn == b->start / b->page_size;
	b->last_in_zone = z->start_pfn + z->spanned == (b->end + 1) / b->page_size;
	return 0;
}

struct mismatches {
	char *why;
	size_t len, used;
	int n;
};

static void expect_u64(struct mismatches *m, const char *what, uint64_t want, uint64_t got)
{
	int w;

	if (want == got)
		return;
	if (m->n++ < 4 && m->used < m->len) {
		w = snprintf(m->why + m->used, m->len - m->used, "%s: expected %" PRIu64
			     ", got %" PRIu64 "; ", what, want, got);
		if (w > 0)
			m->used += (size_t)w;
	}
}

static void expect_true(struct mismatches *m, const char *what, bool ok)
{
	int w;

	if (ok)
		return;
	if (m->n++ < 4 && m->used < m->len) {
		w = snprintf(m->why + m->used, m->len - m->used, "not so: %s; ", what);
		if (w > 0)
			m->used += (size_t)w;
	}
}

int acct_model_check(enum cycle_phase phase, const struct acct_block *b,
		     const struct acct_snapshot *before,
		     const struct acct_snapshot *after, char *why, size_t len)
{
	struct mismatches m = { .why = why, .len = len };
	const struct acct_zone *zb = acct_zone(before, b->nid, "Movable");
	const struct acct_zone *za = acct_zone(after, b->nid, "Movable");
	uint64_t kb = b->pages * b->page_size / 1024;
	int64_t pages = 0, total_kb = 0, managed_elsewhere = 0;

	if (len)
		why[0] = '\0';
	if (!zb || !za) {
		expect_true(&m, "node's ZONE_MOVABLE present in both snapshots", false);
		return m.n;
	}
	switch (phase) {
	case PHASE_OFFLINE:
		pages = -(int64_t)b->pages;
		total_kb = -(int64_t)kb;
		expect_u64(&m, "zone spanned", zb->spanned -
			   (b->first_in_zone || b->last_in_zone ? b->pages : 0), za->spanned);
		expect_u64(&m, "zone start_pfn", zb->start_pfn + (b->first_in_zone ? b->pages : 0),
			   za->start_pfn);
		expect_true(&m, "iomem still covers the offline block",
			    acct_ram_covers(after, b->start, b->end));
		break;
	case PHASE_REMOVE:
		managed_elsewhere = b->remove_gives_back;
		total_kb = b->remove_gives_back * b->page_size / 1024;
		expect_true(&m, "iomem no longer claims the removed block",
			    !acct_ram_overlaps(after, b->start, b->end));
		expect_true(&m, "iomem keeps the RAM below the block",
			    acct_ram_covers(after, b->start - 1, b->start - 1) ||
			    !acct_ram_covers(before, b->start - 1, b->start - 1));
		expect_true(&m, "iomem keeps the RAM above the block",
			    acct_ram_covers(after, b->end + 1, b->end + 1) ||
			    !acct_ram_covers(before, b->end + 1, b->end + 1));
		break;
	case PHASE_ADD:
		expect_true(&m, "iomem has a System RAM entry exactly the block",
			    acct_ram_exact(after, b->start, b->end));
		break;
	case PHASE_ONLINE:
		pages = b->pages;
		total_kb = kb;
		break;
	default:
		break;
	}
	/*
	 * The block's own zone. Freed boot pages may have come from any zone
	 * (memblock allocates the memmap node-locally, often at the top of
	 * RAM, inside ZONE_MOVABLE): at remove only their total is exact.
	 */
	expect_u64(&m, "zone present", zb->present + pages, za->present);
	if (phase != PHASE_REMOVE)
		expect_u64(&m, "zone managed", zb->managed + pages, za->managed);
	/* Everything managed, where freed boot pages land in their own zones. */
	expect_u64(&m, "total managed", acct_total_managed(before) + pages + managed_elsewhere,
		   acct_total_managed(after));
	expect_u64(&m, "MemTotal kB", before->mem_total_kb + total_kb, after->mem_total_kb);
	/*
	 * Kernels that count memmap pages (6.12): removing boot memory takes
	 * its memmap off the boot count, removing hot-added memory off the
	 * other, and an add puts it on the other; offline and online leave
	 * both alone.
	 */
	if (before->has_memmap_counters && after->has_memmap_counters) {
		int64_t boot_memmap = 0, memmap = 0;

		if (phase == PHASE_REMOVE && b->boot)
			boot_memmap = -(int64_t)b->memmap_pages;
		else if (phase == PHASE_REMOVE)
			memmap = -(int64_t)b->memmap_pages;
		else if (phase == PHASE_ADD)
			memmap = b->memmap_pages;
		expect_u64(&m, "nr_memmap_boot_pages", before->nr_memmap_boot_pages + boot_memmap,
			   after->nr_memmap_boot_pages);
		expect_u64(&m, "nr_memmap_pages", before->nr_memmap_pages + memmap,
			   after->nr_memmap_pages);
	}
	for (int n = 0; n < before->nr_nodes && n < ACCT_MAX_NODES; n++) {
		char what[48];

		/* Freed boot pages are counted on the node they were allocated on. */
		if (phase == PHASE_REMOVE)
			continue;
		snprintf(what, sizeof(what), "node%d MemTotal kB", n);
		expect_u64(&m, what, before->node_total_kb[n] + (n == b->nid ? total_kb : 0),
			   after->node_total_kb[n]);
	}
	return m.n;
}
