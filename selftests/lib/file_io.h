/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole-file reads and single writes of files: sysfs, procfs and debugfs
 * knobs, and the tools' logs and JSON under /tmp. A write is one write(),
 * so the errno the kernel answered for it comes back as it was.
 */
#ifndef BOOTMEM_FILE_IO_H
#define BOOTMEM_FILE_IO_H

#include <stddef.h>

/* Reads at most len-1 bytes and terminates; returns bytes read or -errno. */
int file_read(const char *path, char *buf, size_t len);
/* Reads a whole file into a malloc()ed, terminated buffer; NULL on error. */
char *file_read_all(const char *path);
/* One write() of @text; returns 0 or the -errno the kernel answered. */
int file_write_once(const char *path, const char *text);
/* The same on a descriptor already open: one write(), 0 or -errno. */
int fd_write_once(int fd, const char *text);

/* Calls @fn on each line of @text, without its newline, cut at 511 bytes. */
void text_for_each_line(const char *text, void (*fn)(const char *, void *), void *arg);

#endif
