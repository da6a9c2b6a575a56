/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control of the test driver (fixtures/kernel/lib), which gives
 * user space mark/unmark/remove/add and a kernel-side view of a block. Its
 * file names and info keys are the driver's own header,
 * lib/test_bootmem_hotplug_uapi.h, included from the kernel tree's root as
 * hmm-tests.c includes lib/test_hmm_uapi.h (top_srcdir, see kselftest.mk).
 */
#ifndef BOOTMEM_TEST_DRIVER_H
#define BOOTMEM_TEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lib/test_bootmem_hotplug_uapi.h>

#define TEST_DRIVER_DIR "/sys/kernel/debug/" TEST_BOOTMEM_DIR

/*
 * The info answer. Members are named as the header's lists name them: a
 * key, or for a walk the member of its TEST_BOOTMEM_WALK_KEY().
 */
struct map_view {
	uint64_t start, end;			/* virtual range */
	uint64_t mapped, unmapped;		/* pages */
	uint64_t leaf_pud, leaf_pmd, leaf_pte, leaf_cont;
	uint64_t writable_exec, not_rw_nx;	/* pages */
	uint64_t readable_cpus, reachable_cpus;	/* CPUs that read every / any probed word */
};

struct block_info {
	uint64_t block, block_size;
	uint64_t phys_start, phys_end;	/* [start, end) */
	bool present, online, boot, marked, removed_by_driver;
	uint64_t online_cpus;
	int nid;
	char zone[16];
	struct map_view linear, vmemmap;
	uint64_t pages_free, pages_reserved, pages_lru, pages_other, pages_offline;
	/*
	 * What the last remove_watched or add_watched of this block saw (all 0
	 * if none); watched_add tells which.
	 */
	bool watched;
	uint64_t watch_cpus, watch_warm_cpus;
	uint64_t watch_stale_linear_cpus, watch_stale_vmemmap_cpus;
	/* virt_addr_valid() of memory that stayed online, during the remove */
	uint64_t watch_witness_checks, watch_witness_invalid;
	bool watched_add;
};

bool driver_loaded(void);
int driver_mark(unsigned long block);
int driver_unmark(unsigned long block);
/* Marks or unmarks @count blocks from @block in one call of the kernel's API. */
int driver_mark_range(unsigned long block, unsigned long count);
int driver_unmark_range(unsigned long block, unsigned long count);
int driver_remove(unsigned long block);
/*
 * Removes the block while every online CPU keeps reading it; driver_info()
 * then tells, in its watch_* members, whether any CPU still could after.
 */
int driver_remove_watched(unsigned long block);
int driver_add(unsigned long block, int nid);
/*
 * Adds the block while every online CPU keeps looking up memory that stays
 * online; driver_info() then tells, in its watch_witness_* members, whether
 * a lookup ever missed it.
 */
int driver_add_watched(unsigned long block, int nid);
/*
 * Adds @count blocks from @block as one unit, of RAM the firmware
 * describes and the kernel does not use (mem=); unplug removes that unit.
 */
int driver_plug(unsigned long block, unsigned long count, int nid);
int driver_unplug(unsigned long block, unsigned long count);
/*
 * Plants a busy iomem child under System RAM at @position relative to the
 * block (TEST_BOOTMEM_CHILD_*), or takes it out (TEST_BOOTMEM_CHILD_NONE).
 */
int driver_iomem_child(unsigned long block, const char *position);
int driver_info(unsigned long block, struct block_info *info);
/* Parses the text of the info file; split out for the unit tests. */
int driver_parse_info(const char *text, struct block_info *info);
/*
 * Writes raw text to one of the driver's files (TEST_BOOTMEM_FILE_*); for
 * the garbage tests.
 */
int driver_write(const char *file, const char *text);
/*
 * Opens one of the driver's files for writing (the fd, or -errno), so that
 * a fault armed after the open hits what the write does and not the open.
 */
int driver_open(const char *file);
/* What driver_add() writes to the add file. */
void driver_add_command(unsigned long block, int nid, char *buf, size_t len);

#endif
