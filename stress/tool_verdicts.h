/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdicts on what stress-ng and fio say about their own run, from
 * their output's text and their wait status: load.c reads the files and
 * waits for the tools; these judge. Apart, so that host unit tests can
 * hold them to output recorded from the real tools (fixtures/tool-output).
 */
#ifndef BOOTMEM_STRESS_TOOL_VERDICTS_H
#define BOOTMEM_STRESS_TOOL_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>

/* fio's exit value when a SIGINT stopped it: its sig_int() (backend.c) sets it. */
#define FIO_EXIT_INTERRUPTED 128

/*
 * fio, from its --output-format=json text @json (NULL: none) and wait
 * @status: no job errors, data written, and read back and verified. A fio
 * the load @interrupted may exit FIO_EXIT_INTERRUPTED, and only then; a
 * verify failure is still a job error in its JSON. @why says what was
 * found either way.
 */
bool fio_verdict(const char *json, int status, bool interrupted, char *why, size_t len);

/*
 * stress-ng on @node, from its log @log and --yaml metrics @yaml (NULL:
 * none) and wait @status: exit 0, no verification failure in the log, and
 * every stressor did work (bogo-ops > 0).
 */
bool stress_ng_verdict(int node, const char *log, const char *yaml, int status,
		       char *why, size_t len);

#endif
