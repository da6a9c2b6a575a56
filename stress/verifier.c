// SPDX-License-Identifier: GPL-2.0
/*
 * Our own verifier of held data, beside stress-ng's and fio's: every word
 * is tagged with its address, so migration that moves a page's data to
 * the wrong place is caught, not only a flipped bit. It runs in its own
 * process and reports through a shared mapping.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "verifier.h"

#include <errno.h>
#include "lib/pattern.h"

/* The verifier's shared view, written by its process, read by us. */
struct verifier {
	atomic_ulong passes, full_checks;
	atomic_int stop, ready;
	struct pattern_tally tally;
};

static struct verifier *ver;
static pid_t verifier_pid;

int verifier_init(void)
{
	ver = mmap(NULL, sizeof(*ver), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return ver == MAP_FAILED ? -1 : 0;
}

/* The verifier process: fill, then check until told to stop. */
static void verifier_run(size_t len, uint64_t seed)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		_exit(2);
	madvise(buf, len, MADV_HUGEPAGE);
	pattern_fill(buf, len, seed);
	atomic_store(&ver->ready, 1);
	while (!atomic_load(&ver->stop)) {
		/* A slice at a time, so a full pass is spread over the interval. */
		for (size_t off = 0; off < len && !atomic_load(&ver->stop); off += 1 << 20) {
			size_t n = len - off < (1 << 20) ? len - off : (1 << 20);

			pattern_check_tally(buf + off, n, seed, &ver->tally);
			atomic_fetch_add(&ver->passes, 1);
		}
		atomic_fetch_add(&ver->full_checks, 1);
	}
	_exit(0);
}

/* Exit status of a verifier that is gone, or -1 while it runs. */
static int verifier_gone = -1;

bool verifier_alive(char *why, size_t len)
{
	int status;

	if (verifier_gone < 0 && verifier_pid > 0 &&
	    waitpid(verifier_pid, &status, WNOHANG) == verifier_pid)
		verifier_gone = status;
	if (verifier_gone >= 0 && why)
		snprintf(why, len, "the verifier died (%s %d)",
			 WIFSIGNALED(verifier_gone) ? "signal" : "exit",
			 WIFSIGNALED(verifier_gone) ? WTERMSIG(verifier_gone) :
			 WEXITSTATUS(verifier_gone));
	return verifier_gone < 0;
}

int verifier_start(size_t len, uint64_t seed)
{
	/* A child inherits unflushed stdio and would print it again. */
	fflush(NULL);
	verifier_pid = fork();
	if (verifier_pid < 0)
		return -errno;
	if (verifier_pid == 0)
		verifier_run(len, seed);
	/* A verifier that dies before it is ready must not be waited for. */
	while (!atomic_load(&ver->ready)) {
		if (!verifier_alive(NULL, 0))
			return -ECHILD;
		usleep(50000);
	}
	return 0;
}

int verifier_finish(void)
{
	unsigned long full = atomic_load(&ver->full_checks);

	while (atomic_load(&ver->full_checks) < full + 2) {
		if (!verifier_alive(NULL, 0))
			return -ECHILD;
		usleep(100000);
	}
	atomic_store(&ver->stop, 1);
	if (verifier_gone < 0)
		waitpid(verifier_pid, NULL, 0);
	return 0;
}

void verifier_read(struct verifier_counts *c)
{
	c->bad_words = atomic_load(&ver->tally.bad_words);
	c->full_checks = atomic_load(&ver->full_checks);
	c->addr = ver->tally.addr;
	c->expected = ver->tally.expected;
	c->actual = ver->tally.actual;
}
