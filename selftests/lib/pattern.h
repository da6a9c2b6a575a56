/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address-tagged, seeded data patterns: every 8-byte word holds a value
 * derived from its own virtual address and a seed, so a page that comes
 * back from migration with another page's data, stale data or a flipped
 * byte is caught, and the report names where.
 */
#ifndef BOOTMEM_PATTERN_H
#define BOOTMEM_PATTERN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct pattern_mismatch {
	uintptr_t addr;
	uint64_t expected, actual;
	size_t count;		/* mismatched words in the checked range */
};

uint64_t pattern_word(uintptr_t addr, uint64_t seed);
void pattern_fill(void *buf, size_t len, uint64_t seed);
/* Returns the number of bad words; the first is described in @m. */
size_t pattern_check(const void *buf, size_t len, uint64_t seed, struct pattern_mismatch *m);
/*
 * The same for data read back into another buffer (a file read from
 * disk): checks @buf as if it sat at @as_addr, where it was written.
 */
size_t pattern_check_as(const void *buf, size_t len, uintptr_t as_addr, uint64_t seed,
			struct pattern_mismatch *m);

/*
 * What a verifier process tells its parent through shared memory: how many
 * bad words it has seen, and the first of them.
 */
struct pattern_tally {
	atomic_ulong bad_words;
	uintptr_t addr;
	uint64_t expected, actual;
};

/* pattern_check() that adds what it finds to @t; returns the bad words. */
size_t pattern_check_tally(const void *buf, size_t len, uint64_t seed, struct pattern_tally *t);

#endif
