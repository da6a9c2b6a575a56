/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How big the leaves are that map a block's linear map, read from the
 * kernel's ptdump alone (never from the series' own leaf lookup): a
 * removal may only unmap whole leaves, so a block under a leaf that
 * reaches beyond it (a 1 GiB PUD over a 128 MiB block with rodata=off on
 * 4K, a 1 GiB contiguous PMD run on 16K) must be refused, and a block
 * covered by leaves of its own (64K's 512 MiB PMD over a 512 MiB block)
 * may go. Leaf sizes follow from the running kernel's page size: each
 * level resolves PAGE_SHIFT - 3 bits, and the contiguous hint spans the
 * entries the architecture fixes for the granule.
 */
#ifndef BOOTMEM_LINEAR_LEAF_H
#define BOOTMEM_LINEAR_LEAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptdump.h"

struct linear_leaf {
	uint64_t bytes;		/* the largest leaf over the range; 0 if unmapped */
	char what[48];		/* as a reader says it: "1G PUD", "32M CONT PMD" */
};

/* The bytes one leaf of @level ("PTE", "PMD", "PUD") maps; 0 if unknown. */
uint64_t linear_leaf_size(const char *level, bool cont, uint64_t page_size);

/*
 * The largest leaf that maps any of [@start, @end) in @pt. Returns 0, or
 * -EINVAL for a level this code cannot size (named in @leaf->what).
 */
int linear_largest_leaf(const struct ptdump *pt, uint64_t start, uint64_t end,
			uint64_t page_size, struct linear_leaf *leaf);

/*
 * The level of the leaves that map hot-added memory at @phys_start, @bytes
 * long, by the architecture's rule, not from the kernel under test:
 * arm64 with rodata=full (the only arm64 configuration whose blocks can
 * be marked and cycled) maps it with pages ("PTE"); x86-64 with the
 * largest page that fits, 2 MiB ("PMD"), or 1 GiB ("PUD") where the CPU
 * has pdpe1gb, nogbpages is not on the command line and the range is
 * 1 GiB aligned (arch/x86/mm/init_64.c, phys_pud_init()).
 */
const char *linear_hotadd_level(uint64_t phys_start, uint64_t bytes);

/*
 * Whether every movable boot block the series refuses to mark with
 * EOPNOTSUPP lies under a linear-map leaf bigger than a block (ptdump),
 * so that the refusal is right. 0 and a summary in @why when each is
 * (and at least one was refused); -EPERM and the first wrongly refused
 * block in @why otherwise; -ENOENT if none was refused that way.
 */
int linear_verify_block_mapped_refusals(char *why, size_t len);

#endif
