// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const markers[] = {
#define PROTOCOL_MARKER(name, text) [MARKER_##name] = text,
#define PROTOCOL_METRIC(kind, required, optional)
#include "protocol.def"
#undef PROTOCOL_METRIC
#undef PROTOCOL_MARKER
};

const char *protocol_marker(enum protocol_marker marker)
{
	return markers[marker];
}

static const struct {
	const char *name, *required, *optional;
} kinds[] = {
#define PROTOCOL_MARKER(name, text)
#define PROTOCOL_METRIC(kind, required, optional) [METRIC_##kind] = { #kind, required, optional },
#include "protocol.def"
#undef PROTOCOL_METRIC
#undef PROTOCOL_MARKER
};

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

/* Whether @key is a word of the space-separated @list; "*_y" takes "x_y". */
static int key_in(const char *key, const char *list)
{
	size_t n = strlen(key);

	for (const char *w = list; *w; ) {
		size_t len = strcspn(w, " ");

		if ((len == n && !strncmp(w, key, n)) ||
		    (len > 1 && w[0] == '*' && n >= len - 1 &&
		     !strncmp(w + 1, key + n - (len - 1), len - 1)))
			return 1;
		w += len;
		w += strspn(w, " ");
	}
	return 0;
}

/*
 * A record the report could not read is a bug of this program, not of the
 * kernel under test: stop here, naming it, rather than print it.
 */
static void protocol_violation(const struct metric *m, const char *what, const char *key)
{
	fprintf(stderr, "metrics: a '%s' record %s '%s' (lib/protocol.def)\n",
		kinds[m->kind].name, what, key);
	fflush(NULL);
	abort();
}

static void note_key(struct metric *m, const char *key)
{
	size_t used = strlen(m->keys);

	if (!key_in(key, kinds[m->kind].required) && !key_in(key, kinds[m->kind].optional))
		protocol_violation(m, "has the undeclared key", key);
	snprintf(m->keys + used, sizeof(m->keys) - used, "%s%s", used ? " " : "", key);
}

void metric_begin(struct metric *m, const char *test, enum metric_kind kind)
{
	m->len = 0;
	m->kind = kind;
	m->keys[0] = '\0';
	ADD(m, "{\"test\":\"%s\",\"kind\":\"%s\"", test, kinds[kind].name);
	note_key(m, "test");
}

void metric_u64(struct metric *m, const char *key, uint64_t val)
{
	note_key(m, key);
	ADD(m, ",\"%s\":%" PRIu64, key, val);
}

void metric_i64(struct metric *m, const char *key, int64_t val)
{
	note_key(m, key);
	ADD(m, ",\"%s\":%" PRId64, key, val);
}

void metric_ms_from_ns(struct metric *m, const char *key, uint64_t ns)
{
	note_key(m, key);
	ADD(m, ",\"%s\":%.3f", key, ns / 1e6);
}

void metric_str(struct metric *m, const char *key, const char *val)
{
	note_key(m, key);
	ADD(m, ",\"%s\":\"%s\"", key, val);
}

void metric_emit(struct metric *m)
{
	const char *req = kinds[m->kind].required;

	for (const char *w = req; *w; ) {
		char key[64];
		size_t len = strcspn(w, " ");

		snprintf(key, sizeof(key), "%.*s", (int)len, w);
		if (!key_in(key, m->keys))
			protocol_violation(m, "lacks the required key", key);
		w += len;
		w += strspn(w, " ");
	}
	ADD(m, "}");
	/* One write, so lines from parallel workers do not interleave. */
	printf("# %s%s\n", markers[MARKER_METRIC], m->buf);
	fflush(stdout);
}
