// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "page_census.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pagemap entry layout: Documentation/admin-guide/mm/pagemap.rst */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

int census_pfns(pid_t pid, uintptr_t base, size_t npages, uint64_t *pfns)
{
	size_t page = getpagesize(), done = 0;
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (done < npages) {
		uint64_t entries[512];
		size_t want = npages - done < 512 ? npages - done : 512;
		ssize_t n = pread(fd, entries, want * 8, (off_t)(base / page + done) * 8);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		for (size_t i = 0; i < (size_t)n / 8; i++) {
			uint64_t e = entries[i];

			/* Without CAP_SYS_ADMIN the PFN reads as 0. */
			pfns[done + i] = (e & PM_PRESENT) && (e & PM_PFN_MASK) ?
					 (e & PM_PFN_MASK) : CENSUS_NO_PFN;
		}
		done += n / 8;
	}
	close(fd);
	return err;
}

uint64_t census_thp_size(void)
{
	char buf[32];

	if (file_read("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

static int kpageflags_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	return fd;
}

int census_kpageflags(uint64_t pfn, uint64_t *flags)
{
	int fd = kpageflags_fd();

	if (fd < 0)
		return -errno;
	if (pread(fd, flags, 8, (off_t)pfn * 8) != 8)
		return -EIO;
	return 0;
}

static bool inside(uint64_t pfn, uint64_t first, uint64_t nr)
{
	return pfn != CENSUS_NO_PFN && pfn >= first && pfn - first < nr;
}

int census_block(const uint64_t *pfns, size_t npages, uint64_t first_pfn, uint64_t nr_pfns,
		 const struct page_signature *sig, struct block_census *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < npages; i++) {
		uint64_t flags;
		int err;

		if (!inside(pfns[i], first_pfn, nr_pfns))
			continue;
		err = census_kpageflags(pfns[i], &flags);
		if (err)
			return err;
		c->pages++;
		if ((flags & sig->have) == sig->have && !(flags & sig->lack))
			c->matching++;
		c->dirty += !!(flags & (1ULL << KPF_DIRTY));
		c->writeback += !!(flags & (1ULL << KPF_WRITEBACK));
	}
	return 0;
}

void census_moves(const uint64_t *before, const uint64_t *after, size_t npages,
		  uint64_t first_pfn, uint64_t nr_pfns, struct block_moves *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < npages; i++) {
		if (!inside(before[i], first_pfn, nr_pfns))
			continue;
		m->were_inside++;
		if (after[i] == CENSUS_NO_PFN)
			m->gone++;
		else if (inside(after[i], first_pfn, nr_pfns))
			m->still_inside++;
		else
			m->moved_out++;
	}
}
