/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a test program needs, declared once at its top, the way LTP's
 * struct tst_test does: one checker turns an unmet need into a skip with
 * the exact reason ("fio not found in PATH"), never into a failure that
 * says "exit status 127". selftests/config is checked against these
 * declarations (ci/check-config.py), so the two cannot drift.
 */
#ifndef BOOTMEM_NEEDS_H
#define BOOTMEM_NEEDS_H

#include <stdbool.h>
#include <stddef.h>

struct suite_needs {
	bool root;
	/* "CONFIG_X=y" or "=m": each has a run-time probe in needs.c. */
	const char *const *kconfigs;
	/*
	 * Options only some of its tests need: those tests skip naming them,
	 * the others run. selftests/config lists them too.
	 */
	const char *const *test_kconfigs;
	/* Programs that must be found in PATH. */
	const char *const *commands;
	/* The test driver and movable boot memory (lib/cycle.h's suite_availability). */
	bool driver;
	/* The patches of fixtures/kernel/patches whose behaviour the program checks. */
	const char *guards;
	/* knobs it writes, restored by its teardown even when a check fails */
	const char *restores;
};

/*
 * Is everything in @n but the driver there? False, with the first unmet
 * need in @why, when not.
 */
bool needs_met(const struct suite_needs *n, char *why, size_t len);
/*
 * Are all of @kconfigs (NULL-terminated, as in struct suite_needs) there?
 * False, with the first missing in @why, when not: for a test's own
 * test_kconfigs.
 */
bool needs_kconfigs_met(const char *const *kconfigs, char *why, size_t len);
/* Is the option there in the running kernel? -1 when it has no probe. */
int needs_kconfig_present(const char *kconfig);

#endif
