/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine-readable results: one JSON object per line, printed as a KTAP
 * diagnostic "# METRIC {...}" so it travels with the console and the host
 * writes it to metrics.jsonl as it arrives. lib/protocol.def declares each
 * kind and its keys; a record that breaks the declaration is never
 * printed: the program aborts, naming the kind and the key.
 */
#ifndef BOOTMEM_METRICS_H
#define BOOTMEM_METRICS_H

#include <stdint.h>

#include "protocol.h"

struct metric {
	char buf[1024];
	int len;
	enum metric_kind kind;
	/* The keys written so far, space-separated, for metric_emit()'s check. */
	char keys[512];
};

uint64_t now_ns(void);
void metric_begin(struct metric *m, const char *test, enum metric_kind kind);
void metric_u64(struct metric *m, const char *key, uint64_t val);
void metric_i64(struct metric *m, const char *key, int64_t val);
void metric_ms_from_ns(struct metric *m, const char *key, uint64_t ns);
void metric_str(struct metric *m, const char *key, const char *val);
void metric_emit(struct metric *m);

#endif
