/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict protocol between the test programs and whoever reads their
 * KTAP (ci/report.py, a lab's parser). One token, defined here only:
 * ci/report.py reads it from this file.
 *
 * A kernel without the boot memory hot-remove series refuses to offline
 * boot memory. Every test then skips with a reason that starts with
 * VERDICT_REFUSED; that is the only skip the report accepts as "this
 * kernel cannot remove boot memory" (exit 3), and only when the image
 * carries no test driver.
 */
#ifndef BOOTMEM_VERDICT_H
#define BOOTMEM_VERDICT_H

#define VERDICT_REFUSED "REFUSED-BOOTMEM-OFFLINE"

/*
 * The iomem test's words that the harness acts on (run.sh boots the
 * x86-kaslr plan again on the first; make check requires the second as
 * the failure of stock x86-64 6.1). Shell reads them from here:
 *   sed -n 's/^#define IOMEM_NONE_BELOW_IMAGE "\(.*\)"/\1/p'
 */
#define IOMEM_NONE_BELOW_IMAGE "no movable boot block below the kernel image"
#define IOMEM_RANGE_KEPT "remove returned 0 but iomem still holds"

/* What the series adds to debugfs: its presence means "this kernel has it". */
#define SERIES_DEBUGFS_FILE "/sys/kernel/debug/arm64/bootmem_hotremovable"

#endif
