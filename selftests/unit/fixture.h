/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the unit tests' recorded files. */
#ifndef BOOTMEM_UNIT_FIXTURE_H
#define BOOTMEM_UNIT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "lib/file_io.h"

/*
 * The text of @name@suffix in the directory $@env names (make run sets
 * it; @dir when it is unset). A missing fixture ends the program: a test
 * that cannot read its evidence has not run.
 */
static inline char *fixture_text(const char *env, const char *dir, const char *name,
				 const char *suffix)
{
	char path[512];
	char *text;

	snprintf(path, sizeof(path), "%s/%s%s", getenv(env) ?: dir, name, suffix);
	text = file_read_all(path);
	if (!text) {
		fprintf(stderr, "missing fixture %s\n", path);
		exit(1);
	}
	return text;
}

#endif
