// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "hibernate.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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
