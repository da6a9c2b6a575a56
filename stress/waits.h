/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a cycling thread does while one of its phases runs, in the
 * kernel's own words: a sampler thread reads the thread's scheduler state
 * and, when it sleeps, its wchan (/proc/self/task/TID/stat and wchan)
 * every WAITS_PERIOD_US. An online that waits for another thread's offline
 * to let go of device_hotplug_lock sleeps in msleep(): the sysfs store's
 * lock_device_hotplug_sysfs() (drivers/base/core.c) sleeps 5 ms and
 * restarts the write until the lock is free. "running" is the state R:
 * the phase's own work, or waiting for a CPU in a starved guest.
 */
#ifndef BOOTMEM_STRESS_WAITS_H
#define BOOTMEM_STRESS_WAITS_H

#define WAITS_PERIOD_US 5000
/* The distinct names kept per phase; samples of further ones are "other". */
#define WAITS_NAMES 6
#define WAITS_NAME_LEN 32	/* a longer kernel symbol is cut; the metric key must fit */

struct wait_tally {
	unsigned int n;				/* names used */
	char name[WAITS_NAMES][WAITS_NAME_LEN];
	unsigned int samples[WAITS_NAMES];
	unsigned int other;
};

/* Starts the sampler for up to @slots threads; -1 with errno if it cannot. */
int waits_start(unsigned int slots);
/* The calling thread, watched as @slot, begins a phase. */
void waits_begin(unsigned int slot);
/* ... and ends it: what the sampler saw meanwhile goes to @out. */
void waits_end(unsigned int slot, struct wait_tally *out);
/* Stops the sampler and joins it. */
void waits_stop(void);

#endif
