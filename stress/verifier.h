/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address-tagged verifier: a process of our own holding patterned
 * anonymous memory (THP where it can) and checking it continuously while
 * the blocks under it are cycled.
 */
#ifndef BOOTMEM_STRESS_VERIFIER_H
#define BOOTMEM_STRESS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct verifier_counts {
	unsigned long bad_words, full_checks;
	/* The first mismatch, when bad_words is not 0. */
	uintptr_t addr;
	uint64_t expected, actual;
};

/* Maps the view shared with the verifier; -1 with errno set if it cannot. */
int verifier_init(void);
/*
 * Forks the verifier over @len bytes and returns once they are written:
 * 0, or -errno when it could not start or died first.
 */
int verifier_start(size_t len, uint64_t seed);
/*
 * Two more full checks, so every word was checked after the last cycle;
 * then stops it. -ECHILD when it died instead.
 */
int verifier_finish(void);
/* Is the verifier still running? If not, @why (may be NULL) says how it ended. */
bool verifier_alive(char *why, size_t len);
void verifier_read(struct verifier_counts *c);

#endif
