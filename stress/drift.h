/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accounting before and after the whole stress run, compared once the
 * guest is quiet again: with every block back online, every exact counter
 * must be as before, except for what the model says the first removal of
 * a boot block gives back (its boot memmap and linear-map tables, as
 * managed memory). Anything else is drift that the run left behind.
 */
#ifndef BOOTMEM_STRESS_DRIFT_H
#define BOOTMEM_STRESS_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block_choice.h"
#include "lib/accounting.h"

struct drift {
	struct acct_snapshot before;
	int nr_boot;
	unsigned long boot_block[MEM_BLOCKS_MAX];
	uint64_t gives_back[MEM_BLOCKS_MAX];	/* pages, by the model */
	uint64_t page_size;
};

/* Takes the snapshot and models each boot block dealt; 0 or -errno. */
int drift_begin(struct drift *d, const struct block_choice *c);
/*
 * Compares a fresh snapshot with the first; true when nothing drifted.
 * @why says what did, or what the expected difference was.
 */
bool drift_end(const struct drift *d, char *why, size_t len);

#endif
