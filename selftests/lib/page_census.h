/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a process's pages sit and what the kernel says they are, from
 * /proc/PID/pagemap (physical frame of each page; root sees PFNs) and
 * /proc/kpageflags (the kernel's flags of a frame). The tests use it to
 * prove that the data they verify really sat in the block they cycled,
 * as the kind of page they meant (a THP, a dirty file page, ...), and
 * that offline moved each of those pages out, instead of trusting a
 * global counter that any migration anywhere moves.
 */
#ifndef BOOTMEM_PAGE_CENSUS_H
#define BOOTMEM_PAGE_CENSUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* No frame: the page is not present (pagemap's "present" bit is clear). */
#define CENSUS_NO_PFN UINT64_MAX

/*
 * Fills @pfns with the frame of each of the @npages pages from @base in
 * @pid, CENSUS_NO_PFN where none. Returns 0 or -errno.
 */
int census_pfns(pid_t pid, uintptr_t base, size_t npages, uint64_t *pfns);

/*
 * The size of a PMD-mapped transparent huge page in this kernel (2 MiB
 * with 4K pages, 32 MiB with 16K, 512 MiB with 64K); 0 without THP.
 */
uint64_t census_thp_size(void);

/* The kernel's page flags (KPF_* bits) of @pfn; 0 or -errno. */
int census_kpageflags(uint64_t pfn, uint64_t *flags);

/*
 * A kind of page as /proc/kpageflags tells it: the KPF_* bits it must
 * have and those it must not.
 */
struct page_signature {
	uint64_t have, lack;
};

/* What the census found in one block. */
struct block_census {
	uint64_t pages;		/* the process's pages in the block */
	uint64_t matching;	/* of them, those with the signature */
	uint64_t dirty, writeback;
};

/*
 * Counts the pages of @pfns (from census_pfns()) that sit in the frames
 * [@first_pfn, @first_pfn + @nr_pfns), and their flags. Returns 0 or
 * -errno (kpageflags unreadable).
 */
int census_block(const uint64_t *pfns, size_t npages, uint64_t first_pfn, uint64_t nr_pfns,
		 const struct page_signature *sig, struct block_census *c);

/*
 * Of the pages that @before placed in [@first_pfn, +@nr_pfns), how many
 * @after finds present outside it (moved), and how many it finds gone
 * (not present) or still inside.
 */
struct block_moves {
	uint64_t were_inside, moved_out, gone, still_inside;
};
void census_moves(const uint64_t *before, const uint64_t *after, size_t npages,
		  uint64_t first_pfn, uint64_t nr_pfns, struct block_moves *m);

#endif
