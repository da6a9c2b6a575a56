// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "linear_leaf.h"
#include "cycle.h"
#include "mem_blocks.h"
#include "test_driver.h"
#include "file_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Entries under one contiguous hint, by granule (Arm ARM, "The Contiguous
 * bit"; arch/arm64/include/asm/pgtable-hwdef.h CONT_PTE_SHIFT and
 * CONT_PMD_SHIFT): the architecture's, not this kernel's choice.
 */
static const struct {
	uint64_t page_size;
	unsigned int cont_ptes, cont_pmds;
} contiguous[] = {
	{ 4096, 16, 16 },
	{ 16384, 128, 32 },
	{ 65536, 32, 32 },
};

uint64_t linear_leaf_size(const char *level, bool cont, uint64_t page_size)
{
	unsigned int bits = __builtin_ctzll(page_size) - 3;	/* per level */
	uint64_t size;
	unsigned int n = 1;

	if (!strcmp(level, "PTE"))
		size = page_size;
	else if (!strcmp(level, "PMD"))
		size = page_size << bits;
	else if (!strcmp(level, "PUD"))
		size = page_size << 2 * bits;
	else
		return 0;
	for (size_t i = 0; cont && i < sizeof(contiguous) / sizeof(contiguous[0]); i++)
		if (contiguous[i].page_size == page_size)
			n = strcmp(level, "PTE") ? contiguous[i].cont_pmds : contiguous[i].cont_ptes;
	return size * n;
}

#ifdef __x86_64__
/* Does a line of @path hold @word, delimited by blanks or line ends? */
static bool file_has_word(const char *path, const char *word)
{
	char *text = file_read_all(path);
	size_t n = strlen(word);
	bool found = false;

	for (const char *p = text; p && !found && (p = strstr(p, word)); p += n)
		found = (p == text || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t') &&
			(p[n] == ' ' || p[n] == '\n' || p[n] == '\0' || p[n] == '\t');
	free(text);
	return found;
}
#endif

const char *linear_hotadd_level(uint64_t phys_start, uint64_t bytes)
{
#ifdef __x86_64__
	uint64_t gig = 1ULL << 30;

	if (!(phys_start % gig) && !(bytes % gig) && file_has_word("/proc/cpuinfo", "pdpe1gb") &&
	    !file_has_word("/proc/cmdline", "nogbpages"))
		return "PUD";
	return "PMD";
#else
	(void)phys_start;
	(void)bytes;
	return "PTE";
#endif
}

static void size_words(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 1ULL << 30)
		snprintf(buf, len, "%" PRIu64 "G", bytes >> 30);
	else if (bytes >= 1ULL << 20)
		snprintf(buf, len, "%" PRIu64 "M", bytes >> 20);
	else
		snprintf(buf, len, "%" PRIu64 "K", bytes >> 10);
}

int linear_largest_leaf(const struct ptdump *pt, uint64_t start, uint64_t end,
			uint64_t page_size, struct linear_leaf *leaf)
{
	memset(leaf, 0, sizeof(*leaf));
	for (int i = 0; i < pt->nr; i++) {
		const struct ptdump_entry *e = &pt->entries[i];
		uint64_t bytes;
		char size[24];

		if (e->end <= start || e->start >= end)
			continue;
		bytes = linear_leaf_size(e->level, e->cont, page_size);
		if (!bytes) {
			snprintf(leaf->what, sizeof(leaf->what), "%s?", e->level);
			return -EINVAL;
		}
		if (bytes <= leaf->bytes)
			continue;
		leaf->bytes = bytes;
		size_words(bytes, size, sizeof(size));
		if (snprintf(leaf->what, sizeof(leaf->what), "%s %s%s", size, e->cont ? "CONT " : "",
			     e->level) >= (int)sizeof(leaf->what))
			return -EINVAL;
	}
	return 0;
}

int linear_verify_block_mapped_refusals(char *why, size_t len)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	int n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX), refused = 0, err;
	uint64_t page = getpagesize(), block_size = mem_block_size();
	char seen[48] = "";
	struct ptdump pt;

	err = ptdump_read(&pt);
	if (err) {
		snprintf(why, len, "cannot read the page-table dump %s: %s",
			 ptdump_path() ?: "(none found)", strerror(-err));
		return err;
	}
	for (int i = 0; i < n; i++) {
		struct block_info info;
		struct linear_leaf leaf;

		/* EOPNOTSUPP changes nothing: asking again is harmless. */
		if (driver_mark(cand[i]) != -EOPNOTSUPP)
			continue;
		if (driver_info(cand[i], &info) ||
		    linear_largest_leaf(&pt, info.linear.start, info.linear.end, page, &leaf)) {
			snprintf(why, len, "memory%lu: no driver info or unknown ptdump level", cand[i]);
			err = -EIO;
			break;
		}
		if (leaf.bytes <= block_size) {
			snprintf(why, len, "memory%lu is refused with EOPNOTSUPP, but its linear map's "
				 "largest leaf (%s, ptdump) lies within the block: a removal would split "
				 "nothing", cand[i], leaf.bytes ? leaf.what : "unmapped");
			err = -EPERM;
			break;
		}
		refused++;
		snprintf(seen, sizeof(seen), "%s", leaf.what);
	}
	ptdump_free(&pt);
	if (err)
		return err;
	if (!refused) {
		snprintf(why, len, "no movable boot block is refused with EOPNOTSUPP");
		return -ENOENT;
	}
	snprintf(why, len, "refused as expected: %d movable boot blocks are refused with EOPNOTSUPP, "
		 "each under a linear-map leaf beyond it (%s, from ptdump): a block-mapped linear "
		 "map (rodata=off) cannot lose one block", refused, seen);
	return 0;
}
