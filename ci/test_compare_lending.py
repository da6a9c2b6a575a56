#!/usr/bin/python3
"""Tests of make compare-lending's table (ci/compare_lending.py) on results
made to show each rule: a run that did not pass makes the table exit 1, a
run without its ready record is a setup error naming the record, a run of
the other approach is refused, latencies within 45% are equal and beyond
it are not, and page tables are compared per block, not per run.

Prints TAP; exits 1 if any case fails.
"""
import io
import json
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_lending  # noqa: E402
import tap  # noqa: E402


def write_run(d, approach, blocks, leaves_pte, rounds_ms, verdict_exit=0, ready=True):
    d.mkdir()
    recs = []
    if ready:
        recs.append({"kind": "lend_ready", "approach": approach, "boot_mem_total_kb": 3 << 20,
                     "lendable_usable_s": 1.0, "lendable_blocks": blocks, "set_aside_blocks": 8,
                     "lendable_leaves": {"pud": 0, "pmd": 0, "pte": leaves_pte, "cont": 0}})
    for i, (to_s, to_p) in enumerate(rounds_ms, 1):
        recs.append({"kind": "lend_round", "round": i, "block": 32, "to_secondary_ms": to_s,
                     "to_primary_ms": to_p, "primary_give": {}, "secondary_take": {}})
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    (d / "verdict.json").write_text(json.dumps({"verdict": "PASS" if not verdict_exit else "FAIL",
                                                "exit": verdict_exit}))
    (d / "run.txt").write_text(f"source: test {approach}\n")


def compare(bm_kw, dm_kw, same_kw=None):
    """(exit, stdout, stderr) of compare_lending.main on made-up runs."""
    with tempfile.TemporaryDirectory() as t:
        t = Path(t)
        write_run(t / "bm", "bootmem", **bm_kw)
        write_run(t / "dm", "driver-managed", **dm_kw)
        extra = []
        if same_kw:
            write_run(t / "same", "driver-managed", **same_kw)
            extra = ["--same-kernel", str(t / "same")]
        out, err = io.StringIO(), io.StringIO()
        argv, sys.argv = sys.argv, ["compare_lending.py", str(t / "bm"), str(t / "dm")] + extra
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = compare_lending.main()
        finally:
            sys.argv = argv
        return code, out.getvalue(), err.getvalue()


SAME = {"blocks": 8, "leaves_pte": 8 * 32768, "rounds_ms": [(1000, 1000)] * 3}


def row(text, label):
    return next((line for line in text.splitlines() if line.startswith(f"| {label}")), "")


def failed_run_exits_1_with_the_table():
    code, out, err = compare(SAME, dict(SAME, verdict_exit=1))
    return code == 1 and "| Round latency" in out and "did not pass" in err, f"exit {code}; {err}"


def missing_ready_record_is_named():
    code, out, err = compare(SAME, dict(SAME, ready=False))
    return code == 2 and "no lend_ready record" in err, f"exit {code}; {err}"


def unknown_usable_time_is_no_figure():
    with tempfile.TemporaryDirectory() as t:
        write_run(Path(t) / "x", "bootmem", **SAME)
        path = Path(t) / "x" / "metrics.jsonl"
        path.write_text(path.read_text().replace('"lendable_usable_s": 1.0', '"lendable_usable_s": -1'))
        try:
            compare_lending.load(Path(t) / "x", "bootmem")
        except compare_lending.Missing as e:
            return "lendable_usable_s" in str(e), str(e)
    return False, "a usable time of -1 s was taken for a figure"


def runs_swapped_are_refused():
    with tempfile.TemporaryDirectory() as t:
        write_run(Path(t) / "x", "driver-managed", **SAME)
        try:
            compare_lending.load(Path(t) / "x", "bootmem")
        except compare_lending.Missing as e:
            return "not bootmem" in str(e), str(e)
    return False, "a driver-managed run was taken for the series'"


def latency_within_45_percent_is_equal():
    code, out, _ = compare(dict(SAME, rounds_ms=[(1000, 1000)] * 3),
                           dict(SAME, rounds_ms=[(1400, 1000)] * 3))
    r = row(out, "Round latency, primary -> secondary")
    return code == 0 and r.endswith("| equal (within 45%) (two kernels: the configs differ) |"), r


def latency_beyond_45_percent_has_a_winner():
    code, out, _ = compare(dict(SAME, rounds_ms=[(1000, 1000)] * 3),
                           dict(SAME, rounds_ms=[(2000, 1000)] * 3))
    r = row(out, "Round latency, primary -> secondary")
    return code == 0 and "| series: lower p50 (two kernels" in r, r


def latency_judged_on_one_kernel_where_given():
    # The stock run is twice as slow, the same kernel's driver-managed run
    # is not: the approaches are equal, the kernels are not.
    code, out, _ = compare(SAME, dict(SAME, rounds_ms=[(2500, 2500)] * 3),
                           dict(SAME, rounds_ms=[(1050, 1000)] * 3))
    r = row(out, "Round latency, primary -> secondary")
    return code == 0 and r.endswith("| equal (within 45%) (on one kernel) |") and "2500" in r, r


def page_tables_compared_per_block():
    # Five blocks against eight, each mapped the same way: equal.
    code, out, _ = compare(dict(SAME, blocks=5, leaves_pte=5 * 32768), SAME)
    r = row(out, "Linear map of one lendable block")
    return code == 0 and r.endswith("| equal |") and "32768 PTE" in r, r


if __name__ == "__main__":
    sys.exit(tap.run("compare_lending", [failed_run_exits_1_with_the_table,
                                         missing_ready_record_is_named, runs_swapped_are_refused,
                                         unknown_usable_time_is_no_figure,
                                         latency_within_45_percent_is_equal,
                                         latency_beyond_45_percent_has_a_winner,
                                         latency_judged_on_one_kernel_where_given,
                                         page_tables_compared_per_block]))
