/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory blocks through sysfs (/sys/devices/system/memory): what exists,
 * in which state and zone, and the transitions user space drives.
 */
#ifndef BOOTMEM_MEM_BLOCKS_H
#define BOOTMEM_MEM_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>

#define MEM_BLOCKS_MAX 4096

enum block_state { BLOCK_ABSENT, BLOCK_ONLINE, BLOCK_OFFLINE, BLOCK_GOING };

/* Root of the sysfs tree; a test can point it at a recorded copy. */
extern const char *mem_blocks_sysfs_root;

uint64_t mem_block_size(void);
/* Fills @blocks with the present block numbers, sorted; returns the count. */
int mem_blocks_list(unsigned long *blocks, int max);
enum block_state mem_block_state(unsigned long block);
const char *mem_block_state_name(enum block_state state);
/* The first word of valid_zones: the zone an online block is in. */
int mem_block_zone(unsigned long block, char *zone, int len);
int mem_block_node(unsigned long block);
/*
 * Write @how ("offline", "online", "online_movable") to the block's state
 * file. Returns 0 or a negative errno, as the kernel answered the write.
 */
int mem_block_set_state(unsigned long block, const char *how);
/* Retries EBUSY/EAGAIN up to @tries times; the count used goes to @used. */
int mem_block_offline_retry(unsigned long block, int tries, int *used);
/* Parses "online"/"offline"/"going-offline"; BLOCK_ABSENT if unknown. */
enum block_state mem_block_parse_state(const char *text);

#endif
