// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "drift.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/acct_model.h"
#include "lib/mem_blocks.h"
#include "lib/ptdump.h"
#include "lib/test_driver.h"

int drift_begin(struct drift *d, const struct block_choice *c)
{
	uint64_t bytes = mem_block_size();
	struct ptdump pt;
	int ret;

	memset(d, 0, sizeof(*d));
	d->page_size = getpagesize();
	ret = acct_take(&d->before);
	if (ret)
		return ret;
	ret = ptdump_read(&pt);
	if (ret)
		return ret;
	for (unsigned int t = 0; t < c->threads; t++) {
		for (int i = 0; i < c->owned[t].nr && d->nr_boot < MEM_BLOCKS_MAX; i++) {
			const struct owned_block *o = &c->owned[t].blocks[i];
			struct ptdump_coverage cov;
			struct block_info info;
			uint64_t pages = bytes / d->page_size;

			if (!o->boot || driver_info(o->block, &info))
				continue;
			/* The geometry, read apart from the series: ptdump and the block size. */
			ptdump_cover(&pt, info.linear.start, info.linear.end, &cov);
			d->boot_block[d->nr_boot] = o->block;
			d->gives_back[d->nr_boot++] =
				acct_boot_pages_freed(pages, d->page_size,
						      (info.vmemmap.end - info.vmemmap.start) / pages,
						      cov.pte == bytes);
		}
	}
	ptdump_free(&pt);
	return 0;
}

static uint64_t ram_bytes(const struct acct_snapshot *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < s->nr_ram; i++)
		sum += s->ram[i].end - s->ram[i].start + 1;
	return sum;
}

bool drift_end(const struct drift *d, char *why, size_t len)
{
	struct acct_snapshot after;
	uint64_t freed = 0, managed_want, total_kb_want;
	int removed = 0, off = 0;

	why[0] = '\0';
	if (acct_take(&after)) {
		snprintf(why, len, "cannot read the accounting: %s", strerror(errno));
		return false;
	}
	/* A boot block that is no longer boot memory was removed at least once. */
	for (int i = 0; i < d->nr_boot; i++) {
		struct block_info info;

		if (!driver_info(d->boot_block[i], &info) && !info.boot) {
			freed += d->gives_back[i];
			removed++;
		}
	}
	managed_want = acct_total_managed(&d->before) + freed;
	total_kb_want = d->before.mem_total_kb + freed * d->page_size / 1024;
#define DIFF(what, want, got) do {							\
		if ((want) != (got) && off < (int)len)					\
			off += snprintf(why + off, len - off, "%s: expected %" PRIu64	\
					", got %" PRIu64 "; ", what, (uint64_t)(want),	\
					(uint64_t)(got));				\
	} while (0)
	DIFF("total managed pages", managed_want, acct_total_managed(&after));
	DIFF("MemTotal kB", total_kb_want, after.mem_total_kb);
	DIFF("System RAM bytes in /proc/iomem", ram_bytes(&d->before), ram_bytes(&after));
	DIFF("zones", d->before.nr_zones, after.nr_zones);
	for (int i = 0; i < d->before.nr_zones && i < after.nr_zones; i++) {
		const struct acct_zone *a = &d->before.zones[i], *b = &after.zones[i];

		DIFF(a->name, a->present, b->present);
		DIFF(a->name, a->spanned, b->spanned);
		DIFF(a->name, a->start_pfn, b->start_pfn);
	}
#undef DIFF
	if (off)
		return false;
	snprintf(why, len, "exact, with %" PRIu64 " pages given back by the first removal of %d "
		 "boot block(s), as the model says", freed, removed);
	return true;
}
