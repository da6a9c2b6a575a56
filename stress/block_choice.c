// SPDX-License-Identifier: GPL-2.0
/*
 * Which blocks each cycler thread owns and which the mixer gets: the
 * candidates are marked, rotated by the seed, interleaved by node and
 * dealt out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "block_choice.h"
#include "lib/cycle.h"
#include "lib/test_driver.h"

/*
 * Every online movable block that can go: boot blocks once marked, and
 * blocks already re-added by earlier tests (which are then ordinary
 * hot-added memory).
 */
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

int block_choice_deal(struct block_choice *c, uint64_t seed, unsigned int threads)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	int n = movable_removable_blocks(seed, cand, MEM_BLOCKS_MAX);

	c->threads = threads;
	for (int i = 0; i < n; i++) {
		struct block_info info;
		/* Boot blocks go to the cyclers: the mixer never removes. */
		bool boot = !driver_info(cand[i], &info) && info.boot;

		if (i % 3 == 2 && !boot && c->mixer_nr < MEM_BLOCKS_MAX) {
			c->mixer[c->mixer_nr++] = cand[i];
		} else {
			struct owned_blocks *o = &c->owned[i % threads];

			struct block_info info;

			o->blocks[o->nr].block = cand[i];
			o->blocks[o->nr].boot = !driver_info(cand[i], &info) && info.boot;
			o->blocks[o->nr++].nid = mem_block_node(cand[i]);
		}
	}
	/*
	 * Each cycler starts with its boot blocks: their first removal is the
	 * one that must happen under pressure, however few cycles a slow
	 * guest gets through.
	 */
	for (unsigned int t = 0; t < threads; t++) {
		struct owned_blocks *o = &c->owned[t];
		int front = 0;

		for (int i = 0; i < o->nr; i++) {
			if (o->blocks[i].boot) {
				struct owned_block b = o->blocks[i];

				memmove(&o->blocks[front + 1], &o->blocks[front],
					(i - front) * sizeof(b));
				o->blocks[front++] = b;
			}
		}
	}
	return n;
}

bool block_choice_has_node(const struct block_choice *c, int nid)
{
	for (unsigned int t = 0; t < c->threads; t++)
		for (int i = 0; i < c->owned[t].nr; i++)
			if (c->owned[t].blocks[i].nid == nid)
				return true;
	return false;
}

int block_choice_restore(const struct block_choice *c, unsigned long *first_failed)
{
	int failed = 0;

	for (unsigned int t = 0; t < c->threads; t++)
		for (int i = 0; i < c->owned[t].nr; i++) {
			unsigned long block = c->owned[t].blocks[i].block;

			if (cycle_block_restore(block, c->owned[t].blocks[i].nid) ||
			    mem_block_state(block) != BLOCK_ONLINE) {
				if (!failed++)
					*first_failed = block;
			}
		}
	for (int i = 0; i < c->mixer_nr; i++) {
		if (mem_block_state(c->mixer[i]) != BLOCK_ONLINE &&
		    mem_block_set_state(c->mixer[i], "online_movable") && !failed++)
			*first_failed = c->mixer[i];
	}
	return failed;
}

int block_choice_boot_blocks(const struct block_choice *c)
{
	int n = 0;

	for (unsigned int t = 0; t < c->threads; t++)
		for (int i = 0; i < c->owned[t].nr; i++)
			n += c->owned[t].blocks[i].boot;
	return n;
}
