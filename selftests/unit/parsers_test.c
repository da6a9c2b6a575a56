// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the suite's library, on files recorded from a real
 * guest (fixtures/guest-snapshots): QEMU virt, -m 6G, movablecore=2G,
 * 4K pages, memory block 44 (0x160000000-0x167ffffff) removed in the
 * ".removed" files. Expected values come from that layout or from
 * invariants between the files, never from the files themselves.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/accounting.h"
#include "lib/acct_model.h"
#include "lib/kmsg.h"
#include "lib/marked.h"
#include "lib/metrics.h"
#include "lib/mem_blocks.h"
#include "lib/needs.h"
#include "lib/phys_ram.h"
#include "lib/linear_leaf.h"
#include "lib/page_census.h"
#include "lib/pattern.h"
#include "lib/ptdump.h"
#include "lib/refusal_reason.h"
#include "lib/file_io.h"
#include "lib/test_driver.h"
#include "fixture.h"

#define GIB (1ULL << 30)
#define PAGE 4096ULL
#define RAM_START 0x40000000ULL
#define RAM_END (RAM_START + 6 * GIB)	/* exclusive */
#define MOVABLE_START (RAM_END - 2 * GIB)
#define BLOCK44 0x160000000ULL
#define BLOCK_BYTES 0x8000000ULL

static char *fixture(const char *name)
{
	return fixture_text("FIXTURES", "../fixtures/guest-snapshots", name, ".txt");
}

static void take(struct acct_snapshot *s, const char *zoneinfo, const char *iomem)
{
	char *z = fixture(zoneinfo), *i = fixture(iomem), *m = fixture("meminfo.before");
	char *n = fixture("node0-meminfo");

	memset(s, 0, sizeof(*s));
	acct_parse_zoneinfo(z, s);
	acct_parse_iomem(i, s);
	acct_parse_meminfo(m, s);
	acct_parse_node_meminfo(n, 0, s);
	free(z);
	free(i);
	free(m);
	free(n);
}

/*
 * The model's arithmetic from geometry alone: a 128 MiB block of 4K pages
 * has 512 pages of 64-byte struct pages and 64 PTE tables (the 576 pages
 * x86-64 and the patched arm64 kernel both give back); 64K pages and
 * 512 MiB blocks: 8 memmap pages and 1 table.
 */
TEST(model_boot_pages_freed_from_geometry)
{
	EXPECT_EQ(576, acct_boot_pages_freed(BLOCK_BYTES / PAGE, PAGE, 64, true));
	EXPECT_EQ(512, acct_boot_pages_freed(BLOCK_BYTES / PAGE, PAGE, 64, false));
	EXPECT_EQ(9, acct_boot_pages_freed((512ULL << 20) / 65536, 65536, 64, true));
}

/*
 * nr_page_table_pages across a remove: a boot block's tables were never
 * counted (0 whatever the add of another block did); a re-added block's
 * remove takes off what its add put on (7.2: +64 PTE tables for 128 MiB of
 * 4K pages), and nothing where the add counted nothing (6.1, 6.12).
 */
TEST(model_page_tables_remove_undoes_add)
{
	EXPECT_EQ(0, acct_page_tables_remove_delta(true, 0));
	EXPECT_EQ(0, acct_page_tables_remove_delta(true, 64));
	EXPECT_EQ(-64, acct_page_tables_remove_delta(false, 64));
	EXPECT_EQ(0, acct_page_tables_remove_delta(false, 0));
}

static struct acct_zone *zone_of(struct acct_snapshot *s, const char *name)
{
	return (struct acct_zone *)acct_zone(s, 0, name);
}

/*
 * The model accepts the offline and remove of block 44 as the recorded
 * guest shows them, and names the counter when one is a page off.
 */
TEST(model_checks_offline_and_remove_of_a_boot_block)
{
	struct acct_snapshot online, offline, removed;
	struct acct_block b = {
		.nid = 0, .start = BLOCK44, .end = BLOCK44 + BLOCK_BYTES - 1, .page_size = PAGE,
		.pages = BLOCK_BYTES / PAGE, .remove_gives_back = 576,
	};
	char why[512];

	take(&online, "zoneinfo.before", "iomem.before");
	ASSERT_EQ(0, acct_block_place(&b, &online));
	EXPECT_FALSE(b.first_in_zone || b.last_in_zone);	/* block 44 is mid-zone */
	offline = online;
	zone_of(&offline, "Movable")->present -= b.pages;
	zone_of(&offline, "Movable")->managed -= b.pages;
	offline.mem_total_kb -= BLOCK_BYTES / 1024;
	offline.node_total_kb[0] -= BLOCK_BYTES / 1024;
	EXPECT_EQ(0, acct_model_check(PHASE_OFFLINE, &b, &online, &offline, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	zone_of(&offline, "Movable")->managed += 1;
	/* The zone and the total both see it. */
	EXPECT_EQ(2, acct_model_check(PHASE_OFFLINE, &b, &online, &offline, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "zone managed: expected"));
	zone_of(&offline, "Movable")->managed -= 1;

	/* The recorded iomem after the remove, and 576 pages back in Normal. */
	take(&removed, "zoneinfo.before", "iomem.removed");
	memcpy(removed.zones, offline.zones, sizeof(offline.zones));
	removed.mem_total_kb = offline.mem_total_kb + 576 * PAGE / 1024;
	memcpy(removed.node_total_kb, offline.node_total_kb, sizeof(offline.node_total_kb));
	zone_of(&removed, "Normal")->managed += 576;
	EXPECT_EQ(0, acct_model_check(PHASE_REMOVE, &b, &offline, &removed, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	/* One page table page kept back: the leak the model exists to see. */
	zone_of(&removed, "Normal")->managed -= 1;
	removed.mem_total_kb -= PAGE / 1024;
	EXPECT_EQ(2, acct_model_check(PHASE_REMOVE, &b, &offline, &removed, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "total managed: expected")) TH_LOG("%s", why);
	/* iomem still claiming the block after remove. */
	EXPECT_LT(0, acct_model_check(PHASE_REMOVE, &b, &offline, &offline, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "iomem no longer claims the removed block")) TH_LOG("%s", why);
}

TEST(model_counts_memmap_pages_where_the_kernel_does)
{
	struct acct_snapshot offline, removed, added;
	struct acct_block b = {
		.nid = 0, .start = BLOCK44, .end = BLOCK44 + BLOCK_BYTES - 1, .page_size = PAGE,
		.pages = BLOCK_BYTES / PAGE, .boot = true, .memmap_pages = 512,
	};
	char why[512];

	take(&offline, "zoneinfo.before", "iomem.before");
	ASSERT_EQ(0, acct_parse_vmstat("nr_memmap_pages 0\nnr_memmap_boot_pages 24576\n", &offline));
	ASSERT_TRUE(offline.has_memmap_counters);
	take(&removed, "zoneinfo.before", "iomem.removed");
	memcpy(removed.zones, offline.zones, sizeof(offline.zones));
	removed.mem_total_kb = offline.mem_total_kb;
	memcpy(removed.node_total_kb, offline.node_total_kb, sizeof(offline.node_total_kb));
	removed.has_memmap_counters = true;
	/* A boot block's remove takes its memmap off the boot count only. */
	removed.nr_memmap_boot_pages = 24576 - 512;
	EXPECT_EQ(0, acct_model_check(PHASE_REMOVE, &b, &offline, &removed, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	removed.nr_memmap_boot_pages = 24576;
	EXPECT_EQ(1, acct_model_check(PHASE_REMOVE, &b, &offline, &removed, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "nr_memmap_boot_pages: expected 24064, got 24576")) TH_LOG("%s", why);
	/* The add puts a memmap on the other count. */
	removed.nr_memmap_boot_pages = 24576 - 512;
	take(&added, "zoneinfo.before", "iomem.before");
	memcpy(added.zones, removed.zones, sizeof(removed.zones));
	added.mem_total_kb = removed.mem_total_kb;
	memcpy(added.node_total_kb, removed.node_total_kb, sizeof(removed.node_total_kb));
	added.has_memmap_counters = true;
	added.nr_memmap_boot_pages = removed.nr_memmap_boot_pages;
	added.nr_memmap_pages = 512;
	/* (The recorded iomem is the boot layout, not the block alone: one mismatch.) */
	EXPECT_EQ(1, acct_model_check(PHASE_ADD, &b, &removed, &added, why, sizeof(why)));
	EXPECT_EQ(NULL, strstr(why, "nr_memmap")) TH_LOG("%s", why);
	added.nr_memmap_pages = 0;
	EXPECT_EQ(2, acct_model_check(PHASE_ADD, &b, &removed, &added, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "nr_memmap_pages: expected 512, got 0")) TH_LOG("%s", why);
	/* A kernel without the counters (6.1) is not held to them. */
	offline.has_memmap_counters = false;
	removed.nr_memmap_boot_pages = 24576;
	EXPECT_EQ(0, acct_model_check(PHASE_REMOVE, &b, &offline, &removed, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
}

TEST(zoneinfo_present_matches_the_guest_layout)
{
	struct acct_snapshot s;
	const struct acct_zone *dma, *normal, *movable;

	take(&s, "zoneinfo.before", "iomem.before");
	dma = acct_zone(&s, 0, "DMA");
	normal = acct_zone(&s, 0, "Normal");
	movable = acct_zone(&s, 0, "Movable");
	ASSERT_NE(NULL, dma);
	ASSERT_NE(NULL, normal);
	ASSERT_NE(NULL, movable);
	EXPECT_EQ((4 * GIB - RAM_START) / PAGE, dma->present);	/* ZONE_DMA: below 4 GiB */
	EXPECT_EQ(2 * GIB / PAGE, movable->present);		/* movablecore=2G */
	EXPECT_EQ((MOVABLE_START - 4 * GIB) / PAGE, normal->present);
	EXPECT_EQ(MOVABLE_START / PAGE, movable->start_pfn);
	EXPECT_EQ(movable->present, movable->spanned);
	EXPECT_GE(movable->present, movable->managed);
	EXPECT_LT(0, movable->managed);
}

TEST(memtotal_is_the_sum_of_managed_pages)
{
	struct acct_snapshot s;

	take(&s, "zoneinfo.before", "iomem.before");
	EXPECT_EQ(s.mem_total_kb, acct_total_managed(&s) * PAGE / 1024);
	EXPECT_EQ(s.mem_total_kb, s.node_total_kb[0]);	/* one node */
}

TEST(removed_block_leaves_zone_present_and_span_as_the_model_says)
{
	struct acct_snapshot a, b;
	char why[512];

	take(&a, "zoneinfo.before", "iomem.before");
	take(&b, "zoneinfo.removed", "iomem.removed");
	EXPECT_EQ(acct_zone(&a, 0, "Movable")->present - BLOCK_BYTES / PAGE,
		  acct_zone(&b, 0, "Movable")->present);
	/* Block 44 is inside the zone, so the span does not move. */
	EXPECT_EQ(acct_zone(&a, 0, "Movable")->spanned, acct_zone(&b, 0, "Movable")->spanned);
	EXPECT_LT(0, acct_compare(&a, &b, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "Movable present"));
	EXPECT_EQ(0, acct_compare(&a, &a, why, sizeof(why)));
}

TEST(iomem_is_split_around_the_removed_block)
{
	struct acct_snapshot a, b;

	take(&a, "zoneinfo.before", "iomem.before");
	take(&b, "zoneinfo.removed", "iomem.removed");
	ASSERT_EQ(1, a.nr_ram);
	EXPECT_EQ(RAM_START, a.ram[0].start);
	EXPECT_EQ(RAM_END - 1, a.ram[0].end);
	EXPECT_TRUE(acct_ram_covers(&a, BLOCK44, BLOCK44 + BLOCK_BYTES - 1));
	ASSERT_EQ(2, b.nr_ram);
	EXPECT_FALSE(acct_ram_overlaps(&b, BLOCK44, BLOCK44 + BLOCK_BYTES - 1));
	EXPECT_TRUE(acct_ram_exact(&b, RAM_START, BLOCK44 - 1));
	EXPECT_TRUE(acct_ram_exact(&b, BLOCK44 + BLOCK_BYTES, RAM_END - 1));
}

TEST(one_leaked_page_is_a_difference)
{
	struct acct_snapshot a, b;
	char why[512];

	take(&a, "zoneinfo.before", "iomem.before");
	b = a;
	b.zones[b.nr_zones - 1].managed -= 1;
	EXPECT_EQ(1, acct_compare(&a, &b, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "managed")) TH_LOG("%s", why);
}

static void block_linear(uint64_t *start, uint64_t *end, const char *info_name)
{
	char *text = fixture(info_name);
	struct block_info info;

	if (driver_parse_info(text, &info))
		exit(1);
	*start = info.linear.start;
	*end = info.linear.end;
	free(text);
}

TEST(ptdump_maps_an_online_block_with_rw_nx_pages)
{
	struct ptdump pt;
	struct ptdump_coverage c;
	char *text = fixture("ptdump");
	uint64_t start, end;

	block_linear(&start, &end, "info-block44-online");
	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ptdump_cover(&pt, start, end, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	EXPECT_EQ(BLOCK_BYTES, c.pte);
	EXPECT_EQ(0, c.not_rw_nx);
	EXPECT_EQ(0, ptdump_count_wx(&pt, NULL));
	ptdump_free(&pt);
	free(text);
}

TEST(ptdump_holes_are_not_mappings)
{
	struct ptdump pt;
	struct ptdump_coverage c;
	char *text = fixture("ptdump.removed");
	uint64_t start, end;

	block_linear(&start, &end, "info-block44-removed");
	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ptdump_cover(&pt, start, end, &c);
	EXPECT_EQ(0, c.mapped);
	/* The neighbours stay mapped. */
	ptdump_cover(&pt, start - BLOCK_BYTES, start, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	ptdump_cover(&pt, end, end + BLOCK_BYTES, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	ptdump_free(&pt);
	free(text);
}

/*
 * x86-64 prints its dump with the level last, in lower case, and a 2M
 * page as PSE (recorded from Debian's stock 6.1 kernel through the test
 * driver's page_tables file: guest-snapshots/x86_64/record.sh).
 */
TEST(ptdump_reads_the_x86_dump_of_an_online_block)
{
	struct ptdump pt;
	struct ptdump_coverage c;
	char *text = fixture("x86_64/ptdump");
	uint64_t start, end;

	block_linear(&start, &end, "x86_64/info-block50-online");
	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ptdump_cover(&pt, start, end, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	EXPECT_EQ(BLOCK_BYTES, c.pmd);
	EXPECT_EQ(0, c.pte);
	EXPECT_EQ(0, c.not_rw_nx);
	EXPECT_EQ(0, ptdump_count_wx(&pt, NULL));
	for (int i = 0; i < pt.nr; i++) {
		if (pt.entries[i].start <= start && start < pt.entries[i].end) {
			EXPECT_TRUE(pt.entries[i].block);
			EXPECT_STREQ("PMD", pt.entries[i].level);
		}
	}
	ptdump_free(&pt);
	free(text);
}

TEST(ptdump_x86_holes_are_not_mappings)
{
	struct ptdump pt;
	struct ptdump_coverage c;
	char *text = fixture("x86_64/ptdump.removed");
	uint64_t start, end;

	block_linear(&start, &end, "x86_64/info-block50-removed");
	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ptdump_cover(&pt, start, end, &c);
	EXPECT_EQ(0, c.mapped);
	ptdump_cover(&pt, start - BLOCK_BYTES, start, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	ptdump_cover(&pt, end, end + BLOCK_BYTES, &c);
	EXPECT_EQ(BLOCK_BYTES, c.mapped);
	ptdump_free(&pt);
	free(text);
}

TEST(ptdump_reads_x86_attributes_and_skips_x86_holes)
{
	struct ptdump pt;
	const struct ptdump_entry *wx = NULL;
	const char *text =
		"---[ Low Kernel Mapping ]---\n"
		"0xffff888000099000-0xffff88800009b000           8K     ro                 GLB x  pte\n"
		"0xffff888003400000-0xffff88807fe00000        1994M     RW         PSE     GLB NX pmd\n"
		"0xffff88807ffdf000-0xffff888080000000         132K                               pte\n"
		"0xffff888080000000-0xffff888100000000           2G                               pud\n"
		"0xffffffffc0000000-0xffffffffc0001000           4K     RW                 GLB x  pte\n";

	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ASSERT_EQ(3, pt.nr);
	EXPECT_STREQ("PTE", pt.entries[0].level);
	EXPECT_FALSE(pt.entries[0].rw);
	EXPECT_FALSE(pt.entries[0].nx);
	EXPECT_STREQ("PMD", pt.entries[1].level);
	EXPECT_TRUE(pt.entries[1].rw);
	EXPECT_TRUE(pt.entries[1].nx);
	EXPECT_TRUE(pt.entries[1].block);
	EXPECT_EQ(1, ptdump_count_wx(&pt, &wx));
	EXPECT_EQ(0xffffffffc0000000ULL, wx->start);
	ptdump_free(&pt);
}

/* Stock x86-64 6.1 with KASLR: the image in the high System RAM range. */
TEST(iomem_finds_the_range_holding_the_kernel_image)
{
	const char *iomem =
		"00001000-0009fbff : System RAM\n"
		"7fffe000-7fffffff : Reserved\n"
		"100000000-1ffffffff : System RAM\n"
		"  19dc00000-19ea01d31 : Kernel code\n"
		"  19ec00000-19f4d2fff : Kernel rodata\n";
	struct phys_range ram, at;

	ASSERT_EQ(0, phys_ram_holding(iomem, "Kernel code", &ram, &at));
	EXPECT_EQ(0x100000000ULL, ram.start);
	EXPECT_EQ(0x200000000ULL, ram.end);
	EXPECT_EQ(0x19dc00000ULL, at.start);
	EXPECT_EQ(-ENOENT, phys_ram_holding(iomem, "Kernel bss", &ram, &at));
	/* A child is not System RAM of its own; the top-level range is. */
	EXPECT_TRUE(phys_ram_system_ram_overlaps(iomem, 0x190000000ULL, 0x198000000ULL));
	EXPECT_FALSE(phys_ram_system_ram_overlaps(iomem, 0x7fffe000ULL, 0x80000000ULL));
	EXPECT_FALSE(phys_ram_system_ram_overlaps(iomem, 0x200000000ULL, 0x208000000ULL));
}

TEST(ptdump_finds_a_writable_executable_mapping)
{
	struct ptdump pt;
	const struct ptdump_entry *wx = NULL;
	const char *text =
		"0xffff000000000000-0xffff000000200000   2M PMD   RW NX SHD AF  BLK UXN  MEM/NORMAL\n"
		"0xffff000000200000-0xffff000000201000   4K PTE   RW x  SHD AF      UXN  MEM/NORMAL\n"
		"0xffff000000201000-0xffff000000400000   2044K PTE\n";

	ASSERT_EQ(0, ptdump_parse(text, &pt));
	EXPECT_EQ(2, pt.nr);
	EXPECT_EQ(1, ptdump_count_wx(&pt, &wx));
	ASSERT_NE(NULL, wx);
	EXPECT_EQ(0xffff000000200000ULL, wx->start);
	ptdump_free(&pt);
}

TEST(driver_info_walk_is_consistent)
{
	char *text = fixture("info-block44-online");
	struct block_info info;

	ASSERT_EQ(0, driver_parse_info(text, &info));
	EXPECT_EQ(44, info.block);
	EXPECT_EQ(BLOCK44, info.phys_start);
	EXPECT_EQ(BLOCK44 + BLOCK_BYTES, info.phys_end);
	EXPECT_TRUE(info.present && info.online && info.boot);
	EXPECT_STREQ("Movable", info.zone);
	EXPECT_EQ(BLOCK_BYTES / PAGE, info.linear.mapped);
	EXPECT_EQ(info.linear.end - info.linear.start, BLOCK_BYTES);
	EXPECT_EQ((info.vmemmap.end - info.vmemmap.start) / PAGE, info.vmemmap.mapped);
	EXPECT_EQ(info.pages_free + info.pages_reserved + info.pages_lru + info.pages_other +
		  info.pages_offline, BLOCK_BYTES / PAGE);
	free(text);
	text = fixture("info-block44-removed");
	ASSERT_EQ(0, driver_parse_info(text, &info));
	EXPECT_FALSE(info.present);
	EXPECT_TRUE(info.removed_by_driver);
	EXPECT_EQ(0, info.linear.mapped);
	EXPECT_EQ(0, info.vmemmap.mapped);
	free(text);
	EXPECT_EQ(-EINVAL, driver_parse_info("error=no block selected\n", &info));
}

/* A key missing from the driver's answer is an error, never a zero. */
TEST(driver_info_with_a_missing_key_is_an_error)
{
	char *text = fixture("info-block44-online"), *line;
	struct block_info info;

	line = strstr(text, "linear_leaf_pte=");
	ASSERT_NE(NULL, line);
	line[0] = 'X';	/* the key is now unknown, so linear_leaf_pte is missing */
	EXPECT_EQ(-EINVAL, driver_parse_info(text, &info));
	free(text);
	/* An online block must also name its zone; a removed one need not. */
	text = fixture("info-block44-online");
	line = strstr(text, "\nzone=");
	ASSERT_NE(NULL, line);
	line[1] = 'X';
	EXPECT_EQ(-EINVAL, driver_parse_info(text, &info));
	free(text);
	EXPECT_EQ(-EINVAL, driver_parse_info("phys_start=0\nphys_end=0\n", &info));
}

TEST(memory_blocks_from_a_recorded_sysfs)
{
	char dir[] = "/tmp/bootmem-unit-XXXXXX", path[256], *text, *line;
	unsigned long blocks[MEM_BLOCKS_MAX];
	int n, expect = 0;
	char zone[32];

	ASSERT_NE(NULL, mkdtemp(dir));
	text = fixture("memory-blocks");
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char name[32], state[32], z[32] = "";
		FILE *f;

		if (sscanf(line, "%31s %31s %31s", name, state, z) < 2) {
			snprintf(path, sizeof(path), "%s/block_size_bytes", dir);
			f = fopen(path, "w");
			fprintf(f, "%s\n", line);
			fclose(f);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/state", dir, name);
		f = fopen(path, "w");
		fprintf(f, "%s\n", state);
		fclose(f);
		snprintf(path, sizeof(path), "%s/%s/valid_zones", dir, name);
		f = fopen(path, "w");
		fprintf(f, "%s\n", z);
		fclose(f);
		expect++;
	}
	free(text);
	mem_blocks_sysfs_root = dir;
	EXPECT_EQ(BLOCK_BYTES, mem_block_size());
	n = mem_blocks_list(blocks, MEM_BLOCKS_MAX);
	EXPECT_EQ(expect, n);
	/* 6 GiB from 1 GiB in 128 MiB blocks, block 44 removed. */
	EXPECT_EQ(6 * GIB / BLOCK_BYTES - 1, (uint64_t)n);
	EXPECT_EQ(RAM_START / BLOCK_BYTES, blocks[0]);
	EXPECT_EQ((int)BLOCK_ABSENT, (int)mem_block_state(44));
	EXPECT_EQ((int)BLOCK_ONLINE, (int)mem_block_state(45));
	ASSERT_EQ(0, mem_block_zone(45, zone, sizeof(zone)));
	EXPECT_STREQ("Movable", zone);
	ASSERT_EQ(0, mem_block_zone(20, zone, sizeof(zone)));
	EXPECT_STREQ("DMA", zone);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	EXPECT_EQ(0, system(path));
}

TEST(pattern_names_the_flipped_byte)
{
	size_t len = 1 << 20;
	unsigned char *buf = malloc(len);
	struct pattern_mismatch m;

	ASSERT_NE(NULL, buf);
	pattern_fill(buf, len, 42);
	EXPECT_EQ(0, pattern_check(buf, len, 42, &m));
	buf[123457] ^= 0x10;
	EXPECT_EQ(1, pattern_check(buf, len, 42, &m));
	EXPECT_EQ((uintptr_t)&buf[123456], m.addr);	/* the word holding the byte */
	EXPECT_NE(m.expected, m.actual);
	/* Another seed, or the right data at another address, is caught too. */
	buf[123457] ^= 0x10;
	EXPECT_EQ(len / 8, pattern_check(buf, len, 43, &m));
	memmove(buf, buf + 8, len - 8);
	EXPECT_LT(len / 8 - 2, pattern_check(buf, len - 8, 42, &m));
	free(buf);
}

TEST(pattern_checks_data_read_back_elsewhere)
{
	size_t len = 64 << 10;
	unsigned char *buf = malloc(len), *copy = malloc(len);
	struct pattern_mismatch m;

	ASSERT_TRUE(buf && copy);
	pattern_fill(buf, len, 7);
	memcpy(copy, buf, len);
	/* Read back into another buffer: checked as if where it was written. */
	EXPECT_EQ(0, pattern_check_as(copy, len, (uintptr_t)buf, 7, &m));
	EXPECT_EQ(len / 8, pattern_check(copy, len, 7, &m));
	copy[4097] ^= 1;
	EXPECT_EQ(1, pattern_check_as(copy, len, (uintptr_t)buf, 7, &m));
	EXPECT_EQ((uintptr_t)buf + 4096, m.addr);
	free(buf);
	free(copy);
}

TEST(leaf_sizes_follow_the_page_size)
{
	/* 4K: 2M PMD, 1G PUD; contiguous 16 entries (64K, 32M). */
	EXPECT_EQ(4096, linear_leaf_size("PTE", false, 4096));
	EXPECT_EQ(64 << 10, linear_leaf_size("PTE", true, 4096));
	EXPECT_EQ(2 << 20, linear_leaf_size("PMD", false, 4096));
	EXPECT_EQ(32 << 20, linear_leaf_size("PMD", true, 4096));
	EXPECT_EQ(1ULL << 30, linear_leaf_size("PUD", false, 4096));
	/* 16K: 32M PMD; 128 contiguous PTEs (2M), 32 contiguous PMDs (1G). */
	EXPECT_EQ(2 << 20, linear_leaf_size("PTE", true, 16384));
	EXPECT_EQ(32 << 20, linear_leaf_size("PMD", false, 16384));
	EXPECT_EQ(1ULL << 30, linear_leaf_size("PMD", true, 16384));
	/* 64K: 512M PMD; 32 contiguous PTEs (2M), 32 contiguous PMDs (16G). */
	EXPECT_EQ(2 << 20, linear_leaf_size("PTE", true, 65536));
	EXPECT_EQ(512 << 20, linear_leaf_size("PMD", false, 65536));
	EXPECT_EQ(16ULL << 30, linear_leaf_size("PMD", true, 65536));
	EXPECT_EQ(0, linear_leaf_size("PGD", false, 4096));
}

TEST(largest_leaf_over_a_block_from_ptdump)
{
	/* rodata=off on 4K: PUD blocks, a CONT PMD run at the edge, PTEs. */
	static const char text[] =
		"---[ Linear Mapping start ]---\n"
		"0xffff000000000000-0xffff000040000000           1G PUD       RW NX SHD AF            BLK UXN    MEM/NORMAL\n"
		"0xffff000040000000-0xffff000042000000          32M PMD       RW NX SHD AF        CON BLK UXN    MEM/NORMAL\n"
		"0xffff000042000000-0xffff000042200000           2M PTE       RW NX SHD AF                UXN    MEM/NORMAL\n";
	struct linear_leaf leaf;
	struct ptdump pt;

	ASSERT_EQ(0, ptdump_parse(text, &pt));
	ASSERT_EQ(0, linear_largest_leaf(&pt, 0xffff000008000000ULL, 0xffff000010000000ULL, 4096, &leaf));
	EXPECT_EQ(1ULL << 30, leaf.bytes);
	EXPECT_STREQ("1G PUD", leaf.what);
	/* A block that straddles the PUD's end and the CONT run. */
	ASSERT_EQ(0, linear_largest_leaf(&pt, 0xffff000040000000ULL, 0xffff000048000000ULL, 4096, &leaf));
	EXPECT_EQ(32 << 20, leaf.bytes);
	EXPECT_STREQ("32M CONT PMD", leaf.what);
	ASSERT_EQ(0, linear_largest_leaf(&pt, 0xffff000042000000ULL, 0xffff000042200000ULL, 4096, &leaf));
	EXPECT_STREQ("4K PTE", leaf.what);
	ptdump_free(&pt);
}

TEST(census_counts_what_left_the_block)
{
	/* Block = frames 100..199. */
	uint64_t before[] = { 100, 150, 199, 200, 99, CENSUS_NO_PFN, 120, 130 };
	uint64_t after[] = { 300, 151, 400, 200, 99, 500, CENSUS_NO_PFN, 131 };
	struct block_moves m;

	census_moves(before, after, 8, 100, 100, &m);
	EXPECT_EQ(5, m.were_inside);	/* 100, 150, 199, 120, 130 */
	EXPECT_EQ(2, m.moved_out);	/* 100 -> 300, 199 -> 400 */
	EXPECT_EQ(1, m.gone);		/* 120 */
	EXPECT_EQ(2, m.still_inside);	/* 150 -> 151, 130 -> 131 */
}

TEST(splat_lines_are_recognised)
{
	EXPECT_TRUE(kmsg_is_splat("WARNING: CPU: 0 PID: 1 at arch/arm64/mm/mmu.c:886 free_hotplug_page_range"));
	EXPECT_TRUE(kmsg_is_splat("BUG: Bad page state in process init  pfn:1bf3f1"));
	EXPECT_TRUE(kmsg_is_splat("Unable to handle kernel paging request at virtual address ffff000120000000"));
	EXPECT_FALSE(kmsg_is_splat("Boot memory [148000000 150000000] offlining attempted"));
	EXPECT_FALSE(kmsg_is_splat("test_bootmem_hotplug: remove block 41: done"));
	EXPECT_TRUE(kmsg_is_splat("Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP"));
	EXPECT_TRUE(kmsg_is_splat("INFO: task kworker/0:1:12 blocked for more than 120 seconds."));
}

/* No readable /dev/kmsg is a failure of the splat check, never "none". */
TEST(unreadable_kmsg_fails_the_splat_check)
{
	struct kmsg_watch w = { .fd = -1, .err = EACCES };
	char why[128] = "";

	EXPECT_GT(0, kmsg_watch_scan(&w, why, sizeof(why), NULL, NULL));
	EXPECT_NE(NULL, strstr(why, "cannot read /dev/kmsg"));
}

/*
 * A scan in the middle of a test, looking for one line, reads the splats
 * too: the teardown's scan must still report them.
 */
TEST(a_splat_read_by_a_mid_test_scan_is_still_reported)
{
	static const char rec[] = "4,10,100,-;WARNING: CPU: 0 PID: 1 at mm/x.c:1 f+0x0/0x4\n";
	struct kmsg_watch w = { 0 };
	char splat[128] = "";
	bool found = true;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	w.fd = p[0];
	ASSERT_EQ((ssize_t)strlen(rec), write(p[1], rec, strlen(rec)));
	EXPECT_EQ(1, kmsg_watch_scan(&w, NULL, 0, "offlining attempted", &found));
	EXPECT_FALSE(found);
	EXPECT_EQ(1, kmsg_watch_scan(&w, splat, sizeof(splat), NULL, NULL));
	EXPECT_NE(NULL, strstr(splat, "WARNING: CPU: 0"));
	close(p[0]);
	close(p[1]);
}

/*
 * A refusal counts only for its own range and with its own reason: the
 * same errno from another check, or the right reason for a neighbour,
 * does not.
 */
TEST(mark_refusal_matches_range_and_reason)
{
	/* One record per read, as /dev/kmsg gives them: one per case. */
	static const char *const log[] = {
		"4,11,100,-;Boot memory [150000000 158000000] not marked hot-removable: "
		MARK_REFUSED_IOMEM "\n",
		"4,12,101,-;Boot memory [148000000 150000000] not marked hot-removable: "
		MARK_REFUSED_NOT_ONLINE "\n",
		"4,13,102,-;Boot memory [150000000 158000000] not marked hot-removable: "
		MARK_REFUSED_IOMEM "\n",
	};
	struct kmsg_watch w = { 0 };
	char other[256];
	int p[2];

	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
		w.fd = p[0];
		ASSERT_EQ((ssize_t)strlen(log[i]), write(p[1], log[i], strlen(log[i])));
		if (i == 0) {
			EXPECT_TRUE(mark_refusal_logged(&w, 0x150000000, 0x158000000,
							MARK_REFUSED_IOMEM, other, sizeof(other)));
		} else if (i == 1) {
			/* Right range, another check's reason: named in @other. */
			EXPECT_FALSE(mark_refusal_logged(&w, 0x148000000, 0x150000000,
							 MARK_REFUSED_IOMEM, other, sizeof(other)));
			EXPECT_NE(NULL, strstr(other, MARK_REFUSED_NOT_ONLINE));
		} else {
			/* The right reason, for a neighbour's range. */
			EXPECT_FALSE(mark_refusal_logged(&w, 0x158000000, 0x160000000,
							 MARK_REFUSED_IOMEM, other, sizeof(other)));
			EXPECT_NE(NULL, strstr(other, "no refusal logged"));
		}
		close(p[0]);
		close(p[1]);
	}
}

/* The series' list of marked ranges, as debugfs prints it (END inclusive). */
TEST(marked_ranges_parse_and_merge)
{
	struct marked_list l, want = { .n = 1, .r = { { 0x140000000, 0x158000000 } } };

	ASSERT_EQ(0, marked_parse("0x140000000-0x147ffffff\n0x150000000-0x157ffffff\n", &l));
	ASSERT_EQ(2, l.n);
	EXPECT_TRUE(marked_covers(&l, 0x140000000, 0x148000000));
	EXPECT_FALSE(marked_covers(&l, 0x140000000, 0x150000000));
	marked_add(&l, 0x148000000, 0x150000000);
	EXPECT_TRUE(marked_equal(&want, &l));
	EXPECT_EQ(-EINVAL, marked_parse("0x140000000-0x147ffffff\nbogus\n", &l));
	EXPECT_EQ(0, marked_parse("", &l));
	EXPECT_EQ(0, l.n);
}

/* The per-CPU lists hold free pages too: each pageset's count adds up. */
TEST(zoneinfo_counts_free_pages_on_per_cpu_lists)
{
	struct acct_snapshot s = { 0 };
	char *text = fixture("zoneinfo.before");
	const struct acct_zone *z;

	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, acct_parse_zoneinfo(text, &s));
	free(text);
	z = acct_zone(&s, 0, "DMA");
	ASSERT_NE(NULL, z);
	EXPECT_EQ(255 + 144, z->pcp);
	EXPECT_LT(acct_total_managed(&s) / 2, acct_total_free_with_pcp(&s));
}

/*
 * The children of System RAM that a removal has to get past, and RAM the
 * firmware describes beyond what the kernel uses (mem=), on a recorded
 * /proc/iomem.
 */
TEST(iomem_children_and_spare_ram)
{
	struct phys_range fw[] = { { 0x40000000, 0x200000000 } }, first;
	char *iomem = fixture("iomem.before");
	char name[32];
	uint64_t spare = 0;

	/* The top movable block holds boot reservations; the one below none. */
	EXPECT_EQ(9, phys_ram_iomem_children(iomem, 0x1b8000000, 0x1c0000000, name,
					     sizeof(name), &first));
	EXPECT_STREQ("reserved", name);
	EXPECT_EQ(0x1b8600000, first.start);
	EXPECT_EQ(0x1bf200000, first.end);
	EXPECT_EQ(0, phys_ram_iomem_children(iomem, 0x1b0000000, 0x1b8000000, name,
					     sizeof(name), &first));
	/* The kernel image's block: code, data and their reservations. */
	EXPECT_EQ(3, phys_ram_iomem_children(iomem, 0x40000000, 0x48000000, name,
					     sizeof(name), &first));
	EXPECT_STREQ("Kernel code", name);
	/* The firmware's last GiB is beyond System RAM: the spare one. */
	EXPECT_EQ(0, phys_ram_find_spare(fw, 1, iomem, 1ULL << 30, 1ULL << 30, &spare));
	EXPECT_EQ(0x1c0000000, spare);
	fw[0].end = 0x1c0000000;
	EXPECT_EQ(-ENOENT, phys_ram_find_spare(fw, 1, iomem, 1ULL << 30, 1ULL << 30, &spare));
	free(iomem);
}

/* An unmet need is a skip that names it; a need no probe can verify too. */
TEST(needs_name_what_is_missing)
{
	static const char *const tools[] = { "sh", "no-such-tool-bootmem", NULL };
	static const char *const options[] = { "CONFIG_NO_SUCH_OPTION=y", NULL };
	const struct suite_needs missing_tool = { .commands = tools };
	const struct suite_needs unprobed = { .kconfigs = options };
	const struct suite_needs nothing = { 0 };
	char why[128] = "";

	EXPECT_FALSE(needs_met(&missing_tool, why, sizeof(why)));
	EXPECT_STREQ("needs no-such-tool-bootmem: not found in PATH", why);
	EXPECT_FALSE(needs_met(&unprobed, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "no run-time probe for CONFIG_NO_SUCH_OPTION=y"));
	EXPECT_TRUE(needs_met(&nothing, why, sizeof(why)));
	EXPECT_EQ(-1, needs_kconfig_present("CONFIG_NO_SUCH_OPTION=y"));
}

/*
 * lib/protocol.def is the metrics' schema: a record that names an
 * undeclared key, or lacks a key its kind requires, is never printed and
 * the program aborts. The harness's own assertions abort too, so the
 * record is written in a child and the parent reads how it ended.
 */
static int metric_child(void (*write)(struct metric *m), char *printed, size_t size)
{
	int out[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(out))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct metric m;

		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		write(&m);
		_exit(0);
	}
	close(out[1]);
	n = read(out[0], printed, size - 1);
	printed[n > 0 ? n : 0] = '\0';
	close(out[0]);
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void write_complete(struct metric *m)
{
	metric_begin(m, "unit", METRIC_failslab_add);
	metric_u64(m, "space", 3);
	metric_i64(m, "err", -12);
	metric_emit(m);
}

static void write_undeclared(struct metric *m)
{
	metric_begin(m, "unit", METRIC_failslab_add);
	metric_u64(m, "spaces", 3);
	metric_i64(m, "err", -12);
	metric_emit(m);
}

static void write_incomplete(struct metric *m)
{
	metric_begin(m, "unit", METRIC_failslab_add);
	metric_u64(m, "space", 3);
	metric_emit(m);
}

TEST(metric_with_every_required_key_is_printed)
{
	char printed[512];

	EXPECT_EQ(0, metric_child(write_complete, printed, sizeof(printed)));
	EXPECT_STREQ("# METRIC {\"test\":\"unit\",\"kind\":\"failslab_add\",\"space\":3,\"err\":-12}\n",
		     printed);
}

TEST(metric_with_an_undeclared_key_aborts_naming_it)
{
	char printed[512];

	EXPECT_EQ(SIGABRT, metric_child(write_undeclared, printed, sizeof(printed)));
	EXPECT_NE(NULL, strstr(printed, "'failslab_add' record has the undeclared key 'spaces'")) TH_LOG("%s", printed);
	EXPECT_EQ(NULL, strstr(printed, "METRIC"));
}

TEST(metric_without_a_required_key_aborts_naming_it)
{
	char printed[512];

	EXPECT_EQ(SIGABRT, metric_child(write_incomplete, printed, sizeof(printed)));
	EXPECT_NE(NULL, strstr(printed, "'failslab_add' record lacks the required key 'err'")) TH_LOG("%s", printed);
	EXPECT_EQ(NULL, strstr(printed, "METRIC"));
}

TEST(metric_wildcard_key_is_declared)
{
	struct metric m;

	metric_begin(&m, "unit", METRIC_progress);
	metric_ms_from_ns(&m, "offline_ms_avg", 1000000);
	EXPECT_NE(NULL, strstr(m.buf, "\"offline_ms_avg\":1.000"));
}

TEST_HARNESS_MAIN
