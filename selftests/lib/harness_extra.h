/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two things the 6.1 kselftest harness gets wrong for this suite:
 *
 * - A SKIP() in FIXTURE_SETUP marks the test skipped but still runs its
 *   body. Every body starts with REQUIRE_SETUP(), so a skipped setup ends
 *   the test with the setup's reason.
 * - After a failed ASSERT the harness leaves _metadata->trigger set, so
 *   the first EXPECT in FIXTURE_TEARDOWN runs its failure block (TH_LOG)
 *   although its check passed. Teardowns start with TEARDOWN_BEGIN().
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
	if (_metadata->skip || !self->env.ready)	\
		return;					\
} while (0)

#define TEARDOWN_BEGIN() (_metadata->trigger = 0)

static pid_t harness_parent;

static void exit_skip_when_all_skipped(void)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int total = 0, skipped = 0;

	if (getpid() != harness_parent)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next) {
			total++;
			skipped += t->skip;
		}
	if (total && skipped == total) {
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
