// SPDX-License-Identifier: GPL-2.0
/*
 * Judging the tools on what they did, not their exit codes: stress-ng
 * exits 0 having done nothing, so every stressor must report bogo-ops and
 * no verification failure, and fio must have moved data and verified it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tool_verdicts.h"

/* The io_bytes of every job's @dir ("read", "write") section, summed. */
static uint64_t fio_bytes(const char *text, const char *dir)
{
	char key[32];
	uint64_t sum = 0;
	const char *p;

	snprintf(key, sizeof(key), "\"%s\" : {", dir);
	for (p = text; (p = strstr(p, key)); p++) {
		const char *b = strstr(p, "\"io_bytes\" : ");

		if (b)
			sum += strtoull(b + 13, NULL, 10);
	}
	return sum;
}

bool fio_verdict(const char *json, int status, bool interrupted, char *why, size_t len)
{
	unsigned long jobs = 0, failed = 0, ios = 0;
	uint64_t written, verified;
	const char *p;

	if (!json) {
		snprintf(why, len, "no fio log");
		return false;
	}
	/* Each job's "error" is its errno (84, EILSEQ, for a verify mismatch), or 0. */
	for (p = json; (p = strstr(p, "\"error\" : ")); p++) {
		jobs++;
		failed += strtoul(p + 10, NULL, 10) != 0;
	}
	for (p = json; (p = strstr(p, "\"total_ios\" : ")); p++)
		ios += strtoul(p + 14, NULL, 10);
	written = fio_bytes(json, "write");
	verified = fio_bytes(json, "read");
	if (!WIFEXITED(status) || failed ||
	    (WEXITSTATUS(status) && !(interrupted && WEXITSTATUS(status) == FIO_EXIT_INTERRUPTED))) {
		snprintf(why, len, "fio %s %d, %lu of %lu jobs failed (verify=crc32c)",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), failed, jobs);
		return false;
	}
	if (!ios || !written) {
		snprintf(why, len, "fio did no I/O");
		return false;
	}
	if (!verified) {
		snprintf(why, len, "fio wrote %" PRIu64 " MiB and verified none of it", written >> 20);
		return false;
	}
	snprintf(why, len, "fio wrote %" PRIu64 " MiB and read back and verified %" PRIu64
		 " MiB (crc32c)", written >> 20, verified >> 20);
	return true;
}

bool stress_ng_verdict(int node, const char *log, const char *yaml, int status,
		       char *why, size_t len)
{
	char idle_names[128] = "";
	int stressors = 0, idle = 0;
	const char *p;

	if (!log || !yaml) {
		snprintf(why, len, "node %d: stress-ng left no %s", node, log ? "YAML metrics" : "log");
		return false;
	}
	p = strstr(log, "fail:");
	if (p) {
		snprintf(why, len, "node %d: stress-ng reported %.160s", node, p);
		return false;
	}
	/* "- stressor: vm" ... "bogo-ops: 1234" */
	for (p = yaml; (p = strstr(p, "stressor: ")); p++) {
		char name[32] = "?";
		const char *ops = strstr(p, "bogo-ops: ");

		sscanf(p + 10, "%31s", name);
		if (!ops)
			break;
		stressors++;
		if (strtoull(ops + 10, NULL, 10) == 0) {
			idle++;
			snprintf(idle_names + strlen(idle_names), sizeof(idle_names) - strlen(idle_names),
				 " %s", name);
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, len, "node %d: stress-ng %s %d", node,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return false;
	}
	if (!stressors || idle) {
		snprintf(why, len, "node %d: %d of %d stressors did no work (bogo-ops 0):%s",
			 node, idle, stressors, idle_names);
		return false;
	}
	snprintf(why, len, "%d stressors per node did work, none failed verification", stressors);
	return true;
}
