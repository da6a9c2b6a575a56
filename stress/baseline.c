// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "baseline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/metrics.h"

double baseline_memcpy(size_t bytes, int reps)
{
	char *src = malloc(bytes), *dst = malloc(bytes);
	uint64_t best = UINT64_MAX;
	double mib_s = 0;
	struct metric m;

	if (src && dst) {
		/* Fault both in first: the baseline is the copy, not the faults. */
		memset(src, 0x5a, bytes);
		memset(dst, 0, bytes);
		for (int i = 0; i < reps; i++) {
			uint64_t t0 = now_ns(), ns;

			memcpy(dst, src, bytes);
			/* Keep the copy from being optimised away. */
			__asm__ __volatile__("" : : "r"(dst) : "memory");
			ns = now_ns() - t0;
			if (ns < best)
				best = ns;
		}
		mib_s = best ? (double)bytes / (1 << 20) / (best / 1e9) : 0;
	}
	free(src);
	free(dst);
	metric_begin(&m, "stress", METRIC_baseline);
	metric_u64(&m, "memcpy_bytes", bytes);
	metric_u64(&m, "page_size", (uint64_t)getpagesize());
	metric_u64(&m, "memcpy_mib_s", (uint64_t)mib_s);
	metric_emit(&m);
	return mib_s;
}
