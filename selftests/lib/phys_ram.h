/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical RAM as two parties see it: the firmware (the device tree's
 * memory nodes) and the kernel (/proc/iomem). RAM the firmware describes
 * and the kernel does not use (cut off with mem=) is where a test can
 * hot-add memory the way a DIMM arrives; children of System RAM in
 * /proc/iomem are what a removal has to get past.
 */
#ifndef BOOTMEM_PHYS_RAM_H
#define BOOTMEM_PHYS_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHYS_RAM_MAX 32

struct phys_range {
	uint64_t start, end;	/* [start, end) */
};

/*
 * The reg entries of every memory node under @dt_root (normally
 * /proc/device-tree), with the root's #address-cells and #size-cells.
 * Returns how many, or -errno (-ENOENT: no device tree, e.g. ACPI).
 */
int phys_ram_firmware(const char *dt_root, struct phys_range *r, int max);

/*
 * The first @size bytes aligned to @align that the firmware describes and
 * no top-level /proc/iomem entry (@iomem, its text) overlaps.
 * Returns 0, or -ENOENT when there is none.
 */
int phys_ram_find_spare(const struct phys_range *fw, int nr_fw, const char *iomem,
			uint64_t align, uint64_t size, uint64_t *start);

/*
 * The children of System RAM in /proc/iomem (@iomem, its text) that
 * overlap [start, end): how many, with the name and range of the first in
 * @name and @first.
 */
int phys_ram_iomem_children(const char *iomem, uint64_t start, uint64_t end,
			    char *name, size_t len, struct phys_range *first);

/*
 * The top-level System RAM range of /proc/iomem (@iomem, its text) whose
 * child is named @child ("Kernel code"), in @ram, and that child's own
 * range in @at. Returns 0, or -ENOENT.
 */
int phys_ram_holding(const char *iomem, const char *child, struct phys_range *ram,
		     struct phys_range *at);

/* Does a top-level System RAM entry of @iomem overlap [start, end)? */
bool phys_ram_system_ram_overlaps(const char *iomem, uint64_t start, uint64_t end);

#endif
