/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stress run measured: counters the threads bump, offline
 * latency samples, the per-phase or per-minute metrics, the progress
 * lines and the final summary.
 */
#ifndef BOOTMEM_STRESS_STATS_H
#define BOOTMEM_STRESS_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cycle.h"
#include "waits.h"

/* Maps the counters; -1 with errno set if it cannot. */
int stats_init(bool soak);
/* Starts the run's clock, which every metric's t_ms counts from. */
uint64_t stats_start_clock(void);

/*
 * One phase of a cycle: a latency sample, a "phase" metric unless
 * soaking (with what the wait sampler saw the thread do meanwhile,
 * @waited, as NAME_samples keys), and the pages an offline moved out of
 * its block (@in_use).
 */
void stats_phase(enum cycle_phase phase, const struct phase_result *r, uint64_t in_use,
		 unsigned long block, bool boot, const struct wait_tally *waited);
void stats_offline_busy(void);
void stats_phase_error(void);
void stats_cycle_done(int nid);
void stats_mixer_cycle(void);
unsigned long stats_node_cycles(int nid);
/* Boot blocks removed (their first removal) under pressure. */
unsigned long stats_boot_removes(void);
unsigned long stats_mixer_cycles(void);
/* Samples the pressure reached: memory in use, % of MemTotal. */
void stats_pressure_sample(void);

/*
 * The "# progress:" line and its metric ("soak_minute" when soaking),
 * with this interval's offline percentiles and the stressors' resident
 * memory (@stressor_rss_kb), so that drift over hours shows per minute;
 * also starts the next interval.
 */
void stats_progress(bool final, unsigned long corrupted_words, unsigned long full_checks,
		    uint64_t stressor_rss_kb);

struct stats_totals {
	unsigned long cycles, phase_errors;
	uint64_t in_use_sum;	/* pages in use, summed over the offlines */
};
/* The "summary" metric and line; the figures a verdict needs go to @totals. */
void stats_summary(unsigned int pressure_pct, unsigned int threads,
		   unsigned long corrupted_words, struct stats_totals *totals);

/* A /proc/meminfo field ("MemTotal:"), in kB; 0 if absent. */
uint64_t meminfo_kb(const char *key);

#endif
