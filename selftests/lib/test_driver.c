// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "test_driver.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>

bool driver_loaded(void)
{
	return access(TEST_DRIVER_DIR "/" TEST_BOOTMEM_FILE_INFO, F_OK) == 0;
}

int driver_write(const char *file, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", TEST_DRIVER_DIR, file);
	return file_write_once(path, text);
}

int driver_open(const char *file)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", TEST_DRIVER_DIR, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void driver_add_command(unsigned long block, int nid, char *buf, size_t len)
{
	snprintf(buf, len, "%lu %d", block, nid);
}

static int write_block(const char *file, unsigned long block)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", block);
	return driver_write(file, buf);
}

int driver_mark(unsigned long block) { return write_block(TEST_BOOTMEM_FILE_MARK, block); }
int driver_mark_range(unsigned long block, unsigned long count)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lu %lu", block, count);
	return driver_write(TEST_BOOTMEM_FILE_MARK, buf);
}
int driver_unmark_range(unsigned long block, unsigned long count)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lu %lu", block, count);
	return driver_write(TEST_BOOTMEM_FILE_UNMARK, buf);
}
int driver_unmark(unsigned long block) { return write_block(TEST_BOOTMEM_FILE_UNMARK, block); }
int driver_remove(unsigned long block) { return write_block(TEST_BOOTMEM_FILE_REMOVE, block); }
int driver_remove_watched(unsigned long block)
{
	return write_block(TEST_BOOTMEM_FILE_REMOVE_WATCHED, block);
}

int driver_add(unsigned long block, int nid)
{
	char buf[48];

	driver_add_command(block, nid, buf, sizeof(buf));
	return driver_write(TEST_BOOTMEM_FILE_ADD, buf);
}

int driver_add_watched(unsigned long block, int nid)
{
	char buf[48];

	driver_add_command(block, nid, buf, sizeof(buf));
	return driver_write(TEST_BOOTMEM_FILE_ADD_WATCHED, buf);
}

int driver_iomem_child(unsigned long block, const char *position)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lu %s", block, position);
	return driver_write(TEST_BOOTMEM_FILE_IOMEM_CHILD, buf);
}

int driver_plug(unsigned long block, unsigned long count, int nid)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lu %lu %d", block, count, nid);
	return driver_write(TEST_BOOTMEM_FILE_PLUG, buf);
}

int driver_unplug(unsigned long block, unsigned long count)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lu %lu", block, count);
	return driver_write(TEST_BOOTMEM_FILE_UNPLUG, buf);
}

/*
 * Where the value of one key goes, built from the driver's lists in
 * test_bootmem_hotplug_uapi.h. A key must be in every answer, or only in
 * those about a present block (a removed block has no node, zone or
 * pages); a missing key makes the answer an error, never a zero.
 */
struct info_field {
	const char *key;	/* after the walk's prefix, for a walk */
	size_t offset, size;	/* of the member, in its struct */
	enum test_bootmem_kind kind;
	bool present_only;
};

/*
 * Does a member like @lvalue have the C type store() writes a value of
 * @kind as? A member of a type store() never writes does not build.
 */
#define HOLDS_KIND(lvalue, kind) _Generic((lvalue),				\
	uint64_t: (kind) == TEST_BOOTMEM_HEX || (kind) == TEST_BOOTMEM_DEC,	\
	bool: (kind) == TEST_BOOTMEM_BOOL,					\
	int: (kind) == TEST_BOOTMEM_INT,					\
	char *: (kind) == TEST_BOOTMEM_WORD)

/*
 * offsetof(), which does not build (an array of negative size) unless the
 * member holds @kind: the header and the structs of test_driver.h cannot
 * disagree.
 */
#define OFFSET_HOLDING(type, member, kind)					\
	(offsetof(type, member) +						\
	 0 * sizeof(char[HOLDS_KIND(((type *)0)->member, kind) ? 1 : -1]))

#define FIELD(type, name, member, value_kind, when) {				\
	.key = (name),								\
	.offset = OFFSET_HOLDING(type, member, value_kind),			\
	.size = sizeof(((type *)0)->member),					\
	.kind = (value_kind),							\
	.present_only = (when) == TEST_BOOTMEM_IF_PRESENT,			\
},

#define TEST_BOOTMEM_KEY(key, kind, when) FIELD(struct block_info, #key, key, kind, when)
static const struct info_field block_fields[] = TEST_BOOTMEM_INFO_BLOCK_KEYS;
static const struct info_field census_fields[] = TEST_BOOTMEM_INFO_CENSUS_KEYS;
static const struct info_field watch_fields[] = TEST_BOOTMEM_INFO_WATCH_KEYS;
#undef TEST_BOOTMEM_KEY

#define TEST_BOOTMEM_WALK_KEY(suffix, member, kind) \
	FIELD(struct map_view, suffix, member, kind, TEST_BOOTMEM_ALWAYS)
static const struct info_field walk_fields[] = TEST_BOOTMEM_INFO_WALK_KEYS;
#undef TEST_BOOTMEM_WALK_KEY

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The answer's groups of keys, in the driver's order. */
static const struct info_group {
	const char *prefix;		/* of each of its keys */
	const struct info_field *fields;
	size_t nr_fields;
	size_t offset;			/* of its struct in struct block_info */
} groups[] = {
	{ "", block_fields, ARRAY_SIZE(block_fields), 0 },
	{ TEST_BOOTMEM_LINEAR_PREFIX, walk_fields, ARRAY_SIZE(walk_fields),
	  offsetof(struct block_info, linear) },
	{ TEST_BOOTMEM_VMEMMAP_PREFIX, walk_fields, ARRAY_SIZE(walk_fields),
	  offsetof(struct block_info, vmemmap) },
	{ "", census_fields, ARRAY_SIZE(census_fields), 0 },
	{ "", watch_fields, ARRAY_SIZE(watch_fields), 0 },
};

#define NR_GROUPS ARRAY_SIZE(groups)
/* driver_parse_info() notes the keys of a group it saw as bits of a uint64_t. */
_Static_assert(ARRAY_SIZE(block_fields) <= 64 && ARRAY_SIZE(walk_fields) <= 64 &&
	       ARRAY_SIZE(census_fields) <= 64 && ARRAY_SIZE(watch_fields) <= 64, "a group has more keys than a uint64_t has bits");

/* Is the key text[0..len) the group's prefix followed by @field's key? */
static bool key_is(const char *text, size_t len, const struct info_group *group,
		   const struct info_field *field)
{
	size_t plen = strlen(group->prefix);

	return len == plen + strlen(field->key) && !strncmp(text, group->prefix, plen) &&
	       !strncmp(text + plen, field->key, len - plen);
}

static void store(const struct info_field *field, char *dst, const char *value, size_t len)
{
	switch (field->kind) {
	case TEST_BOOTMEM_HEX:
	case TEST_BOOTMEM_DEC:
		*(uint64_t *)dst = strtoull(value, NULL, 0);
		break;
	case TEST_BOOTMEM_BOOL:
		*(bool *)dst = strtoul(value, NULL, 0) != 0;
		break;
	case TEST_BOOTMEM_INT:
		*(int *)dst = (int)strtol(value, NULL, 0);
		break;
	case TEST_BOOTMEM_WORD:
		snprintf(dst, field->size, "%.*s", (int)len, value);
		break;
	}
}

int driver_parse_info(const char *text, struct block_info *info)
{
	uint64_t seen[NR_GROUPS] = { 0 };	/* bit f: the group's field f */

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
		if (klen == strlen(TEST_BOOTMEM_INFO_ERROR) &&
		    !strncmp(text, TEST_BOOTMEM_INFO_ERROR, klen))
			return -EINVAL;
		for (size_t g = 0; g < NR_GROUPS; g++) {
			const struct info_group *group = &groups[g];

			for (size_t f = 0; f < group->nr_fields; f++) {
				const struct info_field *field = &group->fields[f];

				if (!key_is(text, klen, group, field))
					continue;
				seen[g] |= 1ULL << f;
				store(field, (char *)info + group->offset + field->offset, eq + 1,
				      eol - eq - 1);
			}
		}
		text = *eol ? eol + 1 : eol;
	}
	for (size_t g = 0; g < NR_GROUPS; g++)
		for (size_t f = 0; f < groups[g].nr_fields; f++)
			if (!(seen[g] & 1ULL << f) &&
			    (!groups[g].fields[f].present_only || info->present))
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
	fd = open(TEST_DRIVER_DIR "/" TEST_BOOTMEM_FILE_INFO, O_RDWR | O_CLOEXEC);
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
