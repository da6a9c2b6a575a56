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
 * offlines and onlines other movable blocks.
 *
 * Output: KTAP (kselftest.h) with one result per check, "# progress:"
 * lines every minute, and "# METRIC {json}" lines: per phase, or per
 * minute in --soak mode so the log stays bounded over hours.
 *
 * This file reads the options, runs the pieces in order and reports the
 * results; every KTAP result is printed here, because kselftest.h keeps
 * its counts per file. The pieces:
 *   block_choice.c  which blocks each cycler owns, marked and node-interleaved
 *   load.c          stress-ng and fio, started, stopped and their output read
 *   tool_verdicts.c what that output says: did they work and verify
 *   verifier.c      the address-tagged verifier process
 *   cyclers.c       the cycling threads and the mixer
 *   stats.c         latency, progress lines, per-phase/minute and summary metrics
 *
 * Needs, guards and restores: declared in `needs` below. Defaults come
 * from lib/defaults.h, which ci/plans.json's default plan reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "lib/defaults.h"
#include "baseline.h"
#include "block_choice.h"
#include "cyclers.h"
#include "drift.h"
#include "load.h"
#include "stats.h"
#include "verifier.h"
#include "lib/cycle.h"
#include "lib/kmsg.h"
#include "lib/metrics.h"
#include "lib/needs.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_MIGRATION=y",
					   "CONFIG_NUMA=y", NULL },
	.commands = (const char *const[]){ "stress-ng", "fio", "numactl", NULL },
	.guards = "the whole series under memory pressure: 0003 and 0005 above all",
	.restores = "every block it cycled or mixed back online in ZONE_MOVABLE",
};

#define NS_PER_MIN (60 * 1000000000ULL)

struct options {
	unsigned int duration_s, pressure_pct, threads, verify_interval_s;
	bool soak;
	uint64_t seed;
};

static struct options opt = { BOOTMEM_DEFAULT_STRESS_S, 0, 2, 300, false, 0 };

static void usage(void)
{
	fprintf(stderr,
		"usage: bootmem_stress [--duration SEC] [--soak-hours H] [--pressure PCT]\n"
		"                      [--threads N] [--verify-interval SEC] [--seed N]\n"
		"  --duration SEC         run this long (default %d)\n"
		"  --soak-hours H         soak mode: run H hours (fractions allowed), per-minute\n"
		"                         metrics instead of per-phase ones\n"
		"  --pressure PCT         hold this %% of MemTotal in use (50..95, default %d,\n"
		"                         %d with --soak-hours)\n"
		"  --threads N            cycling threads (1..%d, default 2)\n"
		"  --verify-interval SEC  full verification of held data (default 300)\n"
		"  --seed N               block-choice seed\n", BOOTMEM_DEFAULT_STRESS_S, BOOTMEM_DEFAULT_PRESSURE_PCT,
		BOOTMEM_DEFAULT_SOAK_PRESSURE_PCT, MAX_THREADS);
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
		case 'p':
			opt.pressure_pct = strtoul(optarg, &end, 10);
			if (!opt.pressure_pct)	/* 0 means "not given" below */
				end = optarg;
			break;
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
	if (!opt.pressure_pct)
		opt.pressure_pct = opt.soak ? BOOTMEM_DEFAULT_SOAK_PRESSURE_PCT : BOOTMEM_DEFAULT_PRESSURE_PCT;
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

/* The progress line also shows the verifier's counts, read from its process. */
static void progress(bool final)
{
	struct verifier_counts vc;

	verifier_read(&vc);
	stats_progress(final, vc.bad_words, vc.full_checks, load_rss_kb());
}

/* On a NUMA guest, blocks must cycle on every node that has some. */
static void report_cycles_on_every_node(const struct block_choice *choice, int nodes)
{
	bool every = true;
	char per_node[128] = "";

	for (int node = 0; node < nodes && node < MAX_NODES; node++) {
		bool has_blocks = block_choice_has_node(choice, node);

		/* A node with no blocks to cycle was not exercised: no pass for it. */
		every &= has_blocks && stats_node_cycles(node) > 0;
		snprintf(per_node + strlen(per_node), sizeof(per_node) - strlen(per_node),
			 " node%d=%lu%s", node, stats_node_cycles(node),
			 has_blocks ? "" : "(no movable blocks)");
	}
	ksft_test_result(every, "cycles_on_every_node:%s\n", per_node);
}

int main(int argc, char **argv)
{
	static struct block_choice choice;
	static struct load load;
	static struct drift drift;
	char died[256] = "";
	char why[256], splat[512] = "";
	int nodes, dealt, splats;
	uint64_t total_kb, used_kb, want_kb, t0, next_progress;
	struct verifier_counts vc;
	struct stats_totals totals;
	struct kmsg_watch kmsg;
	enum suite_state availability;

	if (parse_options(argc, argv))
		return KSFT_FAIL;
	nodes = nr_nodes();
	ksft_print_header();
	/*
	 * The plan stays whole either way: a short plan fails the run. The
	 * refusal comes first: it is the verdict on a kernel without the
	 * series, whatever else that kernel lacks.
	 */
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
	if (!needs_met(&needs, why, sizeof(why))) {
		ksft_set_plan(1);
		ksft_test_result_skip("%s\n", why);
		exit(KSFT_SKIP);
	}
	/* On a NUMA guest, one more result: cycles_on_every_node. */
	ksft_set_plan(nodes > 1 ? 9 : 8);
	if (!opt.seed)
		opt.seed = cycle_seed();
	if (stats_init(opt.soak) || verifier_init())
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	dealt = block_choice_deal(&choice, opt.seed, opt.threads);
	if (drift_begin(&drift, &choice))
		ksft_exit_fail_msg("accounting before the run: %s\n", strerror(errno));
	/* Before the pressure: the rate the offline figures are reported beside. */
	ksft_print_msg("baseline: memcpy of one memory block, %.0f MiB/s\n",
		       baseline_memcpy(mem_block_size(), 5));
	total_kb = meminfo_kb("MemTotal:");
	used_kb = total_kb - meminfo_kb("MemAvailable:");
	want_kb = total_kb * opt.pressure_pct / 100;
	want_kb = want_kb > used_kb ? want_kb - used_kb : 0;
	ksft_print_msg("seed %#" PRIx64 ": %d blocks cycled by %u threads, %d mixed; %d node(s); "
		       "pressure %u%% of %" PRIu64 " MiB (%" PRIu64 " MiB added); %u s%s\n",
		       opt.seed, dealt - choice.mixer_nr, opt.threads, choice.mixer_nr, nodes,
		       opt.pressure_pct, total_kb >> 10, want_kb >> 10, opt.duration_s,
		       opt.soak ? " soak" : "");
	if (load_start(&load, want_kb, nodes, opt.duration_s, opt.seed))
		snprintf(died, sizeof(died), "the verifier did not start");

	kmsg_watch_start(&kmsg);
	t0 = stats_start_clock();
	next_progress = t0 + NS_PER_MIN;
	cyclers_start(&choice);
	while (!died[0] && now_ns() - t0 < (uint64_t)opt.duration_s * 1000000000ULL) {
		sleep(1);
		stats_pressure_sample();
		/* A tool that died ends the run now, not at the watchdog. */
		if (!load_alive(&load, died, sizeof(died)))
			ksft_print_msg("ending the run at once: %s\n", died);
		if (now_ns() >= next_progress) {
			progress(false);
			next_progress += NS_PER_MIN;
		}
	}
	cyclers_stop();
	progress(true);
	load_finish(&load, died[0]);
	ksft_test_result(load.fio_good, "fio_tmpfs_verified: %s\n", load.fio_why);
	ksft_test_result(load.stress_ng_good, "stress_ng_did_work_and_verified: %s\n",
			 load.stress_ng_why);
	verifier_read(&vc);
	ksft_test_result(vc.bad_words == 0,
			 "no_corruption: %lu bad words in %lu full checks%s\n",
			 vc.bad_words, vc.full_checks,
			 vc.bad_words ? " (see first mismatch above)" : "");
	if (vc.bad_words)
		ksft_print_msg("first corrupted word at %#lx: expected %#" PRIx64 ", found %#" PRIx64 "\n",
			       (unsigned long)vc.addr, vc.expected, vc.actual);
	stats_summary(opt.pressure_pct, opt.threads, vc.bad_words, &totals);
	ksft_test_result(!died[0] && totals.cycles > 0 && !totals.phase_errors &&
			 totals.in_use_sum > 0 && (!choice.mixer_nr || stats_mixer_cycles() > 0),
			 "cycles_under_pressure: %s%s%lu cycles, %lu phase errors, %" PRIu64
			 " pages in use at offline; the mixer made %lu offline/online cycles over %d blocks\n",
			 died, died[0] ? "; " : "", totals.cycles, totals.phase_errors,
			 totals.in_use_sum, stats_mixer_cycles(), choice.mixer_nr);
	/*
	 * The first, boot-specific removal of a block must happen under
	 * pressure too: the selftests leave the stress run boot blocks of its
	 * own (BOOTMEM_STRESS_BOOT_BLOCKS).
	 */
	ksft_test_result(stats_boot_removes() > 0,
			 "boot_blocks_removed_under_pressure: %lu first removals of boot memory, "
			 "%d boot blocks dealt\n", stats_boot_removes(), block_choice_boot_blocks(&choice));
	if (nodes > 1)
		report_cycles_on_every_node(&choice, nodes);
	{
		unsigned long first = 0;
		int failed = block_choice_restore(&choice, &first);

		char which[48] = "";

		if (failed)
			snprintf(which, sizeof(which), ", first memory%lu", first);
		ksft_test_result(!failed, "blocks_restored: %d block(s) not back online%s\n",
				 failed, which);
	}
	{
		char why_drift[512];
		bool exact = drift_end(&drift, why_drift, sizeof(why_drift));

		ksft_test_result(exact, "no_drift_after_the_run: %s\n", why_drift);
	}
	splats = kmsg_watch_scan(&kmsg, splat, sizeof(splat), NULL, NULL);
	ksft_test_result(!splats, "no_kernel_splat%s%s\n", splats ? ": " : "", splat);
	ksft_finished();
}
