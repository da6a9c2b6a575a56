#!/usr/bin/python3
"""Regression tests of ci/report.py on consoles recorded from real guests
(fixtures/consoles; fixtures/consoles/README.md says how each was made).
Each case states the verdict a reader must get; every false pass the
report once gave has a case here. Each passes what the harness had asked
the recorded run for (--programs), as run.sh does: the report takes what a
run meant to run from the harness, never from the console. Prints TAP;
exits 1 if any case fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONSOLES = os.path.join(HERE, "..", "fixtures", "consoles")

# What the harness asked the recorded runs for, as each console's command
# line and "# selftests:" lines show. passing.log, the consoles made from it
# and the stock runs: bh_tests=all when selftests/Makefile listed these four
# programs, and bh_stress=60; panic.log and hang.log: the four, no stress.
SUITE_THEN = "bootmem_refusal_test,bootmem_fault_test,bootmem_integrity_test,bootmem_cycle_test"
RECORDED = SUITE_THEN + ",bootmem_stress"
# output-lost.log: bh_tests=all, no stress, from an earlier suite of three.
OLDER_SUITE = "bootmem_cycle_test,bootmem_integrity_test,bootmem_refusal_test"


class RunTxt(str):
    """No --programs: the report reads this as RESULTS_DIR/run.txt."""


class Only(str):
    """--programs, and --only-tests ONLY (run.sh --only-test)."""
    def __new__(cls, programs, only):
        s = super().__new__(cls, programs)
        s.only = only
        return s


def splat(console, line):
    """A kernel report edited into passing.log's
    bootmem.later_cycles_have_zero_drift (fixtures/consoles/README.md)."""
    return (console, 0, "quick", RECORDED, 1,
            ["1 kernel splat(s), first during bootmem.later_cycles_have_zero_drift: " + line]
            if not isinstance(line, tuple) else
            [f"{line[0]} kernel splat(s), first during bootmem.later_cycles_have_zero_drift: "
             + line[1]])


# console, boot status, plans, programs meant to run (--programs; None: no
# --programs and no run.txt; RunTxt: run.txt instead), expected exit, texts
# the summary (stderr, for exit 2) must contain, and a name for a console
# that has more than one case
CASES = [
    ("passing.log", 0, "quick", RECORDED, 0,
     ["verdict: PASS with 1 expected skip", "19 passed, 0 failed, 1 skipped (1 expected, 0 unexpected)"]),
    ("crash-after-first-result.log", 0, "quick", RECORDED, 1,
     ["bootmem_cycle_test: runner says not ok (exit=139) after 1 of 4 results; "
      "last test started: bootmem.first_cycle_returns_boot_memmap_and_tables"]),
    ("short-plan.log", 0, "quick", RECORDED, 1,
     ["bootmem_cycle_test: short plan: announced 4 results, printed 3; "
      "last test started: bootmem.remove_unmaps_block_and_add_maps_it_rw_nx"]),
    ("timeout.log", 0, "quick", RECORDED, 1,
     ["bootmem_integrity_test: runner says not ok (TIMEOUT 900 seconds) after 0 of 1 results; "
      "last test started: integrity.data_survives_cycles_of_loaded_blocks"]),
    # A metric key the C renamed: the report names it, never a traceback.
    ("metric-key-renamed.log", 0, "quick", RECORDED, 2,
     ["report.py: console.log:82: a 'phase' record has no 'ms', which "
      "selftests/lib/protocol.def says it always has"]),
    # The boot-block budget (ci/plans.json): a program the guest could not
    # give its blocks fails at setup, naming the budget; one that took more
    # than its budget fails the run at the culprit.
    ("budget-starved.log", 0, "quick", RECORDED, 1,
     ["verdict: FAIL: bootmem_cycle_test: starved at setup: boot-block budget: needs 3 movable "
      "boot blocks and 2 for the stress run, the guest has 4"]),
    ("over-budget.log", 0, "quick", RECORDED, 1,
     ["verdict: FAIL: over budget: bootmem_integrity_test consumed 9 movable boot blocks, "
      "its budget is 4"]),
    # The kdump plan crashes the guest on purpose after the plan: the panic
    # between /init's marker and the crash kernel's first line is the
    # plan's. The same crash without the marker is a splat.
    ("kdump-crash-on-purpose.log", 0, "quick,kdump", "bootmem_kexec_test", 0,
     ["verdict: PASS with 1 expected skip", "9 passed, 0 failed, 1 skipped"]),
    ("kdump-crash-unannounced.log", 0, "quick,kdump", "bootmem_kexec_test", 1,
     ["verdict: FAIL: 1 kernel splat(s), first during bootmem_kexec_test: "
      "[    7.973876] Kernel panic - not syncing: sysrq triggered crash"]),
    # The window ends where the crash kernel's clock starts again: its own
    # splats count. And an announced crash must be sysrq's panic.
    ("kdump-crash-kernel-splats.log", 0, "quick,kdump", "bootmem_kexec_test", 1,
     ["verdict: FAIL: 1 kernel splat(s), first during bootmem_kexec_test: "
      "[    0.301122] WARNING: CPU: 0 PID: 1 at mm/memblock.c:1400"]),
    ("kdump-crash-without-panic.log", 0, "quick,kdump", "bootmem_kexec_test", 1,
     ["verdict: FAIL: the kdump plan announced a crash, and no sysrq panic followed it"]),
    # 0008 without its check, with a swap device on: "disk" is accepted,
    # the guest writes its image and powers off in the middle of the test.
    ("hibernation-accepted-powers-off.log", 0, "quick", "bootmem_kexec_test,bootmem_stress", 1,
     ["guest died before finishing during kexec.hibernation_to_swap_refused_while_boot_block_offline"]),
    ("runner-not-ok-all-passed.log", 0, "quick", RECORDED, 1,
     ["bootmem_refusal_test: runner says not ok (exit=2) after 7 of 7 results"]),
    ("splat-with-hash.log", 0, "quick", RECORDED, 1,
     ["kernel splat(s), first during bootmem.later_cycles_have_zero_drift: "
      "[   61.204117] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP"]),
    ("result-with-hash.log", 0, "quick", RECORDED, 1,
     ["FAIL  refusal.garbage_writes_are_einval  (refusal.garbage_writes_are_einval # 12abc gave 0)",
      "18 passed, 1 failed"]),
    ("unexpected-skip.log", 0, "quick", RECORDED, 1,
     ["1 unexpected skip(s): fault.failed_going_offline_leaves_block_online_and_counters_exact "
      "(memory notifier error injection not loaded"]),
    ("lost-programs.log", 1, "quick", RECORDED, 1,
     ["the run announced 5 programs, the runner reported 2", "guest died before finishing",
      "bootmem_integrity_test: meant to run, never started",
      "bootmem_stress: meant to run, never started"]),
    ("driver-insmod-failed.log", 0, "quick", RECORDED, 1,
     ["the test driver is in the image but failed to load"]),
    ("stock-refused.log", 0, "quick", RECORDED, 3,
     ["REFUSED: boot-memory offline refused (EPERM)"]),
    ("stock-refused-two-docs.log", 0, "quick", RECORDED, 1,
     ["2 KTAP documents on the console; a run prints one"]),
    # Recorded before a block-mapped refusal had to be verified against
    # ptdump: its tests skipped with EOPNOTSUPP, which the rodata-off plan
    # no longer accepts.
    ("rodata-off.log", 0, "quick,rodata-off", "bootmem_refusal_test", 1,
     ["PASS  refusal.block_mapped_linear_map_is_refused", "2 unexpected skip(s)"]),
    ("only-expected-skips.log", 0, "quick", "bootmem_refusal_test", 1,
     ["FAIL: nothing passed: all 1 test(s) skipped, though each skip was declared"]),
    ("rodata-off.log", 0, "quick", "bootmem_refusal_test", 1,
     ["2 unexpected skip(s)"]),
    # make check of 2026-12-08: every program passed, and the log had no
    # DONE (boot-guest.sh read it before tee had written the end): no test
    # is named, as none was running, and the run is no pass.
    ("done-lost.log", 1, "quick", RECORDED, 1,
     ["FAIL: guest died before finishing\n"]),
    ("output-lost.log", 0, "quick", OLDER_SUITE, 1,
     ["no per-test results on the console (output lost)"]),
    ("panic.log", 1, "quick", SUITE_THEN, 1,
     ["Kernel panic", "bootmem_refusal_test: meant to run, never started"]),
    ("hang.log", 124, "quick", SUITE_THEN, 1,
     ["guest hung: watchdog: console silent for 30s, guest killed"]),
    ("hang-during-test.log", 124, "quick", RECORDED, 1,
     ["guest hung: watchdog: console silent for 120s, guest killed during "
      "bootmem.first_cycle_returns_boot_memmap_and_tables"]),
    ("rodata-off-mixed.log", 0, "quick", "bootmem_refusal_test,bootmem_cycle_test", 1,
     ["2 failed, 3 skipped (0 expected, 3 unexpected)"]),
    # A whole program gone, the plan line and the runner's numbers made to
    # agree: only the list the harness meant to run can tell.
    ("program-vanished.log", 0, "quick", RECORDED, 1,
     ["bootmem_fault_test: meant to run, never started",
      "verdict: FAIL: bootmem_fault_test: meant to run, never started"]),
    ("passing.log", 0, "quick", SUITE_THEN, 1,
     ["bootmem_stress: ran a program the run did not ask for"], "unasked-program"),
    ("passing.log", 0, "quick", RunTxt("plan: quick\nprograms: " + RECORDED.replace(",", " ") + "\n"),
     0, ["verdict: PASS with 1 expected skip"], "programs-from-run-txt"),
    ("passing.log", 0, "quick", None, 2,
     ["no --programs and no 'programs:' line", "does not judge"], "no-programs"),
    ("passing.log", 0, "quick", "none", 2, ["an empty list of programs"], "programs-none"),
    ("passing.log", 0, "quick", RunTxt("plan: quick\nprograms: \n"), 2,
     ["an empty list of programs"], "run-txt-programs-empty"),
    # run.sh --only-test: every named test has a result, or a misspelt
    # name would pass as a run that filtered its program down to nothing.
    ("passing.log", 0, "quick", Only(RECORDED, "bootmem.later_cycles_have_zero_drift"), 0,
     ["verdict: PASS with 1 expected skip"], "only-test-ran"),
    ("passing.log", 0, "quick", Only(RECORDED, "bootmem.later_cycles_have_zero_drift,bootmem.no_such"), 1,
     ["--only-test bootmem.no_such: no such test ran"], "only-test-not-run"),
    # A real kernel BUG mid-stress, then the panic: the stress program never
    # reports, and the verdict names the BUG and where it struck.
    ("kernel-bug-during-stress.log", 1, "quick",
     "bootmem_iomem_test,bootmem_refusal_test,bootmem_kexec_test,bootmem_fault_test,"
     "bootmem_integrity_test,bootmem_cycle_test,bootmem_stress", 1,
     ["verdict: FAIL: 3 kernel splat(s), first during bootmem_stress: "
      "[  136.745909] kernel BUG at mm/page_alloc.c:5504!",
      "bootmem_stress: no result from the runner"]),
    # Each family of kernel report the list names, in a real test.
    splat("splat-rcu-stall.log", "[   61.204117] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"),
    splat("splat-rcu-self-stall.log", "[   61.204117] rcu: INFO: rcu_preempt self-detected stall on CPU"),
    splat("splat-hard-lockup.log", "[   61.204117] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1"),
    splat("splat-soft-lockup.log",
          "[   61.204117] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [bootmem_cycle_t:187]"),
    splat("splat-ubsan.log",
          "[   61.204230] UBSAN: array-index-out-of-bounds in mm/memory_hotplug.c:1758:37"),
    # The WARN's "WARNING:" line is the second splat of the same report.
    splat("splat-list-corruption.log",
          ("2", "[   61.204230] list_del corruption. prev->next should be fffffc0004a2d148, "
                "but was dead000000000100. (prev=fffffc0004a2d108)")),
    splat("splat-refcount.log", ("2", "[   61.204230] refcount_t: underflow; use-after-free.")),
    splat("splat-hung-task.log",
          ("2", "[   61.204117] INFO: task bootmem_cycle_t:187 blocked for more than 61 seconds.")),
    splat("splat-page-alloc-failure.log",
          "[   61.204117] bootmem_cycle_t: page allocation failure: order:0, "
          "mode:0x144cca(GFP_HIGHUSER_MOVABLE|__GFP_RETRY_MAYFAIL|__GFP_COMP), nodemask=0"),
]


def run_case(console, boot, plans, programs):
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(CONSOLES, console), os.path.join(d, "console.log"))
        args = [sys.executable, os.path.join(HERE, "report.py"), d,
                "--boot-status", str(boot), "--plan", plans]
        if isinstance(programs, RunTxt):
            with open(os.path.join(d, "run.txt"), "w") as f:
                f.write(programs)
        elif programs is not None:
            args += ["--programs", programs]
        if isinstance(programs, Only):
            args += ["--only-tests", programs.only]
        p = subprocess.run(args, capture_output=True, text=True)
        verdict = {}
        if os.path.exists(os.path.join(d, "verdict.json")):
            with open(os.path.join(d, "verdict.json")) as f:
                verdict = json.load(f)
        return p, verdict


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (console, boot, plans, programs, want_rc, want_texts, *tag) in enumerate(CASES, 1):
        p, verdict = run_case(console, boot, plans, programs)
        # A usage error judges nothing: its reason on stderr, no verdict.
        said = p.stderr if want_rc == 2 else p.stdout
        missing = [t for t in want_texts if t not in said]
        ok = (p.returncode == want_rc and not missing and
              (verdict == {} if want_rc == 2 else verdict.get("exit") == want_rc))
        if want_rc != 2:
            # The verdict records the list it held the console to.
            meant = (next(l.split()[1:] for l in programs.splitlines() if l.startswith("programs:"))
                     if isinstance(programs, RunTxt) else programs.split(","))
            ok = ok and verdict.get("intended_programs") == meant
        if not ok:
            failed += 1
            print(f"# {console} ({plans}): exit {p.returncode} (want {want_rc}); "
                  f"missing {missing}; summary:")
            print("".join(f"#   {l}\n" for l in (p.stdout + p.stderr).splitlines()), end="")
        name = (console.removesuffix(".log") + ("" if plans == "quick" else f"[{plans}]") +
                (f".{tag[0]}" if tag else ""))
        print(f"{'ok' if ok else 'not ok'} {i} report.{name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
