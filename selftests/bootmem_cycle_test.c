// SPDX-License-Identifier: GPL-2.0
/*
 * Cycle boot memory blocks offline -> remove -> add -> online_movable and
 * check every phase: zone accounting against a model, the kernel's page
 * tables, and the block's memory block device and iomem entry.
 *
 * Needs, guards and restores: declared in `needs` below.
 * Knobs:   BOOTMEM_SEED (block choice), BOOTMEM_CYCLES (drift test, >= 3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/defaults.h"
#include "lib/harness_extra.h"
#include "lib/accounting.h"
#include "lib/acct_model.h"
#include "lib/file_io.h"
#include "lib/linear_leaf.h"
#include "lib/metrics.h"
#include "lib/ptdump.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTPLUG=y", "CONFIG_MEMORY_HOTREMOVE=y",
					   "CONFIG_MODULES=y",
					   "CONFIG_SPARSEMEM_VMEMMAP=y", "CONFIG_MIGRATION=y",
					   "CONFIG_DEBUG_FS=y", "CONFIG_PTDUMP_DEBUGFS=y", NULL },
	.guards = "0001 (iomem split and re-add), 0003 (boot memmap and tables freed), "
		  "0005 (marking, no leaf split)",
	.restores = "every block it touched back online in ZONE_MOVABLE, boot blocks unmarked",
};

FIXTURE(bootmem) {
	struct suite_env env;
	unsigned long block;
	int nid;
	uint64_t seed;
	uint64_t block_pages;
};

FIXTURE_SETUP(bootmem)
{
	SUITE_SETUP(&self->env, &needs);
	self->seed = cycle_seed();
	/* A different block per test: each test wants a block still boot. */
	SUITE_PICK_BLOCK(&self->env, self->seed, &self->block, &self->nid);
	self->block_pages = mem_block_size() / getpagesize();
	TH_LOG("seed %#" PRIx64 " (BOOTMEM_SEED to repeat): block %lu, node %d",
	       self->seed, self->block, self->nid);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(bootmem)
{
	TEARDOWN_BEGIN();
	suite_teardown(_metadata, &self->env);
}

static void emit_phase(const char *test, int cycle, enum cycle_phase phase,
		       bool boot, const struct phase_result *r)
{
	struct metric m;

	metric_begin(&m, test, METRIC_phase);
	metric_u64(&m, "cycle", cycle);
	metric_str(&m, "phase", cycle_phase_names[phase]);
	metric_str(&m, "block_kind", boot ? "boot" : "hotadded");
	metric_ms_from_ns(&m, "ms", r->ns);
	if (phase == PHASE_OFFLINE) {
		metric_u64(&m, "migrated_pages", r->migrated);
		metric_u64(&m, "tries", r->tries);
	}
	metric_i64(&m, "err", r->err);
	metric_emit(&m);
	ksft_print_msg("cycle %d %-7s %8.2f ms%s\n", cycle, cycle_phase_names[phase],
		       r->ns / 1e6, boot ? " (boot block)" : "");
}

/*
 * The model's view of a block (lib/acct_model.h): its geometry, and what a
 * remove of it must give back, derived from the block size, the page size
 * and the linear map's granularity in the kernel's own ptdump, never from
 * the driver's walk, which uses the series' leaf lookup under test.
 */
static void model_block(struct __test_metadata *_metadata, unsigned long block, int nid,
			bool boot, struct acct_block *b, uint64_t *ptdump_pte_bytes)
{
	struct block_info info;
	struct ptdump pt;
	struct ptdump_coverage cov;
	uint64_t bytes = mem_block_size();

	ASSERT_EQ(0, driver_info(block, &info));
	memset(b, 0, sizeof(*b));
	b->nid = nid;
	b->start = info.phys_start;
	b->end = info.phys_end - 1;
	b->page_size = getpagesize();
	b->pages = bytes / b->page_size;
	b->boot = boot;
	/* struct page's size from the driver's view of the block's vmemmap. */
	b->memmap_pages = (info.vmemmap.end - info.vmemmap.start) / b->page_size;
	if (!boot)
		return;
	ASSERT_EQ(0, ptdump_read(&pt));
	ptdump_cover(&pt, info.linear.start, info.linear.end, &cov);
	ptdump_free(&pt);
	if (ptdump_pte_bytes)
		*ptdump_pte_bytes = cov.pte;
	b->remove_gives_back = acct_boot_pages_freed(b->pages, b->page_size,
						     (info.vmemmap.end - info.vmemmap.start) / b->pages,
						     cov.pte == bytes);
	TH_LOG("model: the remove of boot block %lu gives back %" PRIu64 " pages "
	       "(linear map %s in ptdump)", block, b->remove_gives_back,
	       cov.pte == bytes ? "all PTEs" : "not all PTEs");
}

/*
 * Cycle 1 of a boot block, phase by phase, against the accounting model
 * (lib/acct_model.c): the remove gives back the block's boot memmap and
 * the linear-map tables that covered it. The series' leaf lookup (the
 * driver's walk) is checked on its own against the same geometry.
 */
TEST_F_TIMEOUT(bootmem, first_cycle_returns_boot_memmap_and_tables, 600)
{
	struct acct_snapshot before, after;
	struct acct_block model;
	struct block_info info;
	struct phase_result r;
	uint64_t ptdump_pte = 0;
	char why[512];

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_TRUE(info.boot);
	model_block(_metadata, self->block, self->nid, true, &model, &ptdump_pte);
	/*
	 * The lookup's own counts, apart from the model: every page of the
	 * block mapped, by as many PTE leaves as ptdump shows pages, and its
	 * memmap mapped too.
	 */
	EXPECT_EQ(model.pages, info.linear.mapped);
	EXPECT_EQ(ptdump_pte / model.page_size, info.linear.leaf_pte) {
		TH_LOG("the leaf lookup counts %" PRIu64 " PTE leaves, ptdump %" PRIu64 " pages of PTEs",
		       info.linear.leaf_pte, ptdump_pte / model.page_size);
	}
	EXPECT_EQ(model.pages * ((info.vmemmap.end - info.vmemmap.start) / model.pages) /
		  model.page_size, info.vmemmap.mapped);

	ASSERT_EQ(0, acct_take(&before));
	ASSERT_EQ(0, acct_block_place(&model, &before));
	for (int p = 0; p < PHASE_COUNT; p++) {
		ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r)) {
			TH_LOG("%s memory%lu: %s after %d tries", cycle_phase_names[p], self->block,
			       strerror(-r.err), r.tries);
		}
		emit_phase("first_cycle", 1, p, true, &r);
		ASSERT_EQ(0, acct_take(&after));
		EXPECT_EQ(0, acct_model_check(p, &model, &before, &after, why, sizeof(why))) {
			TH_LOG("cycle 1 %s of boot block %lu: %s", cycle_phase_names[p], self->block, why);
		}
		before = after;
	}
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
	EXPECT_EQ(self->nid, mem_block_node(self->block));
	ASSERT_EQ(0, driver_info(self->block, &info));
	EXPECT_FALSE(info.boot) TH_LOG("a re-added block is hot-added memory, not boot memory");
}

/*
 * nr_page_table_pages comes back exactly after a remove, on every kernel
 * (lib/acct_model.c says which kernels count which tables): the remove of
 * a boot block frees tables that were never counted, so it changes
 * nothing, and the remove of the re-added block takes off exactly what
 * its add put on. A destructor run on boot tables shows as a fall at the
 * first remove.
 */
TEST_F_TIMEOUT(bootmem, page_table_count_returns_after_remove, 600)
{
	static struct acct_snapshot snap[2][PHASE_COUNT];
	struct acct_snapshot start;
	int64_t boot_remove, add, hot_remove;

	REQUIRE_SETUP();
	ASSERT_EQ(0, acct_take(&start));
	for (int c = 0; c < 2; c++) {
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;

			ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s", c + 1, cycle_phase_names[p],
				       self->block, strerror(-r.err));
			}
			ASSERT_EQ(0, acct_take(&snap[c][p]));
		}
	}
	boot_remove = (int64_t)snap[0][PHASE_REMOVE].nr_page_table_pages -
		      (int64_t)snap[0][PHASE_OFFLINE].nr_page_table_pages;
	add = (int64_t)snap[1][PHASE_ADD].nr_page_table_pages -
	      (int64_t)snap[1][PHASE_REMOVE].nr_page_table_pages;
	hot_remove = (int64_t)snap[1][PHASE_REMOVE].nr_page_table_pages -
		     (int64_t)snap[1][PHASE_OFFLINE].nr_page_table_pages;
	ksft_print_msg("nr_page_table_pages: %" PRIu64 " at start; boot remove %+" PRId64
		       ", add %+" PRId64 ", re-added remove %+" PRId64 "\n",
		       start.nr_page_table_pages, boot_remove, add, hot_remove);
	EXPECT_EQ(acct_page_tables_remove_delta(true, 0), boot_remove) {
		TH_LOG("the remove of boot block %lu changed nr_page_table_pages by %+" PRId64
		       ": its tables came from memblock and were never counted", self->block,
		       boot_remove);
	}
	EXPECT_EQ(acct_page_tables_remove_delta(false, add), hot_remove) {
		TH_LOG("the remove of re-added block %lu changed nr_page_table_pages by %+" PRId64
		       ", its add by %+" PRId64, self->block, hot_remove, add);
	}
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
	int cycles = env_u64("BOOTMEM_CYCLES", BOOTMEM_DEFAULT_CYCLES);
	struct acct_snapshot before;
	struct acct_block hot_model;
	char why[512];

	REQUIRE_SETUP();
	if (cycles < 3)
		cycles = 3;
	if (cycles > MAX_CYCLES)
		cycles = MAX_CYCLES;
	model_block(_metadata, self->block, self->nid, false, &hot_model, NULL);
	for (int c = 0; c < cycles; c++) {
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;

			if (p == 0 || c == 0)
				ASSERT_EQ(0, acct_take(&before));
			if (p == 0)
				ASSERT_EQ(0, acct_block_place(&hot_model, &before));

			ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s", c + 1, cycle_phase_names[p],
				       self->block, strerror(-r.err));
			}
			emit_phase("zero_drift", c + 1, p, c == 0, &r);
			ASSERT_EQ(0, acct_take(&snap[c][p]));
			/* From cycle 2 on the block is hot-added memory: the model holds too. */
			if (c > 0)
				EXPECT_EQ(0, acct_model_check(p, &hot_model, &before, &snap[c][p],
							      why, sizeof(why))) {
					TH_LOG("cycle %d %s: %s", c + 1, cycle_phase_names[p], why);
				}
			before = snap[c][p];
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

static void check_walk(struct __test_metadata *_metadata, const char *what, unsigned long block,
		       const struct map_view *was, const struct map_view *now)
{
	EXPECT_EQ(was->mapped, now->mapped) TH_LOG("memory%lu %s: mapped pages changed", block, what);
	EXPECT_EQ(was->unmapped, now->unmapped) TH_LOG("memory%lu %s: unmapped pages changed", block, what);
#ifdef __x86_64__
	/*
	 * x86-64 unmaps part of a 1 GiB page by splitting it into 2 MiB ones
	 * (fixtures/kernel/patches/x86-6.1): a neighbour that was under a PUD leaf
	 * may end up under PMD leaves covering the same pages. Only then; a
	 * neighbour under smaller leaves keeps them exactly. arm64 never
	 * splits (the series refuses a removal that would), so there the
	 * leaves are always exact.
	 */
	bool split = was->leaf_pud && !now->leaf_pud && now->leaf_pte == was->leaf_pte;

	if (split) {
		EXPECT_LT(was->leaf_pmd, now->leaf_pmd) {
			TH_LOG("memory%lu %s: its PUD leaf went, and no PMD leaves came", block, what);
		}
	}
#else
	bool split = false;
#endif
	if (!split) {
		EXPECT_EQ(was->leaf_pud, now->leaf_pud) TH_LOG("memory%lu %s: PUD leaves changed", block, what);
		EXPECT_EQ(was->leaf_pmd, now->leaf_pmd) TH_LOG("memory%lu %s: PMD leaves changed", block, what);
		EXPECT_EQ(was->leaf_pte, now->leaf_pte) TH_LOG("memory%lu %s: PTE leaves changed", block, what);
	}
	EXPECT_EQ(was->leaf_cont, now->leaf_cont) TH_LOG("memory%lu %s: contiguous leaves changed", block, what);
	EXPECT_EQ(was->not_rw_nx, now->not_rw_nx) TH_LOG("memory%lu %s: permissions changed", block, what);
	EXPECT_EQ(was->writable_exec, now->writable_exec) TH_LOG("memory%lu %s: W+X changed", block, what);
}

/*
 * A neighbour of a removed or added block keeps its state, its zone, its
 * mark and both of its mappings exactly.
 */
static void check_neighbour(struct __test_metadata *_metadata, const struct block_info *was,
			    unsigned long block)
{
	struct block_info now;

	ASSERT_EQ(0, driver_info(block, &now));
	EXPECT_EQ(was->present, now.present) TH_LOG("memory%lu appeared or went", block);
	EXPECT_EQ(was->online, now.online) TH_LOG("memory%lu changed online state", block);
	EXPECT_EQ(was->marked, now.marked) TH_LOG("memory%lu changed its mark", block);
	if (was->present && now.present)
		EXPECT_STREQ(was->zone, now.zone) TH_LOG("memory%lu changed zone", block);
	check_walk(_metadata, "linear map", block, &was->linear, &now.linear);
	check_walk(_metadata, "vmemmap", block, &was->vmemmap, &now.vmemmap);
}

/* The driver walk's leaves at @level. */
static uint64_t leaf_count(const struct map_view *w, const char *level)
{
	if (!strcmp(level, "PTE"))
		return w->leaf_pte;
	if (!strcmp(level, "PMD"))
		return w->leaf_pmd;
	return w->leaf_pud;
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
	uint64_t pages = self->block_pages, bytes = mem_block_size(), leaf;
	const char *level;

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_EQ(pages, info.linear.mapped);
	level = linear_hotadd_level(info.phys_start, bytes);
	leaf = linear_leaf_size(level, false, getpagesize());
	ASSERT_EQ(0, driver_info(self->block - 1, &below));
	ASSERT_EQ(0, driver_info(self->block + 1, &above));

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
	EXPECT_EQ(bytes / leaf, leaf_count(&info.linear, level)) {
		TH_LOG("hot-added memory must be mapped with %" PRIu64 " %s leaves", bytes / leaf, level);
	}
	EXPECT_EQ(0, info.linear.not_rw_nx) TH_LOG("added block must be mapped RW and NX");
	EXPECT_EQ(0, info.linear.writable_exec);
	EXPECT_EQ((info.vmemmap.end - info.vmemmap.start) / getpagesize(), info.vmemmap.mapped) {
		TH_LOG("vmemmap not mapped back");
	}

	ASSERT_EQ(0, ptdump_read(&pt));
	ptdump_cover(&pt, info.linear.start, info.linear.end, &cov);
	EXPECT_EQ(bytes, cov.mapped) TH_LOG("ptdump disagrees with the driver's walk");
	EXPECT_EQ(bytes, !strcmp(level, "PTE") ? cov.pte : !strcmp(level, "PMD") ? cov.pmd : cov.pud) {
		TH_LOG("ptdump maps the added block with other leaves than %s", level);
	}
	EXPECT_EQ(0, cov.not_rw_nx);
	EXPECT_EQ(0, ptdump_count_wx(&pt, &wx)) {
		TH_LOG("W+X mapping %#" PRIx64 "-%#" PRIx64, wx->start, wx->end);
	}
	ptdump_free(&pt);
	check_neighbour(_metadata, &below, self->block - 1);
	check_neighbour(_metadata, &above, self->block + 1);
}

/* Cycles measured, after warm-up cycles whose changes settle allocations. */
#define LEAK_WARMUP 4
#define LEAK_CYCLES 80
/* Windows of LEAK_CYCLES a fall must show in, each, to be a leak. */
#define LEAK_WINDOWS 2

/*
 * Every free page, with the caches dropped and every slab cache shrunk
 * first: page cache, reclaimable slab, empty slabs and (under KASAN) the
 * quarantine of freed objects would otherwise move with whatever else the
 * guest does, or lag behind the frees a cycle made.
 */
static uint64_t drained_free_pages(struct __test_metadata *_metadata)
{
	struct acct_snapshot s;

	sync();
	EXPECT_EQ(0, file_write_once("/proc/sys/vm/drop_caches", "3"));
	EXPECT_LT(0, acct_shrink_slab_caches()) TH_LOG("no /sys/kernel/slab to shrink");
	EXPECT_EQ(0, acct_take(&s));
	return acct_total_free_with_pcp(&s);
}

/*
 * Cycles @block @n times; after each cycle numbered above LEAK_WARMUP (the
 * count goes on from @first), records free pages into @free_pages.
 */
static void leak_cycles(struct __test_metadata *_metadata, unsigned long block, int nid,
			int first, int n, double *free_pages)
{
	struct phase_result r;

	for (int c = first; c < first + n; c++) {
		for (int p = 0; p < PHASE_COUNT; p++) {
			ASSERT_EQ(0, cycle_phase_run(p, block, nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s", c + 1, cycle_phase_names[p],
				       block, strerror(-r.err));
			}
		}
		if (free_pages) {
			struct metric m;
			char *mi = file_read_all("/proc/meminfo"), *st = file_read_all("/proc/self/statm");
			unsigned long long sunreclaim = 0, pagetables = 0, kstack = 0, size = 0, rss = 0;

			free_pages[c - first] = (double)drained_free_pages(_metadata);
			if (mi && strstr(mi, "SUnreclaim:"))
				sscanf(strstr(mi, "SUnreclaim:"), "SUnreclaim: %llu", &sunreclaim);
			if (mi && strstr(mi, "PageTables:"))
				sscanf(strstr(mi, "PageTables:"), "PageTables: %llu", &pagetables);
			if (mi && strstr(mi, "KernelStack:"))
				sscanf(strstr(mi, "KernelStack:"), "KernelStack: %llu", &kstack);
			if (st)
				sscanf(st, "%llu %llu", &size, &rss);
			free(mi);
			free(st);
			/* Where free memory went, for a reader of a failure. */
			metric_begin(&m, "leak", METRIC_cycle);
			metric_u64(&m, "cycle", c + 1);
			metric_u64(&m, "free_pages", (uint64_t)free_pages[c - first]);
			metric_u64(&m, "sunreclaim_kb", sunreclaim);
			metric_u64(&m, "pagetables_kb", pagetables);
			metric_u64(&m, "kernelstack_kb", kstack);
			metric_u64(&m, "self_rss_pages", rss);
			metric_emit(&m);
		}
	}
}

/* The least-squares slope of @y against 0..@n-1, and its standard error. */
static void fit_slope(const double *y, int n, double *slope, double *stderr_slope)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, intercept, rss = 0;

	for (int i = 0; i < n; i++) {
		sx += i;
		sy += y[i];
		sxx += (double)i * i;
		sxy += i * y[i];
	}
	*slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	intercept = (sy - *slope * sx) / n;
	for (int i = 0; i < n; i++) {
		double e = y[i] - (intercept + *slope * i);

		rss += e * e;
	}
	*stderr_slope = sqrt(rss / (n - 2) / (sxx - sx * sx / n));
}

/*
 * A page leaked each time a re-added block is torn down (a page table, a
 * page of its memmap) changes none of the counters the model compares,
 * only free memory. So cycle the block, once it is hot-added memory,
 * LEAK_WARMUP times, then LEAK_CYCLES times counting every free page after
 * each cycle (the zones' free counts plus their per-CPU lists, caches
 * dropped, slabs shrunk). A kernel that keeps L pages per cycle makes free
 * memory fall by L per cycle; unrelated allocations come and go around a
 * level. So the test fits a line through free pages against the cycle
 * number and judges its slope. The bound is derived and printed: the
 * slope's standard error from the fit's residuals says how well this run
 * can see a slope, and free memory may fall by no more than the larger of
 * three standard errors and half a page per cycle (a leak is whole pages).
 *
 * An allocation that stays (a cache the stock x86-64 kernel grows once in
 * a while) is a step, not a slope, but a line fitted across a step slopes:
 * one x86-64 run saw free memory level, then 60 pages lower for good from
 * cycle 27 on, fitted as -0.78 pages per cycle. A leak falls in every
 * window, a step in one: a slope beyond the bound is measured again over
 * another LEAK_CYCLES, and only a fall in both windows is a leak.
 */
TEST_F_TIMEOUT(bootmem, re_added_block_leaks_no_page_over_many_cycles, 1800)
{
	double free_pages[LEAK_CYCLES], slope = 0, stderr_slope, bound = 0;
	int n = LEAK_CYCLES, first = 1 + LEAK_WARMUP;

	REQUIRE_SETUP();
	/* Cycle 1 turns the boot block into hot-added memory. */
	leak_cycles(_metadata, self->block, self->nid, 0, first, NULL);
	for (int window = 1; window <= LEAK_WINDOWS; window++, first += n) {
		leak_cycles(_metadata, self->block, self->nid, first, n, free_pages);
		fit_slope(free_pages, n, &slope, &stderr_slope);
		bound = 3 * stderr_slope > 0.5 ? 3 * stderr_slope : 0.5;
		ksft_print_msg("free pages over %d cycles of re-added memory%lu (window %d, after %d "
			       "to warm up): %.0f at the first, %.0f at the last; fitted change %+.2f "
			       "pages per cycle, standard error %.2f; bound: not below %.2f\n", n,
			       self->block, window, LEAK_WARMUP, free_pages[0], free_pages[n - 1],
			       slope, stderr_slope, -bound);
		if (slope >= -bound)
			return;
		if (window < LEAK_WINDOWS)
			ksft_print_msg("a fall beyond the bound: measuring another %d cycles, since a "
				       "leak falls in every window and a one-time allocation in one\n", n);
	}
	EXPECT_LE(-bound, slope) {
		TH_LOG("memory%lu: free memory falls by %.2f pages per cycle of a re-added block "
		       "(bound %.2f) in each of %d windows of %d cycles: a leak", self->block,
		       -slope, bound, LEAK_WINDOWS, n);
	}
}

/*
 * Removed means unreachable on every CPU, not only absent from the tables:
 * a translation a CPU still caches after remove would let it read memory
 * that now belongs to someone else. The driver reads the block's linear
 * map and vmemmap on each online CPU before the remove and after add and
 * online, where every read must work. The remove itself is watched: a
 * kernel thread on every CPU keeps reading the block while it is removed,
 * so each CPU holds its translations right up to the unmap (a probe
 * after the remove alone cannot fail under QEMU's TCG, whose TLB is
 * emptied on the way there: see the driver's remove_block_watched()).
 * After the remove no CPU may read any word of it.
 *
 * Even so, any other flush on a CPU between the unmap and its last read
 * (a switch to a user task's ASID empties TCG's whole TLB) hides a stale
 * entry: on 7.2 under TCG one watched remove caught a missing flush in
 * one run of two, and missed it with every remove flush gone in two of
 * two (2026-12-07). The block is removed under watch STALE_WATCH_REMOVES
 * times, each a fresh chance, and one stale CPU in any of them fails.
 * fixtures/mutants/remove-skips-linear-map-tlb-flush.patch and
 * remove-skips-every-tlb-flush.patch prove it.
 */
#define STALE_WATCH_REMOVES 12

TEST_F_TIMEOUT(bootmem, removed_block_is_unreachable_from_every_cpu, 900)
{
	uint64_t stale_linear = 0, stale_vmemmap = 0;
	int remove, stale_removes = 0;
	struct block_info info;
	struct phase_result r;

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	if (info.online_cpus < 2)
		SKIP(return, "one online CPU: no other CPU to hold a stale translation (run.sh --smp 4)");
	ksft_print_msg("probing memory%lu from %" PRIu64 " CPUs\n", self->block, info.online_cpus);
	for (remove = 1; remove <= STALE_WATCH_REMOVES; remove++) {
		EXPECT_EQ(info.online_cpus, info.linear.readable_cpus) {
			TH_LOG("remove %d: the online block's linear map", remove);
		}
		EXPECT_EQ(info.online_cpus, info.vmemmap.readable_cpus) {
			TH_LOG("remove %d: the online block's vmemmap", remove);
		}
		ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
		ASSERT_EQ(0, driver_remove_watched(self->block));
		ASSERT_EQ(0, driver_info(self->block, &info));
		ASSERT_TRUE(info.watched) {
			TH_LOG("the driver recorded no watched remove of memory%lu", self->block);
		}
		if (remove == 1 || info.watch_stale_linear_cpus || info.watch_stale_vmemmap_cpus)
			ksft_print_msg("memory%lu removed under watch (remove %d of %d): %" PRIu64
				       " CPUs watched, %" PRIu64 " read it during the remove, %" PRIu64
				       " still read its linear map and %" PRIu64 " its vmemmap after it\n",
				       self->block, remove, STALE_WATCH_REMOVES, info.watch_cpus,
				       info.watch_warm_cpus, info.watch_stale_linear_cpus,
				       info.watch_stale_vmemmap_cpus);
		/* A CPU that never read the block during the remove proves nothing. */
		EXPECT_EQ(info.online_cpus, info.watch_cpus) {
			TH_LOG("remove %d: CPUs that watched the remove", remove);
		}
		EXPECT_EQ(info.watch_cpus, info.watch_warm_cpus) {
			TH_LOG("remove %d: only %" PRIu64 " of %" PRIu64 " watching CPUs read memory%lu "
			       "while it was removed: the probe could not see their stale translations",
			       remove, info.watch_warm_cpus, info.watch_cpus, self->block);
		}
		EXPECT_EQ(0, info.linear.mapped) {
			TH_LOG("remove %d: the tables still map the removed block", remove);
		}
		EXPECT_EQ(0, info.linear.reachable_cpus) {
			TH_LOG("remove %d: memory%lu removed, yet %" PRIu64 " of %" PRIu64 " CPUs still "
			       "read its linear map", remove, self->block, info.linear.reachable_cpus,
			       info.online_cpus);
		}
		EXPECT_EQ(0, info.vmemmap.reachable_cpus) {
			TH_LOG("remove %d: memory%lu removed, yet %" PRIu64 " of %" PRIu64 " CPUs still "
			       "read its vmemmap", remove, self->block, info.vmemmap.reachable_cpus,
			       info.online_cpus);
		}
		stale_linear += info.watch_stale_linear_cpus;
		stale_vmemmap += info.watch_stale_vmemmap_cpus;
		stale_removes += info.watch_stale_linear_cpus || info.watch_stale_vmemmap_cpus;

		ASSERT_EQ(0, cycle_phase_run(PHASE_ADD, self->block, self->nid, &r));
		ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
		ASSERT_EQ(0, driver_info(self->block, &info));
	}
	ksft_print_msg("memory%lu removed %d times under watch: %d left a CPU reading it\n",
		       self->block, STALE_WATCH_REMOVES, stale_removes);
	EXPECT_EQ(0, stale_linear) {
		TH_LOG("memory%lu removed, yet in %d of %d watched removes a CPU that read it during "
		       "the remove still read its linear map after it (%" PRIu64 " CPU reads in all): "
		       "a TLB entry nobody invalidated", self->block, stale_removes,
		       STALE_WATCH_REMOVES, stale_linear);
	}
	EXPECT_EQ(0, stale_vmemmap) {
		TH_LOG("memory%lu removed, yet in %d of %d watched removes a CPU still read its "
		       "vmemmap after it (%" PRIu64 " CPU reads in all)", self->block, stale_removes,
		       STALE_WATCH_REMOVES, stale_vmemmap);
	}
	EXPECT_EQ(info.online_cpus, info.linear.readable_cpus) TH_LOG("re-added block's linear map");
	EXPECT_EQ(info.online_cpus, info.vmemmap.readable_cpus) TH_LOG("re-added block's vmemmap");
}

/*
 * A remove edits the kernel's record of which memory there is: on arm64,
 * memblock.memory, which virt_addr_valid() (through pfn_is_map_memory())
 * searches without a lock, as KVM's stage-2 faults and ioremap() do. A
 * lookup that lands in the middle of that edit must still find the memory
 * that stays: a "no" for a page in use is a VM_BUG_ON in free_pages() under
 * CONFIG_DEBUG_VM (seen in a 7.2 soak, 2026-12-06: kernel BUG at
 * mm/page_alloc.c, one millisecond after a remove), a device mapping of RAM
 * in KVM, a usercopy refusal. An add edits the same record twice: it adds
 * the block, merging it with its neighbours, and arm64's arch_add_memory()
 * then clears MEMBLOCK_NOMAP over it, which splits the merged region again
 * (the same BUG in a 7.2 quick run, 2026-12-07, while the other cycler
 * added a block). The driver's watchers, one a CPU, ask virt_addr_valid()
 * about their own kmalloc()ed state over and over while each remove, or
 * each add, runs; the cycles are what gives a short edit window a chance
 * to be hit. Every check, of all cycles, must say yes.
 */
#define WITNESS_CYCLES 24

/* WITNESS_CYCLES cycles of self->block, its remove or its add watched. */
static void witness_cycles(struct __test_metadata *_metadata, FIXTURE_DATA(bootmem) *self,
			   bool watch_add)
{
	const char *op = watch_add ? "added" : "removed";
	uint64_t checks = 0, invalid = 0;
	struct block_info info;
	struct phase_result r;
	int cycle, hit = 0;

	ASSERT_EQ(0, driver_info(self->block, &info));
	if (info.online_cpus < 2)
		SKIP(return, "one online CPU: no CPU looks while another edits (run.sh --smp 4)");
	for (cycle = 0; cycle < WITNESS_CYCLES; cycle++) {
		ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
		if (watch_add) {
			ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
			ASSERT_EQ(0, driver_add_watched(self->block, self->nid));
		} else {
			ASSERT_EQ(0, driver_remove_watched(self->block));
		}
		ASSERT_EQ(0, driver_info(self->block, &info));
		ASSERT_TRUE(info.watched && info.watched_add == watch_add)
			TH_LOG("the driver recorded no watched %s of memory%lu",
			       watch_add ? "add" : "remove", self->block);
		checks += info.watch_witness_checks;
		invalid += info.watch_witness_invalid;
		if (info.watch_witness_invalid && !hit++)
			ksft_print_msg("cycle %d of memory%lu: virt_addr_valid() said no %" PRIu64
				       " times of %" PRIu64 " for memory that stayed online\n", cycle,
				       self->block, info.watch_witness_invalid,
				       info.watch_witness_checks);
		if (!watch_add)
			ASSERT_EQ(0, cycle_phase_run(PHASE_ADD, self->block, self->nid, &r));
		ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
	}
	ksft_print_msg("memory%lu %s %d times under watch: %" PRIu64 " lookups of memory "
		       "that stayed, %" PRIu64 " said it was not there\n", self->block, op,
		       WITNESS_CYCLES, checks, invalid);
	/* No lookup during an edit, no evidence either way. */
	ASSERT_LT(0, checks) TH_LOG("the watchers made no lookup while memory%lu was %s",
				    self->block, op);
	EXPECT_EQ(0, invalid) {
		TH_LOG("virt_addr_valid() said no %" PRIu64 " times of %" PRIu64 " for memory that "
		       "stayed online, in %d of %d times memory%lu was %s: the record of memory "
		       "is read half-edited", invalid, checks, hit, WITNESS_CYCLES, self->block, op);
	}
}

TEST_F_TIMEOUT(bootmem, rest_of_memory_stays_valid_while_a_block_is_removed, 900)
{
	REQUIRE_SETUP();
	witness_cycles(_metadata, self, false);
}

TEST_F_TIMEOUT(bootmem, rest_of_memory_stays_valid_while_a_block_is_added, 900)
{
	REQUIRE_SETUP();
	witness_cycles(_metadata, self, true);
}

FIXTURE(every_block) {
	struct suite_env env;	/* its tracked blocks are the ones to cycle */
};

FIXTURE_SETUP(every_block)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	int n, block_mapped = 0, other = 0;

	SUITE_SETUP(&self->env, &needs);
	n = cycle_movable_boot_blocks(cycle_seed(), cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		int ret = cycle_mark(cand[i]);

		/* Blocks holding boot reservations are refused (EBUSY): skip them. */
		block_mapped += ret == -EOPNOTSUPP;
		other += ret && ret != -EEXIST && ret != -EBUSY && ret != -EOPNOTSUPP;
		if (ret && ret != -EEXIST)
			continue;
		suite_track(&self->env, cand[i], mem_block_node(cand[i]));
	}
	/* Only a block-mapped linear map (rodata=off) may leave nothing to cycle. */
	if (!self->env.nr && block_mapped && !other)
		SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
	ASSERT_LT(0, self->env.nr) TH_LOG("no movable boot block could be marked (%d candidates, "
					  "%d block-mapped, %d refused otherwise)", n, block_mapped, other);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(every_block)
{
	TEARDOWN_BEGIN();
	suite_teardown(_metadata, &self->env);
}

/*
 * Every movable boot block that can be marked goes through BOOTMEM_CYCLES
 * full cycles, one block after the other: its first remove gives back
 * exactly its boot memmap and page tables, and from the second cycle on
 * the counters after each phase repeat exactly.
 */
TEST_F_TIMEOUT(every_block, every_marked_block_cycles_without_drift, 3600)
{
	int cycles = env_u64("BOOTMEM_CYCLES", BOOTMEM_DEFAULT_CYCLES);
	char why[512];

	REQUIRE_SETUP();
	if (cycles < 2)
		cycles = 2;
	ksft_print_msg("%d marked movable boot blocks, %d cycles each\n", self->env.nr, cycles);
	for (int i = 0; i < self->env.nr; i++) {
		unsigned long block = self->env.blocks[i];
		int nid = self->env.nids[i];
		struct acct_snapshot steady[PHASE_COUNT], now, before;
		struct acct_block boot_model, hot_model;

		model_block(_metadata, block, nid, true, &boot_model, NULL);
		model_block(_metadata, block, nid, false, &hot_model, NULL);
		ASSERT_EQ(0, acct_take(&before));
		for (int c = 1; c <= cycles; c++) {
			struct acct_block *model = c == 1 ? &boot_model : &hot_model;

			ASSERT_EQ(0, acct_block_place(model, &before));
			for (int p = 0; p < PHASE_COUNT; p++) {
				struct phase_result r;

				ASSERT_EQ(0, cycle_phase_run(p, block, nid, &r)) {
					TH_LOG("memory%lu cycle %d %s: %s", block, c,
					       cycle_phase_names[p], strerror(-r.err));
				}
				emit_phase("every_block", c, p, c == 1, &r);
				ASSERT_EQ(0, acct_take(&now));
				EXPECT_EQ(0, acct_model_check(p, model, &before, &now, why, sizeof(why))) {
					TH_LOG("memory%lu cycle %d %s: %s", block, c,
					       cycle_phase_names[p], why);
				}
				before = now;
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
