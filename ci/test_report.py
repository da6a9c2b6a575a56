#!/usr/bin/python3
"""Regression tests of ci/report.py on consoles recorded from real guests
(fixtures/consoles; fixtures/consoles/README.md says how each was made).
Each case states the verdict a reader must get; every false pass the
report once gave has a case here. Prints TAP; exits 1 if any case fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONSOLES = os.path.join(HERE, "..", "fixtures", "consoles")
# console, boot status, plans, expected exit, texts the summary must contain
CASES = [
    ("passing.log", 0, "quick", 0,
     ["verdict: PASS with 1 expected skip", "19 passed, 0 failed, 1 skipped (1 expected, 0 unexpected)"]),
    ("crash-after-first-result.log", 0, "quick", 1,
     ["bootmem_cycle_test: runner says not ok (exit=139) after 1 of 4 results; "
      "last test started: bootmem.first_cycle_returns_boot_memmap_and_tables"]),
    ("short-plan.log", 0, "quick", 1,
     ["bootmem_cycle_test: short plan: announced 4 results, printed 3; "
      "last test started: bootmem.remove_unmaps_block_and_add_maps_it_rw_nx"]),
    ("timeout.log", 0, "quick", 1,
     ["bootmem_integrity_test: runner says not ok (TIMEOUT 900 seconds) after 0 of 1 results; "
      "last test started: integrity.data_survives_cycles_of_loaded_blocks"]),
    ("runner-not-ok-all-passed.log", 0, "quick", 1,
     ["bootmem_refusal_test: runner says not ok (exit=2) after 7 of 7 results"]),
    ("splat-with-hash.log", 0, "quick", 1,
     ["kernel splat(s), first during bootmem.later_cycles_have_zero_drift: "
      "[   61.204117] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP"]),
    ("result-with-hash.log", 0, "quick", 1,
     ["FAIL  refusal.garbage_writes_are_einval  (refusal.garbage_writes_are_einval # 12abc gave 0)",
      "18 passed, 1 failed"]),
    ("unexpected-skip.log", 0, "quick", 1,
     ["1 unexpected skip(s): fault.failed_going_offline_leaves_block_online_and_counters_exact "
      "(memory notifier error injection not loaded"]),
    ("lost-programs.log", 1, "quick", 1,
     ["the run announced 5 programs, the runner reported 2", "guest died before finishing"]),
    ("driver-insmod-failed.log", 0, "quick", 1,
     ["the test driver is in the image but failed to load"]),
    ("stock-refused.log", 0, "quick", 3,
     ["REFUSED: boot-memory offline refused (EPERM)"]),
    ("stock-refused-two-docs.log", 0, "quick", 1,
     ["2 KTAP documents on the console; a run prints one"]),
    # Recorded before a block-mapped refusal had to be verified against
    # ptdump: its tests skipped with EOPNOTSUPP, which the rodata-off plan
    # no longer accepts.
    ("rodata-off.log", 0, "quick,rodata-off", 1,
     ["PASS  refusal.block_mapped_linear_map_is_refused", "2 unexpected skip(s)"]),
    ("only-expected-skips.log", 0, "quick", 1,
     ["FAIL: nothing passed: all 1 test(s) skipped, though each skip was declared"]),
    ("rodata-off.log", 0, "quick", 1,
     ["2 unexpected skip(s)"]),
    ("output-lost.log", 0, "quick", 1, ["no per-test results on the console (output lost)"]),
    ("panic.log", 1, "quick", 1, ["Kernel panic"]),
    ("hang.log", 124, "quick", 1, ["guest hung: watchdog: console silent for 30s, guest killed"]),
    ("hang-during-test.log", 124, "quick", 1,
     ["guest hung: watchdog: console silent for 120s, guest killed during "
      "bootmem.first_cycle_returns_boot_memmap_and_tables"]),
    ("rodata-off-mixed.log", 0, "quick", 1, ["2 failed, 3 skipped (0 expected, 3 unexpected)"]),
]


def run_case(console, boot, plans):
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(CONSOLES, console), os.path.join(d, "console.log"))
        p = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), d,
                            "--boot-status", str(boot), "--plan", plans],
                           capture_output=True, text=True)
        verdict = {}
        if os.path.exists(os.path.join(d, "verdict.json")):
            with open(os.path.join(d, "verdict.json")) as f:
                verdict = json.load(f)
        return p, verdict


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (console, boot, plans, want_rc, want_texts) in enumerate(CASES, 1):
        p, verdict = run_case(console, boot, plans)
        missing = [t for t in want_texts if t not in p.stdout]
        ok = p.returncode == want_rc and verdict.get("exit") == want_rc and not missing
        if not ok:
            failed += 1
            print(f"# {console} ({plans}): exit {p.returncode} (want {want_rc}); "
                  f"missing {missing}; summary:")
            print("".join(f"#   {l}\n" for l in (p.stdout + p.stderr).splitlines()), end="")
        name = console.removesuffix(".log") + ("" if plans == "quick" else f"[{plans}]")
        print(f"{'ok' if ok else 'not ok'} {i} report.{name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
