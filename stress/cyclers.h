/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The threads that cycle blocks while the load runs: one per thread of
 * --threads over the blocks it owns, and the mixer.
 */
#ifndef BOOTMEM_STRESS_CYCLERS_H
#define BOOTMEM_STRESS_CYCLERS_H

#include "block_choice.h"

/* Starts the cyclers and the mixer over @c, which must outlive them. */
void cyclers_start(const struct block_choice *c);
/* Lets every thread finish the cycle it is in, and joins them. */
void cyclers_stop(void);

#endif
