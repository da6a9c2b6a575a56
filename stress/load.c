// SPDX-License-Identifier: GPL-2.0
/*
 * The load: stress-ng bound to each node with numactl, fio on tmpfs and
 * our verifier, sized from the pressure budget; then their output read
 * and judged (tool_verdicts.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "load.h"
#include "tool_verdicts.h"
#include "verifier.h"
#include "lib/file_io.h"

/* fork+exec with stdout and stderr to @log; returns the pid. */
static pid_t spawn(const char *log, char *const argv[])
{
	pid_t pid;

	/* A child inherits unflushed stdio and would print it again. */
	fflush(NULL);
	pid = fork();

	if (pid == 0) {
		if (!freopen(log, "w", stdout) || dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static pid_t stress_ng_start(int node, int nodes, uint64_t want_kb, unsigned int duration_s)
{
	char nodearg[32], vmw[8], vmb[32], mmb[32], tmo[32], yaml[64], log[64];
	/* Four vm workers in all, so a NUMA guest is not twice as busy. */
	int vm_workers = nodes >= 4 ? 1 : 4 / nodes;
	uint64_t mmap_kb = want_kb * 15 / 100 / nodes;

	snprintf(nodearg, sizeof(nodearg), "--membind=%d", node);
	/*
	 * vm workers with the plain write64 method, so each completes
	 * verified passes (bogo-ops) even under TCG; mmap maps and
	 * unmaps, so its regions stay small.
	 */
	snprintf(vmw, sizeof(vmw), "%d", vm_workers);
	/*
	 * stress-ng shares --vm-bytes among the vm workers of one run
	 * (stress-vm.c divides it by the number of instances), so this is the
	 * node's whole share, not one worker's: passing a worker's share held
	 * a quarter of the pressure asked (the reached pressure showed it).
	 */
	snprintf(vmb, sizeof(vmb), "%" PRIu64 "K", want_kb * 60 / 100 / nodes);
	snprintf(mmb, sizeof(mmb), "%" PRIu64 "K", mmap_kb < (8 << 10) ? mmap_kb : (8 << 10));
	snprintf(tmo, sizeof(tmo), "%us", duration_s);
	snprintf(yaml, sizeof(yaml), "/tmp/stress-ng.%d.yaml", node);
	snprintf(log, sizeof(log), "/tmp/stress-ng.%d.log", node);
	char *const args[] = {
		"numactl", nodearg, "stress-ng", "--vm", vmw, "--vm-bytes", vmb,
		"--vm-keep", "--vm-method", "write64", "--verify",
		"--mmap", "1", "--mmap-bytes", mmb, "--brk", "1",
		"--shm", "1", "--page-in", "--timeout", tmo, "--metrics-brief",
		"--yaml", yaml, NULL
	};
	return spawn(log, args);
}

static pid_t fio_start(uint64_t want_kb, unsigned int duration_s)
{
	char size[32], rt[32], backlog[48];
	uint64_t job_kb = want_kb * 10 / 100 / 2;

	snprintf(size, sizeof(size), "%" PRIu64 "K", job_kb);
	/*
	 * A block is read back once as many blocks as the file holds were
	 * written after it: seconds later, so that the cycled blocks'
	 * migrations happen between a write and its check.
	 */
	snprintf(backlog, sizeof(backlog), "--verify_backlog=%" PRIu64, job_kb / 4 ? job_kb / 4 : 1);
	snprintf(rt, sizeof(rt), "%u", duration_s);
	mkdir("/tmp/fio", 0755);
	char *const args[] = {
		"fio", "--name=tmpfs-verify", "--directory=/tmp/fio", "--size", size,
		/*
		 * Writes only, each block read back and checked later
		 * (verify_backlog): with time_based, a verify phase after the
		 * writes would never come. Every read is then a verifying read,
		 * so the job's read bytes are the bytes verified.
		 */
		"--numjobs=2", "--rw=randwrite", "--bs=4k", "--ioengine=psync",
		"--verify=crc32c", backlog, "--verify_fatal=1", "--time_based",
		"--runtime", rt, "--output-format=json", NULL
	};
	return spawn("/tmp/fio.json", args);
}

int load_start(struct load *l, uint64_t want_kb, int nodes, unsigned int duration_s,
	       uint64_t seed)
{
	/* Pressure: 60% stress-ng vm, up to 15% mmap, 10% fio files, 15% our verifier. */
	int ret = verifier_start(want_kb * 1024 * 15 / 100, seed);
	/*
	 * The tools outlive the cycling by a margin: one that ends while
	 * blocks still cycle has died, and load_alive() says so.
	 */
	unsigned int tool_s = duration_s + 15;

	for (int node = 0; node < nodes; node++) {
		l->stress_ng_status[l->stress_ng_nr] = -1;
		l->stress_ng[l->stress_ng_nr++] = stress_ng_start(node, nodes, want_kb, tool_s);
	}
	l->fio_status = -1;
	l->fio = fio_start(want_kb, tool_s);
	sleep(5);	/* let the tools take their memory */
	return ret;
}

/* Reaps @pid if it has ended, into *@status (left at -1 while it runs). */
static bool ended(pid_t pid, int *status)
{
	if (*status < 0 && waitpid(pid, status, WNOHANG) != pid)
		*status = -1;
	return *status >= 0;
}

static void say_ended(char *why, size_t len, const char *what, int status)
{
	snprintf(why, len, "%s ended before the run did (%s %d)", what,
		 WIFSIGNALED(status) ? "signal" : "exit",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

bool load_alive(struct load *l, char *why, size_t len)
{
	for (int i = 0; i < l->stress_ng_nr; i++) {
		if (ended(l->stress_ng[i], &l->stress_ng_status[i])) {
			say_ended(why, len, "stress-ng", l->stress_ng_status[i]);
			return false;
		}
	}
	if (ended(l->fio, &l->fio_status)) {
		say_ended(why, len, "fio", l->fio_status);
		return false;
	}
	return verifier_alive(why, len);
}

/* waitpid() for at most @secs seconds, then SIGKILL; returns the status. */
static int wait_bounded(pid_t pid, int secs)
{
	int status = 0;

	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	ksft_print_msg("pid %d did not finish in %d s: killed\n", pid, secs);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* The first lines of a tool's log, as diagnostics. */
static void show_log(const char *path)
{
	char *text = file_read_all(path), *line, *save = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && n < 12;
	     line = strtok_r(NULL, "\n", &save), n++)
		ksft_print_msg("%s: %s\n", path, line);
	free(text);
}

/* The tool's log, judged; its first lines shown when it failed. */
static bool judged(bool good, const char *log)
{
	if (!good)
		show_log(log);
	return good;
}

/* Is /proc/@pid one of the stressors, by its command name? */
static bool is_stressor(long pid)
{
	char path[64], *comm;
	bool yes;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	comm = file_read_all(path);
	yes = comm && (!strncmp(comm, "stress-ng", 9) || !strncmp(comm, "fio", 3));
	free(comm);
	return yes;
}

uint64_t load_rss_kb(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	uint64_t kb = 0;

	if (!proc)
		return 0;
	while ((d = readdir(proc))) {
		char path[64], *status, *rss;
		long pid = strtol(d->d_name, NULL, 10);

		if (pid <= 0 || !is_stressor(pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		status = file_read_all(path);
		/* A process that ended between the two reads counts nothing. */
		if (status && (rss = strstr(status, "VmRSS:")))
			kb += strtoull(rss + strlen("VmRSS:"), NULL, 10);
		free(status);
	}
	closedir(proc);
	return kb;
}

void load_finish(struct load *l, bool ended_early)
{
	bool fio_interrupted = false;

	/* A verifier that died is reported by load_alive(); do not wait for it. */
	verifier_finish();
	/*
	 * The tools run out their own time, a margin past the cycling's end:
	 * fio checks a block only after a file's worth of blocks were written
	 * after it (fio_start()), and most of its checking falls in that
	 * margin (an x86 run with 30 s of stress, interrupted at the cycling's
	 * end, had verified none of its 395 MiB, 2026-12-07). When the run
	 * @ended_early because one tool or the verifier died, the others are
	 * interrupted: both stop cleanly on SIGINT and write their results
	 * (stress-ng exits 0, fio FIO_EXIT_INTERRUPTED), so only the one that
	 * failed is judged failed. Then let them finish, but never wait on one
	 * forever. After the first stress-ng that fails, the rest are only
	 * reaped: its reason stands.
	 */
	if (ended_early) {
		for (int i = 0; i < l->stress_ng_nr; i++)
			if (!ended(l->stress_ng[i], &l->stress_ng_status[i]))
				kill(l->stress_ng[i], SIGINT);
		fio_interrupted = !ended(l->fio, &l->fio_status);
		if (fio_interrupted)
			kill(l->fio, SIGINT);
	}
	l->stress_ng_good = true;
	for (int i = 0; i < l->stress_ng_nr; i++) {
		int status = l->stress_ng_status[i] >= 0 ? l->stress_ng_status[i] :
			     wait_bounded(l->stress_ng[i], 120);
		char log_path[64], yaml_path[64], *log, *yaml;

		if (!l->stress_ng_good)
			continue;
		snprintf(log_path, sizeof(log_path), "/tmp/stress-ng.%d.log", i);
		snprintf(yaml_path, sizeof(yaml_path), "/tmp/stress-ng.%d.yaml", i);
		log = file_read_all(log_path);
		yaml = file_read_all(yaml_path);
		l->stress_ng_good = judged(stress_ng_verdict(i, log, yaml, status, l->stress_ng_why,
							     sizeof(l->stress_ng_why)), log_path);
		free(log);
		free(yaml);
	}
	int fio_status = l->fio_status >= 0 ? l->fio_status : wait_bounded(l->fio, 120);
	char *json = file_read_all("/tmp/fio.json");

	l->fio_good = judged(fio_verdict(json, fio_status, fio_interrupted, l->fio_why,
					 sizeof(l->fio_why)), "/tmp/fio.json");
	free(json);
}
