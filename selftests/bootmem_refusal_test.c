// SPDX-License-Identifier: GPL-2.0
/*
 * What must be refused stays refused: each case gets its documented errno,
 * leaves the block as it was, and logs no splat.
 *
 *   offline of an unmarked boot block         EPERM  ("offlining attempted")
 *   marking a block outside ZONE_MOVABLE      EPERM, "not in ZONE_MOVABLE"
 *   marking a block holding boot reservations EBUSY, "holds iomem resources ..."
 *   (its "reserved" children in /proc/iomem)
 *   marking a block twice                     EEXIST, "already marked"
 *   marking a block removed and added back    EINVAL, "not boot memory"
 *   marking an offline marked block           EBUSY, "not online"
 *   removing a block that is absent           ENODEV
 *   adding a block that is present            EEXIST
 *   onlining a removed block                  ENOENT (no memory block device)
 *   garbage written to any driver file        EINVAL
 *   marking a block whose linear map is a     EOPNOTSUPP (rodata=off)
 *   block that reaches beyond it
 *   marking, in one call, a range of blocks   EOPNOTSUPP (rodata=off), checked
 *   under one leaf with aligned ends          block by block
 *   offline of a marked block onlined into    EPERM ("not in ZONE_MOVABLE")
 *   ZONE_NORMAL
 *   a failed mark of a marked offline block   error, the first mark kept
 *   a mark, unmark or refused mark            changes the kernel's list of
 *                                             marked ranges by its block only
 *   marking a block that holds an iomem       EBUSY, or the block cycles
 *   child (a freed initrd's "reserved")       cleanly: mark and remove agree
 *   marking a block an iomem child touches    EBUSY, "holds iomem resources
 *   (inside, at its start, straddling its     that removal could not release",
 *   start or end, covering it)                for exactly the blocks it touches
 *
 * and what must not be refused: one block of a GiB hot-added as a unit
 * goes offline, even where that GiB is one PUD block mapping (rodata=off).
 *
 * Needs, guards and restores: declared in `needs` below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/accounting.h"
#include "lib/file_io.h"
#include "lib/marked.h"
#include "lib/metrics.h"
#include "lib/ptdump.h"
#include "lib/phys_ram.h"
#include "lib/refusal_reason.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_DEBUG_FS=y",
					   "CONFIG_PTDUMP_DEBUGFS=y", NULL },
	.guards = "0002 (iomem check), 0005 (marking API, its refusals, leaf-split refusal for boot memory only)",
	.restores = "marks it made; the block it removed, added and onlined again; the RAM "
		    "it hot-added, removed again; not the block online_kernel put in "
		    "ZONE_NORMAL, which must stay there",
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

	ARM64_ONLY("x86-64 lets unmarked boot memory go offline");
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
	char why[512];
	long block;

	ARM64_ONLY("x86-64 has no mark to refuse");
	REQUIRE_SETUP();
	block = find_block("Normal", true);
	if (block < 0)
		block = find_block("DMA", true);
	ASSERT_LE(0, block) TH_LOG("no online ZONE_NORMAL or ZONE_DMA block");
	ASSERT_EQ(0, driver_info(block, &info));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	EXPECT_EQ(-EPERM, driver_mark(block));
	EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start, info.phys_end,
					MARK_REFUSED_NOT_MOVABLE, why, sizeof(why))) {
		TH_LOG("memory%ld: want the refusal \"%s\"; the kernel said: %s", block,
		       MARK_REFUSED_NOT_MOVABLE, why);
	}
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
	char why[512];
	int n;

	ARM64_ONLY("x86-64 has no mark to refuse");
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
		kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
		EXPECT_EQ(-EBUSY, driver_mark(all[i]));
		/*
		 * Its boot reservations are "reserved" children in /proc/iomem
		 * (arm64 inserts every memblock reservation at arch_initcall),
		 * so the one check of iomem children refuses it, naming them.
		 */
		EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start, info.phys_end,
						MARK_REFUSED_IOMEM, why, sizeof(why))) {
			TH_LOG("memory%lu: want the refusal \"%s\"; the kernel said: %s", all[i],
			       MARK_REFUSED_IOMEM, why);
		}
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
 * How many blocks the next test may spend on inconclusive tries: each try
 * leaves its block in ZONE_NORMAL for good.
 */
#define OUTSIDE_MOVABLE_TRIES 3

/*
 * "ZONE_MOVABLE only" holds at offline, not only at mark time. A mark
 * survives offline; a plain "online" can then put the block in ZONE_NORMAL,
 * where unmovable allocations land, and such a block must never go. Guards
 * the zone check of the series' offline notifier.
 *
 * The notifier is asked only after the range is isolated, and isolation
 * fails (EBUSY, with an "unmovable page" dump) once the kernel has put an
 * unmovable allocation in the fresh ZONE_NORMAL block, which it may do at
 * any moment. That try has asked the notifier nothing, so it is no
 * verdict: the test tries the next block. Any other answer is one.
 */
TEST_F(refusal, marked_block_onlined_outside_movable_cannot_go_offline)
{
	char zone[32];
	bool logged = false, isolation_failed;
	long block;
	int ret, tries = 0;

	ARM64_ONLY("x86-64 has no mark, in any zone");
	REQUIRE_SETUP();
	do {
		block = lowest_markable_movable_block();
		ASSERT_LE(0, block) TH_LOG("no markable movable boot block");
		ret = driver_mark(block);
		if (ret == -EOPNOTSUPP)
			SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
		ASSERT_EQ(0, ret);
		suite_track(&self->env, block, mem_block_node(block));
		ASSERT_EQ(0, mem_block_set_state(block, "offline"));
		/*
		 * online_kernel, not a plain online: that one picks the zone by
		 * adjacency, and keeps a block ZONE_MOVABLE whenever the block
		 * below it is still movable (memory33 over a hot-added memory32,
		 * seen on 6.1).
		 */
		ASSERT_EQ(0, mem_block_set_state(block, "online_kernel"));
		ASSERT_EQ(0, mem_block_zone(block, zone, sizeof(zone)));
		ASSERT_STRNE("Movable", zone) TH_LOG("online_kernel put memory%ld in ZONE_MOVABLE", block);
		ret = mem_block_set_state(block, "offline");
		isolation_failed = false;
		if (ret == -EBUSY)
			kmsg_watch_scan(&self->env.kmsg, NULL, 0, "unmovable page", &isolation_failed);
		if (isolation_failed)
			TH_LOG("memory%ld: an unmovable page in it failed isolation before the notifier was asked; trying the next block",
			       block);
	} while (isolation_failed && ++tries < OUTSIDE_MOVABLE_TRIES);
	ASSERT_FALSE(isolation_failed) {
		TH_LOG("%d blocks in a row held an unmovable page before the notifier was asked: no answer",
		       OUTSIDE_MOVABLE_TRIES);
	}
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

/* Neighbour @block's "marked" must be what the kernel's list said before. */
static void expect_neighbour_mark(struct __test_metadata *_metadata, unsigned long block,
				  const struct marked_list *list, const char *when)
{
	struct block_info n;

	if (driver_info(block, &n) || !n.present)
		return;
	EXPECT_EQ(marked_covers(list, n.phys_start, n.phys_end), n.marked) {
		TH_LOG("%s: neighbour memory%lu is %smarked", when, block, n.marked ? "" : "not ");
	}
}

/*
 * Marking block N marks N's sections and nothing else: the kernel's own
 * list of marked ranges (read apart from the driver) gains exactly N's
 * range, a neighbour keeps its state, unmarking restores the list as it
 * was, and a refused mark leaves it alone.
 */
TEST_F(refusal, marking_changes_only_its_own_block)
{
	struct marked_list before, after, want;
	struct block_info info;
	char got_s[512], want_s[512];
	unsigned long block;
	int nid;

	ARM64_ONLY("the list of marked ranges is the arm64 series' own");
	REQUIRE_SETUP();
	ASSERT_EQ(0, marked_read(&before));
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	ASSERT_EQ(0, driver_info(block, &info));
	ASSERT_EQ(0, marked_read(&after));
	want = before;
	marked_add(&want, info.phys_start, info.phys_end);
	EXPECT_TRUE(marked_equal(&want, &after)) {
		TH_LOG("after marking memory%lu the kernel lists %s, expected %s", block,
		       marked_str(&after, got_s, sizeof(got_s)), marked_str(&want, want_s, sizeof(want_s)));
	}
	if (block > 0)
		expect_neighbour_mark(_metadata, block - 1, &before, "after mark");
	expect_neighbour_mark(_metadata, block + 1, &before, "after mark");

	EXPECT_EQ(-EEXIST, driver_mark(block));
	ASSERT_EQ(0, marked_read(&want));
	EXPECT_TRUE(marked_equal(&after, &want)) {
		TH_LOG("a refused second mark of memory%lu changed the list to %s", block,
		       marked_str(&want, got_s, sizeof(got_s)));
	}

	ASSERT_EQ(0, driver_unmark(block));
	ASSERT_EQ(0, marked_read(&want));
	EXPECT_TRUE(marked_equal(&before, &want)) {
		TH_LOG("after unmarking memory%lu the kernel lists %s, expected %s as before", block,
		       marked_str(&want, got_s, sizeof(got_s)), marked_str(&before, want_s, sizeof(want_s)));
	}
	if (block > 0)
		expect_neighbour_mark(_metadata, block - 1, &before, "after unmark");
	expect_neighbour_mark(_metadata, block + 1, &before, "after unmark");
	ASSERT_EQ(0, driver_mark(block));
}

/*
 * A failed mark leaves an existing mark alone: marking a marked block
 * that is offline fails (EBUSY), and must not unmark it on the way out,
 * which would leave an offline boot block that unmark refuses to create.
 */
TEST_F(refusal, failed_mark_keeps_the_existing_mark)
{
	struct block_info info;
	char why[512];
	unsigned long block;
	int nid, ret;

	ARM64_ONLY("x86-64 has no mark to fail");
	REQUIRE_SETUP();
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	ASSERT_EQ(0, mem_block_set_state(block, "offline"));
	ASSERT_EQ(0, driver_info(block, &info));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	ret = driver_mark(block);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("marking offline memory%lu again: %s", block,
				      ret ? strerror(-ret) : "success");
	/* EBUSY is the iomem refusal's errno too: the reason tells them apart. */
	EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start, info.phys_end,
					MARK_REFUSED_NOT_ONLINE, why, sizeof(why))) {
		TH_LOG("memory%lu: want the refusal \"%s\"; the kernel said: %s", block,
		       MARK_REFUSED_NOT_ONLINE, why);
	}
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
	char why[512];

	ARM64_ONLY("x86-64 has no mark");
	REQUIRE_SETUP();
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &block, &nid);
	ASSERT_EQ(0, driver_info(block, &info));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	EXPECT_EQ(-EEXIST, driver_mark(block));
	EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start, info.phys_end,
					MARK_REFUSED_ALREADY, why, sizeof(why))) {
		TH_LOG("memory%lu: want the refusal \"%s\"; the kernel said: %s", block,
		       MARK_REFUSED_ALREADY, why);
	}
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
	/*
	 * Added back, the block is hot-added memory: marking it is EINVAL,
	 * "not boot memory", the one refusal of that errno a block of RAM
	 * gets (the driver's own EINVAL is for malformed input).
	 */
	if (ARCH_HAS_MARK) {
		struct block_info info;
		char why[512];

		ASSERT_EQ(0, driver_info(block, &info));
		kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
		EXPECT_EQ(-EINVAL, driver_mark(block)) TH_LOG("marking re-added memory%lu", block);
		EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start, info.phys_end,
						MARK_REFUSED_NOT_BOOT, why, sizeof(why))) {
			TH_LOG("memory%lu: want the refusal \"%s\"; the kernel said: %s", block,
			       MARK_REFUSED_NOT_BOOT, why);
		}
	}
}

TEST_F(refusal, garbage_writes_are_einval)
{
	static const char *const files[] = {
		TEST_BOOTMEM_FILE_MARK, TEST_BOOTMEM_FILE_UNMARK, TEST_BOOTMEM_FILE_REMOVE,
		TEST_BOOTMEM_FILE_ADD, TEST_BOOTMEM_FILE_PLUG, TEST_BOOTMEM_FILE_UNPLUG,
		TEST_BOOTMEM_FILE_INFO, TEST_BOOTMEM_FILE_REMOVE_WATCHED, TEST_BOOTMEM_FILE_IOMEM_CHILD,
	};
	static const char *const garbage[] = {
		"", "x", "-1", "12abc", "0x", "99999999999999999999", "1 2 3",
		"18446744073709551615", "4294967296", "1 -5", "1 0x", "\x01\x02",
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
 * With rodata=off the linear map is built from block and contiguous
 * mappings: 1 GiB PUDs on 4K, 1 GiB contiguous PMD runs on 16K, 512 MiB
 * PMDs on 64K. Removing a block from under a leaf that reaches beyond it
 * would unmap its neighbours, so that must be refused, cleanly, before
 * offline; a block covered by leaves of its own may go. Checked for every
 * movable boot block, the first and last under each leaf included, with
 * the leaves read from ptdump, apart from the series' own lookup. Blocks
 * that may be marked must be markable, and the first and last of them
 * must cycle.
 */
TEST_F(refusal, block_mapped_linear_map_is_refused)
{
	static unsigned long cand[MEM_BLOCKS_MAX], fits[MEM_BLOCKS_MAX];
	uint64_t page = getpagesize(), block_size = mem_block_size();
	int n, refused = 0, nr_fits = 0, reserved = 0, kinds = 0;
	struct { char what[sizeof(((struct linear_leaf *)0)->what)]; int blocks; } seen[8];
	bool any_block_leaf = false;
	struct ptdump pt;
	struct metric m;
	char list[512] = "";

	ARM64_ONLY("the refusal of a block-mapped linear map is the arm64 series' own");
	REQUIRE_SETUP();
	ASSERT_EQ(0, ptdump_read(&pt)) {
		TH_LOG("cannot read the page-table dump %s", ptdump_path() ?: "(none found)");
	}
	n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n; i++) {
		struct block_info info;
		struct linear_leaf leaf;
		int k, ret;

		ASSERT_EQ(0, driver_info(cand[i], &info));
		ASSERT_EQ(0, linear_largest_leaf(&pt, info.linear.start, info.linear.end, page, &leaf)) {
			TH_LOG("memory%lu: ptdump shows a level this test cannot size: %s", cand[i], leaf.what);
		}
		any_block_leaf |= leaf.bytes > page;
		for (k = 0; k < kinds && strcmp(seen[k].what, leaf.what); k++)
			;
		if (k == kinds && kinds < 8) {
			snprintf(seen[kinds].what, sizeof(seen[kinds].what), "%s", leaf.what);
			seen[kinds++].blocks = 0;
		}
		if (k < 8)
			seen[k].blocks++;
		ret = driver_mark(cand[i]);
		/* Boot reservations are refused first, whatever maps the block. */
		if (leaf.bytes > block_size && ret == -EBUSY && info.pages_reserved) {
			int off = mem_block_set_state(cand[i], "offline");

			/* Unmovable pages (EBUSY) or the notifier (EPERM): refused either way. */
			EXPECT_TRUE(off == -EPERM || off == -EBUSY) {
				TH_LOG("memory%lu, reserved and under a %s leaf: offline returned %d",
				       cand[i], leaf.what, off);
			}
			EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(cand[i]));
			reserved++;
			continue;
		}
		if (leaf.bytes > block_size) {
			EXPECT_EQ(-EOPNOTSUPP, ret) {
				TH_LOG("memory%lu lies under a %s leaf (ptdump) that reaches beyond it, "
				       "but marking it returned %d", cand[i], leaf.what, ret);
			}
			EXPECT_EQ(-EPERM, mem_block_set_state(cand[i], "offline"));
			EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(cand[i]));
			refused++;
			continue;
		}
		/* Covered by leaves of its own: only boot reservations may refuse it. */
		if (ret == -EBUSY && info.pages_reserved) {
			reserved++;
			continue;
		}
		EXPECT_TRUE(ret == 0 || ret == -EEXIST) {
			TH_LOG("memory%lu is covered by its own leaves (largest %s, ptdump) but marking "
			       "it returned %d", cand[i], leaf.what, ret);
		}
		if (ret == 0 || ret == -EEXIST)
			fits[nr_fits++] = cand[i];
	}
	ptdump_free(&pt);
	if (!any_block_leaf)
		SKIP(return, "the linear map uses pages (rodata=full): run with --append rodata=off");
	for (int k = 0, used = 0; k < kinds && used < (int)sizeof(list); k++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s over %d", k ? ", " : "",
				 seen[k].what, seen[k].blocks);
	ksft_print_msg("linear map of %d movable boot blocks of %" PRIu64 " MiB (%" PRIu64
		       "K pages): largest leaves %s; %d refused, %d markable, %d with boot reservations\n",
		       n, block_size >> 20, page >> 10, list, refused, nr_fits, reserved);
	metric_begin(&m, "refusal", METRIC_rodata_leaves);
	metric_u64(&m, "page_size", page);
	metric_u64(&m, "block_size", block_size);
	metric_str(&m, "leaves", list);
	metric_u64(&m, "refused", refused);
	metric_u64(&m, "markable", nr_fits);
	metric_emit(&m);
	/* The first and last markable block go through a whole cycle. */
	for (int i = 0; i < nr_fits; i++) {
		if (i && i != nr_fits - 1) {
			driver_unmark(fits[i]);
			continue;
		}
		/* The node now: a removed block has no sysfs directory to ask. */
		int nid = mem_block_node(fits[i]);

		suite_track(&self->env, fits[i], nid);
		for (int p = 0; p < PHASE_COUNT; p++) {
			struct phase_result r;

			ASSERT_EQ(0, cycle_phase_run(p, fits[i], nid, &r)) {
				TH_LOG("memory%lu, covered by its own leaves: %s failed: %s", fits[i],
				       cycle_phase_names[p], strerror(-r.err));
			}
		}
	}
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * A range is marked block by block: memory goes offline one memory block
 * at a time, even through offline_and_remove_memory(), so a range whose
 * two ends fall on leaf boundaries but whose blocks all lie under one
 * larger leaf (a GiB under one PUD leaf, rodata=off) must be refused as a
 * whole. Marked, every one of its blocks would then fail to go offline.
 * The range is found from ptdump, apart from the series' own lookup: the
 * first leaf larger than a block that covers only movable boot blocks
 * free of boot reservations.
 */
TEST_F(refusal, range_under_one_leaf_is_refused_block_by_block)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	uint64_t page = getpagesize(), bs = mem_block_size();
	unsigned long first = 0, count = 0;
	struct block_info info;
	struct linear_leaf leaf = { 0 };
	struct ptdump pt;
	char why[256];
	int n, ret;

	ARM64_ONLY("marking is the arm64 series' own");
	REQUIRE_SETUP();
	ASSERT_EQ(0, ptdump_read(&pt)) {
		TH_LOG("cannot read the page-table dump %s", ptdump_path() ?: "(none found)");
	}
	n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX);
	qsort(cand, n, sizeof(cand[0]), cmp_ulong);
	for (int i = 0; i < n && !count; i++) {
		unsigned long per_leaf;
		int j;

		ASSERT_EQ(0, driver_info(cand[i], &info));
		ASSERT_EQ(0, linear_largest_leaf(&pt, info.linear.start, info.linear.end, page, &leaf));
		if (leaf.bytes <= bs || info.phys_start % leaf.bytes)
			continue;
		per_leaf = leaf.bytes / bs;
		for (j = 0; j < (int)per_leaf && i + j < n && cand[i + j] == cand[i] + j; j++) {
			ASSERT_EQ(0, driver_info(cand[i + j], &info));
			if (info.pages_reserved)
				break;
		}
		if (j == (int)per_leaf) {
			first = cand[i];
			count = per_leaf;
		}
	}
	ptdump_free(&pt);
	if (!count)
		SKIP(return, "no movable boot range free of reservations under one leaf larger "
		     "than a block (the linear map uses pages under rodata=full: run with "
		     "--append rodata=off)");
	ASSERT_EQ(0, driver_info(first, &info));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	ret = driver_mark_range(first, count);
	if (!ret)
		driver_unmark_range(first, count);
	EXPECT_EQ(-EOPNOTSUPP, ret) {
		TH_LOG("memory%lu..%lu lie under one %s leaf (ptdump) with aligned ends; marking "
		       "them in one call returned %d, though no one of them could go offline alone",
		       first, first + count - 1, leaf.what, ret);
	}
	EXPECT_TRUE(mark_refusal_logged(&self->env.kmsg, info.phys_start,
					info.phys_start + count * bs, MARK_REFUSED_BLOCK_MAPPED,
					why, sizeof(why))) {
		TH_LOG("memory%lu..%lu: want the refusal \"%s\"; the kernel said: %s", first,
		       first + count - 1, MARK_REFUSED_BLOCK_MAPPED, why);
	}
	for (unsigned long b = first; b < first + count; b++) {
		ASSERT_EQ(0, driver_info(b, &info));
		EXPECT_FALSE(info.marked) TH_LOG("memory%lu is marked after a refused mark", b);
		EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(b));
	}
}

/*
 * Memory hot-added in a unit larger than a block (an ACPI DIMM, dax/kmem,
 * virtio-mem's big blocks) is mapped over exactly that unit; with
 * rodata=off a GiB of it is one PUD block mapping. Its owner removes it in
 * the unit it added, so offlining one block of it is no removal, worked
 * before the series, and must not be refused for a block mapping that
 * only a removal could split. Needs RAM the kernel does not use (run.sh
 * --spare-ram gives the guest a GiB beyond mem=).
 */
TEST_F(refusal, hot_added_gigabyte_goes_offline_block_by_block)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	struct phys_range fw[PHYS_RAM_MAX];
	const uint64_t gib = 1ULL << 30;
	uint64_t bs = mem_block_size(), start;
	unsigned long first, count, mid;
	struct block_info info;
	char *iomem;
	int nr_fw, nid, ret;

	ARM64_ONLY("the leaf-split refusal it guards is the arm64 series' own");
	REQUIRE_SETUP();
	nr_fw = phys_ram_firmware("/proc/device-tree", fw, PHYS_RAM_MAX);
	if (nr_fw <= 0)
		SKIP(return, "no spare RAM: no device tree memory nodes");
	iomem = file_read_all("/proc/iomem");
	ASSERT_NE(NULL, iomem);
	ret = phys_ram_find_spare(fw, nr_fw, iomem, gib, gib, &start);
	free(iomem);
	if (ret)
		SKIP(return, "no spare RAM: no aligned GiB that the firmware describes and the "
		     "kernel does not use (run.sh --spare-ram 1G)");
	ASSERT_LE(bs * 2, gib) TH_LOG("memory blocks of %" PRIu64 " bytes: a GiB is not two", bs);
	first = start / bs;
	count = gib / bs;
	mid = first + count / 2;
	nid = mem_block_node(all[mem_blocks_list(all, MEM_BLOCKS_MAX) - 1]);
	ASSERT_EQ(0, driver_plug(first, count, nid < 0 ? 0 : nid))
		TH_LOG("hot-adding [%#" PRIx64 ", +1GiB) as one unit", start);
	for (unsigned long b = first; b < first + count; b++)
		if (mem_block_state(b) == BLOCK_OFFLINE)
			ASSERT_EQ(0, mem_block_set_state(b, "online_movable"));
	ASSERT_EQ(0, driver_info(mid, &info));
	ksft_print_msg("memory%lu of the GiB hot-added at %#" PRIx64 ": linear map %" PRIu64
		       " PUD, %" PRIu64 " PMD, %" PRIu64 " contiguous, %" PRIu64 " page leaves\n",
		       mid, start, info.linear.leaf_pud, info.linear.leaf_pmd,
		       info.linear.leaf_cont, info.linear.leaf_pte);
	ret = mem_block_set_state(mid, "offline");
	EXPECT_EQ(0, ret) {
		TH_LOG("offlining memory%lu, one block of a GiB hot-added as one unit "
		       "(%" PRIu64 " PUD leaves): %s", mid, info.linear.leaf_pud, strerror(-ret));
	}
	if (!ret)
		EXPECT_EQ(0, mem_block_set_state(mid, "online_movable"));
	EXPECT_EQ(0, driver_unplug(first, count)) TH_LOG("removing the GiB in the unit it was added in");
	for (unsigned long b = first; b < first + count; b++) {
		EXPECT_EQ((int)BLOCK_ABSENT, (int)mem_block_state(b)) {
			TH_LOG("memory%lu is still there", b);
		}
	}
}

/*
 * The "reserved" children of System RAM in /proc/iomem are recorded once
 * at boot and outlive the memblock reservations they describe: a freed
 * initrd keeps its child. Marking that trusts memblock alone accepts such
 * a block; removal then cannot release its iomem range, remove still
 * returns 0, and the re-add fails with EEXIST: the block is lost. Mark and
 * remove must agree: the mark is refused, or the block cycles cleanly.
 * Needs such a block (run.sh --initrd-high puts the initrd in ZONE_MOVABLE).
 */
TEST_F(refusal, block_with_stale_iomem_reservation_is_refused_or_cycles)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	struct acct_snapshot after;
	struct block_info info;
	struct phys_range child;
	char name[64], *iomem;
	bool logged = false;
	long block = -1;
	int n, ret;

	ARM64_ONLY("its plan loads the initrd with QEMU virt's loader");
	REQUIRE_SETUP();
	iomem = file_read_all("/proc/iomem");
	ASSERT_NE(NULL, iomem);
	n = cycle_movable_boot_blocks(1, cand, MEM_BLOCKS_MAX);
	for (int i = 0; i < n && block < 0; i++) {
		ASSERT_EQ(0, driver_info(cand[i], &info));
		/*
		 * Marked already: an earlier test's mark was accepted, which
		 * this test must then see cycle cleanly, not pass over.
		 */
		if (info.pages_reserved)
			continue;
		if (phys_ram_iomem_children(iomem, info.phys_start, info.phys_end, name,
					    sizeof(name), &child))
			block = (long)cand[i];
	}
	free(iomem);
	if (block < 0)
		SKIP(return, "no movable boot block without reserved pages holds an iomem child "
		     "(run.sh --initrd-high)");
	ksft_print_msg("memory%ld [%#" PRIx64 "-%#" PRIx64 ") holds iomem child \"%s\" "
		       "[%#" PRIx64 "-%#" PRIx64 ") and no reserved pages\n", block,
		       info.phys_start, info.phys_end, name, child.start, child.end);
	ret = driver_mark(block);
	if (ret == -EEXIST)
		ret = 0;
	if (ret) {
		EXPECT_EQ(-EBUSY, ret) TH_LOG("mark refused with %s", strerror(-ret));
		kmsg_watch_scan(&self->env.kmsg, NULL, 0, "removal could not release", &logged);
		EXPECT_TRUE(logged) TH_LOG("no log line saying why memory%ld was refused", block);
		return;
	}
	/* Marked: then it must cycle cleanly. */
	suite_track(&self->env, block, mem_block_node(block));
	ASSERT_EQ(0, mem_block_set_state(block, "offline"));
	ASSERT_EQ(0, driver_remove(block));
	ASSERT_EQ(0, acct_take(&after));
	EXPECT_FALSE(acct_ram_overlaps(&after, info.phys_start, info.phys_end - 1)) {
		TH_LOG("remove of memory%ld returned 0 but /proc/iomem still holds "
		       "[%#" PRIx64 "-%#" PRIx64 "]", block, info.phys_start, info.phys_end - 1);
	}
	ret = driver_add(block, info.nid);
	EXPECT_EQ(0, ret) {
		TH_LOG("re-add of memory%ld: %s; %" PRIu64 " MiB lost until reboot", block,
		       strerror(-ret), (info.phys_end - info.phys_start) >> 20);
	}
}

/*
 * An iomem child under System RAM at every position relative to a block:
 * marking must refuse every block the child touches, with the iomem
 * reason, and mark the blocks it does not touch. Release of the range at
 * remove time fails for any child that intersects it, whatever its
 * position; a check that looks only at children inside the block, or
 * only at its start, would let a straddling one through, and the removed
 * block could never be added back.
 * fixtures/mutants/iomem-check-sees-only-children-inside.patch proves it.
 */
FIXTURE(iomem_child) {
	struct suite_env env;
	long block;		/* the middle of three markable blocks */
	bool planted;
	bool was_marked[3];	/* block - 1 .. block + 1, by an earlier test */
};

FIXTURE_VARIANT(iomem_child) {
	const char *position;		/* TEST_BOOTMEM_CHILD_* */
	bool reaches_below, reaches_above;	/* touches block - 1, block + 1 */
};

FIXTURE_VARIANT_ADD(iomem_child, inside) {
	.position = TEST_BOOTMEM_CHILD_INSIDE,
};

FIXTURE_VARIANT_ADD(iomem_child, at_start) {
	.position = TEST_BOOTMEM_CHILD_AT_START,
};

FIXTURE_VARIANT_ADD(iomem_child, straddling_start) {
	.position = TEST_BOOTMEM_CHILD_STRADDLING_START,
	.reaches_below = true,
};

FIXTURE_VARIANT_ADD(iomem_child, straddling_end) {
	.position = TEST_BOOTMEM_CHILD_STRADDLING_END,
	.reaches_above = true,
};

FIXTURE_VARIANT_ADD(iomem_child, covering) {
	.position = TEST_BOOTMEM_CHILD_COVERING,
	.reaches_below = true,
	.reaches_above = true,
};

/* Why @block could not be marked, as far as user space can tell; NULL: it could. */
static const char *unmarkable_why(unsigned long block, const char *iomem)
{
	struct block_info info;
	struct phys_range child;
	char z[32], name[64];

	if (mem_block_state(block) != BLOCK_ONLINE)
		return "offline";
	if (mem_block_zone(block, z, sizeof(z)) || strcmp(z, "Movable"))
		return "not movable";
	if (driver_info(block, &info))
		return "no driver info";
	if (!info.boot)
		return "hot-added";
	if (info.pages_reserved)
		return "reserved pages";
	if (phys_ram_iomem_children(iomem, info.phys_start, info.phys_end, name, sizeof(name),
				    &child))
		return "an iomem child";
	return NULL;
}

FIXTURE_SETUP(iomem_child)
{
	static unsigned long all[MEM_BLOCKS_MAX];
	char *iomem, seen[512] = "";
	size_t used = 0;
	int n, ret;

	self->block = -1;
	SUITE_SETUP(&self->env, &needs);
	iomem = file_read_all("/proc/iomem");
	ASSERT_NE(NULL, iomem);
	n = mem_blocks_list(all, MEM_BLOCKS_MAX);
	/* The first run of three markable blocks, numbered one after the other. */
	for (int i = 0, run = 0; i < n && self->block < 0; i++) {
		const char *why = unmarkable_why(all[i], iomem);

		if (why && strcmp(why, "not movable") && used < sizeof(seen))
			used += snprintf(seen + used, sizeof(seen) - used, " %lu:%s", all[i], why);
		run = why ? 0 : (run && all[i - 1] + 1 == all[i] ? run + 1 : 1);
		if (run == 3)
			self->block = (long)all[i - 1];
	}
	free(iomem);
	ASSERT_LE(0, self->block) TH_LOG("no three neighbouring movable boot blocks without "
					 "reservations or iomem children;%s", seen);
	/*
	 * Earlier tests leave their blocks marked: unmark the three for the
	 * test, and mark them again in the teardown.
	 */
	for (int i = 0; i < 3; i++) {
		struct block_info info;

		ASSERT_EQ(0, driver_info(self->block - 1 + i, &info));
		self->was_marked[i] = info.marked;
		if (info.marked)
			ASSERT_EQ(0, driver_unmark(self->block - 1 + i));
	}
	/* A block-mapped linear map refuses them all first (rodata=off). */
	ret = driver_mark(self->block);
	if (ret == -EOPNOTSUPP)
		SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
	ASSERT_EQ(0, ret) TH_LOG("memory%ld could not be marked before any child: %s",
				 self->block, strerror(-ret));
	ASSERT_EQ(0, driver_unmark(self->block));
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(iomem_child)
{
	TEARDOWN_BEGIN();
	if (self->planted)
		EXPECT_EQ(0, driver_iomem_child(self->block, TEST_BOOTMEM_CHILD_NONE));
	for (int i = 0; i < 3 && self->block >= 0; i++) {
		int ret = self->was_marked[i] ? driver_mark(self->block - 1 + i) : 0;

		/* EEXIST: a failed test left it marked, as it was before. */
		EXPECT_TRUE(ret == 0 || ret == -EEXIST) TH_LOG("memory%ld not marked again: %s",
							       self->block - 1 + i, strerror(-ret));
	}
	suite_teardown(_metadata, &self->env);
}

/*
 * Marks @block, expecting the iomem refusal when @touched and a mark
 * otherwise (undone at once). Fails the test on anything else.
 */
static void expect_mark(struct __test_metadata *_metadata, struct kmsg_watch *kmsg,
			unsigned long block, bool touched, const char *position)
{
	struct block_info info;
	char other[512];
	int ret;

	ASSERT_EQ(0, driver_info(block, &info));
	ret = driver_mark(block);
	if (!touched) {
		EXPECT_EQ(0, ret) TH_LOG("memory%lu, which the %s child does not touch, was refused: %s",
					 block, position, strerror(-ret));
		if (!ret)
			EXPECT_EQ(0, driver_unmark(block));
		return;
	}
	if (!ret)
		driver_unmark(block);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("memory%lu holds an iomem child (%s), yet marking it gave %s",
				      block, position, ret ? strerror(-ret) : "success");
	EXPECT_TRUE(mark_refusal_logged(kmsg, info.phys_start, info.phys_end, MARK_REFUSED_IOMEM,
					other, sizeof(other))) {
		TH_LOG("memory%lu (%s child): want the refusal \"%s\"; the kernel said: %s",
		       block, position, MARK_REFUSED_IOMEM, other);
	}
}

TEST_F(iomem_child, marks_exactly_the_blocks_it_does_not_touch)
{
	long b = self->block;

	ARM64_ONLY("x86-64 has no mark to refuse");
	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_iomem_child(b, variant->position));
	self->planted = true;
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	ksft_print_msg("iomem child %s memory%ld; marking memory%ld..%ld\n", variant->position,
		       b, b - 1, b + 1);
	expect_mark(_metadata, &self->env.kmsg, b, true, variant->position);
	expect_mark(_metadata, &self->env.kmsg, b - 1, variant->reaches_below, variant->position);
	expect_mark(_metadata, &self->env.kmsg, b + 1, variant->reaches_above, variant->position);
	/* Taken out, the child leaves the block markable again. */
	ASSERT_EQ(0, driver_iomem_child(b, TEST_BOOTMEM_CHILD_NONE));
	self->planted = false;
	expect_mark(_metadata, &self->env.kmsg, b, false, "removed");
}

/*
 * The mark is checked when it is made, and an iomem child can be inserted
 * under the block afterwards. Removal could not release the range then,
 * and it could never be added back: the offline itself must be refused,
 * with EBUSY and the notifier's reason, and go through once the child is
 * gone. fixtures/mutants/offline-skips-iomem-recheck.patch proves it.
 */
TEST_F(iomem_child, planted_after_marking_refuses_offline)
{
	long b = self->block;
	bool logged = false;
	int ret;

	ARM64_ONLY("x86-64 has no mark to re-check");
	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_mark(b));
	ASSERT_EQ(0, driver_iomem_child(b, variant->position));
	self->planted = true;
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, NULL, NULL);
	ksft_print_msg("memory%ld marked, then an iomem child %s it; offlining it\n", b,
		       variant->position);
	ret = mem_block_set_state(b, "offline");
	if (!ret)
		mem_block_set_state(b, "online_movable");
	EXPECT_EQ(-EBUSY, ret) TH_LOG("memory%ld went offline with an iomem child %s it: %s", b,
				      variant->position, ret ? strerror(-ret) : "no error");
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(b));
	kmsg_watch_scan(&self->env.kmsg, NULL, 0, OFFLINE_REFUSED_IOMEM, &logged);
	EXPECT_TRUE(logged) TH_LOG("no \"%s\" line for memory%ld", OFFLINE_REFUSED_IOMEM, b);
	/* The child gone, the mark stands: the block goes offline and back. */
	ASSERT_EQ(0, driver_iomem_child(b, TEST_BOOTMEM_CHILD_NONE));
	self->planted = false;
	EXPECT_EQ(0, mem_block_set_state(b, "offline"));
	EXPECT_EQ(0, mem_block_set_state(b, "online_movable"));
	EXPECT_EQ(0, driver_unmark(b));
}

TEST_HARNESS_MAIN
