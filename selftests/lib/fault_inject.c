// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "fault_inject.h"
#include "file_io.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

bool fault_notifier_available(void)
{
	return access(NOTIFIER_INJECT_DIR "/MEM_GOING_OFFLINE/error", W_OK) == 0;
}

int fault_notifier_set(const char *action, int err)
{
	char path[256], val[16];

	snprintf(path, sizeof(path), "%s/%s/error", NOTIFIER_INJECT_DIR, action);
	snprintf(val, sizeof(val), "%d", err ? -err : 0);
	return file_write_once(path, val);
}

bool fault_slab_available(void)
{
	return access(FAILSLAB_DIR "/probability", W_OK) == 0;
}

static int knob(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", FAILSLAB_DIR, name);
	return file_write_once(path, val);
}

int fault_slab_arm(unsigned long space)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "%lu", space);
	/* Sleeping allocations too: hot-add allocates with GFP_KERNEL. */
	ret = knob("ignore-gfp-wait", "N");
	ret = ret ?: knob("task-filter", "Y");
	ret = ret ?: knob("verbose", "0");
	ret = ret ?: knob("interval", "1");
	ret = ret ?: knob("space", buf);
	ret = ret ?: knob("times", "1");
	ret = ret ?: knob("probability", "100");
	ret = ret ?: file_write_once("/proc/self/make-it-fail", "1");
	return ret;
}

int fault_slab_disarm(void)
{
	int ret = -ENOMEM;

	/*
	 * A fault the code under test never reached is still armed, and the
	 * write that disarms it may be the allocation it fails: retry.
	 */
	for (int i = 0; i < 3 && ret == -ENOMEM; i++)
		ret = file_write_once("/proc/self/make-it-fail", "0");
	knob("probability", "0");
	knob("times", "0");
	return ret;
}
