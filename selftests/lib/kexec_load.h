/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a kexec kernel, for the kexec test and the lending agent: both
 * ask whether the running kernel lets a next kernel be loaded while boot
 * memory is out (the series' 0007 says no).
 */
#ifndef BOOTMEM_KEXEC_LOAD_H
#define BOOTMEM_KEXEC_LOAD_H

/*
 * What to load: a kernel image and an initramfs, named by
 * BOOTMEM_KEXEC_KERNEL and BOOTMEM_KEXEC_INITRD (the test image sets them
 * from its /kselftest/kexec-files; a board sets its own).
 */
/* The kernel's words for each refusal (series patch 7). */
#define KEXEC_LOAD_REFUSED "Can't kexec: boot memory"
#define CRASH_LOAD_REFUSED "Can't load a crash kernel: boot memory"
#define KEXEC_OFFLINE_REFUSED "cannot go offline while a kexec or crash kernel is loaded"

struct kexec_files {
	const char *kernel, *initrd;
};

/* Fills @f from the environment; -ENOENT when either is unset. */
int kexec_files_from_env(struct kexec_files *f);
/* /sys/kernel/kexec_loaded: 1, 0, or -1 when it cannot be read. */
int kexec_loaded(void);
/*
 * kexec_file_load() of @f with the running command line and @extra
 * appended. Returns 0 or -errno (-E2BIG: the line would not fit).
 */
int kexec_load_file(const struct kexec_files *f, const char *extra);
/* kexec_file_load(KEXEC_FILE_UNLOAD). Returns 0 or -errno. */
int kexec_unload(void);
/*
 * The crash kernel (kdump) side: /sys/kernel/kexec_crash_size (the bytes
 * crashkernel= reserved; 0 without, -1 when unreadable), and
 * /sys/kernel/kexec_crash_loaded (1, 0 or -1).
 */
long kexec_crash_size(void);
int kexec_crash_loaded(void);
/* kexec_file_load(KEXEC_FILE_ON_CRASH) of @f; 0 or -errno. */
int kexec_load_crash_file(const struct kexec_files *f);
/*
 * The same, for a crash kernel that will boot: its command line is the
 * running kernel's console= words and @extra, nothing else, since the
 * crash kernel runs in the crashkernel= reservation, where the running
 * kernel's movablecore= and plan words do not fit. 0 or -errno.
 */
int kexec_load_crash_file_to_boot(const struct kexec_files *f, const char *extra);
/* kexec_file_load(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH); 0 or -errno. */
int kexec_unload_crash(void);
/* kexec-tools' "kexec -c -p" (kexec_load(KEXEC_ON_CRASH)); its exit status. */
int kexec_load_crash_with_tools(const struct kexec_files *f);
/*
 * kexec-tools' "kexec -c -l" (kexec_load(): segments built in user
 * space), as users run it. Returns its exit status.
 */
int kexec_load_with_tools(const struct kexec_files *f);

#endif
