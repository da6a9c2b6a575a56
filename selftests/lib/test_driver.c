// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "test_driver.h"
#include "sysfs_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>

bool driver_loaded(void)
{
	return access(TEST_DRIVER_DIR "/info", F_OK) == 0;
}

int driver_write(const char *file, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", TEST_DRIVER_DIR, file);
	return sysfs_write(path, text);
}

static int write_block(const char *file, unsigned long block)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", block);
	return driver_write(file, buf);
}

int driver_mark(unsigned long block) { return write_block("mark", block); }
int driver_unmark(unsigned long block) { return write_block("unmark", block); }
int driver_remove(unsigned long block) { return write_block("remove", block); }

int driver_add(unsigned long block, int nid)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lu %d", block, nid);
	return driver_write("add", buf);
}

/*
 * Every key the driver prints. Those marked online-only are printed only
 * for a present block (a removed block has no node, zone or pages); every
 * other key must be in every answer, or the answer is an error: a missing
 * key never reads as zero.
 */
struct info_field {
	const char *key;
	size_t offset;
	char kind;	/* 'u' uint64_t, 'b' bool, 'i' int, 's' zone */
	bool present_only;
};

#define U(k, f) { k, offsetof(struct block_info, f), 'u', false }
#define B(k, f) { k, offsetof(struct block_info, f), 'b', false }
#define P(k, f) { k, offsetof(struct block_info, f), 'u', true }

static const struct info_field fields[] = {
	U("phys_start", phys_start), U("phys_end", phys_end),
	B("present", present), B("online", online), B("boot", boot),
	B("marked", marked), B("removed_by_driver", removed_by_driver),
	{ "nid", offsetof(struct block_info, nid), 'i', true },
	{ "zone", offsetof(struct block_info, zone), 's', true },
	U("linear_start", linear.start), U("linear_end", linear.end),
	U("linear_mapped_pages", linear.mapped), U("linear_unmapped_pages", linear.unmapped),
	U("linear_leaf_pud", linear.leaf_pud), U("linear_leaf_pmd", linear.leaf_pmd),
	U("linear_leaf_pte", linear.leaf_pte), U("linear_leaf_cont", linear.leaf_cont),
	U("linear_writable_exec_pages", linear.writable_exec),
	U("linear_not_rw_nx_pages", linear.not_rw_nx),
	U("vmemmap_start", vmemmap.start), U("vmemmap_end", vmemmap.end),
	U("vmemmap_mapped_pages", vmemmap.mapped), U("vmemmap_unmapped_pages", vmemmap.unmapped),
	U("vmemmap_leaf_pud", vmemmap.leaf_pud), U("vmemmap_leaf_pmd", vmemmap.leaf_pmd),
	U("vmemmap_leaf_pte", vmemmap.leaf_pte), U("vmemmap_leaf_cont", vmemmap.leaf_cont),
	U("vmemmap_writable_exec_pages", vmemmap.writable_exec),
	U("vmemmap_not_rw_nx_pages", vmemmap.not_rw_nx),
	P("pages_free", pages_free), P("pages_reserved", pages_reserved),
	P("pages_lru", pages_lru), P("pages_other", pages_other),
	P("pages_offline", pages_offline),
};

#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

int driver_parse_info(const char *text, struct block_info *info)
{
	bool seen[NR_FIELDS] = { false }, seen_block = false;

	memset(info, 0, sizeof(*info));
	info->nid = -1;
	while (*text) {
		const char *eq = strchr(text, '='), *eol = strchr(text, '\n');
		size_t klen;

		if (!eol)
			eol = text + strlen(text);
		if (!eq || eq > eol) {
			text = *eol ? eol + 1 : eol;
			continue;
		}
		klen = eq - text;
		if (klen == 5 && !strncmp(text, "error", 5))
			return -EINVAL;
		if (klen == 5 && !strncmp(text, "block", 5)) {
			info->block = strtoul(eq + 1, NULL, 0);
			seen_block = true;
		}
		for (size_t i = 0; i < NR_FIELDS; i++) {
			char *dst = (char *)info + fields[i].offset;

			if (strlen(fields[i].key) != klen || strncmp(fields[i].key, text, klen))
				continue;
			seen[i] = true;
			switch (fields[i].kind) {
			case 'u': *(uint64_t *)dst = strtoull(eq + 1, NULL, 0); break;
			case 'b': *(bool *)dst = strtoul(eq + 1, NULL, 0) != 0; break;
			case 'i': *(int *)dst = (int)strtol(eq + 1, NULL, 0); break;
			case 's':
				snprintf(dst, sizeof(info->zone), "%.*s", (int)(eol - eq - 1), eq + 1);
				break;
			}
		}
		text = *eol ? eol + 1 : eol;
	}
	if (!seen_block)
		return -EINVAL;
	for (size_t i = 0; i < NR_FIELDS; i++)
		if (!seen[i] && (!fields[i].present_only || info->present))
			return -EINVAL;
	return 0;
}

/*
 * The driver keeps the selected block per open file: write the block and
 * read the answer through one descriptor, and accept only an answer about
 * that block.
 */
int driver_info(unsigned long block, struct block_info *info)
{
	char sel[32], *text;
	size_t cap = 16384, len = 0;
	int fd, ret = 0;

	snprintf(sel, sizeof(sel), "%lu", block);
	fd = open(TEST_DRIVER_DIR "/info", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, sel, strlen(sel)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	text = malloc(cap);
	while (text) {
		ssize_t n;

		if (cap - len < 4096) {
			char *bigger = realloc(text, cap * 2);

			if (!bigger) {
				free(text);
				text = NULL;
				break;
			}
			text = bigger;
			cap *= 2;
		}
		n = pread(fd, text + len, cap - len - 1, len);
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!text)
		return -ENOMEM;
	text[len] = '\0';
	if (!ret)
		ret = driver_parse_info(text, info);
	free(text);
	if (!ret && info->block != block)
		ret = -EPROTO;	/* an answer about another block */
	return ret;
}
