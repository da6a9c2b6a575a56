/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figures the stress run's own figures stand beside: how fast this
 * guest copies a memory block's worth of bytes with memcpy(), measured in
 * the same run, before the pressure starts.
 */
#ifndef BOOTMEM_STRESS_BASELINE_H
#define BOOTMEM_STRESS_BASELINE_H

#include <stddef.h>

/*
 * Best of @reps memcpy()s of @bytes between two buffers already faulted
 * in, in MiB/s; 0 when the buffers cannot be had. Emits it as a
 * "baseline" metric with the size and the page size.
 */
double baseline_memcpy(size_t bytes, int reps);

#endif
