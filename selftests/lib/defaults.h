/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a program does when nothing says otherwise: make run_tests on a
 * board, or a program started by hand. The environment overrides each
 * (BOOTMEM_CYCLES, BOOTMEM_STRESS_BOOT_BLOCKS; bootmem_stress's options),
 * and the harness always sets them from a plan.
 *
 * This file is the one place these numbers live: ci/plan.py reads these
 * lines for every plan of ci/plans.json that names a BOOTMEM_DEFAULT_*
 * constant instead of a number, so the plans and a board agree. One
 * "#define BOOTMEM_DEFAULT_NAME number" per line; plan.py refuses a file
 * where a constant a plan names is missing.
 */
#ifndef BOOTMEM_DEFAULTS_H
#define BOOTMEM_DEFAULTS_H

/* Offline, remove, add, online cycles of each block a cycle test takes. */
#define BOOTMEM_DEFAULT_CYCLES 3
/*
 * Seconds of the stress run: the main job's (./run.sh), and a board's.
 * Long enough that, under TCG, both boot blocks have their first removal
 * under pressure (within the first 15 s), the cyclers come round to every
 * block they hold (two cold runs of 7.2 on 2 cores, 2026-12-08: 34 and 83
 * cycles in 120 s; in the second, each of its 21 blocks had cycled by
 * 36 s) and fio verifies gigabytes (2841 and 3815 MiB); twice the CI
 * gate's 60 s. It was 180 s: the last minute added only more of the same
 * cycles to a first run, and a newcomer's verdict waits for it. Length is
 * what --soak is for.
 */
#define BOOTMEM_DEFAULT_STRESS_S 120
/* Memory the stress load keeps in use, in percent of MemTotal. */
#define BOOTMEM_DEFAULT_PRESSURE_PCT 80
/* The same for a soak, which runs for hours and cycles less often. */
#define BOOTMEM_DEFAULT_SOAK_PRESSURE_PCT 85
/*
 * Movable boot blocks the selftests leave alone, so that the stress run
 * removes boot memory for the first time under pressure.
 */
#define BOOTMEM_DEFAULT_STRESS_BOOT_BLOCKS 2

#endif
