/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one fixture every test program shares: its needs checked (lib/needs.h),
 * the kernel's ability to test probed (a kernel without the series skips
 * with VERDICT_REFUSED; one with the series but no driver fails), blocks
 * picked and marked, a /dev/kmsg watch, and a teardown that puts every
 * block the test touched back online in ZONE_MOVABLE, unmarks what is still
 * boot memory, and fails the test on a splat. Each program's FIXTURE holds
 * a struct suite_env named env, plus what is its own.
 *
 * Include after kselftest_harness.h (it uses SKIP, ASSERT and EXPECT).
 */
#ifndef BOOTMEM_SUITE_H
#define BOOTMEM_SUITE_H

#include <errno.h>
#include <stdbool.h>

#include "cycle.h"
#include "kmsg.h"
#include "linear_leaf.h"
#include "mem_blocks.h"
#include "needs.h"
#include "test_driver.h"

struct suite_env {
	struct kmsg_watch kmsg;
	/* Blocks the test touched, restored by suite_teardown(). */
	unsigned long blocks[MEM_BLOCKS_MAX];
	int nids[MEM_BLOCKS_MAX];
	int nr;
	bool ready;
	/*
	 * The kmsg watch is running: from here on the teardown restores and
	 * scans, even when the setup then ended early (a block-mapped
	 * refusal ends a test in its setup, and must still be splat-free).
	 */
	bool watching;
};

/*
 * First words of every FIXTURE_SETUP: unmet needs skip with their reason;
 * then, for a program that needs the driver, a kernel without the series
 * skips with the refusal, and one with the series but no driver, or with
 * no movable boot memory, fails here instead of skipping.
 */
#define SUITE_SETUP(env, needs) do {					\
	char why_[256];							\
	enum suite_state state_;					\
									\
	(env)->ready = false;						\
	(env)->watching = false;					\
	(env)->nr = 0;							\
	/* The refusal first: it is the verdict on a kernel without the */ \
	/* series, whatever else that kernel lacks (a stock kernel has no */ \
	/* ptdump either). */						\
	if ((needs)->driver) {						\
		state_ = suite_availability(why_, sizeof(why_));	\
		if (state_ == SUITE_REFUSED)				\
			SKIP(return, "%s", why_);			\
		ASSERT_EQ(SUITE_READY, state_) TH_LOG("%s", why_);	\
	}								\
	if (!needs_met(needs, why_, sizeof(why_)))			\
		SKIP(return, "%s", why_);				\
	kmsg_watch_start(&(env)->kmsg);					\
	(env)->watching = true;						\
} while (0)

/* Last words of FIXTURE_SETUP: the body may run. */
#define SUITE_SETUP_DONE(env) ((env)->ready = true)

static inline void suite_track(struct suite_env *env, unsigned long block, int nid)
{
	for (int i = 0; i < env->nr; i++)
		if (env->blocks[i] == block)
			return;
	if (env->nr < MEM_BLOCKS_MAX) {
		env->blocks[env->nr] = block;
		env->nids[env->nr++] = nid;
	}
}

/*
 * First words of a test of what only arm64 has: the series' mark and its
 * refusals, rodata=off block mappings. Elsewhere (the x86-64 reference,
 * which removes boot memory unmarked) it skips, saying so; the x86_64
 * plan expects exactly that skip, and no other.
 */
#ifdef __aarch64__
#define ARM64_ONLY(what) do { } while (0)
#define ARCH_HAS_MARK true
#else
#define ARM64_ONLY(what) SKIP(return, "arm64-only: %s", what)
#define ARCH_HAS_MARK false	/* a part of a test about marks is left out */
#endif

/*
 * A setup whose marks are refused with EOPNOTSUPP ends here. With a
 * block-mapped linear map (rodata=off) that refusal is the right outcome,
 * not a reason to skip: ptdump, read apart from the series, must show
 * that every block refused that way lies under a leaf that reaches beyond
 * it. Then the test passes, having checked exactly that (the body sees a
 * setup that is not ready and ends); a refusal ptdump does not justify
 * fails the test.
 */
#define SUITE_END_ON_BLOCK_MAPPED_REFUSAL() do {			\
	char why_[320];							\
									\
	ASSERT_EQ(0, linear_verify_block_mapped_refusals(why_, sizeof(why_))) \
		TH_LOG("%s", why_);					\
	ksft_print_msg("%s\n", why_);					\
	return;								\
} while (0)

/*
 * Marks a movable boot block for the test and tracks it. A block-mapped
 * linear map (rodata=off, EOPNOTSUPP for every candidate) ends the test as
 * above; anything else that leaves nothing to mark is a failure of the
 * series.
 */
#define SUITE_PICK_BLOCK(env, seed, block, nid) do {			\
	char why_[256];							\
	int ret_ = cycle_pick_and_mark(seed, 0, block, nid, why_, sizeof(why_)); \
									\
	if (ret_ == -EOPNOTSUPP)					\
		SUITE_END_ON_BLOCK_MAPPED_REFUSAL();			\
	ASSERT_EQ(0, ret_) TH_LOG("no movable boot block could be marked: %s", why_); \
	suite_track(env, *(block), *(nid));				\
} while (0)

/* FIXTURE_TEARDOWN's work, after the program's own. */
static inline void suite_teardown(struct __test_metadata *_metadata, struct suite_env *env)
{
	char splat[512] = "";

	if (!env->watching)
		return;
	for (int i = 0; i < env->nr; i++) {
		struct block_info info;

		EXPECT_EQ(0, cycle_block_restore(env->blocks[i], env->nids[i])) {
			TH_LOG("memory%lu could not be put back online", env->blocks[i]);
		}
		if (!driver_info(env->blocks[i], &info) && info.boot && info.marked)
			driver_unmark(env->blocks[i]);
	}
	EXPECT_EQ(0, kmsg_watch_scan(&env->kmsg, splat, sizeof(splat), NULL, NULL)) {
		TH_LOG("kernel splat during the test: %s", splat);
	}
	kmsg_watch_stop(&env->kmsg);
}

#endif
