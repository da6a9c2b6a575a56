/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory pressure the blocks are cycled under: stress-ng on every
 * node, fio on tmpfs and the address-tagged verifier, started together
 * and judged on the work they report, not on their exit codes.
 */
#ifndef BOOTMEM_STRESS_LOAD_H
#define BOOTMEM_STRESS_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "block_choice.h"

struct load {
	pid_t stress_ng[MAX_NODES];	/* one per node */
	int stress_ng_status[MAX_NODES];	/* wait status once ended, else -1 */
	int stress_ng_nr;
	pid_t fio;
	int fio_status;
	/* The verdicts, once load_finish() has judged the tools' output. */
	bool stress_ng_good, fio_good;
	char stress_ng_why[256], fio_why[256];
};

/*
 * Takes @want_kb more memory, for about @duration_s seconds, on @nodes
 * nodes; returns once the tools have had time to take it: 0, or -errno
 * when the verifier could not start.
 */
int load_start(struct load *l, uint64_t want_kb, int nodes, unsigned int duration_s,
	       uint64_t seed);
/*
 * Are all the tools and the verifier still running? The first that ended
 * early is named in @why: the run must end at once, not wait for the
 * watchdog.
 */
bool load_alive(struct load *l, char *why, size_t len);
/*
 * The resident memory of the stressors (every stress-ng and fio process,
 * workers included), in kB: a soak that leaks in user space shows here,
 * apart from the kernel's own counters.
 */
uint64_t load_rss_kb(void);
/*
 * Stops the verifier, waits (bounded) for the tools and judges them; when
 * the run @ended_early, interrupts the tools still running first.
 */
void load_finish(struct load *l, bool ended_early);

#endif
