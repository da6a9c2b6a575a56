// SPDX-License-Identifier: GPL-2.0
/*
 * The wait sampler (waits.h): one thread that, every WAITS_PERIOD_US,
 * looks at each watched thread that is inside a phase and counts what the
 * kernel says it is doing: "running" (state R), else the function it
 * sleeps in (wchan), else its state letter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "block_choice.h"
#include "waits.h"
#include "lib/file_io.h"

struct slot {
	atomic_int busy;	/* inside a phase */
	pid_t tid;
	pthread_mutex_t lock;
	struct wait_tally tally;
};

static struct slot slots[MAX_THREADS + 1];
static unsigned int nr_slots;
static atomic_int stopping;
static pthread_t sampler_thread;
static bool started;

/* What @tid is doing now, as a name that can end a metric key. */
static void what_it_does(pid_t tid, char *name, size_t len)
{
	char path[64], buf[512], *close_paren;
	char state = '?';

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (file_read(path, buf, sizeof(buf)) > 0) {
		/* "pid (comm) S ...": the comm may hold spaces and parentheses. */
		close_paren = strrchr(buf, ')');
		if (close_paren && close_paren[1] == ' ')
			state = close_paren[2];
	}
	if (state == 'R') {
		snprintf(name, len, "running");
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	if (file_read(path, buf, sizeof(buf)) > 0 && strcmp(buf, "0")) {
		size_t i;

		/* A metric key: letters, digits and '_' ("x.isra.0" -> "x_isra_0"). */
		for (i = 0; buf[i] && i < len - 1; i++)
			name[i] = (buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
				  (buf[i] >= '0' && buf[i] <= '9') ? buf[i] : '_';
		name[i] = '\0';
		return;
	}
	snprintf(name, len, "state_%c", state == '?' ? 'X' : state);
}

static void tally_add(struct wait_tally *t, const char *name)
{
	for (unsigned int i = 0; i < t->n; i++) {
		if (!strcmp(t->name[i], name)) {
			t->samples[i]++;
			return;
		}
	}
	if (t->n == WAITS_NAMES) {
		t->other++;
		return;
	}
	snprintf(t->name[t->n], WAITS_NAME_LEN, "%s", name);
	t->samples[t->n++] = 1;
}

static void *sampler(void *arg)
{
	const struct timespec period = { 0, WAITS_PERIOD_US * 1000L };

	(void)arg;
	while (!atomic_load(&stopping)) {
		for (unsigned int s = 0; s < nr_slots; s++) {
			char name[WAITS_NAME_LEN];

			if (!atomic_load(&slots[s].busy))
				continue;
			what_it_does(slots[s].tid, name, sizeof(name));
			pthread_mutex_lock(&slots[s].lock);
			/* The phase may have ended while we read: then it is not its sample. */
			if (atomic_load(&slots[s].busy))
				tally_add(&slots[s].tally, name);
			pthread_mutex_unlock(&slots[s].lock);
		}
		nanosleep(&period, NULL);
	}
	return NULL;
}

int waits_start(unsigned int n)
{
	int ret;

	if (n > MAX_THREADS + 1) {
		errno = EINVAL;
		return -1;
	}
	nr_slots = n;
	for (unsigned int s = 0; s < n; s++)
		pthread_mutex_init(&slots[s].lock, NULL);
	ret = pthread_create(&sampler_thread, NULL, sampler, NULL);
	if (ret) {
		errno = ret;
		return -1;
	}
	started = true;
	return 0;
}

void waits_begin(unsigned int slot)
{
	struct slot *s = &slots[slot];

	pthread_mutex_lock(&s->lock);
	s->tid = (pid_t)syscall(SYS_gettid);
	memset(&s->tally, 0, sizeof(s->tally));
	atomic_store(&s->busy, 1);
	pthread_mutex_unlock(&s->lock);
}

void waits_end(unsigned int slot, struct wait_tally *out)
{
	struct slot *s = &slots[slot];

	pthread_mutex_lock(&s->lock);
	atomic_store(&s->busy, 0);
	*out = s->tally;
	pthread_mutex_unlock(&s->lock);
}

void waits_stop(void)
{
	if (!started)
		return;
	atomic_store(&stopping, 1);
	pthread_join(sampler_thread, NULL);
	started = false;
}
