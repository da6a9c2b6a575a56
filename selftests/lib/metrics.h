/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine-readable results: one JSON object per line, printed as a KTAP
 * diagnostic "# METRIC {...}" so it travels with the console and the host
 * writes it to metrics.jsonl as it arrives.
 */
#ifndef BOOTMEM_METRICS_H
#define BOOTMEM_METRICS_H

#include <stdint.h>

struct metric {
	char buf[1024];
	int len;
};

uint64_t now_ns(void);
void metric_begin(struct metric *m, const char *test, const char *kind);
void metric_u64(struct metric *m, const char *key, uint64_t val);
void metric_i64(struct metric *m, const char *key, int64_t val);
void metric_ms_from_ns(struct metric *m, const char *key, uint64_t ns);
void metric_str(struct metric *m, const char *key, const char *val);
void metric_emit(struct metric *m);

#endif
