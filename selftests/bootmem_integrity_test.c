// SPDX-License-Identifier: GPL-2.0
/*
 * Data survives boot memory hot-remove, for each kind of memory a real
 * system migrates (one FIXTURE_VARIANT each, so each kind has its own
 * result): a worker holds address-tagged data in anonymous memory,
 * transparent huge pages, shmem or mlocked memory, and verifies it
 * continuously while the boot blocks that hold it go through offline ->
 * remove -> add -> online_movable, and once more at the end. Blocks are
 * chosen after the data is in place, as the movable boot blocks holding
 * the most of it (from the worker's pagemap), so offline must migrate it:
 * the test fails if no cycled block held the worker's pages, if no
 * offline migrated a page, or (THP) if the worker holds no huge page.
 *
 * Needs, guards and restores: declared in `needs` below.
 * Knobs: BOOTMEM_DATA_MB (data per worker kind, default 160),
 *        BOOTMEM_INTEGRITY_CYCLES (boot blocks per kind, default 1),
 *        BOOTMEM_SEED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/metrics.h"
#include "lib/file_io.h"
#include "lib/pattern.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_MIGRATION=y",
					   "CONFIG_TRANSPARENT_HUGEPAGE=y", NULL },
	.guards = "0003 and 0005 (boot blocks that hold live data go and come back intact)",
	.restores = "the workers killed; every block it cycled back online in ZONE_MOVABLE",
};

enum region_kind { REGION_ANON, REGION_THP, REGION_SHMEM, REGION_MLOCK, REGION_KINDS };
static const char *const region_names[REGION_KINDS] = { "anon", "thp", "shmem", "mlocked" };

struct worker_report {
	atomic_int ready, stop;
	atomic_ulong passes;
	struct pattern_tally tally;
	uintptr_t base;		/* the region, for pagemap */
	size_t len;
};

struct shared {
	struct worker_report w[REGION_KINDS];
};

static void *map_region(enum region_kind kind, size_t len)
{
	void *p;

	switch (kind) {
	case REGION_THP: {
		size_t huge = 2UL << 20;
		char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (raw == MAP_FAILED)
			return NULL;
		p = (void *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
		madvise(p, len, MADV_HUGEPAGE);
		return p;
	}
	case REGION_SHMEM: {
		int fd = memfd_create("bootmem-integrity", 0);

		if (fd < 0 || ftruncate(fd, len))
			return NULL;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		return p == MAP_FAILED ? NULL : p;
	}
	default:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		/*
		 * Base pages here, whatever the THP default: with THP=always
		 * these would be 2MiB folios too, and a block would hold only
		 * 64 of them (the THP region covers that case).
		 */
		madvise(p, len, MADV_NOHUGEPAGE);
		if (kind == REGION_MLOCK && mlock(p, len))
			return NULL;
		return p;
	}
}

/* A worker fills its region, then verifies it until told to stop. */
static void worker(enum region_kind kind, size_t len, uint64_t seed, struct worker_report *r)
{
	void *buf = map_region(kind, len);

	if (!buf)
		_exit(2);
	pattern_fill(buf, len, seed);
	r->base = (uintptr_t)buf;
	r->len = len;
	atomic_store(&r->ready, 1);
	for (;;) {
		int last = atomic_load(&r->stop);

		pattern_check_tally(buf, len, seed, &r->tally);
		atomic_fetch_add(&r->passes, 1);
		/* The pass that saw "stop" is the final verification. */
		if (last)
			_exit(0);
	}
}

FIXTURE(integrity) {
	struct suite_env env;	/* its tracked blocks: the ones cycled */
	struct shared *sh;
	pid_t pids[REGION_KINDS];	/* only the variant's kind runs */
	unsigned long block;
	int nid;
	uint64_t seed;
};

FIXTURE_VARIANT(integrity) {
	enum region_kind kind;
};

FIXTURE_VARIANT_ADD(integrity, anon) { .kind = REGION_ANON };
FIXTURE_VARIANT_ADD(integrity, thp) { .kind = REGION_THP };
FIXTURE_VARIANT_ADD(integrity, shmem) { .kind = REGION_SHMEM };
FIXTURE_VARIANT_ADD(integrity, mlocked) { .kind = REGION_MLOCK };

/*
 * How many of the workers' pages sit in each memory block, from their
 * /proc/PID/pagemap (root sees PFNs). Blocks are chosen by this, not by
 * pages in use: the first movable blocks are full of the initramfs's
 * rootfs pages, which no one verifies.
 */
static void count_worker_pages(struct shared *sh, const pid_t *pids, int kind,
			       uint64_t *per_block)
{
	uint64_t pages_per_block = mem_block_size() / getpagesize();

	memset(per_block, 0, MEM_BLOCKS_MAX * sizeof(*per_block));
	for (int k = 0; k < REGION_KINDS; k++) {
		if ((kind >= 0 && k != kind) || pids[k] <= 0)
			continue;
		char path[64];
		FILE *f;
		size_t n = sh->w[k].len / getpagesize();
		uint64_t entry;

		snprintf(path, sizeof(path), "/proc/%d/pagemap", pids[k]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fseek(f, sh->w[k].base / getpagesize() * 8, SEEK_SET))
			for (size_t i = 0; i < n && fread(&entry, 8, 1, f) == 1; i++) {
				uint64_t pfn = entry & ((1ULL << 55) - 1);

				if ((entry >> 63) && pfn / pages_per_block < MEM_BLOCKS_MAX)
					per_block[pfn / pages_per_block]++;
			}
		fclose(f);
	}
}

/*
 * The movable boot block holding the most of the workers' data of @kind
 * (every kind when negative), outside @used.
 */
static int pick_loaded_block(struct shared *sh, const pid_t *pids, int kind, uint64_t seed,
			     const unsigned long *used, int nr_used, unsigned long *block, int *nid)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	static uint64_t ours[MEM_BLOCKS_MAX];
	int n = cycle_movable_boot_blocks(seed, cand, MEM_BLOCKS_MAX);
	uint64_t best = 0;
	long chosen = -1;

	count_worker_pages(sh, pids, kind, ours);
	for (int i = 0; i < n; i++) {
		struct block_info info;
		bool taken = false;

		for (int u = 0; u < nr_used; u++)
			taken |= used[u] == cand[i];
		if (taken || cand[i] >= MEM_BLOCKS_MAX || driver_info(cand[i], &info) ||
		    info.pages_reserved)
			continue;
		if (ours[cand[i]] > best) {
			best = ours[cand[i]];
			chosen = cand[i];
		}
	}
	if (chosen < 0)
		return -ENOENT;
	*block = chosen;
	*nid = mem_block_node(chosen);
	return 0;
}

FIXTURE_SETUP(integrity)
{
	size_t len = env_u64("BOOTMEM_DATA_MB", 160) << 20;
	int ret, k;

	SUITE_SETUP(&self->env, &needs);
	self->seed = cycle_seed();
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
	k = variant->kind;
	fflush(NULL);
	self->pids[k] = fork();
	ASSERT_LE(0, self->pids[k]);
	if (!self->pids[k])
		worker(k, len, self->seed + k, &self->sh->w[k]);
	while (!atomic_load(&self->sh->w[k].ready)) {
		int status;

		ASSERT_EQ(0, waitpid(self->pids[k], &status, WNOHANG)) {
			TH_LOG("%s worker could not set up its memory", region_names[k]);
		}
		usleep(20000);
	}
	ret = pick_loaded_block(self->sh, self->pids, k, self->seed, NULL, 0, &self->block, &self->nid);
	ASSERT_EQ(0, ret) TH_LOG("no movable boot block holds the %s worker's data", region_names[k]);
	ret = driver_mark(self->block);
	ASSERT_TRUE(ret == 0 || ret == -EEXIST) TH_LOG("marking memory%lu: %s", self->block, strerror(-ret));
	suite_track(&self->env, self->block, self->nid);
	TH_LOG("seed %#" PRIx64 ": block %lu, %zu MiB of %s", self->seed, self->block, len >> 20,
	       region_names[k]);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(integrity)
{
	TEARDOWN_BEGIN();

	for (int k = 0; k < REGION_KINDS && self->sh; k++)
		if (self->pids[k] > 0) {
			kill(self->pids[k], SIGKILL);
			waitpid(self->pids[k], NULL, 0);
		}
	suite_teardown(_metadata, &self->env);
}

/* AnonHugePages of @pid in kB: madvise() asks for THP, this says it was given. */
static uint64_t anon_huge_kb(pid_t pid)
{
	char path[64], *text, *line;
	uint64_t kb = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	text = file_read_all(path);
	line = text ? strstr(text, "AnonHugePages:") : NULL;
	if (line)
		sscanf(line, "AnonHugePages: %" SCNu64, &kb);
	free(text);
	return kb;
}

TEST_F_TIMEOUT(integrity, data_survives_cycles_of_loaded_blocks, 3000)
{
	/*
	 * One boot block per kind by default: four kinds use four boot blocks,
	 * and the cycle tests after this program need the rest.
	 */
	int cycles = env_u64("BOOTMEM_INTEGRITY_CYCLES", 1);
	enum region_kind kind = variant->kind;
	struct worker_report *w = &self->sh->w[kind];
	uint64_t migrated_total = 0, ours_total = 0;
	static uint64_t ours[MEM_BLOCKS_MAX];
	int status;

	REQUIRE_SETUP();
	if (cycles < 1 || cycles > 64)
		cycles = cycles < 1 ? 1 : 64;
	if (kind == REGION_THP)
		EXPECT_LT(0, anon_huge_kb(self->pids[kind])) {
			TH_LOG("the THP worker holds no huge page (AnonHugePages 0): madvise alone proves nothing");
		}
	for (int c = 1; c <= cycles; c++) {
		unsigned long block = self->block;
		int nid = self->nid, ret;
		struct block_info was;

		/* After the first, the boot block holding most of the data not yet cycled. */
		if (c > 1 && pick_loaded_block(self->sh, self->pids, kind, self->seed,
					       self->env.blocks, self->env.nr, &block, &nid)) {
			block = self->block;	/* no other loaded boot block: again */
			nid = self->nid;
		}
		ret = driver_mark(block);
		if (ret == -EBUSY || ret == -EINVAL) {	/* reserved, or re-added already */
			block = self->block;
			nid = self->nid;
		}
		suite_track(&self->env, block, nid);
		ASSERT_EQ(0, driver_info(block, &was));
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;
			struct metric m;

			if (p == PHASE_OFFLINE) {
				count_worker_pages(self->sh, self->pids, kind, ours);
				ours_total += block < MEM_BLOCKS_MAX ? ours[block] : 0;
			}
			ASSERT_EQ(0, cycle_phase_run(p, block, nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s (%d tries)", c,
				       cycle_phase_names[p], block, strerror(-r.err), r.tries);
			}
			metric_begin(&m, "integrity", "phase");
			metric_str(&m, "region", region_names[kind]);
			metric_u64(&m, "cycle", c);
			metric_str(&m, "phase", cycle_phase_names[p]);
			metric_str(&m, "block_kind", was.boot ? "boot" : "hotadded");
			metric_ms_from_ns(&m, "ms", r.ns);
			if (p == PHASE_OFFLINE) {
				metric_u64(&m, "migrated_pages", r.migrated);
				metric_u64(&m, "in_use_pages", was.pages_lru + was.pages_other);
				metric_u64(&m, "worker_pages", block < MEM_BLOCKS_MAX ? ours[block] : 0);
				metric_u64(&m, "tries", r.tries);
				migrated_total += r.migrated;
				ksft_print_msg("%s cycle %d, memory%lu: offline migrated %" PRIu64 " pages (%"
					       PRIu64 " in use, %" PRIu64 " of them the worker's) in %.1f ms\n",
					       region_names[kind], c, block, r.migrated,
					       was.pages_lru + was.pages_other,
					       block < MEM_BLOCKS_MAX ? ours[block] : 0, r.ns / 1e6);
			}
			metric_emit(&m);
		}
		/* Let the worker see the block back before the next cycle. */
		{
			unsigned long seen = atomic_load(&w->passes);

			while (atomic_load(&w->passes) < seen + 1)
				usleep(10000);
		}
	}
	atomic_store(&w->stop, 1);
	ASSERT_EQ(self->pids[kind], waitpid(self->pids[kind], &status, 0));
	self->pids[kind] = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, atomic_load(&w->tally.bad_words)) {
		TH_LOG("%s: %lu corrupted words, first at %#lx: expected %#" PRIx64
		       ", found %#" PRIx64, region_names[kind], atomic_load(&w->tally.bad_words),
		       (unsigned long)w->tally.addr, w->tally.expected, w->tally.actual);
	}
	ksft_print_msg("%s: %lu verification passes, %lu bad words\n", region_names[kind],
		       atomic_load(&w->passes), atomic_load(&w->tally.bad_words));
	EXPECT_LT(0, migrated_total) TH_LOG("no offline migrated a page: the blocks were empty");
	EXPECT_LT(0, ours_total) TH_LOG("no cycled block held the %s worker's pages", region_names[kind]);
	/* The harness ends this process with _exit(): flush what we printed. */
	fflush(stdout);
}

TEST_HARNESS_MAIN
