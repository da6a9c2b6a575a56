/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own list of boot memory marked hot-removable, as the series
 * shows it in debugfs (SERIES_DEBUGFS_FILE, one "0xSTART-0xEND" line per
 * run of marked sections, END inclusive). Read independently of the test
 * driver, so that a mark reaching beyond its block shows even where the
 * driver's per-block "marked" cannot see it (a single stray section).
 */
#ifndef BOOTMEM_MARKED_H
#define BOOTMEM_MARKED_H

#include <stdbool.h>
#include <stdint.h>

#include "phys_ram.h"

struct marked_list {
	struct phys_range r[PHYS_RAM_MAX];	/* [start, end), sorted, merged */
	int n;
};

/* Parses the file's text; -EINVAL for a line that is no range. */
int marked_parse(const char *text, struct marked_list *l);
/* Reads SERIES_DEBUGFS_FILE; 0 or -errno. */
int marked_read(struct marked_list *l);
/* @l with [start, end) added, merged with what it touches. */
void marked_add(struct marked_list *l, uint64_t start, uint64_t end);
bool marked_equal(const struct marked_list *a, const struct marked_list *b);
/* Does one range of @l hold all of [start, end)? */
bool marked_covers(const struct marked_list *l, uint64_t start, uint64_t end);
/* "0x..-0x.., ..." into @buf, for a failure message. */
const char *marked_str(const struct marked_list *l, char *buf, int len);

#endif
