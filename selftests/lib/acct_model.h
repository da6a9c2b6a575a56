/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accounting model of boot memory hot-remove, in one place: what each
 * phase of offline -> remove -> add -> online_movable must do to a block's
 * zone, to MemTotal, to its node's MemTotal, to /proc/iomem and to the
 * memory block device. Every test compares against acct_model_check();
 * none restates the arithmetic. acct_model.c explains it once.
 */
#ifndef BOOTMEM_ACCT_MODEL_H
#define BOOTMEM_ACCT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounting.h"
#include "cycle.h"

/* What the model needs to know about the block being cycled. */
struct acct_block {
	int nid;
	uint64_t start, end;		/* physical, end inclusive */
	uint64_t page_size;
	uint64_t pages;			/* pages in the block */
	/*
	 * Pages that this cycle's remove gives back as managed memory: the
	 * boot memmap and linear-map tables of a boot block (see
	 * acct_boot_pages_freed()), 0 for a hot-added block.
	 */
	uint64_t remove_gives_back;
	/*
	 * Whether this cycle removes boot memory, and the pages of the block's
	 * memmap (pages * sizeof(struct page) / page size), for the kernels
	 * that count memmap pages (6.12: nr_memmap_boot_pages,
	 * nr_memmap_pages).
	 */
	bool boot;
	uint64_t memmap_pages;
	/* Its place in its zone when it goes offline (spanned, start_pfn). */
	bool first_in_zone, last_in_zone;
};

/*
 * The pages a boot block's remove gives back, from the geometry alone, not
 * from the code under test: its memmap (@pages struct pages of
 * @struct_page_bytes each) and, when its linear map is made of PTEs (read
 * from the kernel's ptdump), the PTE tables that map it.
 */
uint64_t acct_boot_pages_freed(uint64_t pages, uint64_t page_size,
			       uint64_t struct_page_bytes, bool linear_map_by_pte);

/*
 * The change a remove must make to nr_page_table_pages: none for a boot
 * block, whose tables were never counted, and minus @add_delta, what the
 * block's add changed it by, for a hot-added one (acct_model.c).
 */
int64_t acct_page_tables_remove_delta(bool boot, int64_t add_delta);

/* Fills the zone-position fields of @b from a snapshot taken while online. */
int acct_block_place(struct acct_block *b, const struct acct_snapshot *online);

/*
 * Checks the change from @before to @after, one @phase of a cycle of @b,
 * against the model. Returns the number of mismatches; the first few are
 * described in @why ("expected X, got Y").
 */
int acct_model_check(enum cycle_phase phase, const struct acct_block *b,
		     const struct acct_snapshot *before,
		     const struct acct_snapshot *after, char *why, size_t len);

#endif
