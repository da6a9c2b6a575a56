// SPDX-License-Identifier: GPL-2.0
/*
 * What must be refused stays refused: each case gets its documented errno,
 * leaves the block as it was, and logs no splat.
 *
 *   offline of an unmarked boot block         EPERM  ("offlining attempted")
 *   marking a block outside ZONE_MOVABLE      EPERM
 *   marking a block holding boot reservations EBUSY
 *   marking a block twice                     EEXIST
 *   removing a block that is absent           ENODEV
 *   adding a block that is present            EEXIST
 *   onlining a removed block                  ENOENT (no memory block device)
 *   garbage written to any driver file        EINVAL
 *   marking a block whose linear map is a     EOPNOTSUPP (rodata=off)
 *   block that reaches beyond it
 *   offline of a marked block onlined into    EPERM ("not in ZONE_MOVABLE")
 *   ZONE_NORMAL
 *   a failed mark of a marked offline block   error, the first mark kept
 *
 * Needs, guards and restores: declared in `needs` below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_DEBUG_FS=y",
					   "CONFIG_PTDUMP_DEBUGFS=y", NULL },
	.guards = "0003 (leaf-split refusal), 0004 (marking API and its refusals)",
	.restores = "marks it made; the block it removed, added and onlined again; "
		    "not the block a plain online put in ZONE_NORMAL, which must stay there",
};

FIXTURE(refusal) {
	struct suite_env env;
};

FIXTURE_SETUP(refusal)
{
	SUITE_SETUP(&self->env, &needs);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(refusal)
{
	TEARDOWN_BEGIN();
	suite_teardown(_metadata, &self->env);
}

/*
 * The highest online, unmarked block in @zone without reserved pages, or
 * -1. Reserved pages would make offline fail with EBUSY at isolation,
 * before the notifier that says EPERM is even asked.
 */
static long find_block(const char *zone, bool boot)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX);

	for (int i = n - 1; i >= 0; i--) {
		struct block_info info;
		char z[32];

		if (mem_block_state(all[i]) != BLOCK_ONLINE ||
		    mem_block_zone(all[i], z, sizeof(z)) || strcmp(z, zone))
			continue;
		if (driver_info(all[i], &info) || info.boot != boot || info.marked ||
		    info.pages_reserved)
			continue;
		return all[i];
	}
	return -1;
}

TEST_F(refusal, unmarked_boot_block_offline_is_eperm)
{
	bool logged = false;
	long block;

	REQUIRE_SETUP();
	block = find_block("Movable", true);

	if (block < 0)
		SKIP(return, "no unmarked movable boot block");
	EXPECT_EQ(-EPERM, mem_block_set_state(block, "offline"));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(block));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, "offlining attempted", &logged);
	EXPECT_TRUE(logged) TH_LOG("no 'Boot memory ... offlining attempted' line");
}

TEST_F(refusal, marking_non_movable_block_is_eperm)
{
	struct block_info info;
	long block;

	REQUIRE_SETUP();
	block = find_block("Normal", true);
	if (block < 0)
		block = find_block("DMA", true);
	ASSERT_LE(0, block) TH_LOG("no online ZONE_NORMAL or ZONE_DMA block");
	EXPECT_EQ(-EPERM, driver_mark(block));
	ASSERT_EQ(0, driver_info(block, &info));
	EXPECT_FALSE(info.marked);
	/* Unmovable kernel pages may answer EBUSY first; refused either way. */
	EXPECT_NE(0, mem_block_set_state(block, "offline"));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(block));
}

TEST_F(refusal, marking_reserved_block_is_ebusy)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	struct block_info info;
	int n;

	REQUIRE_SETUP();
	n = mem_blocks_list(all, MEM_BLOCKS_MAX);

	/* memblock allocates top-down: the top movable block holds reservations. */
	for (int i = n - 1; i >= 0; i--) {
		char z[32];

		if (mem_block_zone(all[i], z, sizeof(z)) || strcmp(z, "Movable"))
			continue;
		ASSERT_EQ(0, driver_info(all[i], &info));
		if (!info.boot || info.marked)
			continue;
		ASSERT_LT(0, info.pages_reserved) TH_LOG("top movable block memory%lu holds no reserved pages", all[i]);
		EXPECT_EQ(-EBUSY, driver_mark(all[i]));
		ASSERT_EQ(0, driver_info(all[i], &info));
		EXPECT_FALSE(info.marked);
		return;
	}
	SKIP(return, "no movable boot block");
}

/*
 * The lowest online movable boot block that can be marked, or -1. Offlined,
 * it leaves ZONE_MOVABLE's span, so a plain "online" puts it back in a
 * kernel zone (default_zone_for_pfn()).
 */
static long lowest_markable_movable_block(void)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	int n = mem_blocks_list(all, MEM_BLOCKS_MAX);

	for (int i = 0; i < n; i++) {
		struct block_info info;
		char z[32];

		if (mem_block_state(all[i]) != BLOCK_ONLINE ||
		    mem_block_zone(all[i], z, sizeof(z)) || strcmp(z, "Movable"))
			continue;
		if (driver_info(all[i], &info) || !info.boot || info.marked || info.pages_reserved)
			continue;
		return all[i];
	}
	return -1;
}

/*
 * "ZONE_MOVABLE only" holds at offline, not only at mark time. A mark
 * survives offline; a plain "online" can then put the block in ZONE_NORMAL,
 * where unmovable allocations land, and such a block must never go. Guards
 * the zone check of the series' offline notifier.
 */
TEST_F(refusal, marked_block_onlined_outside_movable_cannot_go_offline)
{
	char zone[32];
	bool logged = false;
	long block;
	int ret;

	REQUIRE_SETUP();
	block = lowest_markable_movable_block();
	ASSERT_LE(0, block) TH_LOG("no markable movable boot block");
	ret = driver_mark(block);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "memory%ld is refused with EOPNOTSUPP: its linear map is a block "
		     "mapping beyond it", block);
	ASSERT_EQ(0, ret);
	suite_track(&self->env, block, mem_block_node(block));
	ASSERT_EQ(0, mem_block_set_state(block, "offline"));
	ASSERT_EQ(0, mem_block_set_state(block, "online"));
	ASSERT_EQ(0, mem_block_zone(block, zone, sizeof(zone)));
	ASSERT_STRNE("Movable", zone) TH_LOG("plain online kept memory%ld in ZONE_MOVABLE", block);
	ret = mem_block_set_state(block, "offline");
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("memory%ld, marked but onlined into %s, went offline: %s", block, zone,
		       ret ? strerror(-ret) : "no error");
	}
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(block));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, "not in ZONE_MOVABLE", &logged);
	EXPECT_TRUE(logged) TH_LOG("no log line saying why memory%ld was refused", block);
	/*
	 * The block stays in ZONE_NORMAL for the rest of the run: that is the
	 * point. Were the offline allowed, put it back in ZONE_MOVABLE.
	 */
	if (!ret)
		mem_block_set_state(block, "online_movable");
}

/*
 * A failed mark leaves an existing mark alone: marking a marked block
 * that is offline fails (EBUSY), and must not unmark it on the way out,
 * which would leave an offline boot block that unmark refuses to create.
 */
TEST_F(refusal, failed_mark_keeps_the_existing_mark)
{
	struct block_info info;
	unsigned long block;
	int nid, ret;

	REQUIRE_SETUP();
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	ASSERT_EQ(0, mem_block_set_state(block, "offline"));
	ret = driver_mark(block);
	EXPECT_NE(0, ret) TH_LOG("marking offline memory%lu again succeeded", block);
	ASSERT_EQ(0, driver_info(block, &info));
	EXPECT_TRUE(info.marked) TH_LOG("the failed mark (%s) removed memory%lu's mark",
					 strerror(-ret), block);
	ASSERT_EQ(0, mem_block_set_state(block, "online_movable"));
	ASSERT_EQ(0, driver_info(block, &info));
	EXPECT_TRUE(info.marked);
}

TEST_F(refusal, double_mark_is_eexist_and_unmark_restores)
{
	unsigned long block;
	int nid;
	struct block_info info;

	REQUIRE_SETUP();
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	EXPECT_EQ(-EEXIST, driver_mark(block));
	EXPECT_EQ(0, driver_unmark(block));
	EXPECT_EQ(-ENOENT, driver_unmark(block));
	ASSERT_EQ(0, driver_info(block, &info));
	EXPECT_FALSE(info.marked);
	EXPECT_EQ(-EPERM, mem_block_set_state(block, "offline")) TH_LOG("unmarked again, so refused again");
}

TEST_F(refusal, double_remove_is_enodev_and_add_of_present_is_eexist)
{
	unsigned long block;
	int nid;

	REQUIRE_SETUP();
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	EXPECT_EQ(-EEXIST, driver_add(block, nid)) TH_LOG("adding a present block");
	ASSERT_EQ(0, mem_block_set_state(block, "offline"));
	ASSERT_EQ(0, driver_remove(block));
	EXPECT_EQ(-ENODEV, driver_remove(block)) TH_LOG("second remove of memory%lu", block);
	EXPECT_EQ(-ENOENT, mem_block_set_state(block, "online_movable")) TH_LOG("online of a removed block");
	EXPECT_EQ((int)BLOCK_ABSENT, (int)mem_block_state(block));
	ASSERT_EQ(0, cycle_block_restore(block, nid));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(block));
}

TEST_F(refusal, garbage_writes_are_einval)
{
	static const char *const files[] = {
		TEST_BOOTMEM_FILE_MARK, TEST_BOOTMEM_FILE_UNMARK, TEST_BOOTMEM_FILE_REMOVE,
		TEST_BOOTMEM_FILE_ADD, TEST_BOOTMEM_FILE_INFO,
	};
	static const char *const garbage[] = {
		"", "x", "-1", "12abc", "0x", "99999999999999999999", "1 2 3",
		"18446744073709551615", "4294967296", "1 -5", "1 999", "\x01\x02",
		"0000000000000000000000000000000000000000000000000000000000000007",

	};
	static unsigned long blocks[MEM_BLOCKS_MAX];
	int before;

	REQUIRE_SETUP();
	before = mem_blocks_list(blocks, MEM_BLOCKS_MAX);

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		for (size_t g = 0; g < sizeof(garbage) / sizeof(garbage[0]); g++) {
			int ret = driver_write(files[f], garbage[g]);

			/* Every string is malformed for every file: a trailing word, a
			 * sign, a number beyond the pluggable range or an absent node. */
			EXPECT_EQ(-EINVAL, ret) {
				TH_LOG("%s <- \"%s\": %s", files[f], garbage[g], strerror(-ret));
			}
		}
	}
	EXPECT_EQ(before, mem_blocks_list(blocks, MEM_BLOCKS_MAX)) TH_LOG("garbage changed the blocks");
}

/*
 * With rodata=off the linear map uses 1GiB PUD blocks (and 32MiB
 * contiguous PMD runs); removing a 128MiB block would clear a whole PUD
 * and unmap its neighbours. That must be refused, cleanly, before offline.
 */
TEST_F(refusal, block_mapped_linear_map_is_refused)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	struct block_info info;
	int n;

	REQUIRE_SETUP();
	n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(0, driver_info(cand[i], &info));
		if (info.pages_reserved || info.marked)
			continue;
		if (!info.linear.leaf_pud && !info.linear.leaf_pmd && !info.linear.leaf_cont)
			SKIP(return, "the linear map uses pages (rodata=full): run with --append rodata=off");
		EXPECT_EQ(-EOPNOTSUPP, driver_mark(cand[i])) {
			TH_LOG("memory%lu is mapped by %" PRIu64 " PUD / %" PRIu64 " PMD leaves",
			       cand[i], info.linear.leaf_pud, info.linear.leaf_pmd);
		}
		EXPECT_EQ(-EPERM, mem_block_set_state(cand[i], "offline"));
		EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(cand[i]));
		return;
	}
	SKIP(return, "no movable boot block without reservations");
}

TEST_HARNESS_MAIN
