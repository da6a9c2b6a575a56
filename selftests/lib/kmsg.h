/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log since a point in time: each test watches it so that a
 * WARN, BUG or "Bad page state" during the test fails that test by name,
 * and a refusal can be matched to the line the kernel printed for it.
 */
#ifndef BOOTMEM_KMSG_H
#define BOOTMEM_KMSG_H

#include <stdbool.h>
#include <stddef.h>

struct kmsg_watch {
	int fd;
	int err;	/* errno of a failed open of /dev/kmsg */
	/*
	 * Splats seen since the start, by every scan: a scan in the middle of
	 * a test that looks for one line must not swallow a splat that the
	 * teardown's scan would then never see.
	 */
	int splats;
	char first_splat[256];
};

/* Starts watching from now on; fd < 0 when /dev/kmsg cannot be read. */
void kmsg_watch_start(struct kmsg_watch *w);
/*
 * Reads what was logged since the last call. Returns the number of splat
 * lines (the patterns of splats.def) since the watch started, whichever
 * call read them; the first goes to @splat. Lines read by this call that
 * contain @want (if not NULL) set *found. Returns -1, with the reason
 * in @splat, when /dev/kmsg could not be opened: no log is not no splat.
 */
int kmsg_watch_scan(struct kmsg_watch *w, char *splat, size_t len, const char *want, bool *found);
/*
 * The same read, for one line: whether a line containing @want was logged
 * since the last call, the first such line in @line (@len bytes). Splats
 * read on the way are counted as by kmsg_watch_scan().
 */
bool kmsg_watch_find(struct kmsg_watch *w, const char *want, char *line, size_t len);
void kmsg_watch_stop(struct kmsg_watch *w);
/* Is @line a splat? Split out for the unit tests. */
bool kmsg_is_splat(const char *line);

#endif
