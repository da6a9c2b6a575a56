/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own page-table dump (CONFIG_PTDUMP_DEBUGFS): parsed into
 * ranges, so a test can ask what maps a virtual range and with which
 * permissions, independently of the test driver's walk. arm64 and x86-64
 * print it differently; ptdump_parse() reads both.
 */
#ifndef BOOTMEM_PTDUMP_H
#define BOOTMEM_PTDUMP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Where the dump is, the first that exists: arm64's file, x86-64's, and
 * the test driver's page_tables, the same x86 dump for a kernel built
 * without CONFIG_PTDUMP_DEBUGFS (Debian's stock amd64). Returns NULL when
 * there is none.
 */
const char *ptdump_path(void);

struct ptdump_entry {
	uint64_t start, end;	/* [start, end) */
	char level[4];		/* PTE, PMD, PUD, PGD */
	bool rw, nx, block, cont;
};

struct ptdump {
	struct ptdump_entry *entries;
	int nr;
};

int ptdump_parse(const char *text, struct ptdump *pt);
int ptdump_read(struct ptdump *pt);
void ptdump_free(struct ptdump *pt);

struct ptdump_coverage {
	uint64_t mapped;		/* bytes of the range that are mapped */
	uint64_t not_rw_nx;		/* mapped bytes that are not RW+NX */
	uint64_t pte, pmd, pud;		/* mapped bytes by leaf level */
};

void ptdump_cover(const struct ptdump *pt, uint64_t start, uint64_t end,
		  struct ptdump_coverage *c);
/* Mappings that are both writable and executable, anywhere. */
int ptdump_count_wx(const struct ptdump *pt, const struct ptdump_entry **first);

#endif
