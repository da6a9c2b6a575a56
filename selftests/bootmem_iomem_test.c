// SPDX-License-Identifier: GPL-2.0
/*
 * Removing boot memory beside the kernel image: the System RAM range that
 * holds the image is split around the removed block, and /proc/iomem must
 * let the block go, so that it can be added back.
 *
 * Needs, guards and restores: declared in `needs` below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/file_io.h"
#include "lib/phys_ram.h"
#include "lib/suite.h"
#include "lib/verdict.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_DEBUG_FS=y", NULL },
	.guards = "0001 (children of System RAM kept when it is split)",
	.restores = "the block it removed, added and onlined again (a block the kernel will "
		    "not take back is reported lost)",
};

/*
 * A movable boot block in the System RAM range that holds the kernel
 * image, below the image where there is one. Removing it splits that
 * range around the block, and the image's resources ("Kernel code",
 * "Kernel data", ...) must go with the part they lie in. Below the image
 * is the hard case: the children belong to the upper part. Stock x86-64
 * 6.1 does not move them: __adjust_resource() refuses to shrink the range
 * below its children, release_mem_region_adjustable() warns and keeps the
 * range, the remove still returns 0, and the re-add fails with EEXIST.
 * KASLR puts the image in high RAM, the range that holds ZONE_MOVABLE, on
 * most boots (the x86-kaslr plan); with nokaslr it stays low, apart from
 * every movable block, and this test skips. QEMU virt loads the arm64
 * image at the base of its one System RAM range, so there the block lies
 * above it. The arm64 series' resource patch (0001) moves the children.
 */
FIXTURE(beside_kernel) {
	struct suite_env env;
	unsigned long block;
	int nid;
	struct phys_range ram, image;
};

/*
 * Marks and tracks the first of @cand in [lo, hi); false if none took.
 * Counts in *@block_mapped the candidates refused as block-mapped.
 */
static bool take_block_within(FIXTURE_DATA(beside_kernel) *self,
			      const unsigned long *cand, int n, uint64_t lo, uint64_t hi,
			      int *block_mapped)
{
	for (int i = 0; i < n; i++) {
		struct block_info info;
		int ret;

		if (driver_info(cand[i], &info) || info.phys_start < lo || info.phys_end > hi)
			continue;
		ret = cycle_mark(cand[i]);
		*block_mapped += ret == -EOPNOTSUPP;
		if (ret && ret != -EEXIST)
			continue;
		self->block = cand[i];
		self->nid = mem_block_node(cand[i]);
		suite_track(&self->env, self->block, self->nid);
		return true;
	}
	return false;
}

FIXTURE_SETUP(beside_kernel)
{
	static unsigned long cand[MEM_BLOCKS_MAX];
	const char *where = "below";
	int n, block_mapped = 0;
	char *iomem;

	SUITE_SETUP(&self->env, &needs);
	iomem = file_read_all("/proc/iomem");
	ASSERT_NE(NULL, iomem);
	ASSERT_EQ(0, phys_ram_holding(iomem, "Kernel code", &self->ram, &self->image)) {
		TH_LOG("no \"Kernel code\" under a System RAM range in /proc/iomem");
	}
	free(iomem);
	n = cycle_movable_boot_blocks(cycle_seed(), cand, MEM_BLOCKS_MAX);
	if (!take_block_within(self, cand, n, self->ram.start, self->image.start, &block_mapped)) {
		/* Said on the console: the x86-kaslr plan boots again on it. */
		ksft_print_msg(IOMEM_NONE_BELOW_IMAGE " in its System RAM range "
			       "(Kernel code at %#" PRIx64 ")\n", self->image.start);
		/* A plan that hunts the bug below the image: above proves nothing. */
		if (env_u64("BOOTMEM_IOMEM_BELOW", 0))
			SKIP(return, IOMEM_NONE_BELOW_IMAGE ", which the plan needs (Kernel code "
			     "at %#" PRIx64 ")", self->image.start);
		where = "above";
		if (!take_block_within(self, cand, n, self->image.end, self->ram.end, &block_mapped)) {
			/* rodata=off on arm64: every candidate is block-mapped. */
			if (block_mapped)
				SUITE_END_ON_BLOCK_MAPPED_REFUSAL();
			SKIP(return, "no movable boot block shares a System RAM range with the kernel "
			     "image (Kernel code at %#" PRIx64 ", in %#" PRIx64 "-%#" PRIx64 ")",
			     self->image.start, self->ram.start, self->ram.end - 1);
		}
	}
	TH_LOG("kernel image %#" PRIx64 "-%#" PRIx64 " in System RAM %#" PRIx64 "-%#" PRIx64
	       ": block %lu, %s it", self->image.start, self->image.end - 1, self->ram.start,
	       self->ram.end - 1, self->block, where);
	SUITE_SETUP_DONE(&self->env);
}

FIXTURE_TEARDOWN(beside_kernel)
{
	TEARDOWN_BEGIN();
	suite_teardown(_metadata, &self->env);
}

/*
 * The remove must take the block out of /proc/iomem, and the re-add must
 * then work: a remove that returns 0 but leaves the range behind loses
 * the block until reboot.
 */
TEST_F_TIMEOUT(beside_kernel, remove_beside_the_kernel_image_releases_iomem, 600)
{
	struct block_info info;
	struct phase_result r;
	bool held;
	char *iomem;
	int add;

	REQUIRE_SETUP();
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r)) {
		TH_LOG("remove of memory%lu: %s", self->block, strerror(-r.err));
	}
	iomem = file_read_all("/proc/iomem");
	ASSERT_NE(NULL, iomem);
	held = phys_ram_system_ram_overlaps(iomem, info.phys_start, info.phys_end);
	free(iomem);
	add = cycle_phase_run(PHASE_ADD, self->block, self->nid, &r) ? r.err : 0;
	EXPECT_FALSE(held || add) {
		char lost[64] = "";

		if (add)
			snprintf(lost, sizeof(lost), "; %" PRIu64 " MiB lost", mem_block_size() >> 20);
		TH_LOG("%s [%#" PRIx64 "-%#" PRIx64 "]; re-add %s%s",
		       held ? IOMEM_RANGE_KEPT : "iomem released the range, but", info.phys_start,
		       info.phys_end - 1,
		       add == -EEXIST ? "EEXIST" : add ? strerror(-add) : "worked", lost);
	}
	if (!add)
		EXPECT_EQ(0, cycle_phase_run(PHASE_ONLINE, self->block, self->nid, &r));
}

TEST_HARNESS_MAIN
