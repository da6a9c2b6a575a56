// SPDX-License-Identifier: GPL-2.0
/*
 * Injected failures leave everything consistent. A failure injected at
 * MEM_GOING_OFFLINE, at MEM_GOING_ONLINE, or in a slab allocation during
 * add must leave the block in the state it was in, every exact counter
 * (zones, MemTotal, node meminfo, iomem) unchanged, and the data held
 * elsewhere intact; and a retry without the fault must succeed.
 *
 * Needs, guards and restores: declared in `needs` below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/accounting.h"
#include "lib/fault_inject.h"
#include "lib/file_io.h"
#include "lib/metrics.h"
#include "lib/pattern.h"
#include "lib/suite.h"

#define DATA_BYTES (64UL << 20)

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_DEBUG_FS=y",
					   "CONFIG_MEMORY_NOTIFIER_ERROR_INJECT=m", NULL },
	/*
	 * The slab test's own (it skips, naming them): a kernel without
	 * fault injection (Debian's stock amd64) still runs the notifier tests.
	 */
	.test_kconfigs = (const char *const[]){ "CONFIG_FAILSLAB=y",
						"CONFIG_FAULT_INJECTION_DEBUG_FS=y", NULL },
	.guards = "0001 (iomem split undone on failure), 0005 (marked blocks through failed phases)",
	.restores = "the notifier and failslab injectors disarmed; the block back online",
};

FIXTURE(fault) {
	struct suite_env env;
	unsigned long block;
	int nid;
	uint64_t seed;
	char *data;
};

FIXTURE_SETUP(fault)
{
	SUITE_SETUP(&self->env, &needs);
	self->seed = cycle_seed();
	SUITE_PICK_BLOCK(&self->env, self->seed, &self->block, &self->nid);
	/* Data held elsewhere that no failure may disturb. */
	self->data = mmap(NULL, DATA_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->data);
	pattern_fill(self->data, DATA_BYTES, self->seed);
	TH_LOG("seed %#" PRIx64 ": block %lu", self->seed, self->block);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(fault)
{
	struct pattern_mismatch m;

	TEARDOWN_BEGIN();

	fault_notifier_set("MEM_GOING_OFFLINE", 0);
	fault_notifier_set("MEM_GOING_ONLINE", 0);
	if (fault_slab_available())
		fault_slab_disarm();
	if (self->env.ready)
		EXPECT_EQ(0, pattern_check(self->data, DATA_BYTES, self->seed, &m)) {
			TH_LOG("data corrupted at %#lx: expected %#" PRIx64 ", found %#" PRIx64,
			       (unsigned long)m.addr, m.expected, m.actual);
		}
	suite_teardown(_metadata, &self->env);
}

static void expect_unchanged(struct __test_metadata *_metadata, const struct acct_snapshot *before,
			     const char *what)
{
	struct acct_snapshot now;
	char why[512];

	ASSERT_EQ(0, acct_take(&now));
	EXPECT_EQ(0, acct_compare(before, &now, why, sizeof(why))) {
		TH_LOG("after %s: %s", what, why);
	}
}

TEST_F(fault, failed_going_offline_leaves_block_online_and_counters_exact)
{
	struct acct_snapshot before;
	struct phase_result r;

	REQUIRE_SETUP();
	ASSERT_EQ(0, acct_take(&before));
	ASSERT_EQ(0, fault_notifier_set("MEM_GOING_OFFLINE", ENOMEM));
	EXPECT_EQ(-ENOMEM, mem_block_set_state(self->block, "offline"));
	ASSERT_EQ(0, fault_notifier_set("MEM_GOING_OFFLINE", 0));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
	expect_unchanged(_metadata, &before, "a failed offline");
	/* The retry, and the rest of the cycle, work. */
	for (int p = 0; p < PHASE_COUNT; p++) {
		ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r)) {
			TH_LOG("retry %s: %s", cycle_phase_names[p], strerror(-r.err));
		}
	}
}

TEST_F(fault, failed_going_online_leaves_block_offline_and_counters_exact)
{
	struct acct_snapshot before;
	struct phase_result r;

	REQUIRE_SETUP();
	for (int p = PHASE_OFFLINE; p <= PHASE_ADD; p++) {
		ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r));
	}
	ASSERT_EQ(0, acct_take(&before));
	ASSERT_EQ(0, fault_notifier_set("MEM_GOING_ONLINE", ENOMEM));
	EXPECT_EQ(-ENOMEM, mem_block_set_state(self->block, "online_movable"));
	ASSERT_EQ(0, fault_notifier_set("MEM_GOING_ONLINE", 0));
	EXPECT_EQ((int)BLOCK_OFFLINE, (int)mem_block_state(self->block));
	expect_unchanged(_metadata, &before, "a failed online");
	ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
}

/*
 * Fail one slab allocation at increasing depths of add_memory(): each
 * failed add must leave the block absent with the counters and iomem
 * exactly as before; an add the fault did not stop must be a normal,
 * offline block. At least one depth must really fail. The fault is armed
 * after the driver's file is open, so it lands in what the write does and
 * not in open(); each failure must be the driver's own report that
 * add_memory() failed, with the errno the write returned.
 */
TEST_F(fault, failed_slab_allocation_during_add_leaves_nothing_behind)
{
	static const unsigned long depths[] = { 0, 256, 1024, 4096, 16384, 65536 };
	struct acct_snapshot before;
	char why[256];
	struct phase_result r;
	int failures = 0;
	long first_success = -1;

	REQUIRE_SETUP();
	if (!needs_kconfigs_met(needs.test_kconfigs, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
	ASSERT_EQ(0, acct_take(&before));
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		int ret;
		struct metric m;

		char cmd[48], logged_line[96];
		bool logged = false;
		int fd = driver_open(TEST_BOOTMEM_FILE_ADD);

		ASSERT_LE(0, fd) TH_LOG("opening the driver's add file: %s", strerror(-fd));
		driver_add_command(self->block, self->nid, cmd, sizeof(cmd));
		ASSERT_EQ(0, fault_slab_arm(depths[i]));
		ret = fd_write_once(fd, cmd);
		ASSERT_EQ(0, fault_slab_disarm());
		close(fd);
		if (ret) {
			snprintf(logged_line, sizeof(logged_line),
				 "add block %lu: error %d (add_memory() failed)", self->block, ret);
			kmsg_watch_scan(&self->env.kmsg, NULL, 0, logged_line, &logged);
			EXPECT_TRUE(logged) {
				TH_LOG("failslab space %lu: the add failed (%s) but the driver did not "
				       "log \"%s\": the fault did not land in add_memory()",
				       depths[i], strerror(-ret), logged_line);
			}
		} else if (first_success < 0) {
			first_success = (long)depths[i];
		}
		metric_begin(&m, "fault", METRIC_failslab_add);
		metric_u64(&m, "space", depths[i]);
		metric_i64(&m, "err", ret);
		metric_emit(&m);
		ksft_print_msg("failslab space %lu: add %s\n", depths[i], ret ? strerror(-ret) : "succeeded");
		if (ret) {
			failures++;
			EXPECT_EQ((int)BLOCK_ABSENT, (int)mem_block_state(self->block));
			expect_unchanged(_metadata, &before, "a failed add");
			continue;
		}
		EXPECT_EQ((int)BLOCK_OFFLINE, (int)mem_block_state(self->block));
		ASSERT_EQ(0, driver_remove(self->block));
		expect_unchanged(_metadata, &before, "an add and a remove");
	}
	EXPECT_LT(0, failures) TH_LOG("no injected slab failure stopped an add");
	if (first_success >= 0)
		ksft_print_msg("add first succeeds at failslab space %ld\n", first_success);
	else
		ksft_print_msg("add failed at every failslab space up to %lu\n",
			       depths[sizeof(depths) / sizeof(depths[0]) - 1]);
	ASSERT_EQ(0, cycle_phase_run(PHASE_ADD, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
}

TEST_HARNESS_MAIN
