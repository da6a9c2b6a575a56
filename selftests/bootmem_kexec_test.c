// SPDX-License-Identifier: GPL-2.0
/*
 * kexec and boot memory that has left. The next kernel takes its memory
 * from the firmware's description (the DT /memory nodes), which still lists
 * every boot block this kernel offlined, removed and perhaps lent to
 * another VM. The series (0007) makes the two exclude each other: a kexec
 * kernel cannot be loaded while boot memory is offline or removed, and boot
 * memory cannot go offline while a kexec kernel is loaded. A crash kernel
 * (kdump) is held to the same rule: its ELF headers, made at load time,
 * would keep listing a block lent away, since arm64 does not rewrite them
 * on memory hotplug (no crash hotplug). So is hibernation (0008): the kernel
 * that resumes an image boots from the same description. Each refusal is
 * checked on both system calls, kexec_file_load() directly (for its errno)
 * and kexec_load() through Debian's kexec-tools (kexec -c -l), and by
 * the kernel's log line that says why.
 *
 * With BOOTMEM_KEXEC_HANDOVER=1 (the kexec plan), the last test leaves a
 * kernel loaded for /init to boot into: the same kernel with a small
 * initramfs (qemu-images/guest/kexec-next-init.sh) that reports which of the
 * ranges named in its bh_kexec_removed= it took as System RAM. With
 * BOOTMEM_KDUMP=1 (the kdump plan), a test leaves a crash kernel loaded
 * instead, and /init crashes this kernel into it: the crash kernel reports
 * the ranges its /proc/vmcore lists.
 *
 * Needs, guards and restores: declared in `needs` below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/harness_extra.h"
#include "lib/hibernate.h"
#include "lib/kexec_load.h"
#include "lib/suite.h"

static const struct suite_needs needs = {
	.root = true,
	.driver = true,
	.kconfigs = (const char *const[]){ "CONFIG_MEMORY_HOTREMOVE=y", "CONFIG_DEBUG_FS=y",
					   "CONFIG_KEXEC=y", "CONFIG_KEXEC_FILE=y", NULL },
	.commands = (const char *const[]){ "kexec", NULL },
	.guards = "0007 (kexec and kdump loads refused while boot memory is offline or "
		  "removed, and offline refused while a kexec or crash kernel is loaded), "
		  "0008 (hibernation refused likewise, and offline while it is prepared)",
	.restores = "the blocks it took, added and onlined again; no kexec or crash kernel "
		    "left loaded (but for the handover, which /init boots into)",
};


FIXTURE(kexec) {
	struct suite_env env;
	struct kexec_files files;
	unsigned long block;
	int nid;
	/* The handover's kernel, which /init boots into: not unloaded. */
	bool keep_loaded;
	/* The kdump plan's crash kernel, which /init crashes into. */
	bool keep_crash_loaded;
	/* The swap the hibernation test turned on, for teardown to turn off. */
	char swap[128];
	bool swap_made;
};

FIXTURE_SETUP(kexec)
{
	SUITE_SETUP(&self->env, &needs);
	ARM64_ONLY("the series' kexec refusal (0007)");
	if (kexec_files_from_env(&self->files))
		SKIP(return, "needs BOOTMEM_KEXEC_KERNEL and BOOTMEM_KEXEC_INITRD (a kernel image "
		     "and an initramfs to load)");
	ASSERT_EQ(0, access(self->files.kernel, R_OK)) TH_LOG("%s: %s", self->files.kernel, strerror(errno));
	ASSERT_EQ(0, access(self->files.initrd, R_OK)) TH_LOG("%s: %s", self->files.initrd, strerror(errno));
	SUITE_PICK_BLOCK(&self->env, cycle_seed(), &self->block, &self->nid);
	SUITE_SETUP_DONE(&self->env);
}

/* Was @words logged since the last scan? */
static bool logged(struct suite_env *env, const char *words)
{
	bool found = false;

	kmsg_watch_scan(&env->kmsg, NULL, 0, words, &found);
	return found;
}

/* Both system calls must refuse, each with the kernel's line saying why. */
static void expect_loads_refused(struct __test_metadata *_metadata, FIXTURE_DATA(kexec) *self,
				 const char *state)
{
	int ret;

	logged(&self->env, KEXEC_LOAD_REFUSED);
	ret = kexec_load_file(&self->files, "");
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("kexec_file_load() with memory%lu %s: %s", self->block, state,
		       ret ? strerror(-ret) : "accepted");
	}
	EXPECT_TRUE(logged(&self->env, KEXEC_LOAD_REFUSED)) {
		TH_LOG("kexec_file_load(): no \"" KEXEC_LOAD_REFUSED "\" line with memory%lu %s",
		       self->block, state);
	}
	ret = kexec_load_with_tools(&self->files);
	EXPECT_NE(0, ret) TH_LOG("kexec -l (kexec_load()) accepted with memory%lu %s", self->block, state);
	EXPECT_TRUE(logged(&self->env, KEXEC_LOAD_REFUSED)) {
		TH_LOG("kexec -l: no \"" KEXEC_LOAD_REFUSED "\" line with memory%lu %s", self->block, state);
	}
	EXPECT_EQ(0, kexec_loaded()) TH_LOG("a kexec kernel is loaded with memory%lu %s", self->block, state);
	if (kexec_loaded() == 1)
		kexec_unload();
}

/*
 * While @holder (a kexec or crash kernel loaded, hibernation prepared) is
 * in place, the marked block must stay online: EBUSY, the kernel's
 * @words, and the block still online.
 */
static void expect_offline_held(struct __test_metadata *_metadata, FIXTURE_DATA(kexec) *self,
				const char *words, const char *holder)
{
	int ret;

	logged(&self->env, words);
	ret = mem_block_set_state(self->block, "offline");
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("memory%lu, marked, went offline with %s: %s", self->block, holder,
		       ret ? strerror(-ret) : "no error");
	}
	EXPECT_TRUE(logged(&self->env, words)) {
		TH_LOG("no \"%s\" line for memory%lu with %s", words, self->block, holder);
	}
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
}

FIXTURE_TEARDOWN(kexec)
{
	TEARDOWN_BEGIN();
	if (self->env.ready && !self->keep_loaded && kexec_loaded() == 1)
		EXPECT_EQ(0, kexec_unload());
	if (self->env.ready && !self->keep_crash_loaded && kexec_crash_loaded() == 1)
		EXPECT_EQ(0, kexec_unload_crash());
	hibernation_swap_off(self->swap, self->swap_made);
	suite_teardown(_metadata, &self->env);
}

TEST_F(kexec, load_refused_while_boot_block_offline)
{
	REQUIRE_SETUP();
	ASSERT_EQ(0, mem_block_set_state(self->block, "offline"));
	expect_loads_refused(_metadata, self, "offline");
}

TEST_F(kexec, load_refused_while_boot_block_removed)
{
	struct phase_result r;

	REQUIRE_SETUP();
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
	expect_loads_refused(_metadata, self, "removed");
}

TEST_F(kexec, boot_block_stays_online_while_kernel_loaded)
{
	REQUIRE_SETUP();
	ASSERT_EQ(0, kexec_load_file(&self->files, ""));
	ASSERT_EQ(1, kexec_loaded());
	expect_offline_held(_metadata, self, KEXEC_OFFLINE_REFUSED, "a kexec kernel loaded");
	/* Unloaded, the same block goes. */
	ASSERT_EQ(0, kexec_unload());
	EXPECT_EQ(0, mem_block_set_state(self->block, "offline")) {
		TH_LOG("memory%lu still refused after the kexec kernel was unloaded", self->block);
	}
}

/*
 * The crash kernel's side needs memory that crashkernel= reserved: every
 * arm64 guest of the suite boots with some (ci/arches.json "cmdline").
 */
#define REQUIRE_CRASH_MEMORY()							\
	do {									\
		if (kexec_crash_size() <= 0)					\
			SKIP(return, "no crash kernel memory reserved (boot with "	\
			     "crashkernel=)");					\
	} while (0)

/*
 * kdump while a block is out: both system calls must refuse to load a
 * crash kernel, each with the kernel's line saying why. Offline is enough:
 * it is the state a block is in on its way to being lent.
 */
TEST_F(kexec, crash_load_refused_while_boot_block_offline)
{
	int ret;

	REQUIRE_SETUP();
	REQUIRE_CRASH_MEMORY();
	ASSERT_EQ(0, mem_block_set_state(self->block, "offline"));
	logged(&self->env, CRASH_LOAD_REFUSED);
	ret = kexec_load_crash_file(&self->files);
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("kexec_file_load(KEXEC_FILE_ON_CRASH) with memory%lu offline: %s", self->block,
		       ret ? strerror(-ret) : "accepted, and its vmcore would list the block");
	}
	EXPECT_TRUE(logged(&self->env, CRASH_LOAD_REFUSED)) {
		TH_LOG("kexec_file_load(KEXEC_FILE_ON_CRASH): no \"" CRASH_LOAD_REFUSED
		       "\" line with memory%lu offline", self->block);
	}
	if (kexec_crash_loaded() == 1)
		kexec_unload_crash();
	ret = kexec_load_crash_with_tools(&self->files);
	EXPECT_NE(0, ret) {
		TH_LOG("kexec -p (kexec_load(KEXEC_ON_CRASH)) accepted with memory%lu offline",
		       self->block);
	}
	EXPECT_TRUE(logged(&self->env, CRASH_LOAD_REFUSED)) {
		TH_LOG("kexec -p: no \"" CRASH_LOAD_REFUSED "\" line with memory%lu offline",
		       self->block);
	}
	EXPECT_EQ(0, kexec_crash_loaded()) {
		TH_LOG("a crash kernel is loaded with memory%lu offline", self->block);
	}
}

/*
 * Lending while kdump is loaded: the crash kernel's headers list every
 * boot block, so none may go offline until it is unloaded.
 */
TEST_F(kexec, boot_block_stays_online_while_crash_kernel_loaded)
{
	int ret;

	REQUIRE_SETUP();
	REQUIRE_CRASH_MEMORY();
	ret = kexec_load_crash_file(&self->files);
	ASSERT_EQ(0, ret) TH_LOG("kexec_file_load(KEXEC_FILE_ON_CRASH): %s", strerror(-ret));
	ASSERT_EQ(1, kexec_crash_loaded());
	expect_offline_held(_metadata, self, KEXEC_OFFLINE_REFUSED, "a crash kernel loaded");
	/* Unloaded, the same block goes. */
	ASSERT_EQ(0, kexec_unload_crash());
	EXPECT_EQ(0, mem_block_set_state(self->block, "offline")) {
		TH_LOG("memory%lu still refused after the crash kernel was unloaded", self->block);
	}
}

/*
 * Hibernation needs the kernel's support: the suite's kernels have it
 * (fixtures/kernel/configs/base.config).
 */
#define REQUIRE_HIBERNATION()							\
	do {									\
		if (!hibernation_offered())					\
			SKIP(return, "no \"disk\" in /sys/power/state "		\
			     "(CONFIG_HIBERNATION)");				\
	} while (0)

/*
 * Hibernation while a block is out: the kernel that resumes the image would
 * take the block as its own. Both ways in must be refused before anything
 * is frozen, each with the kernel's line saying why.
 */
TEST_F(kexec, hibernation_refused_while_boot_block_offline)
{
	int fd, ret;

	REQUIRE_SETUP();
	REQUIRE_HIBERNATION();
	ASSERT_EQ(0, mem_block_set_state(self->block, "offline"));
	logged(&self->env, HIBERNATE_REFUSED);
	fd = hibernation_prepare();
	EXPECT_EQ(-EBUSY, fd < 0 ? fd : 0) {
		TH_LOG("/dev/snapshot opened for an image with memory%lu offline: %s", self->block,
		       fd < 0 ? strerror(-fd) : "accepted");
	}
	EXPECT_TRUE(logged(&self->env, HIBERNATE_REFUSED)) {
		TH_LOG("/dev/snapshot: no \"" HIBERNATE_REFUSED "\" line with memory%lu offline",
		       self->block);
	}
	if (fd != -EBUSY) {
		/*
		 * Only a kernel that refused the prepare is asked through
		 * /sys/power/state: any other would hibernate for real.
		 */
		if (fd >= 0)
			close(fd);
		return;
	}
	ret = hibernation_request();
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("\"disk\" into /sys/power/state with memory%lu offline: %s", self->block,
		       ret ? strerror(-ret) : "the guest hibernated");
	}
	EXPECT_TRUE(logged(&self->env, HIBERNATE_REFUSED)) {
		TH_LOG("/sys/power/state: no \"" HIBERNATE_REFUSED "\" line with memory%lu offline",
		       self->block);
	}
}

/*
 * From PM_HIBERNATION_PREPARE on, the image is being made of the memory
 * that is online: none may leave until PM_POST_HIBERNATION.
 */
TEST_F(kexec, boot_block_stays_online_while_hibernation_prepared)
{
	int fd;

	REQUIRE_SETUP();
	REQUIRE_HIBERNATION();
	fd = hibernation_prepare();
	ASSERT_LE(0, fd) TH_LOG("/dev/snapshot: %s", strerror(-fd));
	expect_offline_held(_metadata, self, HIBERNATE_OFFLINE_REFUSED, "hibernation prepared");
	/* Closed (PM_POST_HIBERNATION), the same block goes. */
	close(fd);
	EXPECT_EQ(0, mem_block_set_state(self->block, "offline")) {
		TH_LOG("memory%lu still refused after /dev/snapshot was closed", self->block);
	}
}

/*
 * Hibernation for real while a block is lent: a swap device on, so that
 * "disk" into /sys/power/state has somewhere to write its image. The
 * kernel must refuse before anything is frozen. A kernel that lets
 * /dev/snapshot prepare an image fails here without being asked for real:
 * it would write the image and power the guest off, and the run would
 * lose every later result (fixtures/consoles/hibernation-accepted-powers-
 * off.log). One that refuses the prepare but not "disk" hibernates, and
 * the run ends in its power-down instead of this test's result.
 */
TEST_F(kexec, hibernation_to_swap_refused_while_boot_block_offline)
{
	struct phase_result r;
	const char *swap = self->swap;
	int ret;

	REQUIRE_SETUP();
	REQUIRE_HIBERNATION();
	ret = hibernation_swap_on(self->swap, sizeof(self->swap), &self->swap_made);
	if (ret == -ENODEV)
		SKIP(return, "no swap device: none on, and no disk with a swap signature "
		     "(run.sh attaches one, qemu-images/host/make-disk.sh --swap)");
	ASSERT_EQ(0, ret) TH_LOG("swapon %s: %s", swap, strerror(-ret));
	/* Offline is enough, as for kdump: the state on the way to a lend. */
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ret = hibernation_prepare();
	if (ret >= 0)
		close(ret);
	ASSERT_EQ(-EBUSY, ret < 0 ? ret : 0) {
		TH_LOG("/dev/snapshot prepared an image with memory%lu offline and %s on: "
		       "\"disk\" not asked, it would power the guest off", self->block, swap);
	}
	ksft_print_msg("hibernation: memory%lu offline, %s swapped on; \"disk\" into "
		       "/sys/power/state\n", self->block, swap);
	logged(&self->env, HIBERNATE_REFUSED);
	ret = hibernation_request();
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("\"disk\" into /sys/power/state with memory%lu offline and %s on: %s",
		       self->block, swap, ret ? strerror(-ret) : "the guest hibernated and resumed");
	}
	EXPECT_TRUE(logged(&self->env, HIBERNATE_REFUSED)) {
		TH_LOG("no \"" HIBERNATE_REFUSED "\" line with memory%lu offline", self->block);
	}
}

/*
 * A block removed and added back is no longer early, but the firmware
 * still lists it: it is boot memory to kexec. Once it is online again
 * both loads work, and a loaded kernel keeps it online; taken offline
 * again, it makes the load refused again.
 */
TEST_F(kexec, block_added_back_counts_as_boot_memory)
{
	struct phase_result r;
	int ret, p;

	REQUIRE_SETUP();

	for (p = PHASE_OFFLINE; p < PHASE_COUNT; p++)
		if (cycle_phase_run(p, self->block, self->nid, &r))
			break;
	ASSERT_EQ(PHASE_COUNT, p) {
		TH_LOG("memory%lu: %s: %s", self->block, cycle_phase_names[p % PHASE_COUNT],
		       strerror(-r.err));
	}
	ret = kexec_load_file(&self->files, "");
	EXPECT_EQ(0, ret) {
		TH_LOG("kexec_file_load() refused with every block back online: %s", strerror(-ret));
	}
	/* Loaded, the block added back must stay online as boot memory does. */
	logged(&self->env, KEXEC_OFFLINE_REFUSED);
	ret = mem_block_set_state(self->block, "offline");
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("memory%lu, added back, went offline with a kexec kernel loaded: %s",
		       self->block, ret ? strerror(-ret) : "no error");
	}
	EXPECT_TRUE(logged(&self->env, KEXEC_OFFLINE_REFUSED)) {
		TH_LOG("no \"" KEXEC_OFFLINE_REFUSED "\" line for memory%lu, added back", self->block);
	}
	if (!ret)
		mem_block_set_state(self->block, "online_movable");
	EXPECT_EQ(0, kexec_unload());
	EXPECT_EQ(0, kexec_load_with_tools(&self->files)) {
		TH_LOG("kexec -l refused with every block back online");
	}
	EXPECT_EQ(0, kexec_unload());
	ASSERT_EQ(0, mem_block_set_state(self->block, "offline"));
	expect_loads_refused(_metadata, self, "offline after it was added back");
}

/*
 * The handover: a boot block removed, as if lent away. The load must be
 * refused; given the block back, it must work, and /init then boots the
 * next kernel, which reports what it sees of the range. A kernel that
 * accepts the load with the block out fails here and is booted anyway,
 * with the block still removed, so that the next kernel's report shows
 * what it did with it (the evidence for 0007's commit message).
 */
TEST_F(kexec, handover_gives_the_next_kernel_no_removed_memory)
{
	struct phase_result r;
	struct block_info info;
	char extra[128];
	int ret;

	REQUIRE_SETUP();
	if (!env_u64("BOOTMEM_KEXEC_HANDOVER", 0))
		SKIP(return, "no handover in this plan (BOOTMEM_KEXEC_HANDOVER=1: the kexec plan)");
	ASSERT_EQ(0, driver_info(self->block, &info));
	ASSERT_EQ(0, cycle_phase_run(PHASE_OFFLINE, self->block, self->nid, &r));
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
	snprintf(extra, sizeof(extra), "bh_kexec_removed=%#" PRIx64 "-%#" PRIx64,
		 info.phys_start, info.phys_end - 1);
	ret = kexec_load_file(&self->files, extra);
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("kexec_file_load() with memory%lu removed: %s", self->block,
		       ret ? strerror(-ret) : "accepted, the next kernel will be handed it");
	}
	if (ret == 0) {
		/* Leave the block out for the next kernel to show its use. */
		self->env.nr = 0;
		self->keep_loaded = true;
		ksft_print_msg("kexec: loaded with memory%lu [%#" PRIx64 "-%#" PRIx64 "] removed\n",
			       self->block, info.phys_start, info.phys_end - 1);
		return;
	}
	for (int p = PHASE_ADD; p < PHASE_COUNT; p++)
		ASSERT_EQ(0, cycle_phase_run(p, self->block, self->nid, &r));
	ASSERT_EQ(0, kexec_load_file(&self->files, "bh_kexec_removed=none"));
	self->keep_loaded = true;
	ksft_print_msg("kexec: loaded with every boot block online\n");
}

/*
 * kdump end to end (the kdump plan): a crash kernel loaded to boot, then a
 * boot block on its way out, as a lend would take it. The kernel must
 * refuse the offline: the crash kernel's ELF headers, made at load time,
 * list the block, and arm64 does not rewrite them on hotplug. /init then
 * crashes this kernel (sysrq c), and the crash kernel prints each range its
 * /proc/vmcore lists and whether bh_kdump_block= is among them
 * (kexec-next-init.sh). With the refusal, the block was this kernel's
 * memory at the crash; a kernel that let it go has the crash kernel read
 * memory that another VM may hold, which its lines show.
 */
TEST_F(kexec, kdump_crash_kernel_reads_no_removed_memory)
{
	struct phase_result r;
	struct block_info info;
	char extra[160];
	bool said;
	int ret;

	/*
	 * This test loads no kexec kernel: one that is loaded is the kexec
	 * plan's handover, which the test before it left for /init.
	 */
	self->keep_loaded = true;
	REQUIRE_SETUP();
	REQUIRE_CRASH_MEMORY();
	if (!env_u64("BOOTMEM_KDUMP", 0))
		SKIP(return, "no crash in this plan (BOOTMEM_KDUMP=1: the kdump plan)");
	ASSERT_EQ(0, driver_info(self->block, &info));
	snprintf(extra, sizeof(extra), "loglevel=5 nr_cpus=1 reset_devices bh_kdump_block=%#"
		 PRIx64 "-%#" PRIx64, info.phys_start, info.phys_end - 1);
	ret = kexec_load_crash_file_to_boot(&self->files, extra);
	ASSERT_EQ(0, ret) TH_LOG("kexec_file_load(KEXEC_FILE_ON_CRASH): %s", strerror(-ret));
	self->keep_crash_loaded = true;
	/*
	 * One try: the suite's offline retries EBUSY, which is the refusal.
	 * The refusal must be the kernel's, in its words, with the block
	 * still online: an EBUSY of page isolation is not it.
	 */
	logged(&self->env, KEXEC_OFFLINE_REFUSED);
	ret = mem_block_set_state(self->block, "offline");
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("memory%lu went offline with a crash kernel loaded: %s", self->block,
		       ret ? strerror(-ret) : "no error");
	}
	said = logged(&self->env, KEXEC_OFFLINE_REFUSED);
	EXPECT_TRUE(said) {
		TH_LOG("no \"" KEXEC_OFFLINE_REFUSED "\" line for memory%lu with a crash kernel loaded",
		       self->block);
	}
	if (ret) {
		EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(self->block));
		if (ret == -EBUSY && said)
			ksft_print_msg("kdump: memory%lu [%#" PRIx64 "-%#" PRIx64 "] stays online: "
				       "offline refused, the kernel said why\n", self->block,
				       info.phys_start, info.phys_end - 1);
		return;
	}
	/* Let it go, as a lend would, for the crash kernel's lines to show. */
	ASSERT_EQ(0, cycle_phase_run(PHASE_REMOVE, self->block, self->nid, &r));
	self->env.nr = 0;
	ksft_print_msg("kdump: memory%lu [%#" PRIx64 "-%#" PRIx64 "] removed with a crash "
		       "kernel loaded\n", self->block, info.phys_start, info.phys_end - 1);
}

TEST_HARNESS_MAIN
