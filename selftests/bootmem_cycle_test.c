// SPDX-License-Identifier: GPL-2.0
/*
 * Cycle boot memory blocks offline -> remove -> add -> online_movable and
 * check every phase: zone accounting against a model, the kernel's page
 * tables, and the block's memory block device and iomem entry.
 *
 * Needs:   root, debugfs, CONFIG_MEMORY_HOTREMOVE=y, CONFIG_PTDUMP_DEBUGFS=y,
 *          the test_bootmem_hotplug driver, boot memory in ZONE_MOVABLE
 *          (movablecore=). See ./config.
 * Guards:  the arm64 boot memory hot-remove series in fixtures/patches.
 * Restores: every block it touched goes back online in ZONE_MOVABLE, even
 *          when a check fails (FIXTURE_TEARDOWN).
 * Knobs:   BOOTMEM_SEED (block choice), BOOTMEM_CYCLES (drift test, >= 3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/accounting.h"
#include "lib/cycle.h"
#include "lib/kmsg.h"
#include "lib/mem_blocks.h"
#include "lib/metrics.h"
#include "lib/ptdump.h"
#include "lib/test_driver.h"

FIXTURE(bootmem) {
	unsigned long block;
	int nid;
	uint64_t seed;
	uint64_t block_pages;
	struct kmsg_watch kmsg;
	bool ready;
};

FIXTURE_SETUP(bootmem)
{
	self->ready = false;
	REQUIRE_SUITE();
	self->seed = cycle_seed();
	/* A different block per test: each test wants a block still boot. */
	PICK_AND_MARK(self->seed, &self->block, &self->nid);
	self->block_pages = mem_block_size() / getpagesize();
	TH_LOG("seed %#" PRIx64 " (BOOTMEM_SEED to repeat): block %lu, node %d",
	       self->seed, self->block, self->nid);
	kmsg_watch_start(&self->kmsg);
	self->ready = true;
}

FIXTURE_TEARDOWN(bootmem)
{
	char splat[512] = "";
	struct block_info info;

	TEARDOWN_BEGIN();

	if (!self->ready)
		return;
	EXPECT_EQ(0, cycle_block_restore(self->block, self->nid)) {
		TH_LOG("memory%lu could not be put back online", self->block);
	}
	if (!driver_info(self->block, &info) && info.boot && info.marked)
		driver_unmark(self->block);
	EXPECT_EQ(0, kmsg_watch_scan(&self->kmsg, splat, sizeof(splat), NULL, NULL)) {
		TH_LOG("kernel splat during the test: %s", splat);
	}
	kmsg_watch_stop(&self->kmsg);
}

static void emit_phase(const char *test, int cycle, enum cycle_phase phase,
		       bool boot, const struct phase_result *r)
{
	struct metric m;

	metric_begin(&m, test, "phase");
	metric_u64(&m, "cycle", cycle);
	metric_str(&m, "phase", cycle_phase_names[phase]);
	metric_str(&m, "block_kind", boot ? "boot" : "hotadded");
	metric_ms(&m, "ms", r->ns);
	if (phase == PHASE_OFFLINE) {
		metric_u64(&m, "migrated_pages", r->migrated);
		metric_u64(&m, "tries", r->tries);
	}
	metric_i64(&m, "err", r->err);
	metric_emit(&m);
	ksft_print_msg("cycle %d %-7s %8.2f ms%s\n", cycle, cycle_phase_names[phase],
		       r->ns / 1e6, boot ? " (boot block)" : "");
}

/* The zone the block belongs to while online, from the snapshot taken then. */
static const struct acct_zone *block_zone(const struct acct_snapshot *s, int nid)
{
	return acct_zone(s, nid, "Movable");
}

/*
 * Cycle 1 of a boot block, checked against the accounting model (the one
 * x86-64 already follows): offline takes the block's pages out of present,
 * managed and MemTotal; remove gives back the block's boot memmap and the
 * linear map page tables that covered it, which came from memblock at
 * boot, as managed memory; add changes no counter but brings the iomem
 * entry and the memory block device back; online restores the block.
 */
TEST_F_TIMEOUT(bootmem, first_cycle_returns_boot_memmap_and_tables, 600)
{
	struct acct_snapshot before, after;
	struct block_info info;
	struct phase_result r;
	const struct acct_zone *zb, *za;
	uint64_t pages = self->block_pages, kb = mem_block_size() / 1024;
	uint64_t freed, start, end;
	bool first_in_zone, last_in_zone;

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_TRUE(info.boot);
	start = info.phys_start;
	end = info.phys_end - 1;
	/* Boot memmap pages plus the PTE tables of the block's linear map. */
	freed = info.vmemmap.mapped + info.linear.leaf_pte * 8 / getpagesize();
	TH_LOG("model: remove frees %" PRIu64 " boot pages (%" PRIu64 " memmap + %" PRIu64
	       " page tables)", freed, info.vmemmap.mapped, freed - info.vmemmap.mapped);

	ASSERT_EQ(0, acct_take(&before));
	zb = block_zone(&before, self->nid);
	ASSERT_NE(NULL, zb);
	first_in_zone = zb->start_pfn == start / getpagesize();
	last_in_zone = zb->start_pfn + zb->spanned == (end + 1) / getpagesize();

	/* offline */
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r)) {
		TH_LOG("offline memory%lu: %s after %d tries", self->block, strerror(-r.err), r.tries);
	}
	emit_phase("first_cycle", 1, PHASE_OFFLINE, true, &r);
	ASSERT_EQ(0, acct_take(&after));
	za = block_zone(&after, self->nid);
	EXPECT_EQ(zb->present - pages, za->present);
	EXPECT_EQ(zb->managed - pages, za->managed);
	EXPECT_EQ(before.mem_total_kb - kb, after.mem_total_kb);
	EXPECT_EQ(before.node_total_kb[self->nid] - kb, after.node_total_kb[self->nid]);
	for (int n = 0; n < before.nr_nodes; n++) {
		if (n != self->nid)
			EXPECT_EQ(before.node_total_kb[n], after.node_total_kb[n]) {
				TH_LOG("node %d changed when a block of node %d went offline", n, self->nid);
			}
	}
	EXPECT_EQ(zb->spanned - (first_in_zone || last_in_zone ? pages : 0), za->spanned);
	EXPECT_EQ(zb->start_pfn + (first_in_zone ? pages : 0), za->start_pfn);
	EXPECT_TRUE(acct_ram_covers(&after, start, end)) TH_LOG("iomem must not change at offline");
	EXPECT_EQ((int)BLOCK_OFFLINE, (int)mem_block_state(self->block));
	before = after;

	/* remove */
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r)) {
		TH_LOG("remove memory%lu: %s", self->block, strerror(-r.err));
	}
	emit_phase("first_cycle", 1, PHASE_REMOVE, true, &r);
	ASSERT_EQ(0, acct_take(&after));
	EXPECT_EQ(acct_total_managed(&before) + freed, acct_total_managed(&after)) {
		TH_LOG("boot memmap and page tables must come back as managed pages");
	}
	EXPECT_EQ(before.mem_total_kb + freed * getpagesize() / 1024, after.mem_total_kb);
	EXPECT_EQ(block_zone(&before, self->nid)->present, block_zone(&after, self->nid)->present);
	EXPECT_FALSE(acct_ram_overlaps(&after, start, end)) {
		TH_LOG("/proc/iomem still claims %" PRIx64 "-%" PRIx64 " as System RAM", start, end);
	}
	EXPECT_TRUE(acct_ram_covers(&after, start - 1, start - 1) ||
		    !acct_ram_covers(&before, start - 1, start - 1)) TH_LOG("lost the RAM below");
	EXPECT_TRUE(acct_ram_covers(&after, end + 1, end + 1) ||
		    !acct_ram_covers(&before, end + 1, end + 1)) TH_LOG("lost the RAM above");
	EXPECT_EQ((int)BLOCK_ABSENT, (int)mem_block_state(self->block)) TH_LOG("memory block device still present");
	before = after;

	/* add */
	ASSERT_EQ(0, cycle_phase_run(PHASE_ADD, self->block, self->nid, &r)) {
		TH_LOG("add memory%lu on node %d: %s", self->block, self->nid, strerror(-r.err));
	}
	emit_phase("first_cycle", 1, PHASE_ADD, true, &r);
	ASSERT_EQ(0, acct_take(&after));
	EXPECT_EQ(acct_total_managed(&before), acct_total_managed(&after));
	EXPECT_EQ(before.mem_total_kb, after.mem_total_kb);
	EXPECT_TRUE(acct_ram_exact(&after, start, end)) {
		TH_LOG("no System RAM entry %" PRIx64 "-%" PRIx64 " after add", start, end);
	}
	EXPECT_EQ((int)BLOCK_OFFLINE, (int)mem_block_state(self->block));
	EXPECT_EQ(self->nid, mem_block_node(self->block));
	before = after;

	/* online_movable */
	ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r)) {
		TH_LOG("online_movable memory%lu: %s", self->block, strerror(-r.err));
	}
	emit_phase("first_cycle", 1, PHASE_ONLINE, true, &r);
	ASSERT_EQ(0, acct_take(&after));
	zb = block_zone(&before, self->nid);
	za = block_zone(&after, self->nid);
	EXPECT_EQ(zb->present + pages, za->present);
	EXPECT_EQ(zb->managed + pages, za->managed);
	EXPECT_EQ(before.mem_total_kb + kb, after.mem_total_kb);
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
	ASSERT_EQ(0, driver_info(self->block, &info));
	EXPECT_FALSE(info.boot) TH_LOG("a re-added block is hot-added memory, not boot memory");
}

#define MAX_CYCLES 64

/*
 * After the first cycle the block is ordinary hot-added memory, and every
 * counter must be identical phase by phase, cycle after cycle: any drift
 * is a leak, and a leak of a single page fails.
 */
TEST_F_TIMEOUT(bootmem, later_cycles_have_zero_drift, 1800)
{
	static struct acct_snapshot snap[MAX_CYCLES][PHASE_COUNT];
	int cycles = env_u64("BOOTMEM_CYCLES", 3);
	char why[512];

	REQUIRE_SETUP();
	if (cycles < 3)
		cycles = 3;
	if (cycles > MAX_CYCLES)
		cycles = MAX_CYCLES;
	for (int c = 0; c < cycles; c++) {
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;

			ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s", c + 1, cycle_phase_names[p],
				       self->block, strerror(-r.err));
			}
			emit_phase("zero_drift", c + 1, p, c == 0, &r);
			ASSERT_EQ(0, acct_take(&snap[c][p]));
			/* Cycle 1 is the boot block; cycle 2 sets the steady state. */
			if (c < 2)
				continue;
			EXPECT_EQ(0, acct_compare(&snap[1][p], &snap[c][p], why, sizeof(why))) {
				TH_LOG("drift after cycle %d %s (cycle 2 vs now): %s", c + 1,
				       cycle_phase_names[p], why);
			}
		}
	}
	/* A hot-added block's remove gives back no managed pages. */
	EXPECT_EQ(acct_total_managed(&snap[1][PHASE_OFFLINE]), acct_total_managed(&snap[1][PHASE_REMOVE]));
}

static void check_neighbour(struct __test_metadata *_metadata, const struct block_info *was,
			    unsigned long block)
{
	struct block_info now;

	if (!was->present || !was->online)
		return;
	ASSERT_EQ(0, driver_info(block, &now));
	EXPECT_EQ(was->linear.mapped, now.linear.mapped) TH_LOG("memory%lu linear map changed", block);
	EXPECT_EQ(was->linear.leaf_pte, now.linear.leaf_pte);
	EXPECT_EQ(was->linear.not_rw_nx, now.linear.not_rw_nx);
	EXPECT_EQ(was->vmemmap.mapped, now.vmemmap.mapped) TH_LOG("memory%lu vmemmap changed", block);
}

/*
 * Remove must unmap exactly the block: its linear map and its vmemmap,
 * nothing of its neighbours. Add must map it back read-write and
 * non-executable at page granularity (rodata=full), and the kernel's
 * ptdump must agree with the driver's walk; no mapping anywhere may be
 * writable and executable.
 */
TEST_F_TIMEOUT(bootmem, remove_unmaps_block_and_add_maps_it_rw_nx, 600)
{
	struct block_info info, below, above;
	struct phase_result r;
	struct ptdump pt;
	struct ptdump_coverage cov;
	const struct ptdump_entry *wx = NULL;
	uint64_t pages = self->block_pages, bytes = mem_block_size();

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_EQ(pages, info.linear.mapped);
	driver_info(self->block - 1, &below);
	driver_info(self->block + 1, &above);

	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
	ASSERT_EQ(0, driver_info(self->block, &info));
	EXPECT_EQ(0, info.linear.mapped) TH_LOG("linear map of the removed block is still mapped");
	EXPECT_EQ(0, info.vmemmap.mapped) TH_LOG("vmemmap of the removed block is still mapped");
	ASSERT_EQ(0, ptdump_read(&pt));
	ptdump_cover(&pt, info.linear.start, info.linear.end, &cov);
	EXPECT_EQ(0, cov.mapped) TH_LOG("ptdump still maps the removed linear range");
	ptdump_cover(&pt, info.vmemmap.start, info.vmemmap.end, &cov);
	EXPECT_EQ(0, cov.mapped) TH_LOG("ptdump still maps the removed vmemmap");
	ptdump_free(&pt);
	check_neighbour(_metadata, &below, self->block - 1);
	check_neighbour(_metadata, &above, self->block + 1);

	ASSERT_EQ(0, cycle_phase_run(PHASE_ADD, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, driver_info(self->block, &info));
	EXPECT_EQ(pages, info.linear.mapped);
	EXPECT_EQ(pages, info.linear.leaf_pte) TH_LOG("hot-added memory is mapped with pages under rodata=full");
	EXPECT_EQ(0, info.linear.not_rw_nx) TH_LOG("added block must be mapped RW and NX");
	EXPECT_EQ(0, info.linear.writable_exec);
	EXPECT_EQ((info.vmemmap.end - info.vmemmap.start) / getpagesize(), info.vmemmap.mapped) {
		TH_LOG("vmemmap not mapped back");
	}

	ASSERT_EQ(0, ptdump_read(&pt));
	ptdump_cover(&pt, info.linear.start, info.linear.end, &cov);
	EXPECT_EQ(bytes, cov.mapped) TH_LOG("ptdump disagrees with the driver's walk");
	EXPECT_EQ(bytes, cov.pte);
	EXPECT_EQ(0, cov.not_rw_nx);
	EXPECT_EQ(0, ptdump_count_wx(&pt, &wx)) {
		TH_LOG("W+X mapping %#" PRIx64 "-%#" PRIx64, wx->start, wx->end);
	}
	ptdump_free(&pt);
	check_neighbour(_metadata, &below, self->block - 1);
	check_neighbour(_metadata, &above, self->block + 1);
}

FIXTURE(every_block) {
	unsigned long blocks[MEM_BLOCKS_MAX];
	int nids[MEM_BLOCKS_MAX];
	int nr;
	struct kmsg_watch kmsg;
	bool ready;
};

FIXTURE_SETUP(every_block)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	int n, block_mapped = 0, other = 0;

	self->ready = false;
	self->nr = 0;
	REQUIRE_SUITE();
	n = cycle_movable_boot_blocks(cycle_seed(), cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		int ret = driver_mark(cand[i]);

		/* Blocks holding boot reservations are refused (EBUSY): skip them. */
		block_mapped += ret == -EOPNOTSUPP;
		other += ret && ret != -EEXIST && ret != -EBUSY && ret != -EOPNOTSUPP;
		if (ret && ret != -EEXIST)
			continue;
		self->blocks[self->nr] = cand[i];
		self->nids[self->nr++] = mem_block_node(cand[i]);
	}
	/* Only a block-mapped linear map (rodata=off) may leave nothing to cycle. */
	if (!self->nr && block_mapped && !other)
		SKIP(return, "no markable block among %d candidates: %d block-mapped (EOPNOTSUPP)",
		     n, block_mapped);
	ASSERT_LT(0, self->nr) TH_LOG("no movable boot block could be marked (%d candidates, "
				      "%d block-mapped, %d refused otherwise)", n, block_mapped, other);
	kmsg_watch_start(&self->kmsg);
	self->ready = true;
}

FIXTURE_TEARDOWN(every_block)
{
	char splat[512] = "";

	TEARDOWN_BEGIN();

	if (!self->ready)
		return;
	for (int i = 0; i < self->nr; i++) {
		struct block_info info;

		EXPECT_EQ(0, cycle_block_restore(self->blocks[i], self->nids[i]));
		if (!driver_info(self->blocks[i], &info) && info.boot && info.marked)
			driver_unmark(self->blocks[i]);
	}
	EXPECT_EQ(0, kmsg_watch_scan(&self->kmsg, splat, sizeof(splat), NULL, NULL)) {
		TH_LOG("kernel splat during the test: %s", splat);
	}
	kmsg_watch_stop(&self->kmsg);
}

/*
 * Every movable boot block that can be marked goes through BOOTMEM_CYCLES
 * full cycles, one block after the other: its first remove gives back
 * exactly its boot memmap and page tables, and from the second cycle on
 * the counters after each phase repeat exactly.
 */
TEST_F_TIMEOUT(every_block, every_marked_block_cycles_without_drift, 3600)
{
	int cycles = env_u64("BOOTMEM_CYCLES", 3);
	char why[512];

	REQUIRE_SETUP();
	if (cycles < 2)
		cycles = 2;
	ksft_print_msg("%d marked movable boot blocks, %d cycles each\n", self->nr, cycles);
	for (int i = 0; i < self->nr; i++) {
		unsigned long block = self->blocks[i];
		struct acct_snapshot steady[PHASE_COUNT], now, before_remove;
		struct block_info info;
		uint64_t freed;

		ASSERT_EQ(0, driver_info(block, &info));
		freed = info.vmemmap.mapped + info.linear.leaf_pte * 8 / getpagesize();
		for (int c = 1; c <= cycles; c++) {
			for (int p = 0; p < PHASE_COUNT; p++) {
				struct phase_result r;

				if (p == PHASE_REMOVE)
					ASSERT_EQ(0, acct_take(&before_remove));
				ASSERT_EQ(0, cycle_phase_run(p, block, self->nids[i], &r)) {
					TH_LOG("memory%lu cycle %d %s: %s", block, c,
					       cycle_phase_names[p], strerror(-r.err));
				}
				emit_phase("every_block", c, p, c == 1, &r);
				ASSERT_EQ(0, acct_take(&now));
				if (c == 1 && p == PHASE_REMOVE) {
					EXPECT_EQ(acct_total_managed(&before_remove) + freed,
						  acct_total_managed(&now)) {
						TH_LOG("memory%lu: first remove gave back %" PRId64
						       " pages, model %" PRIu64, block,
						       (int64_t)(acct_total_managed(&now) -
							         acct_total_managed(&before_remove)), freed);
					}
				}
				if (c == 2)
					steady[p] = now;
				else if (c > 2)
					EXPECT_EQ(0, acct_compare(&steady[p], &now, why, sizeof(why))) {
						TH_LOG("memory%lu drift at cycle %d %s: %s", block, c,
						       cycle_phase_names[p], why);
					}
			}
		}
	}
}

TEST_HARNESS_MAIN
