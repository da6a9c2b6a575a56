/* SPDX-License-Identifier: GPL-2.0 */
/* Whole-file reads and single writes of sysfs, procfs and debugfs files. */
#ifndef BOOTMEM_SYSFS_IO_H
#define BOOTMEM_SYSFS_IO_H

#include <stddef.h>

/* Reads at most len-1 bytes and terminates; returns bytes read or -errno. */
int sysfs_read(const char *path, char *buf, size_t len);
/* Reads a whole file into a malloc()ed, terminated buffer; NULL on error. */
char *sysfs_read_all(const char *path);
/* One write() of @text; returns 0 or the -errno the kernel answered. */
int sysfs_write(const char *path, const char *text);

#endif
