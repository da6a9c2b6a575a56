// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "phys_ram.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"

/* A device-tree property: big-endian 32-bit cells. */
static int dt_read(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	return n < 0 ? -EIO : (int)n;
}

static uint64_t dt_cells(const uint8_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells * 4; i++)
		v = v << 8 | p[i];
	return v;
}

static int dt_cell_count(const char *dt_root, const char *prop, int fallback)
{
	char path[256];
	uint8_t buf[4];

	snprintf(path, sizeof(path), "%s/%s", dt_root, prop);
	if (dt_read(path, buf, sizeof(buf)) != 4)
		return fallback;
	return (int)dt_cells(buf, 1);
}

int phys_ram_firmware(const char *dt_root, struct phys_range *r, int max)
{
	int ac = dt_cell_count(dt_root, "#address-cells", 2);
	int sc = dt_cell_count(dt_root, "#size-cells", 1);
	DIR *d = opendir(dt_root);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -ENOENT;
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2) {
		closedir(d);
		return -EINVAL;
	}
	while ((e = readdir(d))) {
		char path[512], type[16] = "";
		uint8_t reg[256];
		int len;

		snprintf(path, sizeof(path), "%s/%s/device_type", dt_root, e->d_name);
		if (dt_read(path, (uint8_t *)type, sizeof(type) - 1) <= 0 || strcmp(type, "memory"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/reg", dt_root, e->d_name);
		len = dt_read(path, reg, sizeof(reg));
		for (int off = 0; len > 0 && off + (ac + sc) * 4 <= len && n < max;
		     off += (ac + sc) * 4) {
			r[n].start = dt_cells(reg + off, ac);
			r[n].end = r[n].start + dt_cells(reg + off + ac * 4, sc);
			n++;
		}
	}
	closedir(d);
	return n;
}

struct iomem_walk {
	uint64_t start, end;		/* [start, end) asked about */
	bool in_ram;			/* the last top-level entry is System RAM */
	int overlaps;			/* top-level entries, or children */
	bool children;			/* count children, not top-level entries */
	char *name;
	size_t len;
	struct phys_range *first;
};

/*
 * One line of /proc/iomem (without its newline): its depth (0 for a top
 * level entry, 2 for a child), its range, end exclusive, and its name.
 */
struct iomem_entry {
	int depth;
	uint64_t start, end;
	const char *name;
};

static bool iomem_parse_line(const char *line, struct iomem_entry *e)
{
	unsigned long long s, x;
	int depth = 0, used = 0;

	while (line[depth] == ' ')
		depth++;
	if (sscanf(line + depth, "%llx-%llx : %n", &s, &x, &used) != 2 || !used)
		return false;
	e->depth = depth;
	e->start = s;
	e->end = x + 1;
	e->name = line + depth + used;
	return true;
}

static void iomem_line(const char *line, void *arg)
{
	struct iomem_walk *w = arg;
	struct iomem_entry e;

	if (!iomem_parse_line(line, &e))
		return;
	if (e.depth == 0)
		w->in_ram = !strcmp(e.name, "System RAM");
	if (e.start >= w->end || e.end <= w->start)
		return;
	if (w->children ? e.depth == 2 && w->in_ram : e.depth == 0) {
		if (!w->overlaps++ && w->name) {
			snprintf(w->name, w->len, "%s", e.name);
			w->first->start = e.start;
			w->first->end = e.end;
		}
	}
}

int phys_ram_find_spare(const struct phys_range *fw, int nr_fw, const char *iomem,
			uint64_t align, uint64_t size, uint64_t *start)
{
	for (int i = 0; i < nr_fw; i++) {
		uint64_t s = (fw[i].start + align - 1) / align * align;

		for (; s + size <= fw[i].end; s += align) {
			struct iomem_walk w = { .start = s, .end = s + size };

			text_for_each_line(iomem, iomem_line, &w);
			if (!w.overlaps) {
				*start = s;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int phys_ram_iomem_children(const char *iomem, uint64_t start, uint64_t end,
			    char *name, size_t len, struct phys_range *first)
{
	struct iomem_walk w = {
		.start = start, .end = end, .children = true,
		.name = name, .len = len, .first = first,
	};

	text_for_each_line(iomem, iomem_line, &w);
	return w.overlaps;
}

struct holding_walk {
	const char *child;
	struct phys_range ram, *out_ram, *out_at;
	bool in_ram, found;
};

/* Counts the top-level System RAM entries that overlap the walk's range. */
static void ram_overlap_line(const char *line, void *arg)
{
	struct iomem_walk *w = arg;
	struct iomem_entry e;

	if (iomem_parse_line(line, &e) && e.depth == 0 && !strcmp(e.name, "System RAM") &&
	    e.start < w->end && e.end > w->start)
		w->overlaps++;
}

static void holding_line(const char *line, void *arg)
{
	struct holding_walk *w = arg;
	struct iomem_entry e;

	if (w->found || !iomem_parse_line(line, &e))
		return;
	if (e.depth == 0) {
		w->in_ram = !strcmp(e.name, "System RAM");
		w->ram.start = e.start;
		w->ram.end = e.end;
	} else if (e.depth == 2 && w->in_ram && !strcmp(e.name, w->child)) {
		w->found = true;
		*w->out_ram = w->ram;
		w->out_at->start = e.start;
		w->out_at->end = e.end;
	}
}

int phys_ram_holding(const char *iomem, const char *child, struct phys_range *ram,
		     struct phys_range *at)
{
	struct holding_walk w = { .child = child, .out_ram = ram, .out_at = at };

	text_for_each_line(iomem, holding_line, &w);
	return w.found ? 0 : -ENOENT;
}

bool phys_ram_system_ram_overlaps(const char *iomem, uint64_t start, uint64_t end)
{
	struct iomem_walk w = { .start = start, .end = end };

	/* Top-level entries that overlap, System RAM or not; keep the RAM. */
	text_for_each_line(iomem, ram_overlap_line, &w);
	return w.overlaps;
}
