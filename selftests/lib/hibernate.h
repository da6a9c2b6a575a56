/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hibernation, asked for without hibernating: the kexec test checks that
 * the series (0008) refuses it while boot memory is out, and refuses
 * offlining while one is being prepared. Opening /dev/snapshot for reading
 * sends PM_HIBERNATION_PREPARE, as /sys/power/state's "disk" does, and
 * holds it until the file is closed, without freezing anything.
 */
#ifndef BOOTMEM_HIBERNATE_H
#define BOOTMEM_HIBERNATE_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel's words for each refusal (series patch 8). */
#define HIBERNATE_REFUSED "Can't hibernate: boot memory"
#define HIBERNATE_OFFLINE_REFUSED "cannot go offline while the system hibernates"

/* Does /sys/power/state offer "disk" (CONFIG_HIBERNATION, not disabled)? */
bool hibernation_offered(void);
/*
 * open("/dev/snapshot", O_RDONLY): the user-space hibernation interface's
 * first step, which sends PM_HIBERNATION_PREPARE. Returns the descriptor
 * (closing it sends PM_POST_HIBERNATION) or -errno.
 */
int hibernation_prepare(void);
/*
 * "disk" into /sys/power/state: 0 or -errno. Where the kernel does not
 * refuse, this hibernates for real; call it only where a refusal is due.
 */
int hibernation_request(void);

/*
 * A swap device for hibernation to write its image to: a swap already on
 * (a board's), else the disk with a swap signature that run.sh and the
 * LAVA job attach (make-disk.sh --swap), mkswap'd again for this kernel's
 * page size and swapped on, *@made then true. Not a swap file on the data
 * disk: with BLK_DEV_WRITE_MOUNTED off (Debian's config) the kernel cannot
 * open a mounted disk to write an image. Its path in @dev (@len bytes).
 * 0, -ENODEV when there is none, or -errno.
 */
int hibernation_swap_on(char *dev, size_t len, bool *made);
/* swapoff what hibernation_swap_on() swapped on (@made), nothing else. */
void hibernation_swap_off(const char *dev, bool made);

#endif
