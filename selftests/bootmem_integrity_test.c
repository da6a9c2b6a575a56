// SPDX-License-Identifier: GPL-2.0
/*
 * Data survives boot memory hot-remove, for each kind of memory a real
 * system migrates (one FIXTURE_VARIANT each, so each kind has its own
 * result): a worker holds address-tagged data in anonymous memory,
 * transparent huge pages, shmem, mlocked memory or the page cache of a
 * file on a block-backed filesystem, and verifies it continuously while
 * the boot blocks that hold it go through offline -> remove -> add ->
 * online_movable, and once more at the end. Blocks are chosen after the
 * data is in place, as the movable boot blocks holding the most of it
 * (from the worker's pagemap), so offline must migrate it.
 *
 * What the kernel says, not what the test asked for: just before each
 * offline, /proc/kpageflags must show the worker's pages in the block as
 * the kind the variant means (a THP, an unevictable page, a file page
 * that is not anonymous or shmem, ...), and after it pagemap must find
 * every one of them present outside the block; that per-block count is
 * the "migrated" figure, not the global pgmigrate_success.
 *
 * The file variant stripes its file: even 64 KiB stripes are written
 * once and stay clean, odd ones are rewritten on every pass and stay
 * dirty (periodic writeback is off while it runs), and just before each
 * offline the test starts writeback of the first half, so offline meets
 * clean, dirty and under-writeback file pages. At the end the worker
 * writes the file back and the test reads it from the disk with O_DIRECT
 * and verifies every word.
 *
 * Needs, guards and restores: declared in `needs` below.
 * Knobs: BOOTMEM_DATA_MB (data per worker kind; default one and a quarter
 *        memory blocks: 160 MiB with 128 MiB blocks, 640 MiB with 64K
 *        pages' 512 MiB, so the data outgrows the free room of the boot
 *        blocks that hold boot reservations and must reach a markable one),
 *        BOOTMEM_INTEGRITY_CYCLES (boot blocks per kind, default 1),
 *        BOOTMEM_FILE_DIR (a directory on a block-backed filesystem, for
 *        the file variant; the QEMU guest mounts an ext4 disk there),
 *        BOOTMEM_SEED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kernel-page-flags.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/metrics.h"
#include "lib/file_io.h"
#include "lib/page_census.h"
#include "lib/pattern.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_MIGRATION=y",
					   "CONFIG_TRANSPARENT_HUGEPAGE=y", NULL },
	.guards = "0003 and 0005 (boot blocks that hold live data go and come back intact)",
	.restores = "the workers killed; every block it cycled back online in ZONE_MOVABLE; "
		    "the file variant's file deleted and vm.dirty_writeback_centisecs as it was",
};

enum region_kind { REGION_ANON, REGION_THP, REGION_SHMEM, REGION_MLOCK, REGION_FILE, REGION_KINDS };
static const char *const region_names[REGION_KINDS] = { "anon", "thp", "shmem", "mlocked", "file" };

/* Each kind as /proc/kpageflags tells it (include/uapi/linux/kernel-page-flags.h). */
#define KPF(name) (1ULL << KPF_##name)
static const struct page_signature region_signatures[REGION_KINDS] = {
	[REGION_ANON] = { .have = KPF(ANON), .lack = KPF(THP) | KPF(UNEVICTABLE) },
	[REGION_THP] = { .have = KPF(ANON) | KPF(THP) },
	[REGION_SHMEM] = { .have = KPF(SWAPBACKED), .lack = KPF(ANON) },
	/* mlock() puts pages on the unevictable LRU. */
	[REGION_MLOCK] = { .have = KPF(ANON) | KPF(UNEVICTABLE) },
	/* Page cache of a real file: mapped, neither anonymous nor shmem. */
	[REGION_FILE] = { .have = KPF(MMAP), .lack = KPF(ANON) | KPF(SWAPBACKED) },
};

/* The file variant: even stripes stay clean, odd ones are kept dirty. */
#define FILE_STRIPE (64UL << 10)
#define FILE_NAME "bootmem-integrity.dat"
#define WRITEBACK_KNOB "/proc/sys/vm/dirty_writeback_centisecs"

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

static void *map_region(enum region_kind kind, size_t len, const char *file, int *fd)
{
	void *p;

	switch (kind) {
	case REGION_FILE:
		*fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (*fd < 0 || ftruncate(*fd, len))
			return NULL;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
		return p == MAP_FAILED ? NULL : p;
	case REGION_THP: {
		size_t huge = census_thp_size();
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

static bool in_dirty_stripe(size_t offset)
{
	return (offset / FILE_STRIPE) % 2;
}

/* Writes the odd stripes again (the same data), so they stay dirty. */
static void redirty_stripes(char *buf, size_t len, uint64_t seed)
{
	for (size_t off = FILE_STRIPE; off < len; off += 2 * FILE_STRIPE)
		pattern_fill(buf + off, len - off < FILE_STRIPE ? len - off : FILE_STRIPE, seed);
}

/*
 * A worker fills its region, then verifies it until told to stop. The
 * file worker first writes its file back, so every stripe starts clean,
 * and writes it back again after the last pass, for the read from disk.
 * Exit 2: no memory or file; 3: the file could not be written back.
 */
static void worker(enum region_kind kind, size_t len, uint64_t seed, const char *file,
		   struct worker_report *r)
{
	int fd = -1;
	void *buf;

	/*
	 * Dies with the test: a setup that fails an assertion ends the test
	 * without its teardown, and a worker left behind would hold the
	 * runner's output pipe open, hanging the whole run.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(2);
	buf = map_region(kind, len, file, &fd);
	if (!buf)
		_exit(2);
	pattern_fill(buf, len, seed);
	if (kind == REGION_FILE && (msync(buf, len, MS_SYNC) || fsync(fd)))
		_exit(3);
	r->base = (uintptr_t)buf;
	r->len = len;
	atomic_store(&r->ready, 1);
	for (;;) {
		int last = atomic_load(&r->stop);

		pattern_check_tally(buf, len, seed, &r->tally);
		atomic_fetch_add(&r->passes, 1);
		/* The pass that saw "stop" is the final verification. */
		if (last) {
			if (kind == REGION_FILE && (msync(buf, len, MS_SYNC) || fsync(fd)))
				_exit(3);
			_exit(0);
		}
		if (kind == REGION_FILE)
			redirty_stripes(buf, len, seed);
	}
}

FIXTURE(integrity) {
	struct suite_env env;	/* its tracked blocks: the ones cycled */
	struct shared *sh;
	pid_t pids[REGION_KINDS];	/* only the variant's kind runs */
	unsigned long block;
	int nid;
	uint64_t seed;
	char file[256];		/* the file variant's file, deleted at teardown */
	char writeback_was[32];	/* vm.dirty_writeback_centisecs to restore */
};

FIXTURE_VARIANT(integrity) {
	enum region_kind kind;
};

FIXTURE_VARIANT_ADD(integrity, anon) { .kind = REGION_ANON };
FIXTURE_VARIANT_ADD(integrity, thp) { .kind = REGION_THP };
FIXTURE_VARIANT_ADD(integrity, shmem) { .kind = REGION_SHMEM };
FIXTURE_VARIANT_ADD(integrity, mlocked) { .kind = REGION_MLOCK };
FIXTURE_VARIANT_ADD(integrity, file) { .kind = REGION_FILE };

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
		size_t n = sh->w[k].len / getpagesize();
		uint64_t *pfns = calloc(n, sizeof(*pfns));

		if (pfns && !census_pfns(pids[k], sh->w[k].base, n, pfns))
			for (size_t i = 0; i < n; i++)
				if (pfns[i] != CENSUS_NO_PFN && pfns[i] / pages_per_block < MEM_BLOCKS_MAX)
					per_block[pfns[i] / pages_per_block]++;
		free(pfns);
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

/*
 * Hot-added (re-added) movable blocks that earlier tests left free take a
 * new worker's pages first, and then no boot block holds any: with 64K
 * pages one 512 MiB block swallows all of it. They go offline while the
 * worker allocates (tracked, so the teardown brings them back whatever
 * happens), and online again once its data sits in boot memory.
 */
static int park_hotadded_blocks(struct suite_env *env, unsigned long *parked)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX), nr = 0;

	for (int i = 0; i < n; i++) {
		struct block_info info;

		if (driver_info(all[i], &info) || info.boot || !info.online ||
		    strcmp(info.zone, "Movable") || mem_block_set_state(all[i], "offline"))
			continue;
		suite_track(env, all[i], info.nid);
		parked[nr++] = all[i];
	}
	return nr;
}

FIXTURE_SETUP(integrity)
{
	static unsigned long parked[MEM_BLOCKS_MAX];
	int nr_parked;
	size_t len = env_u64("BOOTMEM_DATA_MB", 0) << 20;
	int ret, k;

	SUITE_SETUP(&self->env, &needs);
	if (!len)
		len = mem_block_size() + mem_block_size() / 4;
	{
		/* A block-mapped linear map (rodata=off) refuses every mark: end here. */
		unsigned long probe;
		int probe_nid;
		char why[256];

		ret = cycle_pick_and_mark(cycle_seed(), 0, &probe, &probe_nid, why, sizeof(why));
		if (ret == -EOPNOTSUPP)
			SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
		if (!ret)
			driver_unmark(probe);
	}
	if (variant->kind == REGION_FILE) {
		const char *dir = getenv("BOOTMEM_FILE_DIR");
		struct statfs fs;
		int n;

		if (!dir || !*dir)
			SKIP(return, "no BOOTMEM_FILE_DIR: no filesystem on a block device to migrate file pages from");
		ASSERT_EQ(0, statfs(dir, &fs)) TH_LOG("BOOTMEM_FILE_DIR %s: %s", dir, strerror(errno));
		/* Page cache of tmpfs is shmem, which the shmem variant covers. */
		ASSERT_TRUE(fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC) {
			TH_LOG("BOOTMEM_FILE_DIR %s is on tmpfs or ramfs: its pages are not file pages of a disk",
			       dir);
		}
		snprintf(self->file, sizeof(self->file), "%s/" FILE_NAME, dir);
		/* The odd stripes must stay dirty until the test writes them back. */
		n = file_read(WRITEBACK_KNOB, self->writeback_was, sizeof(self->writeback_was));
		ASSERT_LT(0, n) TH_LOG("%s: %s", WRITEBACK_KNOB, strerror(-n));
		ASSERT_EQ(0, file_write_once(WRITEBACK_KNOB, "0"));
	}
	self->seed = cycle_seed();
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
	k = variant->kind;
	if (k == REGION_THP) {
		uint64_t huge = census_thp_size();

		ASSERT_LT(0, huge) TH_LOG("no hpage_pmd_size: this kernel has no THP");
		/* Whole huge pages, at least one (512 MiB with 64K pages). */
		len = (len + huge - 1) / huge * huge;
	}
	nr_parked = park_hotadded_blocks(&self->env, parked);
	fflush(NULL);
	self->pids[k] = fork();
	ASSERT_LE(0, self->pids[k]);
	if (!self->pids[k])
		worker(k, len, self->seed + k, self->file, &self->sh->w[k]);
	while (!atomic_load(&self->sh->w[k].ready)) {
		int status;

		ASSERT_EQ(0, waitpid(self->pids[k], &status, WNOHANG)) {
			TH_LOG("%s worker could not set up its memory%s%s", region_names[k],
			       *self->file ? " or file " : "", self->file);
		}
		usleep(20000);
	}
	for (int i = 0; i < nr_parked; i++) {
		ASSERT_EQ(0, mem_block_set_state(parked[i], "online_movable")) {
			TH_LOG("memory%lu, parked offline, would not come back", parked[i]);
		}
	}
	if (nr_parked)
		TH_LOG("%d re-added blocks were offline while the worker allocated", nr_parked);
	ret = pick_loaded_block(self->sh, self->pids, k, self->seed, NULL, 0, &self->block, &self->nid);
	ASSERT_EQ(0, ret) TH_LOG("no movable boot block holds the %s worker's data", region_names[k]);
	ret = cycle_mark(self->block);
	if (ret == -EOPNOTSUPP)
		SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
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
	if (*self->file)
		unlink(self->file);
	if (*self->writeback_was)
		file_write_once(WRITEBACK_KNOB, self->writeback_was);
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

/* What offline met and did in one block, from the worker's pagemap. */
struct offline_census {
	struct block_census before;	/* kpageflags just before offline */
	struct block_moves moves;	/* pagemap before against after */
	uint64_t clean_stripe, dirty_stripe;	/* file variant */
};

static int census_before_offline(pid_t pid, const struct worker_report *w, unsigned long block,
				 enum region_kind kind, uint64_t *pfns, struct offline_census *oc)
{
	size_t page = getpagesize(), n = w->len / page;
	uint64_t per_block = mem_block_size() / page, first = block * per_block;
	int err = census_pfns(pid, w->base, n, pfns);

	memset(oc, 0, sizeof(*oc));
	if (!err)
		err = census_block(pfns, n, first, per_block, &region_signatures[kind], &oc->before);
	for (size_t i = 0; !err && kind == REGION_FILE && i < n; i++)
		if (pfns[i] != CENSUS_NO_PFN && pfns[i] >= first && pfns[i] - first < per_block) {
			if (in_dirty_stripe(i * page))
				oc->dirty_stripe++;
			else
				oc->clean_stripe++;
		}
	return err;
}

/*
 * Reads the file back from the disk, past the page cache (O_DIRECT), and
 * checks every word against where the worker wrote it. Returns bad words;
 * @verified gets the bytes read.
 */
static size_t verify_file_on_disk(const char *path, uintptr_t base, size_t len, uint64_t seed,
				  size_t *verified, struct pattern_mismatch *first)
{
	const size_t chunk = 1UL << 20;
	size_t bad = 0;
	void *buf = NULL;
	int fd = open(path, O_RDONLY | O_DIRECT);

	*verified = 0;
	memset(first, 0, sizeof(*first));
	if (fd < 0 || posix_memalign(&buf, 1UL << 16, chunk)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (*verified < len) {
		struct pattern_mismatch m;
		ssize_t n = pread(fd, buf, chunk, *verified);

		if (n <= 0)
			break;
		bad += pattern_check_as(buf, n, base + *verified, seed, &m);
		if (m.count && !first->count)
			*first = m;
		*verified += n;
	}
	free(buf);
	close(fd);
	return bad;
}

TEST_F_TIMEOUT(integrity, data_survives_cycles_of_loaded_blocks, 3000)
{
	/*
	 * One boot block per kind by default: five kinds use five boot blocks,
	 * and the cycle tests after this program need the rest.
	 */
	int cycles = env_u64("BOOTMEM_INTEGRITY_CYCLES", 1);
	enum region_kind kind = variant->kind;
	struct worker_report *w = &self->sh->w[kind];
	struct offline_census sum = { 0 };
	uint64_t *before, *after;
	size_t npages;
	int status, file_fd = -1;

	REQUIRE_SETUP();
	npages = w->len / getpagesize();
	before = calloc(npages, sizeof(*before));
	after = calloc(npages, sizeof(*after));
	ASSERT_TRUE(before && after);
	if (cycles < 1 || cycles > 64)
		cycles = cycles < 1 ? 1 : 64;
	if (kind == REGION_THP)
		EXPECT_LT(0, anon_huge_kb(self->pids[kind])) {
			TH_LOG("the THP worker holds no huge page (AnonHugePages 0): madvise alone proves nothing");
		}
	if (kind == REGION_FILE) {
		/* Two passes: the odd stripes have been written again since fsync. */
		while (atomic_load(&w->passes) < 2)
			usleep(10000);
		file_fd = open(self->file, O_RDONLY);
		ASSERT_LE(0, file_fd) TH_LOG("%s: %s", self->file, strerror(errno));
	}
	for (int c = 1; c <= cycles; c++) {
		unsigned long block = self->block;
		int nid = self->nid, ret;
		struct block_info was;
		struct offline_census oc = { 0 };

		/* After the first, the boot block holding most of the data not yet cycled. */
		if (c > 1 && pick_loaded_block(self->sh, self->pids, kind, self->seed,
					       self->env.blocks, self->env.nr, &block, &nid)) {
			block = self->block;	/* no other loaded boot block: again */
			nid = self->nid;
		}
		ret = cycle_mark(block);
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
				/* Offline meets pages under writeback, too. */
				if (kind == REGION_FILE)
					sync_file_range(file_fd, 0, w->len / 2, SYNC_FILE_RANGE_WRITE);
				ret = census_before_offline(self->pids[kind], w, block, kind, before, &oc);
				ASSERT_EQ(0, ret) TH_LOG("pagemap/kpageflags of the %s worker: %s",
							 region_names[kind], strerror(-ret));
			}
			ASSERT_EQ(0, cycle_phase_run(p, block, nid, &r)) {
				TH_LOG("cycle %d %s of memory%lu: %s (%d tries)", c,
				       cycle_phase_names[p], block, strerror(-r.err), r.tries);
			}
			if (p == PHASE_OFFLINE) {
				uint64_t per_block = mem_block_size() / getpagesize();

				ret = census_pfns(self->pids[kind], w->base, npages, after);
				ASSERT_EQ(0, ret) TH_LOG("pagemap after offline: %s", strerror(-ret));
				census_moves(before, after, npages, block * per_block, per_block, &oc.moves);
				/* Offline must have moved every one of them, and lost none. */
				EXPECT_EQ(oc.moves.were_inside, oc.moves.moved_out) {
					TH_LOG("%s cycle %d, memory%lu: of %" PRIu64 " worker pages in the block, %"
					       PRIu64 " moved out, %" PRIu64 " gone, %" PRIu64
					       " still inside an offline block", region_names[kind], c, block,
					       oc.moves.were_inside, oc.moves.moved_out, oc.moves.gone,
					       oc.moves.still_inside);
				}
			}
			metric_begin(&m, "integrity", METRIC_phase);
			metric_str(&m, "region", region_names[kind]);
			metric_u64(&m, "cycle", c);
			metric_str(&m, "phase", cycle_phase_names[p]);
			metric_str(&m, "block_kind", was.boot ? "boot" : "hotadded");
			metric_ms_from_ns(&m, "ms", r.ns);
			if (p == PHASE_OFFLINE) {
				metric_u64(&m, "migrated_pages", oc.moves.moved_out);
				metric_u64(&m, "migrated_pages_global", r.migrated);
				metric_u64(&m, "in_use_pages", was.pages_lru + was.pages_other);
				metric_u64(&m, "worker_pages", oc.before.pages);
				metric_u64(&m, "kind_pages", oc.before.matching);
				metric_u64(&m, "dirty_pages", oc.before.dirty);
				metric_u64(&m, "writeback_pages", oc.before.writeback);
				metric_u64(&m, "tries", r.tries);
				ksft_print_msg("%s cycle %d, memory%lu: %" PRIu64 " worker pages in the block (%"
					       PRIu64 " flagged %s, %" PRIu64 " dirty, %" PRIu64
					       " under writeback); offline moved %" PRIu64
					       " of them out (%" PRIu64 " migrations system-wide) in %.1f ms\n",
					       region_names[kind], c, block, oc.before.pages,
					       oc.before.matching, region_names[kind], oc.before.dirty,
					       oc.before.writeback, oc.moves.moved_out, r.migrated, r.ns / 1e6);
				sum.before.pages += oc.before.pages;
				sum.before.matching += oc.before.matching;
				sum.before.dirty += oc.before.dirty;
				sum.before.writeback += oc.before.writeback;
				sum.moves.moved_out += oc.moves.moved_out;
				sum.clean_stripe += oc.clean_stripe;
				sum.dirty_stripe += oc.dirty_stripe;
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
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("the %s worker ended with status %#x%s", region_names[kind], status,
		       WIFEXITED(status) && WEXITSTATUS(status) == 3 ? ": its file could not be written back" : "");
	}
	EXPECT_EQ(0, atomic_load(&w->tally.bad_words)) {
		TH_LOG("%s: %lu corrupted words, first at %#lx: expected %#" PRIx64
		       ", found %#" PRIx64, region_names[kind], atomic_load(&w->tally.bad_words),
		       (unsigned long)w->tally.addr, w->tally.expected, w->tally.actual);
	}
	ksft_print_msg("%s: %lu verification passes, %lu bad words\n", region_names[kind],
		       atomic_load(&w->passes), atomic_load(&w->tally.bad_words));
	EXPECT_LT(0, sum.before.pages) TH_LOG("no cycled block held the %s worker's pages", region_names[kind]);
	EXPECT_LT(0, sum.moves.moved_out) TH_LOG("no offline moved a page of the %s worker", region_names[kind]);
	EXPECT_LT(0, sum.before.matching) {
		TH_LOG("none of the %" PRIu64 " %s worker pages in cycled blocks had the kernel's flags of %s",
		       sum.before.pages, region_names[kind], region_names[kind]);
	}
	if (kind == REGION_FILE) {
		struct pattern_mismatch first;
		size_t verified, bad;
		struct metric m;

		close(file_fd);
		EXPECT_LT(0, sum.clean_stripe) TH_LOG("no clean file page sat in a cycled block");
		EXPECT_LT(0, sum.dirty_stripe) TH_LOG("no rewritten file page sat in a cycled block");
		EXPECT_LT(0, sum.before.dirty + sum.before.writeback) {
			TH_LOG("no file page in a cycled block was dirty or under writeback at offline");
		}
		bad = verify_file_on_disk(self->file, w->base, w->len, self->seed + kind, &verified, &first);
		EXPECT_EQ(w->len, verified) TH_LOG("read %zu of %zu bytes of %s back from disk", verified,
						   w->len, self->file);
		EXPECT_EQ(0, bad) {
			TH_LOG("file on disk: %zu corrupted words, first at offset %#lx: expected %#" PRIx64
			       ", found %#" PRIx64, bad, (unsigned long)(first.addr - w->base),
			       first.expected, first.actual);
		}
		ksft_print_msg("file: %" PRIu64 " clean and %" PRIu64 " rewritten file pages in cycled blocks (%"
			       PRIu64 " dirty, %" PRIu64 " under writeback at offline), %" PRIu64
			       " moved out; %zu MiB read back from disk with O_DIRECT, %zu bad words\n",
			       sum.clean_stripe, sum.dirty_stripe, sum.before.dirty, sum.before.writeback,
			       sum.moves.moved_out, verified >> 20, bad);
		metric_begin(&m, "integrity", METRIC_file_pages);
		metric_u64(&m, "clean_pages", sum.clean_stripe);
		metric_u64(&m, "rewritten_pages", sum.dirty_stripe);
		metric_u64(&m, "dirty_pages", sum.before.dirty);
		metric_u64(&m, "writeback_pages", sum.before.writeback);
		metric_u64(&m, "moved_out", sum.moves.moved_out);
		metric_u64(&m, "disk_verified_mib", verified >> 20);
		metric_u64(&m, "disk_bad_words", bad);
		metric_emit(&m);
	}
	free(before);
	free(after);
	/* The harness ends this process with _exit(): flush what we printed. */
	fflush(stdout);
}

TEST_HARNESS_MAIN
