// SPDX-License-Identifier: GPL-2.0
/*
 * The cycling threads: each takes the blocks it owns through offline ->
 * remove -> add -> online_movable in turn, and one more thread, the
 * mixer, offlines and onlines other movable blocks without removing
 * them. Offline retries on EBUSY/EAGAIN are bounded: a block that
 * will not go offline is counted and skipped, never waited on forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "cyclers.h"
#include "stats.h"
#include "waits.h"
#include "lib/cycle.h"
#include "lib/mem_blocks.h"
#include "lib/test_driver.h"

static atomic_int stopping;
static pthread_t threads[MAX_THREADS + 1];
static unsigned int nr_cyclers;
static const struct block_choice *choice;

static void *cycler(void *arg)
{
	const struct owned_blocks *own = arg;
	/* Its slot in the wait sampler (waits.h): its index among the cyclers. */
	unsigned int slot = (unsigned int)(own - choice->owned);
	int i = 0;

	while (!atomic_load(&stopping) && own->nr) {
		const struct owned_block *ob = &own->blocks[i++ % own->nr];
		unsigned long block = ob->block;
		int nid = ob->nid;
		struct block_info info;
		bool boot;
		uint64_t in_use;

		if (driver_info(block, &info))
			continue;
		boot = info.boot;
		in_use = info.pages_lru + info.pages_other;
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;
			struct wait_tally waited;

			waits_begin(slot);
			cycle_phase_run(p, block, nid, &r);
			waits_end(slot, &waited);
			stats_phase(p, &r, in_use, block, boot, &waited);
			if (r.err) {
				if (p == PHASE_OFFLINE && (r.err == -EBUSY || r.err == -EAGAIN)) {
					stats_offline_busy();
				} else {
					stats_phase_error();
					ksft_print_msg("memory%lu %s: %s\n", block, cycle_phase_names[p],
						       strerror(-r.err));
				}
				cycle_block_restore(block, nid);
				goto next;
			}
		}
		stats_cycle_done(nid);
next:
		;
	}
	return NULL;
}

/* Offline and online other movable blocks, without removing them. */
static void *mixer(void *arg)
{
	const struct block_choice *c = arg;
	int i = 0;

	while (!atomic_load(&stopping) && c->mixer_nr) {
		unsigned long block = c->mixer[i++ % c->mixer_nr];
		int tries;

		if (!mem_block_offline_retry(block, 5, &tries)) {
			mem_block_set_state(block, "online_movable");
			stats_mixer_cycle();
		}
		usleep(200000);
	}
	return NULL;
}

void cyclers_start(const struct block_choice *c)
{
	nr_cyclers = c->threads;
	choice = c;
	/* Without the sampler the phases still run; their records lack the waits. */
	if (waits_start(nr_cyclers))
		ksft_print_msg("wait sampler not started: %s\n", strerror(errno));
	for (unsigned int t = 0; t < nr_cyclers; t++)
		pthread_create(&threads[t], NULL, cycler, (void *)&c->owned[t]);
	pthread_create(&threads[nr_cyclers], NULL, mixer, (void *)c);
}

void cyclers_stop(void)
{
	atomic_store(&stopping, 1);
	for (unsigned int t = 0; t <= nr_cyclers; t++)
		pthread_join(threads[t], NULL);
	waits_stop();
}
