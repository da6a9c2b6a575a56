#!/usr/bin/python3
"""Does the kernel's own KTAP parser read a run's results.ktap as we do?

    kunit_parse_check.py RESULTS_DIR KSRC

Runs KSRC/tools/testing/kunit/kunit.py parse --json on RESULTS_DIR's
results.ktap and requires that it counts every program the run's
verdict.json lists (the stress driver included: one KTAP document), each
with the result the kernel's runner printed for it. Exit 0 when it does,
1 when it does not, 2 on a usage error.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

RUNNER_TO_KUNIT = {("ok", ""): "PASS", ("ok", "SKIP"): "SKIPPED"}


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    # kunit.py changes into the kernel tree: every path must be absolute.
    rdir, ksrc = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    kunit = ksrc / "tools/testing/kunit/kunit.py"
    if not kunit.is_file() or not (rdir / "verdict.json").is_file():
        print(f"kunit_parse_check.py: need {kunit} and {rdir}/verdict.json", file=sys.stderr)
        return 2
    programs = json.loads((rdir / "verdict.json").read_text())["programs"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "kunit.json"
        p = subprocess.run([sys.executable, str(kunit), "parse", f"--json={out}",
                            str(rdir / "results.ktap")], capture_output=True, text=True)
        print("\n".join("# " + l for l in (p.stdout + p.stderr).splitlines()))
        if not out.is_file():
            print("kunit.py parse wrote no JSON")
            return 1
        cases = json.loads(out.read_text())["test_cases"]
    got = {c["name"].split(": ")[-1]: c["status"] for c in cases}
    bad = []
    if len(cases) != len(programs):
        bad.append(f"kunit.py counted {len(cases)} programs, the run has {len(programs)}")
    for prog in programs:
        want = RUNNER_TO_KUNIT.get((prog["runner"], prog["directive"] or ""), "FAIL")
        if got.get(prog["name"]) != want:
            bad.append(f"{prog['name']}: kunit.py says {got.get(prog['name'], 'nothing')}, "
                       f"the runner said {prog['runner']} {prog['directive'] or ''}".strip())
    for b in bad:
        print(b)
    if not bad:
        print(f"kunit.py parse counts all {len(programs)} programs, each with the runner's result")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
