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

/* Zeros, block by block: swapon refuses a file with holes. */
static int write_zeros(int fd, unsigned int mib)
{
	static char zeros[1 << 16];

	for (unsigned long i = 0; i < (unsigned long)mib << 4; i++)
		if (write(fd, zeros, sizeof(zeros)) != (ssize_t)sizeof(zeros))
			return errno ? -errno : -EIO;
	return fsync(fd) ? -errno : 0;
}

int hibernation_swap_file_on(const char *dir, unsigned int mib, char *path, size_t len)
{
	char cmd[512];
	int fd, ret;

	snprintf(path, len, "%s/bootmem-hibernate.swap", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_zeros(fd, mib);
	close(fd);
	if (!ret) {
		snprintf(cmd, sizeof(cmd), "mkswap '%s' >/dev/null", path);
		ret = system(cmd) ? -EIO : 0;
	}
	if (!ret && swapon(path, 0))
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

void hibernation_swap_file_off(const char *path)
{
	swapoff(path);
	unlink(path);
}
