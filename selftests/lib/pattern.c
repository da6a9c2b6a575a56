// SPDX-License-Identifier: GPL-2.0
#include "pattern.h"

#include <string.h>

/* splitmix64: cheap, and every input bit reaches every output bit. */
uint64_t pattern_word(uintptr_t addr, uint64_t seed)
{
	uint64_t z = (uint64_t)addr ^ (seed * 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void pattern_fill(void *buf, size_t len, uint64_t seed)
{
	volatile uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = pattern_word((uintptr_t)&w[i], seed);
}

size_t pattern_check_as(const void *buf, size_t len, uintptr_t as_addr, uint64_t seed,
			struct pattern_mismatch *m)
{
	const volatile uint64_t *w = buf;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < len / 8; i++) {
		uint64_t want = pattern_word(as_addr + i * 8, seed);
		uint64_t got = w[i];

		if (got == want)
			continue;
		if (!m->count++) {
			m->addr = as_addr + i * 8;
			m->expected = want;
			m->actual = got;
		}
	}
	return m->count;
}

size_t pattern_check(const void *buf, size_t len, uint64_t seed, struct pattern_mismatch *m)
{
	return pattern_check_as(buf, len, (uintptr_t)buf, seed, m);
}

size_t pattern_check_tally(const void *buf, size_t len, uint64_t seed, struct pattern_tally *t)
{
	struct pattern_mismatch m;
	size_t bad = pattern_check(buf, len, seed, &m);

	if (bad) {
		/* Only the first mismatch is kept: it is the one reported. */
		if (!atomic_load(&t->bad_words)) {
			t->addr = m.addr;
			t->expected = m.expected;
			t->actual = m.actual;
		}
		atomic_fetch_add(&t->bad_words, bad);
	}
	return bad;
}
