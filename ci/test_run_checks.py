#!/usr/bin/python3
"""Regression tests of make check's judge (ci/run_checks.py): a run
scenario must fail on the wrong exit code, a must-pass test that did not
pass, a must-fail test that did not fail, and evidence that is missing;
and checks.json may not name a test a mutant's Tests: header does not.
Each case builds a results directory the way report.py writes one (the
metrics records through the same keys ci/protocol.py reads) and fakes
run.sh, so no guest runs. TAP on stdout; exit 1 when a case fails.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_checks  # noqa: E402


class Quiet(run_checks.Runner):
    def ok(self, what):
        self.passed += 1
        self.last = ("PASS", what)

    def fail(self, what):
        self.failed += 1
        self.failures.append(what)
        self.last = ("FAIL", what)

    def skip(self, what):
        pass


def judged(scenario, rc, results, console="", verdict="PASS", inspect=None):
    """Run one scenario against a fake run.sh that leaves this results
    directory and exits rc; returns (passed, failed, last message), or
    what INSPECT(runner, cache) returns. A failed run is kept in a cache
    of the case's own."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        os.environ["BOOTMEM_CACHE"] = cache
        rdir = Path(tmp)
        with open(rdir / "metrics.jsonl", "w") as f:
            for test, status in results.items():
                f.write(json.dumps({"kind": "result", "program": "p", "test": test, "status": status,
                                    "expected": None, "reason": ""}) + "\n")
        (rdir / "console.log").write_text(console)
        (rdir / "verdict.json").write_text(json.dumps({"verdict": verdict}))
        r = Quiet()
        checks = run_checks.Checks(r, run_checks.kernel_table.load(), {})
        checks.run_cmd = lambda cmd, logfile, stream=False: rc
        orig = run_checks.REPO
        try:
            # The scenario's results directory is this one.
            run_checks.REPO = rdir
            (rdir / "results").mkdir()
            (rdir / "results" / f"check-{scenario['name']}").symlink_to(rdir)
            (rdir / run_checks.LOG).mkdir(parents=True)
            (rdir / "fixtures").symlink_to(orig / "fixtures")
            checks.run(scenario, {})
        finally:
            run_checks.REPO = orig
        return inspect(r, Path(cache)) if inspect else (r.passed, r.failed, r.last)


def a_failed_run_is_kept_and_its_console_end_shown():
    """CI deletes the clone, and its log keeps only the end of make check's
    output: a failed run's results are copied into the cache, and the
    summary shows where, with the last lines of its console."""
    import contextlib
    import io
    console = "".join(f"console line {i}\n" for i in range(1, 41))

    def inspect(r, cache):
        kept = list((cache / "failed-runs").glob("*-case"))
        whole = bool(kept) and (kept[0] / "console.log").read_text() == console
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            r.finish()
        return whole, out.getvalue()
    whole, summary = judged(BASE, 1, GOOD["results"], console, inspect=inspect)
    last = run_checks.EVIDENCE_LINES
    shown = f"console of check-case, last lines" in summary and f"| console line 40" in summary \
        and f"| console line {40 - last + 1}\n" in summary and f"| console line {40 - last}\n" not in summary
    return whole and shown and -1 < summary.find("console of") < summary.find("failed: "), \
        f"kept whole: {whole}; summary: {summary[-400:]!r}"


BASE = {"kind": "run", "name": "case", "title": "t", "args": [], "exit": 0,
        "must_pass": ["a.x"], "must_fail": ["a.y"],
        "evidence": [{"in": "console", "re": "CPUs watched, [0-9]+ read it", "as": "w"}], "say": "ok {w}"}
GOOD = {"rc": 0, "results": {"a.x": "pass", "a.y": "fail"}, "console": "4 CPUs watched, 4 read it\n"}

CASES = [
    ("judge_passes_a_scenario_that_holds", {}, (1, 0)),
    ("judge_fails_the_wrong_exit_code", {"rc": 1}, (0, 1)),
    ("judge_fails_a_must_pass_test_that_skipped", {"results": {"a.x": "skip", "a.y": "fail"}}, (0, 1)),
    ("judge_fails_a_must_pass_test_with_no_result", {"results": {"a.y": "fail"}}, (0, 1)),
    ("judge_fails_a_must_fail_test_that_passed", {"results": {"a.x": "pass", "a.y": "pass"}}, (0, 1)),
    ("judge_fails_missing_console_evidence", {"console": "4 CPUs watched\n"}, (0, 1)),
]
# A run that counts its tests must have some: exit 0 and no records (a
# report that never ran) is no pass.
COUNTED = {**BASE, "count": "metrics", "must_pass": [], "must_fail": []}


def check_scenario(name):
    """A scenario of ci/checks.json, by name, as make check loads it."""
    return next(c for c, row in run_checks.load_checks(False, run_checks.kernel_table.load())
                if run_checks.fill(c.get("name", ""), row) == name)


def reported(console_name, boot_status, plan, programs):
    """What ci/report.py makes of a recorded console: (results, verdict)."""
    with tempfile.TemporaryDirectory() as tmp:
        rdir = Path(tmp)
        (rdir / "console.log").write_text(
            (run_checks.REPO / "fixtures" / "consoles" / console_name).read_text())
        subprocess.run(["/usr/bin/python3", str(run_checks.REPO / "ci" / "report.py"), str(rdir),
                        "--boot-status", str(boot_status), "--plan", plan,
                        "--programs", programs], stdout=subprocess.DEVNULL, check=False)
        results = {}
        for line in (rdir / "metrics.jsonl").read_text().splitlines():
            rec = json.loads(line)
            if rec.get("kind") == "result":
                results[rec["test"]] = rec["status"]
        return results, json.loads((rdir / "verdict.json").read_text())["verdict"], \
            (rdir / "console.log").read_text()


# The stock x86-64 kernel with a 1 GiB direct map (x86-gbpages) must fail
# with the bug's evidence: recorded consoles of the ways it goes down.
GBPAGES = "quick,x86_64,x86-nokaslr,x86-gbpages"
GBPAGES_CASES = [
    # a real run: the oops printed, then the guest hung printing its trace
    ("x86_gbpages_oops_that_then_hangs_is_the_bug", "x86-gbpages-oops-hangs.log", None, (1, 0)),
    # the same, ended by boot-guest.sh's dying rule 30 s after the oops
    ("x86_gbpages_oops_then_dying_silence_is_the_bug", "x86-gbpages-oops-dying-silence.log", None, (1, 0)),
    # the CI run of 2026-12-06: silent from the removal on
    ("x86_gbpages_silent_hang_in_a_removal_is_the_bug", "x86-gbpages-silent-hang.log", None, (1, 0)),
    # a real run with the 7G guest: the add after the removal finds the GiB's
    # 1 GiB page still in place (phys_pud_init warns), then a fault with PMD 0
    ("x86_gbpages_add_over_a_kept_1g_page_is_the_bug", "x86-gbpages-add-over-kept-1g-page.log", None, (1, 0)),
    # the same silence with no test running (at boot, between tests) proves nothing
    ("x86_gbpages_silent_hang_outside_a_test_is_not_the_bug", "x86-gbpages-silent-hang.log",
     ("guest killed during bootmem.first_cycle_returns_boot_memmap_and_tables", "guest killed"), (0, 1)),
    # make check of 2026-12-07: QEMU ended the guest without a word during
    # the first removal (a reset under -no-reboot), no watchdog line
    ("x86_gbpages_silent_death_in_a_removal_is_the_bug", "x86-gbpages-silent-death.log", None, (1, 0), 0),
    # the same death with no test running proves nothing
    ("x86_gbpages_silent_death_outside_a_test_is_not_the_bug", "x86-gbpages-silent-death.log",
     ("finishing during bootmem.first_cycle_returns_boot_memmap_and_tables", "finishing"), (0, 1), 0),
]


def side_by_side_output_is_whole_and_a_crash_fails():
    """make check-fast runs its checks side by side: each check's lines
    come out together, in check order, the counts add up, and a check
    that crashes is a failure, not a silence."""
    import io
    import time

    def fake(tag, pause):
        def kind(self, c, v):
            print(f"{tag}1")
            time.sleep(pause)
            print(f"{tag}2")
            self.r.ok(tag)
        return kind

    def crash(self, c, v):
        raise RuntimeError("boom")
    table = run_checks.kernel_table.load()
    row = {"kernel": run_checks.kernel_table.default(table)}
    kinds = {"fake_a": fake("A", 0.3), "fake_b": fake("B", 0.1), "fake_crash": crash}
    for k, fn in kinds.items():
        setattr(run_checks.Checks, k, fn)
    side = [({"kind": k, "name": k, "title": k, "list": "fast"}, row) for k in kinds]
    runner, out, saved = run_checks.Runner(), io.StringIO(), sys.stdout
    try:
        sys.stdout = out
        run_checks.run_side_by_side(side, runner, table, {row["kernel"]: "/nonexistent"}, 2, "checks")
    finally:
        sys.stdout = saved
        for k in kinds:
            delattr(run_checks.Checks, k)
    text = out.getvalue()
    whole = "A1\nA2\nPASS  A\nB1\nB2\nPASS  B\n" in text
    good = whole and (runner.passed, runner.failed) == (2, 1) and "crashed" in runner.failures[0]
    return good, f"{runner.passed} passed, {runner.failed} failed; output {text[:120]!r}"


def guest_runs_share_the_host_only_where_allowed():
    """Guest runs go two at a time, in order; a run marked alone, or a
    check that is not a run (kunit-parse reads the run before it), waits
    for every run before it and runs by itself, unless it is marked
    pairable. With one lane, each check is its own group."""
    def c(name, kind="run", **kw):
        return ({"kind": kind, "name": name, **kw}, {})
    checks = [c("a"), c("b"), c("lava", "command", pairable=True), c("c"), c("parse", "command"), c("d"),
              c("lend", alone=True), c("e"), c("f")]
    got = [[x["name"] for x, _ in g] for g in run_checks.guest_groups(checks, 2)]
    want = [["a", "b", "lava", "c"], ["parse"], ["d"], ["lend"], ["e", "f"]]
    one = [[x["name"] for x, _ in g] for g in run_checks.guest_groups(checks, 1)]
    good = got == want and one == [[x["name"]] for x, _ in checks]
    # The real table: what reads a run's results is no run, and a lending run is alone.
    data = json.loads((run_checks.REPO / "ci/checks.json").read_text())
    real = {x["name"]: x for x in data["guest"]}
    good = good and real["kunit-parse"]["kind"] != "run" and all(
        x.get("alone") for n, x in real.items() if "--lending" in x.get("args", []))
    return good, f"groups {got}, with one lane {one}"


def main():
    n = len(CASES) + 4
    total = n + len(GBPAGES_CASES) + 3
    print("TAP version 13")
    print(f"1..{total}")
    bad = 0
    for i, (name, change, want) in enumerate(CASES, 1):
        a = {**GOOD, **change}
        passed, failed, last = judged(BASE, a["rc"], a["results"], a["console"])
        good = (passed, failed) == want
        bad += not good
        print(f"{'ok' if good else 'not ok'} {i} run_checks.{name}" + ("" if good else f" # got {last}"))
    passed, failed, last = judged(COUNTED, 0, {}, GOOD["console"])
    good = (passed, failed) == (0, 1) and "no result records" in last[1]
    bad += not good
    print(f"{'ok' if good else 'not ok'} {n - 3} run_checks.judge_fails_a_counted_run_with_no_results")
    # An any-group holds when one branch does; all needs every one.
    found = {}
    src = {"console": "RIP: 0010:foo\nPGD 1 P4D 2 PUD 0\n"}
    grp = {"any": [{"in": "console", "re": "RIP: 0010:remove_pagetable"},
                   {"all": [{"in": "console", "re": "RIP: 0010:foo"}, {"in": "console", "re": "PUD 0$", "as": "w"}]}]}
    good = run_checks.match(grp, src, found) and found.get("w") == "PUD 0" and \
        not run_checks.match({"all": [grp, {"in": "console", "re": "nothing"}]}, src, {})
    bad += not good
    print(f"{'ok' if good else 'not ok'} {n - 2} run_checks.evidence_groups_any_and_all")
    # A mutant scenario may only claim tests its Tests: header names.
    scenario = {**BASE, "args": ["--extra-patch", "fixtures/mutants/kexec-refusal-reverted.patch"],
                "must_pass": [], "must_fail": ["refusal.not_in_the_header"], "evidence": [], "exit": 1}
    try:
        judged(scenario, 1, {"refusal.not_in_the_header": "fail"})
        good = False
    except run_checks.Usage as e:
        good = "Tests: header" in str(e)
    bad += not good
    print(f"{'ok' if good else 'not ok'} {n - 1} run_checks.mutant_scenario_claims_only_its_header_tests")
    # ... and a test the header does name is judged as usual.
    scenario["must_fail"] = ["kexec.handover_gives_the_next_kernel_no_removed_memory"]
    try:
        good = judged(scenario, 1, {scenario["must_fail"][0]: "fail"})[:2] == (1, 0)
    except run_checks.Usage:
        good = False
    bad += not good
    print(f"{'ok' if good else 'not ok'} {n} run_checks.mutant_scenario_with_a_header_test_is_judged")
    gb = check_scenario("x86-gbpages")
    for i, (name, console, rename, want, *boot) in enumerate(GBPAGES_CASES, n + 1):
        # 124: the watchdog killed the guest; 0: QEMU ended by itself
        results, verdict, text = reported(console, boot[0] if boot else 124, GBPAGES, "bootmem_cycle_test")
        if rename:
            verdict = verdict.replace(*rename)
            results = {k.replace(*rename): v for k, v in results.items()}
        passed, failed, last = judged(gb, 1, results, text, verdict)
        good = (passed, failed) == want
        bad += not good
        print(f"{'ok' if good else 'not ok'} {i} run_checks.{name}" + ("" if good else f" # got {last}"))
    good, detail = side_by_side_output_is_whole_and_a_crash_fails()
    bad += not good
    print(f"{'ok' if good else 'not ok'} {total - 2} run_checks.side_by_side_output_is_whole_and_a_crash_fails"
          + ("" if good else f" # {detail}"))
    good, detail = guest_runs_share_the_host_only_where_allowed()
    bad += not good
    print(f"{'ok' if good else 'not ok'} {total - 1} run_checks.guest_runs_share_the_host_only_where_allowed"
          + ("" if good else f" # {detail}"))
    good, detail = a_failed_run_is_kept_and_its_console_end_shown()
    bad += not good
    print(f"{'ok' if good else 'not ok'} {total} run_checks.a_failed_run_is_kept_and_its_console_end_shown"
          + ("" if good else f" # {detail}"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
