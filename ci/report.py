#!/usr/bin/python3
"""Turn a guest console log into the results of a run.

    report.py RESULTS_DIR [--boot-status N] [--expect-refusal]

Reads RESULTS_DIR/console.log (written live by qemu-images/boot-guest.sh)
and writes, next to it:
  results.ktap   the KTAP exactly as the guest printed it
  metrics.jsonl  one JSON object per "# METRIC" line, plus per-test results
  junit.xml      one testcase per kselftest test, for CI
  summary.txt    the one-screen summary (also printed)

Exit codes (run.sh passes them on):
  0  every selected test passed, and the kernel logged no splat
  1  a test failed, the kernel splatted, or the guest crashed or hung
  3  nothing could run: every test skipped (on an unpatched kernel, because
     boot memory offline is refused); never a pass
"""
import json
import re
import statistics
import sys
import xml.sax.saxutils as sx
from pathlib import Path

SPLATS = ["Kernel panic", "Oops", "BUG:", "WARNING:", "Bad page state", "KASAN",
          "Unable to handle kernel", "hung_task", "blocked for more than"]
KMSG = re.compile(r"^\[\s*\d+\.\d+\]")
# "ok 3 name", "ok 3 # SKIP reason", "not ok 3 name # TIMEOUT 45 seconds":
# the name never starts with "#", or a skip would read as a pass.
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:# (SKIP|TODO|TIMEOUT|exit=\d+)\s*(.*))?$")


def parse(console):
    """Returns (ktap_lines, tests, metrics, splats, markers)."""
    lines = console.splitlines()
    ktap, metrics, splats, markers = [], [], [], []
    tests = []          # dicts: program, name, status, reason, log
    program = None
    current = None      # the subtest running now
    in_ktap = False
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if line.startswith("BOOTMEM-HOTPLUG"):
            markers.append(line)
            in_ktap = line.endswith("BEGIN KTAP") or (in_ktap and not line.endswith("END KTAP"))
            continue
        if KMSG.match(line) or not in_ktap:
            if any(s in line for s in SPLATS):
                excerpt = "\n".join(lines[i:i + 12])
                splats.append({"line": line, "excerpt": excerpt,
                               "during": current["name"] if current else (program or "boot")})
            continue
        ktap.append(line)
        m = re.match(r"^# selftests: [^:]*: (\S+)", line)
        if m:
            program = m.group(1)
            continue
        body = line[2:] if line.startswith("# ") else None
        if body is None:
            # Top-level runner line for a whole program.
            m = RESULT.match(line)
            if m and program and not any(t["program"] == program for t in tests):
                status = "fail" if m.group(1) == "not ok" else (
                    "skip" if m.group(4) == "SKIP" else "pass")
                if m.group(4) == "TIMEOUT" or (m.group(4) or "").startswith("exit="):
                    status = "fail"
                tests.append({"program": program, "name": program, "status": status,
                              "reason": (m.group(4) or "") + " " + (m.group(5) or ""), "log": []})
            continue
        # "# METRIC {...}" from ksft_print_msg(), one more "# " per runner level.
        m = re.match(r"^(?:# )*METRIC (\{.*\})\s*$", body)
        if m:
            try:
                metrics.append(json.loads(m.group(1)))
            except json.JSONDecodeError:
                pass
            continue
        m = re.match(r"^#\s+RUN\s+(\S+) \.\.\.", body)
        if m:
            current = {"program": program, "name": m.group(1), "status": "fail",
                       "reason": "no result: the test died", "log": []}
            tests.append(current)
            continue
        if current:
            current["log"].append(body)
        m = RESULT.match(body)
        if m and not current:
            # kselftest.h style (ksft_test_result): a result with no RUN line.
            desc = (m.group(3) or "").strip()
            name = f"{program}.{desc.split(':', 1)[0]}" if desc else f"{program}.{m.group(2)}"
            status = "fail" if m.group(1) == "not ok" else ("skip" if m.group(4) == "SKIP" else "pass")
            tests.append({"program": program, "name": name, "status": status,
                          "reason": desc if status == "fail" else (m.group(5) or ""), "log": []})
            continue
        if m and current:
            if m.group(1) == "not ok":
                current["status"], current["reason"] = "fail", ""
            elif m.group(4) == "SKIP":
                current["status"], current["reason"] = "skip", m.group(5) or ""
            else:
                current["status"], current["reason"] = "pass", ""
            current = None
    # A program the runner called ok but whose own results never reached the
    # console proves nothing: its output was lost, so it cannot pass.
    for t in tests:
        if t["name"] == t["program"] and t["status"] == "pass":
            t["status"] = "fail"
            t["reason"] = "no per-test results on the console (output lost)"
    # A program that died mid-test leaves its running test without a result.
    return ktap, tests, metrics, splats, markers


def percentile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def latency_table(metrics):
    """Per phase: boot vs re-added blocks, in the selftests vs under pressure
    (stress), so each figure stands beside its baseline from the same run."""
    rows = []
    phases = [m for m in metrics if m.get("kind") == "phase" and m.get("err", 0) == 0]
    for load in ["tests", "stress"]:
        for phase in ["offline", "remove", "add", "online"]:
            for kind in ["boot", "hotadded"]:
                ms = [m["ms"] for m in phases if m["phase"] == phase and m["block_kind"] == kind
                      and (m["test"] == "stress") == (load == "stress")]
                if ms:
                    rows.append((load, phase, kind, len(ms), statistics.median(ms),
                                 percentile(ms, 0.95)))
    return rows


def junit(tests, splats):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    fails = sum(t["status"] == "fail" for t in tests) + len(splats)
    skips = sum(t["status"] == "skip" for t in tests)
    out.append(f'<testsuite name="bootmem-hotplug" tests="{len(tests) + len(splats)}" '
               f'failures="{fails}" skipped="{skips}">')
    for t in tests:
        out.append(f'  <testcase classname={sx.quoteattr(t["program"] or "boot")} '
                   f'name={sx.quoteattr(t["name"])}>')
        if t["status"] == "fail":
            out.append(f'    <failure message={sx.quoteattr(t["reason"].strip() or "failed")}>'
                       f'{sx.escape(chr(10).join(t["log"][-40:]))}</failure>')
        elif t["status"] == "skip":
            out.append(f'    <skipped message={sx.quoteattr(t["reason"].strip())}/>')
        out.append('  </testcase>')
    for s in splats:
        out.append(f'  <testcase classname="kernel" name={sx.quoteattr("no splat during " + s["during"])}>')
        out.append(f'    <failure message={sx.quoteattr(s["line"])}>{sx.escape(s["excerpt"])}</failure>')
        out.append('  </testcase>')
    out.append('</testsuite>')
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    rdir = Path(args[0])
    boot_status = 0
    if "--boot-status" in args:
        boot_status = int(args[args.index("--boot-status") + 1])
    console = (rdir / "console.log").read_text(errors="replace")
    ktap, tests, metrics, splats, markers = parse(console)

    (rdir / "results.ktap").write_text("\n".join(ktap) + "\n")
    with open(rdir / "metrics.jsonl", "w") as f:
        for m in metrics:
            f.write(json.dumps(m) + "\n")
        for t in tests:
            f.write(json.dumps({"kind": "result", "program": t["program"], "test": t["name"],
                                "status": t["status"], "reason": t["reason"].strip()}) + "\n")
    (rdir / "junit.xml").write_text(junit(tests, splats))

    passed = sum(t["status"] == "pass" for t in tests)
    failed = sum(t["status"] == "fail" for t in tests)
    skipped = sum(t["status"] == "skip" for t in tests)
    done = any(m.endswith(": DONE") for m in markers)
    guest = next((m.split(": ", 2)[-1] for m in markers if "guest up" in m), "guest never reached /init")
    host_notes = [m for m in markers if m.startswith("BOOTMEM-HOTPLUG-HOST")]

    problems = []
    if splats:
        problems.append(f"{len(splats)} kernel splat(s), first during {splats[0]['during']}: {splats[0]['line'].strip()}")
    if boot_status == 124 or host_notes:
        problems.append("guest hung: " + (host_notes[0].split(": ", 1)[-1] if host_notes else "watchdog"))
    elif not done:
        running = next((t["name"] for t in reversed(tests) if t["reason"].startswith("no result")), None)
        problems.append("guest died before finishing" + (f", during {running}" if running else ""))
    if failed:
        problems.append(f"{failed} test(s) failed")
    if not tests and not problems:
        problems.append("no test ran")

    refused = [t for t in tests if t["status"] == "skip" and "offline refused" in t["reason"]]
    if problems:
        verdict, code = "FAIL: " + "; ".join(problems), 1
    elif passed == 0 and skipped:
        code = 3
        if refused:
            verdict = ("REFUSED: boot-memory offline refused (EPERM): this kernel cannot "
                       "remove boot memory, so nothing was tested")
        else:
            verdict = "NOTHING RAN: every test skipped: " + tests[0]["reason"].strip()
    elif skipped:
        verdict, code = f"PASS with {skipped} skipped (skips are not passes)", 0
    else:
        verdict, code = "PASS", 0

    out = [f"bootmem-hotplug results: {rdir}", f"guest: {guest}", ""]
    for t in tests:
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[t["status"]]
        reason = f"  ({t['reason'].strip()})" if t["status"] != "pass" and t["reason"].strip() else ""
        out.append(f"  {tag}  {t['name']}{reason}")
    for s in splats[:3]:
        out.append("")
        out.append(f"  kernel splat during {s['during']}:")
        out.extend("    " + l for l in s["excerpt"].splitlines()[:8])
    rows = latency_table(metrics)
    if rows:
        out.append("")
        out.append("  per-phase latency (ms)             n     p50     p95")
        for load, phase, kind, n, p50, p95 in rows:
            out.append(f"  {load:8s} {phase:8s} {kind:9s} {n:6d} {p50:7.1f} {p95:7.1f}")
    summary = next((m for m in metrics if m.get("kind") == "summary"), None)
    if summary:
        out.append("")
        out.append(f"  under {summary['pressure_pct']}% pressure: {summary['cycles']} cycles, "
                   f"{summary['cycles_per_min_x100'] / 100:.1f}/min; offline p50/p95/p99 "
                   f"{summary['offline_p50_ms']:.0f}/{summary['offline_p95_ms']:.0f}/"
                   f"{summary['offline_p99_ms']:.0f} ms; EBUSY {summary['offline_busy']} of "
                   f"{summary['offline_attempts']}; {summary['migrated_pages']} pages migrated; "
                   f"{summary['corrupted_words']} corrupted words")
    out.append("")
    out.append(f"  {passed} passed, {failed} failed, {skipped} skipped")
    out.append(f"  verdict: {verdict}")
    text = "\n".join(out) + "\n"
    (rdir / "summary.txt").write_text(text)
    print(text, end="")
    return code


if __name__ == "__main__":
    sys.exit(main())
