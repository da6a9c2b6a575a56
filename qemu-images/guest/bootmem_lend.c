// SPDX-License-Identifier: GPL-2.0
/*
 * The lending agent: one runs in each of two guests that share memory
 * (ci/lend.py), and does what the host tells it, one command per
 * line on stdin (the guest's console), answering each on stdout with one
 * line the host waits for. The host alone decides who holds a block; an
 * agent only gives or takes when told, so the handshake, and the proof that
 * no block is ever online in both guests, is in the two consoles.
 *
 *   bootmem_lend --role primary|secondary [--approach bootmem|driver-managed]
 *
 * The approach is the primary's: bootmem (the series) lends blocks of its
 * ZONE_MOVABLE boot memory, marked by the driver; driver-managed (the path
 * the 2020 thread proposed, on a stock kernel) boots with mem= below its
 * RAM, adds what mem= hid with add_memory_driver_managed() before the
 * load starts, onlines it movable, and lends only that.
 *
 * Commands ("SEQ VERB ARGS"), and what the agent does:
 *   give BLOCK TAG [unmarked]  (primary: mark it first, unless "unmarked")
 *                              offline BLOCK, write the lending pattern TAG
 *                              over it, remove it (the secondary removes
 *                              what it added)
 *   take BLOCK TAG granted_by=WHO:SEQ
 *                              add BLOCK (the secondary: another VM's
 *                              memory, driver-managed), verify the pattern
 *                              TAG before any page of it is used, online it
 *                              movable. WHO:SEQ is the answer of the guest
 *                              that gave the block up (or host:...), which
 *                              the answer repeats: with it, the two
 *                              consoles show each block's order by
 *                              themselves. A take without it is refused.
 *   kexec                      try to load a kexec kernel (the series must
 *                              refuse while a boot block is out)
 *   quit                       scan the kernel log for splats and end
 * Answers: "BOOTMEM-LEND: SEQ ok|refused|fail VERB [BLOCK] key=value...":
 * ok, the step was done and its checks held (MemTotal moved by exactly the
 * block; a removed block is gone from the memory model, the linear map and
 * every CPU; a taken one is online in ZONE_MOVABLE and readable on every
 * CPU); refused, the kernel said no
 * and nothing changed (checked); fail, a check failed. Every answer carries
 * the guest's monotonic time (t=).
 *
 * While it runs, stress-ng keeps the guest's memory under pressure, so that
 * each offline migrates pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/accounting.h"
#include "lib/cycle.h"
#include "lib/file_io.h"
#include "lib/kexec_load.h"
#include "lib/kmsg.h"
#include "lib/mem_blocks.h"
#include "lib/phys_ram.h"
#include "lib/protocol.h"
#include "lib/test_driver.h"

enum role { PRIMARY, SECONDARY };
enum approach { BOOTMEM, DRIVER_MANAGED };

struct agent {
	enum role role;
	enum approach approach;
	/* MemTotal before the agent added anything, and when the range it
	 * lends was first usable (guest seconds since boot). */
	int64_t boot_mem_total_kb;
	double lendable_usable_s;
	struct kmsg_watch kmsg;
	pid_t load;
	/* The primary's node of each block it gave, to add it back there. */
	int nid[MEM_BLOCKS_MAX];
	unsigned long given[MEM_BLOCKS_MAX];
	int nr_given;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ms_since(double t0)
{
	return (now_s() - t0) * 1e3;
}

/* One answer line; the host reads nothing else of ours. */
static void answer(const char *seq, const char *verdict, const char *verb, const char *fmt, ...)
{
	char rest[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	printf("%s%s %s %s %s t=%.3f\n", protocol_marker(MARKER_LEND), seq, verdict, verb, rest, now_s());
	fflush(stdout);
}

static int driver_block_cmd(const char *file, unsigned long block, uint64_t tag, bool with_tag)
{
	char cmd[64];

	if (with_tag)
		snprintf(cmd, sizeof(cmd), "%lu %#" PRIx64, block, tag);
	else
		snprintf(cmd, sizeof(cmd), "%lu", block);
	return driver_write(file, cmd);
}

/*
 * What must hold of a block the agent no longer has: gone from the
 * memory model and from the linear map, on every CPU.
 */
static const char *check_gone(unsigned long block)
{
	struct block_info info;

	if (driver_info(block, &info))
		return "the driver could not answer about it";
	if (info.present)
		return "still present";
	if (info.linear.mapped)
		return "its linear map is still mapped";
	if (info.linear.reachable_cpus)
		return "a CPU can still read it";
	return NULL;
}

/* And of a block it has: online in ZONE_MOVABLE, mapped, readable everywhere. */
static const char *check_held(unsigned long block)
{
	struct block_info info;

	if (driver_info(block, &info))
		return "the driver could not answer about it";
	if (!info.present || !info.online)
		return "not online";
	if (strcmp(info.zone, "Movable"))
		return "not in ZONE_MOVABLE";
	if (info.linear.unmapped)
		return "part of its linear map is missing";
	if (info.linear.readable_cpus != info.online_cpus)
		return "not readable on every CPU";
	return NULL;
}

/*
 * The accounting a step must keep: offline takes exactly the block's pages
 * out of MemTotal, online puts exactly them back, whatever the load does
 * meanwhile (what hot-remove frees besides, the boot memmap and page
 * tables, comes back at removal, after this is read). Returns the change
 * in kB, or INT64_MIN when /proc could not be read.
 */
static int64_t mem_total_kb(void)
{
	static struct acct_snapshot snap;

	return acct_take(&snap) ? INT64_MIN : (int64_t)snap.mem_total_kb;
}

static const char *check_total(int64_t before, int64_t after, int64_t want_kb)
{
	static char why[96];

	if (before == INT64_MIN || after == INT64_MIN)
		return "MemTotal could not be read";
	if (after - before == want_kb)
		return NULL;
	snprintf(why, sizeof(why), "MemTotal moved by %" PRId64 " kB, not %" PRId64 " kB",
		 after - before, want_kb);
	return why;
}

static int *given_nid(struct agent *a, unsigned long block)
{
	for (int i = 0; i < a->nr_given; i++)
		if (a->given[i] == block)
			return &a->nid[i];
	if (a->nr_given == MEM_BLOCKS_MAX)
		return NULL;
	a->given[a->nr_given] = block;
	a->nid[a->nr_given] = -1;
	return &a->nid[a->nr_given++];
}

static void give(struct agent *a, const char *seq, unsigned long block, uint64_t tag, bool mark)
{
	double t0, t_off, t_fill;
	struct phase_result off;
	const char *why, *acct;
	int64_t total;
	int *nid = given_nid(a, block), ret, tries = 0;

	if (!nid) {
		answer(seq, "fail", "give", "%lu: too many blocks", block);
		return;
	}
	if (a->role == PRIMARY && a->approach == BOOTMEM) {
		struct block_info info;

		*nid = mem_block_node(block);
		/* A block lent and taken back before is hot-added memory: no mark. */
		if (mark && !driver_info(block, &info) && info.boot) {
			ret = driver_mark(block);
			if (ret && ret != -EEXIST) {
				answer(seq, "refused", "give", "%lu errno=%s: the mark was refused",
				       block, strerrorname_np(-ret));
				return;
			}
		}
	}
	/* The suite's offline: retries EBUSY, counts the pages it migrated. */
	total = mem_total_kb();
	ret = cycle_phase_run(PHASE_OFFLINE, block, -1, &off);
	tries = off.tries;
	if (ret) {
		/* A refusal must change nothing: the block stays online. */
		answer(seq, mem_block_state(block) == BLOCK_ONLINE ? "refused" : "fail", "give",
		       "%lu errno=%s tries=%d state=%s", block, strerrorname_np(-ret), tries,
		       mem_block_state_name(mem_block_state(block)));
		return;
	}
	t_off = off.ns / 1e6;
	acct = check_total(total, mem_total_kb(), -(int64_t)(mem_block_size() >> 10));
	t0 = now_s();
	ret = driver_block_cmd(TEST_BOOTMEM_FILE_LEND_FILL, block, tag, true);
	t_fill = ms_since(t0);
	if (ret) {
		answer(seq, "fail", "give", "%lu: lend_fill: %s", block, strerror(-ret));
		return;
	}
	t0 = now_s();
	ret = a->role == PRIMARY && a->approach == BOOTMEM ? driver_remove(block) :
		driver_block_cmd(TEST_BOOTMEM_FILE_LEND_REMOVE, block, 0, false);
	if (ret) {
		answer(seq, "fail", "give", "%lu: remove: %s", block, strerror(-ret));
		return;
	}
	why = acct ? acct : check_gone(block);
	answer(seq, why ? "fail" : "ok", "give",
	       "%lu offline_ms=%.1f tries=%d migrated_pages=%" PRIu64 " fill_ms=%.1f remove_ms=%.1f%s%s",
	       block, t_off, tries, off.migrated, t_fill, ms_since(t0), why ? ": " : "",
	       why ? why : "");
}

static void take(struct agent *a, const char *seq, unsigned long block, uint64_t tag,
		 const char *grant)
{
	int64_t total = mem_total_kb();
	double t0 = now_s(), t_add, t_check;
	const char *why;
	int *nid, ret;

	if (a->role == PRIMARY && a->approach == BOOTMEM) {
		nid = given_nid(a, block);
		ret = nid && *nid >= 0 ? driver_add(block, *nid) : -EINVAL;
	} else {
		ret = driver_block_cmd(TEST_BOOTMEM_FILE_LEND_ADD, block, 0, false);
	}
	if (ret) {
		answer(seq, "refused", "take", "%lu errno=%s state=%s", block, strerrorname_np(-ret),
		       mem_block_state_name(mem_block_state(block)));
		return;
	}
	t_add = ms_since(t0);
	t0 = now_s();
	ret = driver_block_cmd(TEST_BOOTMEM_FILE_LEND_CHECK, block, tag, true);
	t_check = ms_since(t0);
	if (ret) {
		answer(seq, "fail", "take", "%lu: lend_check: %s (the kernel log says where)", block,
		       strerror(-ret));
		return;
	}
	t0 = now_s();
	ret = mem_block_set_state(block, "online_movable");
	if (ret) {
		answer(seq, "fail", "take", "%lu: online_movable: %s", block, strerror(-ret));
		return;
	}
	why = check_total(total, mem_total_kb(), mem_block_size() >> 10);
	if (!why)
		why = check_held(block);
	answer(seq, why ? "fail" : "ok", "take",
	       "%lu %s add_ms=%.1f check_ms=%.1f verified_bytes=%" PRIu64 " online_ms=%.1f%s%s", block,
	       grant, t_add, t_check, mem_block_size(), ms_since(t0), why ? ": " : "",
	       why ? why : "");
}

static void try_kexec(struct agent *a, const char *seq)
{
	struct kexec_files f;
	bool said = false;
	int ret;

	if (kexec_files_from_env(&f)) {
		answer(seq, "fail", "kexec", "no BOOTMEM_KEXEC_KERNEL/INITRD in the image");
		return;
	}
	ret = kexec_load_file(&f, "");
	if (!ret) {
		kexec_unload();
		answer(seq, "ok", "kexec", "loaded");
		return;
	}
	/* The refusal must be the series', in its own words, not any EBUSY. */
	kmsg_watch_scan(&a->kmsg, NULL, 0, KEXEC_LOAD_REFUSED, &said);
	answer(seq, "refused", "kexec", "errno=%s kernel_said_why=%d", strerrorname_np(-ret), said);
}

/*
 * Where the other VM's memory appears in this one: BAR 2 of QEMU's
 * ivshmem-plain device (PCI 1af4:1110), which maps the shared file. 0 when
 * there is none.
 */
static uint64_t lent_window(void)
{
	char path[128], *vendor, *device, *res;
	uint64_t base = 0;

	for (int dev = 0; dev < 32 && !base; dev++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/vendor", dev);
		vendor = file_read_all(path);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/device", dev);
		device = file_read_all(path);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/resource", dev);
		res = vendor && device && strtoul(vendor, NULL, 0) == 0x1af4 &&
		      strtoul(device, NULL, 0) == 0x1110 ? file_read_all(path) : NULL;
		if (res) {
			/* One "start end flags" line per BAR: BAR 2 is the third. */
			const char *bar2 = strchr(res, '\n');

			bar2 = bar2 ? strchr(bar2 + 1, '\n') : NULL;
			base = bar2 ? strtoull(bar2 + 1, NULL, 0) : 0;
		}
		free(vendor);
		free(device);
		free(res);
	}
	return base;
}

/*
 * When the kernel handed its boot memory, ZONE_MOVABLE included, to the
 * page allocator: the time of its "Memory: ...K/...K available" line, in
 * seconds since boot (-1 when the log no longer has it).
 */
static double boot_memory_usable_s(void)
{
	FILE *f = fopen("/dev/kmsg", "r");
	char rec[1024];
	double t = -1;
	int fd;

	if (!f)
		return -1;
	/* Records from the start of the buffer, without waiting at its end. */
	fd = fileno(f);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (t < 0 && fgets(rec, sizeof(rec), f)) {
		unsigned long long usec;
		const char *text = strchr(rec, ';');

		if (text && !strncmp(text + 1, "Memory: ", 8) && strstr(text, " available") &&
		    sscanf(rec, "%*u,%*u,%llu", &usec) == 1)
			t = usec / 1e6;
	}
	fclose(f);
	return t;
}

/*
 * The driver-managed primary's lendable range: the blocks the firmware
 * describes as RAM that the kernel booted without (mem= hid them), added
 * as driver-managed memory and onlined movable. Returns how many, or
 * -errno with the step that failed in @why.
 */
static int add_hidden_ram(unsigned long *blocks, int max, char *why, size_t len)
{
	struct phys_range fw[PHYS_RAM_MAX];
	uint64_t bs = mem_block_size();
	int nr_fw = phys_ram_firmware("/proc/device-tree", fw, PHYS_RAM_MAX), n = 0;
	char *iomem = file_read_all("/proc/iomem");

	if (nr_fw < 0 || !iomem || !bs) {
		snprintf(why, len, "no firmware memory map or /proc/iomem");
		free(iomem);
		return nr_fw < 0 ? nr_fw : -EIO;
	}
	for (int r = 0; r < nr_fw; r++) {
		for (uint64_t at = (fw[r].start + bs - 1) / bs * bs; at + bs <= fw[r].end && n < max;
		     at += bs) {
			unsigned long block = at / bs;
			int ret;

			if (phys_ram_system_ram_overlaps(iomem, at, at + bs))
				continue;
			ret = driver_block_cmd(TEST_BOOTMEM_FILE_LEND_ADD, block, 0, false);
			if (!ret)
				ret = mem_block_set_state(block, "online_movable");
			if (ret) {
				snprintf(why, len, "memory%lu: add or online_movable: %s", block,
					 strerrorname_np(-ret));
				free(iomem);
				return ret;
			}
			blocks[n++] = block;
		}
	}
	free(iomem);
	if (!n)
		snprintf(why, len, "errno=ENOENT: mem= hid no whole memory block of the firmware's RAM");
	return n ? n : -ENOENT;
}

/*
 * The blocks of @blocks that can be lent, as "B,B,..." in @list, and in
 * @leaves the kernel's linear-map leaves that map them, by level.
 */
static size_t block_list(char *list, size_t size, const unsigned long *blocks, int n,
			 struct map_view *leaves)
{
	size_t len = 0;

	for (int i = 0, listed = 0; i < n && len < size - 16; i++) {
		struct block_info info;

		/* Boot reservations are never freed: such a block is never lent. */
		if (driver_info(blocks[i], &info) || info.pages_reserved)
			continue;
		len += snprintf(list + len, size - len, "%s%lu", listed++ ? "," : "", blocks[i]);
		leaves->leaf_pud += info.linear.leaf_pud;
		leaves->leaf_pmd += info.linear.leaf_pmd;
		leaves->leaf_pte += info.linear.leaf_pte;
		leaves->leaf_cont += info.linear.leaf_cont;
	}
	if (!len)
		snprintf(list, size, "none");
	return len;
}

/*
 * The ready line: what the host needs to address blocks in this guest.
 * movable_boot_blocks are what the bootmem primary lends, and the
 * driver-managed primary must be refused; driver_managed_blocks what the
 * driver-managed primary lends. set_aside_blocks: the blocks the command
 * line set aside for lending (movablecore=, mem=), before those that hold
 * boot reservations are left out.
 */
static void ready(struct agent *a, const unsigned long *dm, int nr_dm)
{
	unsigned long blocks[MEM_BLOCKS_MAX];
	struct map_view boot_leaves = { 0 }, dm_leaves = { 0 }, *lent;
	char boot[1024], added[1024];
	int n = 0;

	if (a->role == PRIMARY)
		n = cycle_movable_boot_blocks(1, blocks, MEM_BLOCKS_MAX);
	block_list(boot, sizeof(boot), blocks, n, &boot_leaves);
	block_list(added, sizeof(added), dm, nr_dm, &dm_leaves);
	lent = a->approach == BOOTMEM ? &boot_leaves : &dm_leaves;
	printf("%s0 ok ready role=%s approach=%s block_size=%#" PRIx64 " movable_boot_blocks=%s "
	       "driver_managed_blocks=%s lent_window=%#" PRIx64 " boot_mem_total_kb=%" PRId64
	       " lendable_usable_s=%.3f lendable_leaves=pud:%" PRIu64 ",pmd:%" PRIu64 ",pte:%"
	       PRIu64 ",cont:%" PRIu64 " set_aside_blocks=%d t=%.3f\n", protocol_marker(MARKER_LEND),
	       a->role == PRIMARY ? "primary" : "secondary",
	       a->approach == BOOTMEM ? "bootmem" : "driver-managed", mem_block_size(), boot,
	       added, lent_window(), a->boot_mem_total_kb, a->lendable_usable_s,
	       lent->leaf_pud, lent->leaf_pmd, lent->leaf_pte, lent->leaf_cont,
	       a->approach == BOOTMEM ? n : nr_dm, now_s());
	fflush(stdout);
}

static pid_t start_load(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/*
		 * Quiet, endless, about half of what is free: pressure, not
		 * OOM. Without --vm-keep it maps its memory anew each round,
		 * so a block that arrives is soon full of its pages (movable
		 * allocations take ZONE_MOVABLE first), and giving the block
		 * back has pages to migrate.
		 */
		execlp("stress-ng", "stress-ng", "--vm", "1", "--vm-bytes", "50%", "--quiet",
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The load's seconds to take its share: under TCG it may need tens. */
#define LOAD_SETTLE_S 90

/*
 * Waits, bounded, until the load holds at least half of ZONE_MOVABLE, so
 * that the first block given already has pages to migrate: a give a few
 * seconds after boot found its block empty, and the run then failed
 * lend.both_guests_under_pressure for the load's start-up, not for the
 * kernel. A guest without ZONE_MOVABLE (the secondary) does not wait, nor
 * does one whose load never gets there: that run fails on the result.
 */
static void wait_for_load(void)
{
	struct acct_snapshot snap;

	for (int i = 0; i < LOAD_SETTLE_S * 5; i++) {
		uint64_t managed = 0, free = 0;

		if (acct_take(&snap))
			return;
		for (int z = 0; z < snap.nr_zones; z++)
			if (!strcmp(snap.zones[z].name, "Movable")) {
				managed += snap.zones[z].managed;
				free += snap.zones[z].free;
			}
		if (!managed || free * 2 <= managed)
			return;
		usleep(200 * 1000);
	}
}

int main(int argc, char **argv)
{
	struct agent a = { .role = PRIMARY, .approach = BOOTMEM };
	unsigned long dm[MEM_BLOCKS_MAX];
	char line[256];
	int nr_dm = 0;

	if ((argc != 3 && argc != 5) || strcmp(argv[1], "--role") ||
	    (strcmp(argv[2], "primary") && strcmp(argv[2], "secondary")) ||
	    (argc == 5 && (strcmp(argv[3], "--approach") ||
			   (strcmp(argv[4], "bootmem") && strcmp(argv[4], "driver-managed"))))) {
		fprintf(stderr, "usage: bootmem_lend --role primary|secondary "
			"[--approach bootmem|driver-managed]\n");
		return 2;
	}
	a.role = strcmp(argv[2], "primary") ? SECONDARY : PRIMARY;
	/*
	 * A lending guest runs no stress program, so no boot block is kept
	 * for one: every movable boot block is the primary's to lend.
	 */
	setenv("BOOTMEM_STRESS_BOOT_BLOCKS", "0", 1);
	if (argc == 5 && !strcmp(argv[4], "driver-managed"))
		a.approach = DRIVER_MANAGED;
	if (!driver_loaded()) {
		fprintf(stderr, "bootmem_lend: the test driver is not loaded\n");
		return 2;
	}
	kmsg_watch_start(&a.kmsg);
	a.boot_mem_total_kb = mem_total_kb();
	a.lendable_usable_s = boot_memory_usable_s();
	if (a.role == PRIMARY && a.approach == DRIVER_MANAGED) {
		char why[160];

		/* Before the load starts, so that it spreads into the range. */
		nr_dm = add_hidden_ram(dm, MEM_BLOCKS_MAX, why, sizeof(why));
		if (nr_dm < 0) {
			printf("%s0 fail ready role=primary approach=driver-managed %s t=%.3f\n",
			       protocol_marker(MARKER_LEND), why, now_s());
			return 1;
		}
		a.lendable_usable_s = now_s();
	}
	a.load = start_load();
	wait_for_load();
	ready(&a, dm, nr_dm);
	while (fgets(line, sizeof(line), stdin)) {
		char seq[16], verb[16], opt[64] = "";
		unsigned long block = 0;
		uint64_t tag = 0;
		int n = sscanf(line, "%15s %15s %lu %" SCNx64 " %63s", seq, verb, &block, &tag, opt);

		if (n < 2)
			continue;
		if (!strcmp(verb, "give") && n >= 4)
			give(&a, seq, block, tag, strcmp(opt, "unmarked"));
		else if (!strcmp(verb, "take") && n == 5 && !strncmp(opt, "granted_by=", 11))
			take(&a, seq, block, tag, opt);
		else if (!strcmp(verb, "kexec"))
			try_kexec(&a, seq);
		else if (!strcmp(verb, "quit"))
			break;
		else
			answer(seq, "fail", verb, "bad command: %.*s", (int)strcspn(line, "\n"), line);
	}
	if (a.load > 0) {
		kill(a.load, SIGTERM);
		waitpid(a.load, NULL, 0);
	}
	{
		char splat[512] = "";
		int splats = kmsg_watch_scan(&a.kmsg, splat, sizeof(splat), NULL, NULL);

		printf("%send %s quit splats=%d%s%s t=%.3f\n", protocol_marker(MARKER_LEND),
		       splats ? "fail" : "ok", splats,
		       splats ? ": " : "", splat, now_s());
	}
	return 0;
}
