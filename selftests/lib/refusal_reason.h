/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reasons the series' marking API gives when it refuses a range, as
 * the kernel logs them (arm64_bootmem_mark_hotremovable(): "Boot memory
 * [START END] not marked hot-removable: REASON"). Two refusals can share an
 * errno (EBUSY: offline memory, iomem children); a test of one of them
 * asserts its reason too, so that it cannot pass on the other's refusal.
 */
#ifndef BOOTMEM_REFUSAL_REASON_H
#define BOOTMEM_REFUSAL_REASON_H

#include <stdbool.h>
#include <stdint.h>

#include "kmsg.h"

#define MARK_REFUSED_NOT_BOOT		"not boot memory"
#define MARK_REFUSED_NOT_MOVABLE	"not in ZONE_MOVABLE"
#define MARK_REFUSED_NOT_ONLINE		"not online"
#define MARK_REFUSED_IOMEM		"holds iomem resources that removal could not release"
#define MARK_REFUSED_BLOCK_MAPPED	"mapped by a kernel block that extends beyond it"
#define MARK_REFUSED_ALREADY		"already marked"

/*
 * What the notifier logs when it refuses to offline a marked block that
 * an iomem child was inserted under after the mark ("Boot memory [START
 * END] marked hot-removable REASON").
 */
#define OFFLINE_REFUSED_IOMEM		"holds iomem resources that removal could not release: offlining refused"

/*
 * Reads the kernel log since the last scan of @w and says whether it holds
 * the mark refusal of exactly [@start, @end) with @reason. A line for
 * another range or with another reason does not count; the reason found
 * for the range, if any other, goes to @other (@len bytes) for the log.
 */
bool mark_refusal_logged(struct kmsg_watch *w, uint64_t start, uint64_t end,
			 const char *reason, char *other, size_t len);

#endif
