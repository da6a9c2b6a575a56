// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "hibernate.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

bool hibernation_offered(void)
{
	char *states = file_read_all("/sys/power/state");
	bool disk = states && strstr(states, "disk");

	free(states);
	return disk;
}

int hibernation_prepare(void)
{
	int fd = open("/dev/snapshot", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int hibernation_request(void)
{
	int fd = open("/sys/power/state", O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "disk", 4) != 4)
		ret = -errno;
	close(fd);
	return ret;
}

/* Does @dev start with a swap header made for 4K pages or for ours? */
static bool has_swap_signature(const char *dev)
{
	long sizes[] = { 4096, sysconf(_SC_PAGESIZE) };
	char sig[10];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	bool found = false;

	if (fd < 0)
		return false;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !found; i++)
		found = pread(fd, sig, sizeof(sig), sizes[i] - (long)sizeof(sig)) == (ssize_t)sizeof(sig) &&
			!memcmp(sig, "SWAPSPACE2", sizeof(sig));
	close(fd);
	return found;
}

int hibernation_swap_on(char *dev, size_t len, bool *made)
{
	char *swaps = file_read_all("/proc/swaps"), cmd[128];
	const char *line = swaps ? strchr(swaps, '\n') : NULL;
	int ret;

	*made = false;
	/* A swap already on (a board's): the image would go there. */
	if (line && line[1] && sscanf(line + 1, "%127s", cmd) == 1) {
		snprintf(dev, len, "%s", cmd);
		free(swaps);
		return 0;
	}
	free(swaps);
	for (char c = 'a'; c <= 'z'; c++) {
		snprintf(dev, len, "/dev/vd%c", c);
		if (access(dev, F_OK))
			break;
		if (!has_swap_signature(dev))
			continue;
		/* Made again for this kernel's page size (16K and 64K guests). */
		snprintf(cmd, sizeof(cmd), "mkswap '%s' >/dev/null", dev);
		if (system(cmd))
			return -EIO;
		ret = swapon(dev, 0) ? -errno : 0;
		*made = !ret;
		return ret;
	}
	return -ENODEV;
}

void hibernation_swap_off(const char *dev, bool made)
{
	if (made)
		swapoff(dev);
}
