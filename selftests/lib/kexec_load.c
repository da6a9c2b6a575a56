// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "kexec_load.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int kexec_files_from_env(struct kexec_files *f)
{
	f->kernel = getenv("BOOTMEM_KEXEC_KERNEL");
	f->initrd = getenv("BOOTMEM_KEXEC_INITRD");
	return f->kernel && f->initrd ? 0 : -ENOENT;
}

int kexec_loaded(void)
{
	char *text = file_read_all("/sys/kernel/kexec_loaded");
	int loaded = text ? atoi(text) : -1;

	free(text);
	return loaded;
}

/* kexec_file_load() of @f with @flags and the command line @line. */
static int load_with_line(const struct kexec_files *f, const char *line, unsigned long flags)
{
	int kfd, ifd, ret;

	kfd = open(f->kernel, O_RDONLY | O_CLOEXEC);
	ifd = open(f->initrd, O_RDONLY | O_CLOEXEC);
	ret = kfd < 0 || ifd < 0 ? -1 :
		syscall(SYS_kexec_file_load, kfd, ifd, strlen(line) + 1, line, flags);
	ret = ret ? -errno : 0;
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

/*
 * The running command line, or only its console= words, then @extra, in
 * @line (@len bytes). 0, or -E2BIG: a cut line could drop what the next
 * kernel is told.
 */
static int next_cmdline(char *line, size_t len, bool consoles_only, const char *extra)
{
	char *cmdline = file_read_all("/proc/cmdline"), *word, *save;
	size_t used = 0;
	int ret;

	if (!cmdline)
		return -errno;
	line[0] = '\0';
	for (word = strtok_r(cmdline, " \n", &save); word; word = strtok_r(NULL, " \n", &save)) {
		if (consoles_only && strncmp(word, "console=", 8))
			continue;
		ret = snprintf(line + used, len - used, "%s ", word);
		if (ret < 0 || (size_t)ret >= len - used) {
			free(cmdline);
			return -E2BIG;
		}
		used += ret;
	}
	free(cmdline);
	ret = snprintf(line + used, len - used, "%s", extra);
	return ret < 0 || (size_t)ret >= len - used ? -E2BIG : 0;
}

/* kexec_file_load() of @f with @flags and the running command line plus @extra. */
static int load_file(const struct kexec_files *f, const char *extra, unsigned long flags)
{
	char line[2048];
	int ret = next_cmdline(line, sizeof(line), false, extra);

	return ret ? ret : load_with_line(f, line, flags);
}

int kexec_load_file(const struct kexec_files *f, const char *extra)
{
	return load_file(f, extra, 0);
}

int kexec_unload(void)
{
	return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long)KEXEC_FILE_UNLOAD) ?
		-errno : 0;
}

/* A number in a /sys/kernel file, or -1 when it cannot be read. */
static long sys_kernel_number(const char *name)
{
	char path[64], *text;
	long v;

	snprintf(path, sizeof(path), "/sys/kernel/%s", name);
	text = file_read_all(path);
	v = text ? strtol(text, NULL, 10) : -1;
	free(text);
	return v;
}

long kexec_crash_size(void)
{
	return sys_kernel_number("kexec_crash_size");
}

int kexec_crash_loaded(void)
{
	return (int)sys_kernel_number("kexec_crash_loaded");
}

int kexec_load_crash_file(const struct kexec_files *f)
{
	return load_file(f, "", KEXEC_FILE_ON_CRASH);
}

int kexec_load_crash_file_to_boot(const struct kexec_files *f, const char *extra)
{
	char line[2048];
	int ret = next_cmdline(line, sizeof(line), true, extra);

	return ret ? ret : load_with_line(f, line, KEXEC_FILE_ON_CRASH);
}

int kexec_unload_crash(void)
{
	return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		       (unsigned long)(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH)) ? -errno : 0;
}

/* kexec-tools with @mode ("-l" or "-p") on @f, through kexec_load() itself. */
static int run_tools(const struct kexec_files *f, const char *mode)
{
	char cmd[1024];
	int status;

	/* -c: kexec_load() itself; newer kexec-tools try kexec_file_load() first. */
	snprintf(cmd, sizeof(cmd), "kexec -c %s '%s' --initrd='%s' --reuse-cmdline", mode,
		 f->kernel, f->initrd);
	fflush(stdout);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int kexec_load_crash_with_tools(const struct kexec_files *f)
{
	return run_tools(f, "-p");
}

int kexec_load_with_tools(const struct kexec_files *f)
{
	return run_tools(f, "-l");
}
