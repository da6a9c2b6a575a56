/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kselftest harness does not do for this suite, written with its
 * public macros and kselftest.h's counters only, so the same programs
 * build against the harness of every kernel (6.1 and 6.12 are tested):
 *
 * - A SKIP() in FIXTURE_SETUP marks the test skipped, yet the 6.1 harness
 *   still runs its body (6.12 does not). Every body starts with
 *   REQUIRE_SETUP(), which ends it unless the suite's own setup finished.
 * - After a failed ASSERT the 6.1 harness leaves a handler armed, so the
 *   first EXPECT in FIXTURE_TEARDOWN runs its failure block (TH_LOG)
 *   although its check passed. Teardowns start with TEARDOWN_BEGIN(), an
 *   EXPECT that holds, which consumes that stale handler.
 * - A program whose every test skipped exits 0, which the kselftest runner
 *   reports as "ok": a skip counted as a pass. At exit, such a program
 *   exits with KSFT_SKIP instead, so the runner says "# SKIP".
 *
 * Include after kselftest_harness.h.
 */
#ifndef BOOTMEM_HARNESS_EXTRA_H
#define BOOTMEM_HARNESS_EXTRA_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define REQUIRE_SETUP() do {				\
	if (!self->env.ready)				\
		return;					\
} while (0)

#define TEARDOWN_BEGIN() EXPECT_EQ(0, 0)

static pid_t harness_parent;

/* The harness's parent prints every result, and kselftest.h counts them. */
static void exit_skip_when_all_skipped(void)
{
	if (getpid() != harness_parent)
		return;
	if (ksft_get_xskip_cnt() && !ksft_get_pass_cnt() && !ksft_get_fail_cnt() &&
	    !ksft_get_xfail_cnt() && !ksft_get_xpass_cnt() && !ksft_get_error_cnt()) {
		fflush(stdout);
		_exit(KSFT_SKIP);
	}
}

static void __attribute__((constructor)) register_skip_exit(void)
{
	/*
	 * Each test runs in a child that ends with _exit(), which drops what
	 * stdout still buffers: a test's ksft_print_msg() lines would be lost
	 * whenever stdout is a pipe (the kselftest runner's). Line buffering
	 * keeps them, and in order with the harness's stderr lines.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	harness_parent = getpid();
	atexit(exit_skip_when_all_skipped);
}

#endif
