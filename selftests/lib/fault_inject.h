/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's fault injection, driven from debugfs: the memory notifier
 * error injector (CONFIG_MEMORY_NOTIFIER_ERROR_INJECT) and failslab
 * (CONFIG_FAILSLAB) limited to the calling task.
 */
#ifndef BOOTMEM_FAULT_INJECT_H
#define BOOTMEM_FAULT_INJECT_H

#include <stdbool.h>

#define NOTIFIER_INJECT_DIR "/sys/kernel/debug/notifier-error-inject/memory/actions"
#define FAILSLAB_DIR "/sys/kernel/debug/failslab"

bool fault_notifier_available(void);
/* Makes @action ("MEM_GOING_OFFLINE", ...) return -@err; 0 disarms. */
int fault_notifier_set(const char *action, int err);
bool fault_slab_available(void);
/*
 * Fails this task's next slab allocation after @space bytes have been
 * allocated (the budget lets a failure land deeper in a code path).
 */
int fault_slab_arm(unsigned long space);
int fault_slab_disarm(void);

#endif
