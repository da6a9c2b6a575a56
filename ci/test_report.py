#!/usr/bin/python3
"""Regression tests of ci/report.py on consoles recorded from real guests
(fixtures/consoles). Each case states the verdict a reader must get; the
first two are bugs the report once had. Prints TAP."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONSOLES = os.path.join(HERE, "..", "fixtures", "consoles")
CASES = [
    # console, boot status, expected exit, text the summary must contain
    ("stock-refused.log", 0, 3, "REFUSED: boot-memory offline refused (EPERM)"),
    ("output-lost.log", 0, 1, "no per-test results on the console"),
    ("panic.log", 1, 1, "Kernel panic"),
    ("hang.log", 124, 1, "guest hung"),
    ("rodata-off-mixed.log", 0, 1, "2 failed, 3 skipped"),
]


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (console, boot, want_rc, want_text) in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(os.path.join(CONSOLES, console), os.path.join(d, "console.log"))
            p = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), d,
                                "--boot-status", str(boot)], capture_output=True, text=True)
            ok = p.returncode == want_rc and want_text in p.stdout
            if not ok:
                failed += 1
                print(f"# {console}: exit {p.returncode} (want {want_rc}); summary:")
                print("".join(f"#   {l}\n" for l in p.stdout.splitlines()), end="")
            print(f"{'ok' if ok else 'not ok'} {i} report.{console.removesuffix('.log')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
