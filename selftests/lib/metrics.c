// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define ADD(m, ...) do {						\
	if ((m)->len < (int)sizeof((m)->buf))				\
		(m)->len += snprintf((m)->buf + (m)->len,		\
				     sizeof((m)->buf) - (m)->len, __VA_ARGS__); \
} while (0)

void metric_begin(struct metric *m, const char *test, const char *kind)
{
	m->len = 0;
	ADD(m, "{\"test\":\"%s\",\"kind\":\"%s\"", test, kind);
}

void metric_u64(struct metric *m, const char *key, uint64_t val)
{
	ADD(m, ",\"%s\":%" PRIu64, key, val);
}

void metric_i64(struct metric *m, const char *key, int64_t val)
{
	ADD(m, ",\"%s\":%" PRId64, key, val);
}

void metric_ms_from_ns(struct metric *m, const char *key, uint64_t ns)
{
	ADD(m, ",\"%s\":%.3f", key, ns / 1e6);
}

void metric_str(struct metric *m, const char *key, const char *val)
{
	ADD(m, ",\"%s\":\"%s\"", key, val);
}

void metric_emit(struct metric *m)
{
	ADD(m, "}");
	/* One write, so lines from parallel workers do not interleave. */
	printf("# METRIC %s\n", m->buf);
	fflush(stdout);
}
