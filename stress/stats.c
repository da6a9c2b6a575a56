// SPDX-License-Identifier: GPL-2.0
/*
 * The stress run's statistics: counters and offline latency samples from
 * the cycler and mixer threads, turned into metrics per phase (or per
 * minute when soaking, so the log stays bounded over hours), progress
 * lines and the final summary.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "block_choice.h"
#include "stats.h"
#include "lib/accounting.h"
#include "lib/metrics.h"
#include "lib/file_io.h"

#define MAX_SAMPLES 65536
/* Offlines per progress interval; a minute under TCG sees tens. */
#define MAX_INTERVAL_SAMPLES 4096

struct stats {
	atomic_ulong cycles, phase_errors, offline_busy, mixer_cycles, migrated, boot_removes;
	/* Memory in use (MemTotal - MemAvailable), % of MemTotal, sampled each second. */
	unsigned long pressure_sum, pressure_samples, pressure_peak;
	atomic_ulong node_cycles[MAX_NODES];
	pthread_mutex_t lock;
	double offline_ms[MAX_SAMPLES];
	uint64_t offline_in_use[MAX_SAMPLES];
	unsigned int nr_offline;
	/* per-minute aggregation for --soak */
	double minute_ms_sum[PHASE_COUNT];
	unsigned int minute_n[PHASE_COUNT];
	double interval_offline_ms[MAX_INTERVAL_SAMPLES];
	unsigned int nr_interval_offline;
};

static struct stats *st;
static bool soak;
static uint64_t run_t0;

int stats_init(bool soak_mode)
{
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return -1;
	pthread_mutex_init(&st->lock, NULL);
	soak = soak_mode;
	return 0;
}

uint64_t stats_start_clock(void)
{
	run_t0 = now_ns();
	return run_t0;
}

void stats_phase(enum cycle_phase p, const struct phase_result *r, uint64_t in_use,
		 unsigned long block, bool boot, const struct wait_tally *waited)
{
	pthread_mutex_lock(&st->lock);
	if (p == PHASE_OFFLINE && !r->err && st->nr_offline < MAX_SAMPLES) {
		st->offline_ms[st->nr_offline] = r->ns / 1e6;
		st->offline_in_use[st->nr_offline++] = in_use;
	}
	if (p == PHASE_OFFLINE && !r->err && st->nr_interval_offline < MAX_INTERVAL_SAMPLES)
		st->interval_offline_ms[st->nr_interval_offline++] = r->ns / 1e6;
	st->minute_ms_sum[p] += r->ns / 1e6;
	st->minute_n[p]++;
	pthread_mutex_unlock(&st->lock);
	if (!soak) {
		struct metric m;

		metric_begin(&m, "stress", METRIC_phase);
		metric_ms_from_ns(&m, "t_ms", now_ns() - run_t0);
		metric_u64(&m, "block", block);
		metric_str(&m, "phase", cycle_phase_names[p]);
		metric_str(&m, "block_kind", boot ? "boot" : "hotadded");
		metric_ms_from_ns(&m, "ms", r->ns);
		metric_i64(&m, "err", r->err);
		if (p == PHASE_OFFLINE) {
			metric_u64(&m, "in_use_pages", in_use);
			/* What any migration anywhere moved, for comparison only. */
			metric_u64(&m, "migrated_pages_global", r->migrated);
			metric_u64(&m, "tries", r->tries);
		}
		for (unsigned int i = 0; waited && i < waited->n; i++) {
			char key[WAITS_NAME_LEN + 16];

			snprintf(key, sizeof(key), "%s_samples", waited->name[i]);
			metric_u64(&m, key, waited->samples[i]);
		}
		if (waited && waited->other)
			metric_u64(&m, "other_samples", waited->other);
		metric_emit(&m);
	}
	/*
	 * The pages an offline moved out of its block: those in use in the
	 * block when it began (the driver's census), not the global
	 * pgmigrate_success that the mixer and compaction move too.
	 */
	if (p == PHASE_OFFLINE && !r->err)
		atomic_fetch_add(&st->migrated, in_use);
	if (p == PHASE_REMOVE && !r->err && boot)
		atomic_fetch_add(&st->boot_removes, 1);
}

unsigned long stats_boot_removes(void)
{
	return atomic_load(&st->boot_removes);
}

unsigned long stats_mixer_cycles(void)
{
	return atomic_load(&st->mixer_cycles);
}

void stats_pressure_sample(void)
{
	uint64_t total = meminfo_kb("MemTotal:"), avail = meminfo_kb("MemAvailable:");
	unsigned long used = total && avail <= total ? (total - avail) * 100 / total : 0;

	st->pressure_sum += used;
	st->pressure_samples++;
	if (used > st->pressure_peak)
		st->pressure_peak = used;
}

void stats_offline_busy(void)
{
	atomic_fetch_add(&st->offline_busy, 1);
}

void stats_phase_error(void)
{
	atomic_fetch_add(&st->phase_errors, 1);
}

void stats_cycle_done(int nid)
{
	atomic_fetch_add(&st->cycles, 1);
	if (nid >= 0 && nid < MAX_NODES)
		atomic_fetch_add(&st->node_cycles[nid], 1);
}

void stats_mixer_cycle(void)
{
	atomic_fetch_add(&st->mixer_cycles, 1);
}

unsigned long stats_node_cycles(int nid)
{
	return atomic_load(&st->node_cycles[nid]);
}

uint64_t meminfo_kb(const char *key)
{
	char *text = file_read_all("/proc/meminfo"), *p;
	uint64_t v = 0;

	if (text && (p = strstr(text, key)))
		v = strtoull(p + strlen(key) + 1, NULL, 10);
	free(text);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile of the sorted @v. */
static double pct(double *v, unsigned int n, double q)
{
	return n ? v[(unsigned int)((n - 1) * q)] : 0;
}

void stats_progress(bool final, unsigned long corrupted_words, unsigned long full_checks,
		    uint64_t stressor_rss_kb)
{
	double min = (now_ns() - run_t0) / 60e9;
	unsigned long cycles = atomic_load(&st->cycles);
	struct metric m;

	ksft_print_msg("progress: t=%.0fs cycles=%lu rate=%.1f/min errors=%lu busy=%lu "
		       "mixer=%lu migrated=%lu corruption=%lu verified=%lu%s\n",
		       min * 60, cycles, min > 0 ? cycles / min : 0,
		       atomic_load(&st->phase_errors), atomic_load(&st->offline_busy),
		       atomic_load(&st->mixer_cycles), atomic_load(&st->migrated),
		       corrupted_words, full_checks, final ? " (final)" : "");
	metric_begin(&m, "stress", soak ? METRIC_soak_minute : METRIC_progress);
	metric_ms_from_ns(&m, "t_ms", now_ns() - run_t0);
	metric_u64(&m, "cycles", cycles);
	metric_u64(&m, "errors", atomic_load(&st->phase_errors));
	metric_u64(&m, "offline_busy", atomic_load(&st->offline_busy));
	metric_u64(&m, "migrated_pages", atomic_load(&st->migrated));
	metric_u64(&m, "corrupted_words", corrupted_words);
	metric_u64(&m, "mem_free_kb", meminfo_kb("MemFree:"));
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
		/* The pages above are this kernel's, 4K to 64K. */
		metric_u64(&m, "page_size", (uint64_t)getpagesize());
	}
	metric_u64(&m, "mem_total_kb", meminfo_kb("MemTotal:"));
	metric_u64(&m, "stressor_rss_kb", stressor_rss_kb);
	pthread_mutex_lock(&st->lock);
	{
		double *v = st->interval_offline_ms;
		unsigned int n = st->nr_interval_offline;

		/* Percentiles of this interval alone: the series over time is the drift. */
		qsort(v, n, sizeof(*v), cmp_double);
		metric_u64(&m, "offlines", n);
		if (n) {
			metric_ms_from_ns(&m, "offline_p50_ms", (uint64_t)(pct(v, n, 0.50) * 1e6));
			metric_ms_from_ns(&m, "offline_p95_ms", (uint64_t)(pct(v, n, 0.95) * 1e6));
			metric_ms_from_ns(&m, "offline_p99_ms", (uint64_t)(pct(v, n, 0.99) * 1e6));
		}
		st->nr_interval_offline = 0;
	}
	for (int p = 0; p < PHASE_COUNT; p++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ms_avg", cycle_phase_names[p]);
		metric_ms_from_ns(&m, key, st->minute_n[p] ?
			  (uint64_t)(st->minute_ms_sum[p] * 1e6 / st->minute_n[p]) : 0);
		st->minute_ms_sum[p] = 0;
		st->minute_n[p] = 0;
	}
	pthread_mutex_unlock(&st->lock);
	metric_emit(&m);
}

/* Rate, latency percentiles against pages in use, EBUSY rate. */
void stats_summary(unsigned int pressure_pct, unsigned int threads,
		   unsigned long corrupted_words, struct stats_totals *totals)
{
	double minutes = (now_ns() - run_t0) / 60e9, *ms = st->offline_ms;
	unsigned int nr = st->nr_offline;
	unsigned long cycles = atomic_load(&st->cycles), busy = atomic_load(&st->offline_busy);
	uint64_t in_use_sum = 0;
	struct metric m;

	for (unsigned int i = 0; i < nr; i++)
		in_use_sum += st->offline_in_use[i];
	qsort(ms, nr, sizeof(*ms), cmp_double);
	metric_begin(&m, "stress", METRIC_summary);
	metric_u64(&m, "pressure_pct", pressure_pct);
	metric_u64(&m, "pressure_reached_pct",
		   st->pressure_samples ? st->pressure_sum / st->pressure_samples : 0);
	metric_u64(&m, "pressure_peak_pct", st->pressure_peak);
	metric_u64(&m, "boot_removes", atomic_load(&st->boot_removes));
	metric_u64(&m, "threads", threads);
	metric_u64(&m, "cycles", cycles);
	metric_u64(&m, "cycles_per_min_x100", (uint64_t)(minutes > 0 ? cycles / minutes * 100 : 0));
	metric_ms_from_ns(&m, "offline_p50_ms", (uint64_t)(pct(ms, nr, 0.50) * 1e6));
	metric_ms_from_ns(&m, "offline_p95_ms", (uint64_t)(pct(ms, nr, 0.95) * 1e6));
	metric_ms_from_ns(&m, "offline_p99_ms", (uint64_t)(pct(ms, nr, 0.99) * 1e6));
	metric_u64(&m, "offline_in_use_pages_avg", nr ? in_use_sum / nr : 0);
	metric_u64(&m, "offline_busy", busy);
	metric_u64(&m, "offline_attempts", nr + busy);
	metric_u64(&m, "migrated_pages", atomic_load(&st->migrated));
	metric_u64(&m, "corrupted_words", corrupted_words);
	metric_emit(&m);
	ksft_print_msg("pressure asked %u%% of MemTotal, reached %lu%% on average, %lu%% at peak "
		       "(MemTotal - MemAvailable, sampled each second)\n", pressure_pct,
		       st->pressure_samples ? st->pressure_sum / st->pressure_samples : 0,
		       st->pressure_peak);
	ksft_print_msg("%lu cycles in %.1f min (%.1f/min) at %u%% pressure; offline p50 %.0f ms "
		       "p95 %.0f ms p99 %.0f ms over %" PRIu64 " pages in use on average; "
		       "EBUSY %lu of %lu offlines\n", cycles, minutes,
		       minutes > 0 ? cycles / minutes : 0, pressure_pct,
		       pct(ms, nr, 0.5), pct(ms, nr, 0.95), pct(ms, nr, 0.99),
		       nr ? in_use_sum / nr : 0, busy, (unsigned long)(nr + busy));
	totals->cycles = cycles;
	totals->phase_errors = atomic_load(&st->phase_errors);
	totals->in_use_sum = in_use_sum;
}
