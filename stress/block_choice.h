/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which blocks the stress run uses: every online movable block that can
 * go, boot blocks marked hot-removable first, in a seeded order that
 * interleaves the nodes, dealt to the cycler threads and the mixer.
 */
#ifndef BOOTMEM_STRESS_BLOCK_CHOICE_H
#define BOOTMEM_STRESS_BLOCK_CHOICE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/mem_blocks.h"

#define MAX_THREADS 8
#define MAX_NODES 8

/* The node is kept beside the block: a re-add must go back to it. */
struct owned_block {
	unsigned long block;
	int nid;
	bool boot;	/* boot memory when dealt: its first removal is under pressure */
};

/* The blocks one cycler thread owns; no other thread touches them. */
struct owned_blocks {
	int nr;
	struct owned_block blocks[MEM_BLOCKS_MAX];
};

struct block_choice {
	unsigned int threads;
	struct owned_blocks owned[MAX_THREADS];
	/* Offlined and onlined by the mixer, never removed. */
	unsigned long mixer[MEM_BLOCKS_MAX];
	int mixer_nr;
};

/*
 * Marks the candidate blocks and deals them: a third to the mixer, the
 * rest round-robin to @threads cyclers. Returns how many were dealt.
 */
int block_choice_deal(struct block_choice *c, uint64_t seed, unsigned int threads);
/* Does any cycler own a block on node @nid? */
bool block_choice_has_node(const struct block_choice *c, int nid);
/*
 * Puts every owned block back online in ZONE_MOVABLE, on its node, and
 * every mixer block online. Returns how many could not be, the first in
 * @first_failed.
 */
int block_choice_restore(const struct block_choice *c, unsigned long *first_failed);
/* How many of the owned blocks were boot memory when dealt. */
int block_choice_boot_blocks(const struct block_choice *c);

#endif
