/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One boot memory block through offline -> remove -> add -> online_movable,
 * phase by phase, with each phase's latency and the pages its offline
 * migrated. Shared by the selftests and the stress drivers.
 */
#ifndef BOOTMEM_CYCLE_H
#define BOOTMEM_CYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cycle_phase { PHASE_OFFLINE, PHASE_REMOVE, PHASE_ADD, PHASE_ONLINE, PHASE_COUNT };

extern const char *const cycle_phase_names[PHASE_COUNT];

struct phase_result {
	int err;		/* 0 or -errno */
	uint64_t ns;
	uint64_t migrated;	/* pgmigrate_success delta, offline only */
	int tries;		/* offline attempts (EBUSY/EAGAIN retries) */
};

/* Runs one phase on @block (node @nid for add). */
int cycle_phase_run(enum cycle_phase phase, unsigned long block, int nid,
		    struct phase_result *r);
/* Puts a block back online in ZONE_MOVABLE from whatever state it is in. */
int cycle_block_restore(unsigned long block, int nid);

/* The seed from BOOTMEM_SEED, or a fresh one; always printed by callers. */
uint64_t cycle_seed(void);
uint64_t env_u64(const char *name, uint64_t fallback);
/*
 * Online boot blocks in ZONE_MOVABLE, in seeded random order. Returns the
 * count. Which of them can really go is found by marking them.
 */
int cycle_movable_boot_blocks(uint64_t seed, unsigned long *out, int max);
/*
 * Is @block one of the movable boot blocks kept for the stress run
 * (BOOTMEM_STRESS_BOOT_BLOCKS of them, default the plan's), so that its
 * first removal happens under pressure? The selftests leave these alone;
 * cycle_movable_boot_blocks() does not offer them.
 */
bool cycle_kept_for_stress(unsigned long block);
/*
 * The movable boot blocks a program can still consume: online, boot
 * memory and free of reserved pages, the stress run's included. A block
 * removed and added back is hot-added memory, so each first removal uses
 * one up. -1 without the test driver (no way to tell boot memory apart).
 */
int cycle_consumable_boot_blocks(void);
/*
 * Marks @block for cycling. A block holding boot reservations (reserved
 * pages) is -EBUSY without asking the kernel: no offline gets past them,
 * on any architecture. arm64's mark refuses it with the same EBUSY, which
 * the refusal tests check apart; x86-64 has no mark to refuse anything.
 */
int cycle_mark(unsigned long block);
/*
 * Picks and marks one block from the candidates; -errno if none took, with
 * the reason in @why. -EOPNOTSUPP means every candidate was refused as
 * block-mapped (rodata=off), the one outcome a test may skip for; any other
 * failure on a kernel with the series is a test failure.
 */
int cycle_pick_and_mark(uint64_t seed, int skip, unsigned long *block, int *nid,
			char *why, size_t len);
enum suite_state {
	SUITE_READY,	/* the test driver is loaded: test */
	SUITE_REFUSED,	/* no series: the kernel refuses boot memory offline (skip) */
	SUITE_BROKEN,	/* the series without its driver, or no movable boot memory (fail) */
};
/*
 * Can the suite test this kernel? The reason goes to @why. Without the
 * driver, this offlines a movable boot block to see the refusal for itself.
 */
enum suite_state suite_availability(char *why, size_t len);

#endif
