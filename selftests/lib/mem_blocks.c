// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "mem_blocks.h"
#include "file_io.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *mem_blocks_sysfs_root = "/sys/devices/system/memory";

uint64_t mem_block_size(void)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/block_size_bytes", mem_blocks_sysfs_root);
	if (file_read(path, buf, sizeof(buf)) < 0)
		return 0;
	/* The kernel prints it in hex without a 0x prefix. */
	return strtoull(buf, NULL, 16);
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

int mem_blocks_list(unsigned long *blocks, int max)
{
	DIR *dir = opendir(mem_blocks_sysfs_root);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n < max) {
		char *end;
		unsigned long nr;

		if (strncmp(de->d_name, "memory", 6) || !de->d_name[6])
			continue;
		nr = strtoul(de->d_name + 6, &end, 10);
		if (*end)
			continue;
		blocks[n++] = nr;
	}
	closedir(dir);
	qsort(blocks, n, sizeof(*blocks), cmp_ulong);
	return n;
}

enum block_state mem_block_parse_state(const char *text)
{
	if (!strncmp(text, "online", 6))
		return BLOCK_ONLINE;
	if (!strncmp(text, "offline", 7))
		return BLOCK_OFFLINE;
	if (!strncmp(text, "going-offline", 13))
		return BLOCK_GOING;
	return BLOCK_ABSENT;
}

enum block_state mem_block_state(unsigned long block)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/memory%lu/state", mem_blocks_sysfs_root, block);
	if (file_read(path, buf, sizeof(buf)) < 0)
		return BLOCK_ABSENT;
	return mem_block_parse_state(buf);
}

const char *mem_block_state_name(enum block_state state)
{
	switch (state) {
	case BLOCK_ONLINE: return "online";
	case BLOCK_OFFLINE: return "offline";
	case BLOCK_GOING: return "going-offline";
	default: return "absent";
	}
}

int mem_block_zone(unsigned long block, char *zone, int len)
{
	char path[256], buf[128];
	int ret;

	snprintf(path, sizeof(path), "%s/memory%lu/valid_zones", mem_blocks_sysfs_root, block);
	ret = file_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	buf[strcspn(buf, " \n")] = '\0';
	snprintf(zone, len, "%s", buf);
	return 0;
}

int mem_block_node(unsigned long block)
{
	char path[256];
	DIR *dir;
	struct dirent *de;
	int nid = -1;

	snprintf(path, sizeof(path), "%s/memory%lu", mem_blocks_sysfs_root, block);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "node", 4) && de->d_name[4] >= '0' && de->d_name[4] <= '9')
			nid = atoi(de->d_name + 4);
	closedir(dir);
	return nid;
}

int mem_block_set_state(unsigned long block, const char *how)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/memory%lu/state", mem_blocks_sysfs_root, block);
	return file_write_once(path, how);
}

int mem_block_offline_retry(unsigned long block, int tries, int *used)
{
	int ret = -EINVAL, i;

	for (i = 0; i < tries; i++) {
		ret = mem_block_set_state(block, "offline");
		if (ret != -EBUSY && ret != -EAGAIN)
			break;
		usleep(100000);
	}
	if (used)
		*used = i < tries ? i + 1 : tries;
	return ret;
}
