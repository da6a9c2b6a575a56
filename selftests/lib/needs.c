// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "needs.h"
#include "ptdump.h"
#include "file_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The page-table dump's file, for the probes below. */
#define PTDUMP_FILE NULL

/*
 * How each option shows in a running kernel: a file it creates, or a
 * line it adds to one. A probe, not /proc/config.gz, so the check works
 * on a board whose kernel has no IKCONFIG. PTDUMP_FILE is wherever
 * ptdump_path() finds the dump: on x86-64 without CONFIG_PTDUMP_DEBUGFS,
 * the test driver's copy of it, which is the same kernel code. An option
 * with several probes is present when any of them says so.
 */
static const struct {
	const char *kconfig, *path, *contains;
} probes[] = {
	{ "CONFIG_MEMORY_HOTPLUG", "/sys/devices/system/memory/block_size_bytes", NULL },
	{ "CONFIG_MEMORY_HOTREMOVE", "/sys/devices/system/memory/block_size_bytes", NULL },
	/* The dump's marker of the vmemmap region: arm64's, then x86-64's. */
	{ "CONFIG_SPARSEMEM_VMEMMAP", PTDUMP_FILE, "vmemmap start" },
	{ "CONFIG_SPARSEMEM_VMEMMAP", PTDUMP_FILE, "[ Vmemmap ]" },
	{ "CONFIG_MIGRATION", "/proc/vmstat", "pgmigrate_success" },
	{ "CONFIG_DEBUG_FS", "/sys/kernel/debug", NULL },
	{ "CONFIG_PTDUMP_DEBUGFS", PTDUMP_FILE, NULL },
	{ "CONFIG_MODULES", "/proc/modules", NULL },
	{ "CONFIG_TRANSPARENT_HUGEPAGE", "/sys/kernel/mm/transparent_hugepage/enabled", NULL },
	{ "CONFIG_NUMA", "/proc/self/numa_maps", NULL },
	{ "CONFIG_MEMORY_NOTIFIER_ERROR_INJECT", "/sys/kernel/debug/notifier-error-inject/memory", NULL },
	{ "CONFIG_FAILSLAB", "/sys/kernel/debug/failslab", NULL },
	{ "CONFIG_FAULT_INJECTION_DEBUG_FS", "/sys/kernel/debug/failslab/probability", NULL },
	/*
	 * kexec_loaded shows KEXEC_CORE, which KEXEC_FILE selects too; the
	 * kexec test tells the two system calls apart by the kernel's own
	 * refusal line, which a missing kexec_load() never prints.
	 */
	{ "CONFIG_KEXEC", "/sys/kernel/kexec_loaded", NULL },
	{ "CONFIG_KEXEC_FILE", "/proc/kallsyms", " kexec_add_buffer\n" },
};

int needs_kconfig_present(const char *kconfig)
{
	size_t name_len = strcspn(kconfig, "=");
	int present = -1;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]) && present != 1; i++) {
		const char *path = probes[i].path ?: ptdump_path();
		char *text;

		if (strlen(probes[i].kconfig) != name_len ||
		    strncmp(probes[i].kconfig, kconfig, name_len))
			continue;
		present = 0;
		if (!path)
			continue;
		if (!probes[i].contains) {
			present = access(path, F_OK) == 0;
			continue;
		}
		text = file_read_all(path);
		present = text && strstr(text, probes[i].contains);
		free(text);
	}
	return present;
}

static bool in_path(const char *cmd)
{
	const char *path = getenv("PATH");
	char dir[512];

	if (!path)
		path = "/bin:/usr/bin:/sbin:/usr/sbin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, cmd);
		if (n && access(dir, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

bool needs_kconfigs_met(const char *const *kconfigs, char *why, size_t len)
{
	for (const char *const *k = kconfigs; k && *k; k++) {
		int present = needs_kconfig_present(*k);

		if (present < 0) {
			/* A declaration the checker cannot verify is a bug of the test. */
			snprintf(why, len, "no run-time probe for %s (lib/needs.c)", *k);
			return false;
		}
		if (!present) {
			snprintf(why, len, "needs %s (not in the running kernel, or its module not loaded)",
				 *k);
			return false;
		}
	}
	return true;
}

bool needs_met(const struct suite_needs *n, char *why, size_t len)
{
	if (n->root && geteuid() != 0) {
		snprintf(why, len, "needs root");
		return false;
	}
	if (!needs_kconfigs_met(n->kconfigs, why, len))
		return false;
	for (const char *const *c = n->commands; c && *c; c++)
		if (!in_path(*c)) {
			snprintf(why, len, "needs %s: not found in PATH", *c);
			return false;
		}
	return true;
}
