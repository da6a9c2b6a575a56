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
 * A swap file of @mib MiB in @dir that hibernation would write its image
 * to: written out (a swap file may have no holes), mkswap'd and swapped
 * on. With no resume device named, the kernel writes the image to the
 * first swap it finds (swsusp_swap_check()): this one, the guest's only.
 * Its path in @path (@len bytes). 0 or -errno, with nothing left behind.
 */
int hibernation_swap_file_on(const char *dir, unsigned int mib, char *path, size_t len);
/* swapoff and unlink what hibernation_swap_file_on() made. */
void hibernation_swap_file_off(const char *path);

#endif
