// SPDX-License-Identifier: GPL-2.0
/*
 * Boot memory cycles under real memory pressure, and the soak mode for
 * boards.
 *
 * Holds memory use at --pressure percent of MemTotal with stress-ng (vm
 * with --verify, mmap, brk, shm, page-in), fio on tmpfs with
 * verify=crc32c and an address-tagged verifier of our own, each bound to
 * a NUMA node with numactl. Meanwhile --threads threads cycle marked boot
 * blocks offline -> remove -> add -> online_movable, and one more thread
 * offlines and onlines other movable blocks. Offline retries on
 * EBUSY/EAGAIN are bounded: a block that will not go offline is counted
 * and skipped, never waited on forever.
 *
 * The tools are judged on what they did, not their exit codes: stress-ng
 * exits 0 having done nothing, so every stressor must report bogo-ops and
 * no verification failure, and fio must have moved data and verified it.
 *
 * Output: KTAP (kselftest.h) with one result per check, "# progress:"
 * lines every minute, and "# METRIC {json}" lines: per phase, or per
 * minute in --soak mode so the log stays bounded over hours.
 *
 * Needs: root, the test_bootmem_hotplug driver, movablecore=, stress-ng,
 * fio and numactl on PATH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "lib/accounting.h"
#include "lib/cycle.h"
#include "lib/kmsg.h"
#include "lib/mem_blocks.h"
#include "lib/metrics.h"
#include "lib/pattern.h"
#include "lib/sysfs_io.h"
#include "lib/test_driver.h"

#define MAX_THREADS 8
#define MAX_SAMPLES 65536

struct options {
	unsigned int duration_s, pressure_pct, threads, verify_interval_s;
	bool soak;
	uint64_t seed;
};

#define MAX_NODES 8

struct stats {
	atomic_ulong cycles, phase_errors, offline_busy, mixer_cycles, migrated;
	atomic_ulong node_cycles[MAX_NODES];
	pthread_mutex_t lock;
	double offline_ms[MAX_SAMPLES];
	uint64_t offline_in_use[MAX_SAMPLES];
	unsigned int nr_offline;
	/* per-minute aggregation for --soak */
	double minute_ms_sum[PHASE_COUNT];
	unsigned int minute_n[PHASE_COUNT];
};

/* The verifier's shared view, written by its process, read by us. */
struct verifier {
	atomic_ulong passes, bad_words, full_checks;
	atomic_int stop, ready;
	uintptr_t addr;
	uint64_t expected, actual;
};

static struct options opt = { 120, 80, 2, 300, false, 0 };
static struct stats *st;
static struct verifier *ver;
static atomic_int stopping;
static uint64_t run_t0;
static unsigned long owned[MAX_THREADS][MEM_BLOCKS_MAX];
static int owned_nr[MAX_THREADS];
static int owned_nid[MEM_BLOCKS_MAX * 2];
static unsigned long mixer_blocks[MEM_BLOCKS_MAX];
static int mixer_nr;

static void usage(void)
{
	fprintf(stderr,
		"usage: bootmem_stress [--duration SEC] [--soak-hours H] [--pressure PCT]\n"
		"                      [--threads N] [--verify-interval SEC] [--seed N]\n"
		"  --duration SEC         run this long (default 120)\n"
		"  --soak-hours H         soak mode: run H hours (fractions allowed), per-minute\n"
		"                         metrics instead of per-phase ones\n"
		"  --pressure PCT         hold this %% of MemTotal in use (50..95, default 80)\n"
		"  --threads N            cycling threads (1..%d, default 2)\n"
		"  --verify-interval SEC  full verification of held data (default 300)\n"
		"  --seed N               block-choice seed\n", MAX_THREADS);
}

static int parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "soak-hours", required_argument, NULL, 'S' },
		{ "pressure", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "verify-interval", required_argument, NULL, 'v' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end = NULL;
		double hours;

		switch (c) {
		case 'd': opt.duration_s = strtoul(optarg, &end, 10); break;
		case 'S':
			hours = strtod(optarg, &end);
			if (hours <= 0 || hours > 1000)
				end = optarg;
			opt.duration_s = hours * 3600;
			opt.soak = true;
			break;
		case 'p': opt.pressure_pct = strtoul(optarg, &end, 10); break;
		case 't': opt.threads = strtoul(optarg, &end, 10); break;
		case 'v': opt.verify_interval_s = strtoul(optarg, &end, 10); break;
		case 's': opt.seed = strtoull(optarg, &end, 0); break;
		case 'h': usage(); exit(0);
		default: usage(); return -1;
		}
		if (end && *end) {
			fprintf(stderr, "bootmem_stress: bad value '%s'\n", optarg);
			return -1;
		}
	}
	if (opt.pressure_pct < 50 || opt.pressure_pct > 95) {
		fprintf(stderr, "bootmem_stress: --pressure must be 50..95, got %u\n", opt.pressure_pct);
		return -1;
	}
	if (!opt.threads || opt.threads > MAX_THREADS || !opt.duration_s || !opt.verify_interval_s) {
		usage();
		return -1;
	}
	return 0;
}

static uint64_t mem_kb(const char *key)
{
	char *text = sysfs_read_all("/proc/meminfo"), *p;
	uint64_t v = 0;

	if (text && (p = strstr(text, key)))
		v = strtoull(p + strlen(key) + 1, NULL, 10);
	free(text);
	return v;
}

static int nr_nodes(void)
{
	int n = 0;
	char path[64];

	for (;; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			return n ? n : 1;
	}
}

/* fork+exec with stdout and stderr to @log; returns the pid. */
static pid_t spawn(const char *log, char *const argv[])
{
	pid_t pid;

	/* A child inherits unflushed stdio and would print it again. */
	fflush(NULL);
	pid = fork();

	if (pid == 0) {
		if (!freopen(log, "w", stdout) || dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Our own verifier: address-tagged data, checked continuously. */
static void verifier_run(size_t len, uint64_t seed)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pattern_mismatch m;

	if (buf == MAP_FAILED)
		_exit(2);
	madvise(buf, len, MADV_HUGEPAGE);
	pattern_fill(buf, len, seed);
	atomic_store(&ver->ready, 1);
	while (!atomic_load(&ver->stop)) {
		/* A slice at a time, so a full pass is spread over the interval. */
		for (size_t off = 0; off < len && !atomic_load(&ver->stop); off += 1 << 20) {
			size_t n = len - off < (1 << 20) ? len - off : (1 << 20);

			if (pattern_check(buf + off, n, seed, &m)) {
				if (!atomic_load(&ver->bad_words)) {
					ver->addr = m.addr;
					ver->expected = m.expected;
					ver->actual = m.actual;
				}
				atomic_fetch_add(&ver->bad_words, m.count);
			}
			atomic_fetch_add(&ver->passes, 1);
		}
		atomic_fetch_add(&ver->full_checks, 1);
	}
	_exit(0);
}

static void record_phase(enum cycle_phase p, const struct phase_result *r, uint64_t in_use,
			 unsigned long block, bool boot)
{
	pthread_mutex_lock(&st->lock);
	if (p == PHASE_OFFLINE && !r->err && st->nr_offline < MAX_SAMPLES) {
		st->offline_ms[st->nr_offline] = r->ns / 1e6;
		st->offline_in_use[st->nr_offline++] = in_use;
	}
	st->minute_ms_sum[p] += r->ns / 1e6;
	st->minute_n[p]++;
	pthread_mutex_unlock(&st->lock);
	if (!opt.soak) {
		struct metric m;

		metric_begin(&m, "stress", "phase");
		metric_ms(&m, "t_ms", now_ns() - run_t0);
		metric_u64(&m, "block", block);
		metric_str(&m, "phase", cycle_phase_names[p]);
		metric_str(&m, "block_kind", boot ? "boot" : "hotadded");
		metric_ms(&m, "ms", r->ns);
		metric_i64(&m, "err", r->err);
		if (p == PHASE_OFFLINE) {
			metric_u64(&m, "in_use_pages", in_use);
			metric_u64(&m, "migrated_pages", r->migrated);
			metric_u64(&m, "tries", r->tries);
		}
		metric_emit(&m);
	}
}

static void *cycler(void *arg)
{
	long t = (long)arg;
	int i = 0;

	while (!atomic_load(&stopping) && owned_nr[t]) {
		unsigned long block = owned[t][i++ % owned_nr[t]];
		int nid = owned_nid[block % (MEM_BLOCKS_MAX * 2)];
		struct block_info info;
		bool boot;
		uint64_t in_use;

		if (driver_info(block, &info))
			continue;
		boot = info.boot;
		in_use = info.pages_lru + info.pages_other;
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;

			cycle_phase_run(p, block, nid, &r);
			record_phase(p, &r, in_use, block, boot);
			if (p == PHASE_OFFLINE)
				atomic_fetch_add(&st->migrated, r.migrated);
			if (r.err) {
				if (p == PHASE_OFFLINE && (r.err == -EBUSY || r.err == -EAGAIN)) {
					atomic_fetch_add(&st->offline_busy, 1);
				} else {
					atomic_fetch_add(&st->phase_errors, 1);
					ksft_print_msg("memory%lu %s: %s\n", block, cycle_phase_names[p],
						       strerror(-r.err));
				}
				cycle_block_restore(block, nid);
				goto next;
			}
		}
		atomic_fetch_add(&st->cycles, 1);
		if (nid >= 0 && nid < MAX_NODES)
			atomic_fetch_add(&st->node_cycles[nid], 1);
next:
		;
	}
	return NULL;
}

/* Offline and online other movable blocks, without removing them. */
static void *mixer(void *arg)
{
	int i = 0;

	(void)arg;
	while (!atomic_load(&stopping) && mixer_nr) {
		unsigned long block = mixer_blocks[i++ % mixer_nr];
		int tries;

		if (!mem_block_offline_retry(block, 5, &tries)) {
			mem_block_set_state(block, "online_movable");
			atomic_fetch_add(&st->mixer_cycles, 1);
		}
		usleep(200000);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, unsigned int n, double q)
{
	return n ? v[(unsigned int)((n - 1) * q)] : 0;
}

static void progress(uint64_t t0, bool final)
{
	double min = (now_ns() - t0) / 60e9;
	unsigned long cycles = atomic_load(&st->cycles);
	struct metric m;

	ksft_print_msg("progress: t=%.0fs cycles=%lu rate=%.1f/min errors=%lu busy=%lu "
		       "mixer=%lu migrated=%lu corruption=%lu verified=%lu%s\n",
		       min * 60, cycles, min > 0 ? cycles / min : 0,
		       atomic_load(&st->phase_errors), atomic_load(&st->offline_busy),
		       atomic_load(&st->mixer_cycles), atomic_load(&st->migrated),
		       atomic_load(&ver->bad_words), atomic_load(&ver->full_checks),
		       final ? " (final)" : "");
	metric_begin(&m, "stress", opt.soak ? "soak_minute" : "progress");
	metric_ms(&m, "t_ms", now_ns() - t0);
	metric_u64(&m, "cycles", cycles);
	metric_u64(&m, "errors", atomic_load(&st->phase_errors));
	metric_u64(&m, "offline_busy", atomic_load(&st->offline_busy));
	metric_u64(&m, "migrated_pages", atomic_load(&st->migrated));
	metric_u64(&m, "corrupted_words", atomic_load(&ver->bad_words));
	metric_u64(&m, "mem_free_kb", mem_kb("MemFree:"));
	{
		struct acct_snapshot a;
		uint64_t present = 0, managed = 0;

		if (!acct_take(&a))
			for (int z = 0; z < a.nr_zones; z++)
				if (!strcmp(a.zones[z].name, "Movable")) {
					present += a.zones[z].present;
					managed += a.zones[z].managed;
				}
		metric_u64(&m, "movable_present_pages", present);
		metric_u64(&m, "movable_managed_pages", managed);
	}
	metric_u64(&m, "mem_total_kb", mem_kb("MemTotal:"));
	pthread_mutex_lock(&st->lock);
	for (int p = 0; p < PHASE_COUNT; p++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ms_avg", cycle_phase_names[p]);
		metric_ms(&m, key, st->minute_n[p] ?
			  (uint64_t)(st->minute_ms_sum[p] * 1e6 / st->minute_n[p]) : 0);
		st->minute_ms_sum[p] = 0;
		st->minute_n[p] = 0;
	}
	pthread_mutex_unlock(&st->lock);
	metric_emit(&m);
}

/* waitpid() for at most @secs seconds, then SIGKILL; returns the status. */
static int wait_bounded(pid_t pid, int secs)
{
	int status = 0;

	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	ksft_print_msg("pid %d did not finish in %d s: killed\n", pid, secs);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* The first lines of a tool's log, as diagnostics. */
static void show_log(const char *path)
{
	char *text = sysfs_read_all(path), *line, *save = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && n < 12;
	     line = strtok_r(NULL, "\n", &save), n++)
		ksft_print_msg("%s: %s\n", path, line);
	free(text);
}

/*
 * stress-ng: no verification failure in its log, and every stressor did
 * work according to its YAML metrics (bogo-ops > 0).
 */
static bool stress_ng_ok(int node, int status, char *why, size_t len)
{
	char path[64], *log, *yaml, *p;
	int stressors = 0, idle = 0;

	snprintf(path, sizeof(path), "/tmp/stress-ng.%d.log", node);
	log = sysfs_read_all(path);
	snprintf(path, sizeof(path), "/tmp/stress-ng.%d.yaml", node);
	yaml = sysfs_read_all(path);
	if (!log || !yaml) {
		snprintf(why, len, "node %d: stress-ng left no %s", node, log ? "YAML metrics" : "log");
		free(log);
		free(yaml);
		return false;
	}
	p = strstr(log, "fail:");
	if (p) {
		snprintf(why, len, "node %d: stress-ng reported %.160s", node, p);
		free(log);
		free(yaml);
		return false;
	}
	char idle_names[128] = "";

	/* "- stressor: vm" ... "bogo-ops: 1234" */
	for (p = yaml; (p = strstr(p, "stressor: ")); p++) {
		char name[32] = "?";
		char *ops = strstr(p, "bogo-ops: ");

		sscanf(p + 10, "%31s", name);
		if (!ops)
			break;
		stressors++;
		if (strtoull(ops + 10, NULL, 10) == 0) {
			idle++;
			snprintf(idle_names + strlen(idle_names), sizeof(idle_names) - strlen(idle_names),
				 " %s", name);
		}
	}
	free(log);
	free(yaml);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, len, "node %d: stress-ng exit status %d", node, WEXITSTATUS(status));
		snprintf(path, sizeof(path), "/tmp/stress-ng.%d.log", node);
		show_log(path);
		return false;
	}
	if (!stressors || idle) {
		snprintf(why, len, "node %d: %d of %d stressors did no work (bogo-ops 0):%s",
			 node, idle, stressors, idle_names);
		return false;
	}
	snprintf(why, len, "%d stressors per node did work, none failed verification", stressors);
	return true;
}

/* fio: no job errors, data moved, verification ran. */
static bool fio_ok(const char *log, int status, char *why, size_t len)
{
	char *text = sysfs_read_all(log), *p;
	unsigned long err = 0, ios = 0;

	if (!text) {
		snprintf(why, len, "no fio log");
		return false;
	}
	for (p = text; (p = strstr(p, "\"error\" : ")); p++)
		err += strtoul(p + 10, NULL, 10);
	for (p = text; (p = strstr(p, "\"total_ios\" : ")); p++)
		ios += strtoul(p + 14, NULL, 10);
	free(text);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || err) {
		snprintf(why, len, "fio exit %d, %lu job errors (verify=crc32c)", WEXITSTATUS(status), err);
		show_log(log);
		return false;
	}
	if (!ios) {
		snprintf(why, len, "fio did no I/O");
		return false;
	}
	snprintf(why, len, "fio did %lu I/Os, verified with crc32c", ios);
	return true;
}

static int movable_removable_blocks(uint64_t seed, unsigned long *out, int max)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX), count = 0;

	for (int i = 0; i < n && count < max; i++) {
		struct block_info info;
		char zone[32];
		int ret;

		if (mem_block_state(all[i]) != BLOCK_ONLINE ||
		    mem_block_zone(all[i], zone, sizeof(zone)) || strcmp(zone, "Movable") ||
		    driver_info(all[i], &info) || info.pages_reserved)
			continue;
		ret = info.boot ? driver_mark(all[i]) : 0;
		if (ret && ret != -EEXIST)
			continue;
		out[count++] = all[i];
	}
	/* Seeded rotation, so runs differ in which blocks cycle together. */
	for (int r = 0; count && r < (int)(seed % count); r++) {
		unsigned long first = out[0];

		memmove(out, out + 1, (count - 1) * sizeof(*out));
		out[count - 1] = first;
	}
	/*
	 * Interleave the nodes, so that every node's blocks come up early
	 * even in a short run: node order 0,1,0,1,... while both have some.
	 */
	{
		static unsigned long by_node[MAX_NODES][MEM_BLOCKS_MAX];
		int nr[MAX_NODES] = { 0 }, taken[MAX_NODES] = { 0 }, k = 0;

		for (int i = 0; i < count; i++) {
			int nid = mem_block_node(out[i]);

			nid = nid < 0 || nid >= MAX_NODES ? 0 : nid;
			by_node[nid][nr[nid]++] = out[i];
		}
		while (k < count)
			for (int nid = 0; nid < MAX_NODES; nid++)
				if (taken[nid] < nr[nid])
					out[k++] = by_node[nid][taken[nid]++];
	}
	return count;
}

int main(int argc, char **argv)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	char why[256], splat[512] = "", ng_why[256], fio_why[256];
	pthread_t threads[MAX_THREADS + 1];
	pid_t ng[8], fio_pid, vpid;
	int nodes, n, ng_nr = 0, marked = 0, splats;
	uint64_t total_kb, used_kb, want_kb, t0, next_progress;
	struct kmsg_watch kmsg;
	bool ng_good = true;
	enum suite_state availability;

	if (parse_options(argc, argv))
		return KSFT_FAIL;
	nodes = nr_nodes();
	ksft_print_header();
	/* The plan stays whole either way: a short plan fails the run. */
	availability = suite_availability(why, sizeof(why));
	if (availability != SUITE_READY) {
		ksft_set_plan(1);
		if (availability == SUITE_REFUSED) {
			ksft_test_result_skip("%s\n", why);
			exit(KSFT_SKIP);
		}
		ksft_test_result_fail("stress: %s\n", why);
		ksft_finished();
	}
	/* On a NUMA guest, blocks must cycle on every node that has some. */
	ksft_set_plan(nodes > 1 ? 6 : 5);
	if (!opt.seed)
		opt.seed = cycle_seed();
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ver = mmap(NULL, sizeof(*ver), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED || ver == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	pthread_mutex_init(&st->lock, NULL);

	/*
	 * Blocks: every online movable block that can go, boot blocks once
	 * marked and blocks already re-added by earlier tests (which are then
	 * ordinary hot-added memory). A third go to the mixer.
	 */
	n = movable_removable_blocks(opt.seed, cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		if (marked % 3 == 2 && mixer_nr < MEM_BLOCKS_MAX) {
			mixer_blocks[mixer_nr++] = cand[i];
		} else {
			int t = marked % opt.threads;

			owned[t][owned_nr[t]++] = cand[i];
			owned_nid[cand[i] % (MEM_BLOCKS_MAX * 2)] = mem_block_node(cand[i]);
		}
		marked++;
	}
	total_kb = mem_kb("MemTotal:");
	used_kb = total_kb - mem_kb("MemAvailable:");
	want_kb = total_kb * opt.pressure_pct / 100;
	want_kb = want_kb > used_kb ? want_kb - used_kb : 0;
	ksft_print_msg("seed %#" PRIx64 ": %d blocks cycled by %u threads, %d mixed; %d node(s); "
		       "pressure %u%% of %" PRIu64 " MiB (%" PRIu64 " MiB added); %u s%s\n",
		       opt.seed, marked - mixer_nr, opt.threads, mixer_nr, nodes, opt.pressure_pct,
		       total_kb >> 10, want_kb >> 10, opt.duration_s, opt.soak ? " soak" : "");

	/* Pressure: 60% stress-ng vm, up to 15% mmap, 10% fio files, 15% our verifier. */
	fflush(NULL);
	vpid = fork();
	if (vpid == 0)
		verifier_run(want_kb * 1024 * 15 / 100, opt.seed);
	while (!atomic_load(&ver->ready))
		usleep(50000);
	for (int node = 0; node < nodes; node++) {
		char nodearg[32], vmw[8], vmb[32], mmb[32], tmo[32], yaml[64], log[64];
		/* Four vm workers in all, so a NUMA guest is not twice as busy. */
		int vm_workers = nodes >= 4 ? 1 : 4 / nodes;

		snprintf(nodearg, sizeof(nodearg), "--membind=%d", node);
		uint64_t mmap_kb = want_kb * 15 / 100 / nodes;

		/*
		 * vm workers with the plain write64 method, so each completes
		 * verified passes (bogo-ops) even under TCG; mmap maps and
		 * unmaps, so its regions stay small.
		 */
		snprintf(vmw, sizeof(vmw), "%d", vm_workers);
		snprintf(vmb, sizeof(vmb), "%" PRIu64 "K", want_kb * 60 / 100 / nodes / vm_workers);
		snprintf(mmb, sizeof(mmb), "%" PRIu64 "K", mmap_kb < (8 << 10) ? mmap_kb : (8 << 10));
		snprintf(tmo, sizeof(tmo), "%us", opt.duration_s);
		snprintf(yaml, sizeof(yaml), "/tmp/stress-ng.%d.yaml", node);
		snprintf(log, sizeof(log), "/tmp/stress-ng.%d.log", node);
		char *const args[] = {
			"numactl", nodearg, "stress-ng", "--vm", vmw, "--vm-bytes", vmb,
			"--vm-keep", "--vm-method", "write64", "--verify",
			"--mmap", "1", "--mmap-bytes", mmb, "--brk", "1",
			"--shm", "1", "--page-in", "--timeout", tmo, "--metrics-brief",
			"--yaml", yaml, NULL
		};
		ng[ng_nr++] = spawn(log, args);
	}
	{
		char size[32], rt[32];

		snprintf(size, sizeof(size), "%" PRIu64 "K", want_kb * 10 / 100 / 2);
		snprintf(rt, sizeof(rt), "%u", opt.duration_s);
		mkdir("/tmp/fio", 0755);
		char *const args[] = {
			"fio", "--name=tmpfs-verify", "--directory=/tmp/fio", "--size", size,
			"--numjobs=2", "--rw=randrw", "--bs=4k", "--ioengine=psync",
			"--verify=crc32c", "--do_verify=1", "--verify_fatal=1", "--time_based",
			"--runtime", rt, "--output-format=json", NULL
		};
		fio_pid = spawn("/tmp/fio.json", args);
	}
	sleep(5);	/* let the tools take their memory */

	kmsg_watch_start(&kmsg);
	t0 = now_ns();
	run_t0 = t0;
	next_progress = t0 + 60 * 1000000000ULL;
	for (long t = 0; t < opt.threads; t++)
		pthread_create(&threads[t], NULL, cycler, (void *)t);
	pthread_create(&threads[opt.threads], NULL, mixer, NULL);
	while (now_ns() - t0 < (uint64_t)opt.duration_s * 1000000000ULL) {
		sleep(1);
		if (now_ns() >= next_progress) {
			progress(t0, false);
			next_progress += 60 * 1000000000ULL;
		}
	}
	atomic_store(&stopping, 1);
	for (unsigned int t = 0; t <= opt.threads; t++)
		pthread_join(threads[t], NULL);
	progress(t0, true);

	/* Final full verification, then stop everything. */
	{
		unsigned long full = atomic_load(&ver->full_checks);

		while (atomic_load(&ver->full_checks) < full + 2)
			usleep(100000);
	}
	atomic_store(&ver->stop, 1);
	waitpid(vpid, NULL, 0);
	/*
	 * The tools were given the same duration: let them finish and write
	 * their own results, but never wait on one forever.
	 */
	for (int i = 0; i < ng_nr; i++) {
		int status = wait_bounded(ng[i], 120);

		if (ng_good && !stress_ng_ok(i, status, ng_why, sizeof(ng_why)))
			ng_good = false;
	}
	{
		int status = wait_bounded(fio_pid, 120);

		ksft_test_result(fio_ok("/tmp/fio.json", status, fio_why, sizeof(fio_why)),
				 "fio_tmpfs_verified: %s\n", fio_why);
	}
	ksft_test_result(ng_good, "stress_ng_did_work_and_verified: %s\n", ng_why);
	ksft_test_result(atomic_load(&ver->bad_words) == 0,
			 "no_corruption: %lu bad words in %lu full checks%s\n",
			 atomic_load(&ver->bad_words), atomic_load(&ver->full_checks),
			 atomic_load(&ver->bad_words) ? " (see first mismatch above)" : "");
	if (atomic_load(&ver->bad_words))
		ksft_print_msg("first corrupted word at %#lx: expected %#" PRIx64 ", found %#" PRIx64 "\n",
			       (unsigned long)ver->addr, ver->expected, ver->actual);

	/* Figures: rate, latency percentiles against pages in use, EBUSY rate. */
	{
		double minutes = (now_ns() - t0) / 60e9, *ms = st->offline_ms;
		unsigned int nr = st->nr_offline;
		unsigned long cycles = atomic_load(&st->cycles), busy = atomic_load(&st->offline_busy);
		uint64_t in_use_sum = 0;
		struct metric m;

		for (unsigned int i = 0; i < nr; i++)
			in_use_sum += st->offline_in_use[i];
		qsort(ms, nr, sizeof(*ms), cmp_double);
		metric_begin(&m, "stress", "summary");
		metric_u64(&m, "pressure_pct", opt.pressure_pct);
		metric_u64(&m, "threads", opt.threads);
		metric_u64(&m, "cycles", cycles);
		metric_u64(&m, "cycles_per_min_x100", (uint64_t)(minutes > 0 ? cycles / minutes * 100 : 0));
		metric_ms(&m, "offline_p50_ms", (uint64_t)(pct(ms, nr, 0.50) * 1e6));
		metric_ms(&m, "offline_p95_ms", (uint64_t)(pct(ms, nr, 0.95) * 1e6));
		metric_ms(&m, "offline_p99_ms", (uint64_t)(pct(ms, nr, 0.99) * 1e6));
		metric_u64(&m, "offline_in_use_pages_avg", nr ? in_use_sum / nr : 0);
		metric_u64(&m, "offline_busy", busy);
		metric_u64(&m, "offline_attempts", nr + busy);
		metric_u64(&m, "migrated_pages", atomic_load(&st->migrated));
		metric_u64(&m, "corrupted_words", atomic_load(&ver->bad_words));
		metric_emit(&m);
		ksft_print_msg("%lu cycles in %.1f min (%.1f/min) at %u%% pressure; offline p50 %.0f ms "
			       "p95 %.0f ms p99 %.0f ms over %" PRIu64 " pages in use on average; "
			       "EBUSY %lu of %u offlines\n", cycles, minutes,
			       minutes > 0 ? cycles / minutes : 0, opt.pressure_pct,
			       pct(ms, nr, 0.5), pct(ms, nr, 0.95), pct(ms, nr, 0.99),
			       nr ? in_use_sum / nr : 0, busy, nr + busy);
		ksft_test_result(cycles > 0 && !atomic_load(&st->phase_errors) && in_use_sum > 0,
				 "cycles_under_pressure: %lu cycles, %lu phase errors, %" PRIu64
				 " pages in use at offline\n", cycles, atomic_load(&st->phase_errors),
				 in_use_sum);
	}
	if (nodes > 1) {
		bool every = true;
		char per_node[128] = "";

		for (int node = 0; node < nodes && node < MAX_NODES; node++) {
			bool has_blocks = false;

			for (int t = 0; t < (int)opt.threads; t++)
				for (int i = 0; i < owned_nr[t]; i++)
					has_blocks |= owned_nid[owned[t][i] % (MEM_BLOCKS_MAX * 2)] == node;
			every &= !has_blocks || atomic_load(&st->node_cycles[node]) > 0;
			snprintf(per_node + strlen(per_node), sizeof(per_node) - strlen(per_node),
				 " node%d=%lu%s", node, atomic_load(&st->node_cycles[node]),
				 has_blocks ? "" : "(no movable blocks)");
		}
		ksft_test_result(every, "cycles_on_every_node:%s\n", per_node);
	}
	for (int t = 0; t < (int)opt.threads; t++)
		for (int i = 0; i < owned_nr[t]; i++)
			cycle_block_restore(owned[t][i], owned_nid[owned[t][i] % (MEM_BLOCKS_MAX * 2)]);
	splats = kmsg_watch_scan(&kmsg, splat, sizeof(splat), NULL, NULL);
	ksft_test_result(!splats, "no_kernel_splat%s%s\n", splats ? ": " : "", splat);
	ksft_finished();
}
