// SPDX-License-Identifier: GPL-2.0
/*
 * The stress run's verdicts on its tools (stress/tool_verdicts.c), held
 * to output recorded from Debian's own fio and stress-ng run with the
 * stress run's options (fixtures/tool-output/README.md says how each was
 * made). Each wait status is the one that tool really ended with; the
 * expected figures were read from the recorded files, not computed here.
 *
 * The case no guest run shows: fio stopped by SIGINT because another tool
 * died (exit 128) passes only when the load interrupted it, and never
 * when its JSON holds a job error.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "../stress/tool_verdicts.h"
#include "fixture.h"

/*
 * What the recorded files hold, read from them with python3's json and by
 * eye: the bytes each fio job wrote ("write" io_bytes) and read back,
 * which is verifying (every read is a verify read), summed, in MiB.
 */
#define FIO_RAN_OUT_WHY "fio wrote 2031 MiB and read back and verified 2016 MiB (crc32c)"
#define FIO_INTERRUPTED_WHY "fio wrote 1663 MiB and read back and verified 1632 MiB (crc32c)"
#define FIO_EARLY_WHY "fio wrote 367 MiB and verified none of it"
#define FIO_VERIFY_FAILED_EXIT 1
#define FIO_VERIFY_FAILED_WHY "fio exit 1, 1 of 2 jobs failed (verify=crc32c)"
/* Four stressors: vm, mmap, brk, shm (--page-in is a flag, not one). */
#define STRESS_NG_WHY "4 stressors per node did work, none failed verification"
#define STRESS_NG_FIRST_BOGO_OPS "bogo-ops: 64842\n"
#define STRESS_NG_IDLE_WHY "node 0: 1 of 4 stressors did no work (bogo-ops 0): vm"
/* stress-ng's pr_fail() prefix, and its vm stressor's "%s: detected %zu memory error%s". */
#define STRESS_NG_FAIL_LINE "stress-ng: fail:  [30375] vm: detected 1 memory error"

/* Linux's wait status of a process that exited with @code, or died of @sig. */
#define EXITED(code) ((code) << 8)
#define KILLED(sig) (sig)

static char *recorded(const char *name)
{
	return fixture_text("TOOL_OUTPUT", "../fixtures/tool-output", name, "");
}

/* @text with the first @from replaced by @to (the cases no tool can be made to print). */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	if (!at) {
		fprintf(stderr, "fixture has no '%s'\n", from);
		exit(1);
	}
	out = malloc(strlen(text) + strlen(to) + 1);
	if (!out)
		exit(1);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static char why[256];

TEST(fio_that_ran_out_its_time_passes)
{
	char *json = recorded("fio-ran-out.json");

	EXPECT_TRUE(fio_verdict(json, EXITED(0), false, why, sizeof(why)));
	EXPECT_STREQ(FIO_RAN_OUT_WHY, why);
	free(json);
}

TEST(fio_interrupted_by_the_load_passes)
{
	char *json = recorded("fio-interrupted.json");

	EXPECT_TRUE(fio_verdict(json, EXITED(FIO_EXIT_INTERRUPTED), true, why, sizeof(why)));
	EXPECT_STREQ(FIO_INTERRUPTED_WHY, why);
	free(json);
}

TEST(fio_exit_128_the_load_did_not_cause_fails)
{
	char *json = recorded("fio-interrupted.json");

	EXPECT_FALSE(fio_verdict(json, EXITED(FIO_EXIT_INTERRUPTED), false, why, sizeof(why)));
	EXPECT_STREQ("fio exit 128, 0 of 2 jobs failed (verify=crc32c)", why);
	free(json);
}

TEST(fio_interrupted_may_exit_128_and_nothing_else)
{
	char *json = recorded("fio-interrupted.json");

	EXPECT_FALSE(fio_verdict(json, EXITED(1), true, why, sizeof(why)));
	EXPECT_STREQ("fio exit 1, 0 of 2 jobs failed (verify=crc32c)", why);
	free(json);
}

TEST(fio_verify_failure_fails)
{
	char *json = recorded("fio-verify-failed.json");

	EXPECT_FALSE(fio_verdict(json, EXITED(FIO_VERIFY_FAILED_EXIT), false, why, sizeof(why)));
	EXPECT_STREQ(FIO_VERIFY_FAILED_WHY, why);
	free(json);
}

/* The path the exit-128 allowance opens: the JSON's job error still fails it. */
TEST(fio_verify_failure_fails_even_as_an_interrupted_128)
{
	char *json = recorded("fio-verify-failed.json");

	EXPECT_FALSE(fio_verdict(json, EXITED(FIO_EXIT_INTERRUPTED), true, why, sizeof(why)));
	EXPECT_STREQ("fio exit 128, 1 of 2 jobs failed (verify=crc32c)", why);
	free(json);
}

TEST(fio_killed_by_a_signal_fails)
{
	char *json = recorded("fio-interrupted.json");

	EXPECT_FALSE(fio_verdict(json, KILLED(SIGKILL), true, why, sizeof(why)));
	EXPECT_STREQ("fio signal 9, 0 of 2 jobs failed (verify=crc32c)", why);
	free(json);
}

TEST(fio_interrupted_before_it_verified_fails)
{
	char *json = recorded("fio-interrupted-early.json");

	EXPECT_FALSE(fio_verdict(json, EXITED(FIO_EXIT_INTERRUPTED), true, why, sizeof(why)));
	EXPECT_STREQ(FIO_EARLY_WHY, why);
	free(json);
}

TEST(no_fio_json_fails)
{
	EXPECT_FALSE(fio_verdict(NULL, EXITED(0), false, why, sizeof(why)));
	EXPECT_STREQ("no fio log", why);
}

TEST(stress_ng_that_ran_out_its_time_passes)
{
	char *log = recorded("stress-ng-ran-out.log"), *yaml = recorded("stress-ng-ran-out.yaml");

	EXPECT_TRUE(stress_ng_verdict(0, log, yaml, EXITED(0), why, sizeof(why)));
	EXPECT_STREQ(STRESS_NG_WHY, why);
	free(log);
	free(yaml);
}

TEST(stress_ng_interrupted_by_the_load_passes)
{
	char *log = recorded("stress-ng-interrupted.log"), *yaml = recorded("stress-ng-interrupted.yaml");

	EXPECT_TRUE(stress_ng_verdict(0, log, yaml, EXITED(0), why, sizeof(why)));
	EXPECT_STREQ(STRESS_NG_WHY, why);
	free(log);
	free(yaml);
}

TEST(stress_ng_without_its_yaml_or_log_fails)
{
	char *log = recorded("stress-ng-ran-out.log"), *yaml = recorded("stress-ng-ran-out.yaml");

	EXPECT_FALSE(stress_ng_verdict(1, log, NULL, EXITED(0), why, sizeof(why)));
	EXPECT_STREQ("node 1: stress-ng left no YAML metrics", why);
	EXPECT_FALSE(stress_ng_verdict(1, NULL, yaml, EXITED(0), why, sizeof(why)));
	EXPECT_STREQ("node 1: stress-ng left no log", why);
	free(log);
	free(yaml);
}

TEST(stress_ng_exit_or_signal_fails)
{
	char *log = recorded("stress-ng-ran-out.log"), *yaml = recorded("stress-ng-ran-out.yaml");

	EXPECT_FALSE(stress_ng_verdict(0, log, yaml, EXITED(2), why, sizeof(why)));
	EXPECT_STREQ("node 0: stress-ng exit status 2", why);
	EXPECT_FALSE(stress_ng_verdict(0, log, yaml, KILLED(SIGKILL), why, sizeof(why)));
	EXPECT_STREQ("node 0: stress-ng signal 9", why);
	free(log);
	free(yaml);
}

/* stress-ng exits 0 when a stressor did nothing: its bogo-ops say so. */
TEST(stress_ng_stressor_that_did_no_work_fails)
{
	char *log = recorded("stress-ng-ran-out.log"), *yaml = recorded("stress-ng-ran-out.yaml");
	char *idle = replaced(yaml, STRESS_NG_FIRST_BOGO_OPS, "bogo-ops: 0\n");

	EXPECT_FALSE(stress_ng_verdict(0, log, idle, EXITED(0), why, sizeof(why)));
	EXPECT_STREQ(STRESS_NG_IDLE_WHY, why);
	free(idle);
	free(log);
	free(yaml);
}

/* A failed verification, in the words of stress-ng's pr_fail() (core-log.c). */
TEST(stress_ng_verification_failure_in_its_log_fails)
{
	char *log = recorded("stress-ng-ran-out.log"), *yaml = recorded("stress-ng-ran-out.yaml");
	char *failed = replaced(log, "stress-ng: info:", STRESS_NG_FAIL_LINE "\nstress-ng: info:");

	EXPECT_FALSE(stress_ng_verdict(0, failed, yaml, EXITED(0), why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "node 0: stress-ng reported fail:")) TH_LOG("%s", why);
	free(failed);
	free(log);
	free(yaml);
}

TEST_HARNESS_MAIN
