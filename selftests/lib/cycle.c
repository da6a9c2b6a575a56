// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cycle.h"
#include "defaults.h"
#include "accounting.h"
#include "mem_blocks.h"
#include "metrics.h"
#include "file_io.h"
#include "test_driver.h"
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const cycle_phase_names[PHASE_COUNT] = { "offline", "remove", "add", "online" };

/* Offline retries on EBUSY/EAGAIN are bounded: a block that never goes
 * offline is a result to report, not a hang. */
#define OFFLINE_TRIES 20

static uint64_t migrated_pages(void)
{
	struct acct_snapshot s;
	char *text = file_read_all("/proc/vmstat");

	memset(&s, 0, sizeof(s));
	if (!text)
		return 0;
	acct_parse_vmstat(text, &s);
	free(text);
	return s.pgmigrate_success;
}

int cycle_phase_run(enum cycle_phase phase, unsigned long block, int nid,
		    struct phase_result *r)
{
	uint64_t t0, m0 = 0;

	memset(r, 0, sizeof(*r));
	if (phase == PHASE_OFFLINE)
		m0 = migrated_pages();
	t0 = now_ns();
	switch (phase) {
	case PHASE_OFFLINE:
		r->err = mem_block_offline_retry(block, OFFLINE_TRIES, &r->tries);
		break;
	case PHASE_REMOVE:
		r->err = driver_remove(block);
		break;
	case PHASE_ADD:
		r->err = driver_add(block, nid);
		break;
	default:
		r->err = mem_block_set_state(block, "online_movable");
		break;
	}
	r->ns = now_ns() - t0;
	if (phase == PHASE_OFFLINE)
		r->migrated = migrated_pages() - m0;
	return r->err;
}

int cycle_block_restore(unsigned long block, int nid)
{
	int ret = 0;

	if (mem_block_state(block) == BLOCK_ABSENT)
		ret = driver_add(block, nid);
	if (!ret && mem_block_state(block) == BLOCK_OFFLINE)
		ret = mem_block_set_state(block, "online_movable");
	return ret;
}

uint64_t env_u64(const char *name, uint64_t fallback)
{
	const char *v = getenv(name);
	char *end;
	uint64_t val;

	if (!v || !*v)
		return fallback;
	val = strtoull(v, &end, 0);
	return *end ? fallback : val;
}

uint64_t cycle_seed(void)
{
	uint64_t seed = env_u64("BOOTMEM_SEED", 0);

	if (!seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A movable boot block that can still be consumed (cycle.h). */
static bool consumable_boot_block(unsigned long block)
{
	struct block_info info;
	char zone[32];

	return mem_block_state(block) == BLOCK_ONLINE &&
	       !mem_block_zone(block, zone, sizeof(zone)) && !strcmp(zone, "Movable") &&
	       !driver_info(block, &info) && info.boot && !info.pages_reserved;
}

/*
 * The movable boot blocks the stress run keeps for itself: the @n highest
 * that are online, boot memory and free of reserved pages. Decided from
 * the blocks as they are, so every program that runs before the stress
 * run (and leaves these alone) finds the same ones.
 */
bool cycle_kept_for_stress(unsigned long block)
{
	static unsigned long kept[MEM_BLOCKS_MAX];
	static int nr_kept = -1;

	if (nr_kept < 0) {
		static unsigned long all[MEM_BLOCKS_MAX];
		int want = (int)env_u64("BOOTMEM_STRESS_BOOT_BLOCKS", BOOTMEM_DEFAULT_STRESS_BOOT_BLOCKS);
		int n = mem_blocks_list(all, MEM_BLOCKS_MAX);

		nr_kept = 0;
		for (int i = n - 1; i >= 0 && nr_kept < want && driver_loaded(); i--)
			if (consumable_boot_block(all[i]))
				kept[nr_kept++] = all[i];
	}
	for (int i = 0; i < nr_kept; i++)
		if (kept[i] == block)
			return true;
	return false;
}

int cycle_consumable_boot_blocks(void)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX), count = 0;

	if (!driver_loaded())
		return -1;
	for (int i = 0; i < n; i++)
		count += consumable_boot_block(all[i]);
	return count;
}

int cycle_movable_boot_blocks(uint64_t seed, unsigned long *out, int max)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX), count = 0;
	uint64_t s = seed | 1;

	for (int i = 0; i < n && count < max; i++) {
		struct block_info info;
		char zone[32];

		if (mem_block_state(all[i]) != BLOCK_ONLINE)
			continue;
		if (mem_block_zone(all[i], zone, sizeof(zone)) || strcmp(zone, "Movable"))
			continue;
		if (driver_loaded() && (driver_info(all[i], &info) || !info.boot))
			continue;
		if (cycle_kept_for_stress(all[i]))
			continue;
		out[count++] = all[i];
	}
	/* Fisher-Yates, so the seed alone decides the order. */
	for (int i = count - 1; i > 0; i--) {
		int j = xorshift(&s) % (i + 1);
		unsigned long t = out[i];

		out[i] = out[j];
		out[j] = t;
	}
	return count;
}

int cycle_mark(unsigned long block)
{
	struct block_info info;
	int ret = driver_info(block, &info);

	if (ret)
		return ret;
	if (info.pages_reserved)
		return -EBUSY;
	return driver_mark(block);
}

int cycle_pick_and_mark(uint64_t seed, int skip, unsigned long *block, int *nid,
			char *why, size_t len)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	int n = cycle_movable_boot_blocks(seed, cand, MEM_BLOCKS_MAX);
	int block_mapped = 0, reserved = 0, other = 0, first_other = 0;

	snprintf(why, len, "no online boot block in ZONE_MOVABLE (boot with movablecore=)");
	for (int i = 0; i < n; i++) {
		int ret = cycle_mark(cand[i]);

		if (ret == -EEXIST)
			ret = 0;	/* marked by an earlier test; still boot memory */
		if (ret == -EOPNOTSUPP) {
			block_mapped++;
		} else if (ret == -EBUSY) {
			reserved++;	/* boot reservations: refused in every configuration */
		} else if (ret) {
			if (!other++)
				first_other = ret;
		}
		if (ret || skip-- > 0)
			continue;
		*block = cand[i];
		*nid = mem_block_node(cand[i]);
		return 0;
	}
	if (!n)
		return -ENOENT;
	snprintf(why, len, "no markable block among %d candidates: %d block-mapped (EOPNOTSUPP), "
		 "%d with boot reservations (EBUSY), %d refused otherwise%s%s", n, block_mapped,
		 reserved, other, other ? ", first: " : "", other ? strerror(-first_other) : "");
	/* Expected with rodata=off, where block mappings cover every block. */
	if (block_mapped && !other)
		return -EOPNOTSUPP;
	return other ? first_other : -ENOSPC;
}

enum suite_state suite_availability(char *why, size_t len)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	bool series = access(SERIES_DEBUGFS_FILE, F_OK) == 0;
	int n;

	snprintf(why, len, "ready");
	if (driver_loaded())
		return SUITE_READY;
	if (series) {
		snprintf(why, len, "the kernel carries the series (%s) but the test driver "
			 "is not loaded", SERIES_DEBUGFS_FILE);
		return SUITE_BROKEN;
	}
	n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		int ret = mem_block_set_state(cand[i], "offline");

		if (ret == -EPERM) {
			snprintf(why, len, VERDICT_REFUSED ": offlining boot block memory%lu "
				 "is EPERM; this kernel cannot remove boot memory", cand[i]);
			return SUITE_REFUSED;
		}
		if (!ret) {
			mem_block_set_state(cand[i], "online_movable");
			snprintf(why, len, "test driver not loaded, though boot memory "
				 "offline works (memory%lu)", cand[i]);
			return SUITE_BROKEN;
		}
	}
	snprintf(why, len, "test driver not loaded and no movable boot block to probe "
		 "(boot with movablecore=)");
	return SUITE_BROKEN;
}
