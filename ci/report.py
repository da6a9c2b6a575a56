#!/usr/bin/python3
"""Turn a guest console log into the results of a run.

    report.py RESULTS_DIR [--boot-status N] [--plan NAME[,NAME...]]
              [--programs PROGRAM[,PROGRAM...]] [--only-tests TEST[,TEST...]]

Reads RESULTS_DIR/console.log (written live by qemu-images/host/boot-guest.sh)
and writes, next to it:
  results.ktap   the KTAP the guest's kselftest runner printed
  metrics.jsonl  one JSON object per "# METRIC" line, plus per-test results
  junit.xml      one testcase per kselftest test, for CI
  verdict.json   the verdict, its exit code and every count, for scripts
  summary.txt    the one-screen summary (also printed)

It trusts nothing it did not see. A program passes only when the runner
says "ok", it printed as many results as its plan announced, and none of
them is "not ok". A skip passes only when one of the plans applied to the
run (ci/plans.json, --plan) expects it, or when it is the refusal of a
kernel without the series (selftests/lib/verdict.h).

What the run meant to run comes from the harness, never from the console:
--programs, or else the "programs:" line run.sh writes in RESULTS_DIR/run.txt
(the list ci/plan.py's programs() gives). Without either it does not judge
(exit 2): a console that lost a whole program, with the plan line and the
runner's numbers made to agree, would otherwise pass. Every program meant
to run must have a runner result on the console, and every program on it
must be one meant to run. --only-tests (run.sh --only-test) names the tests
the run filtered its program to: each must have a result, so that a name
the program does not have cannot pass as a run with nothing in it.

Exit codes (run.sh passes them on):
  0  every selected test passed, and the kernel logged no splat
  1  a test failed, a program crashed or printed a short plan, a skip was
     not expected, the kernel splatted, or the guest crashed or hung
  2  usage error of this script, or no list of the programs meant to run
  3  the kernel refuses boot-memory offline: an image without the test
     driver (no series) whose every test skipped with that refusal
"""
import fnmatch
import json
import re
import sys
import xml.sax.saxutils as sx
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "ci"))
import figures  # noqa: E402  (ci/figures.py: latency, ratios, drift)
import plan  # noqa: E402  (ci/plan.py: which programs a run can mean)
import protocol  # noqa: E402  (ci/protocol.py: markers and metric records)
from protocol import marker  # noqa: E402


def _splat_patterns():
    """The one list of splat patterns, shared with lib/kmsg.c (which takes
    every SPLAT line) and ci/lend.py (which takes this reading).
    A SPLAT line this cannot read would be a pattern C watches for and the
    console's verdict silently does not: refuse the file instead."""
    text = (REPO / "selftests/lib/splats.def").read_text()
    patterns = re.findall(r'^SPLAT\("([^"\\]+)"\)\s*$', text, re.M)
    if len(patterns) != len(re.findall(r"^\s*SPLAT\(", text, re.M)):
        raise SystemExit("report.py: selftests/lib/splats.def has a SPLAT line that is not "
                         'exactly SPLAT("pattern") alone on its line')
    return patterns


def _refused_token():
    text = (REPO / "selftests/lib/verdict.h").read_text()
    return re.search(r'#define VERDICT_REFUSED "([^"]+)"', text).group(1)


def load_plans(names):
    """The expected skips and must-run tests of the named plans, merged."""
    plans = json.loads((REPO / "ci/plans.json").read_text())["plans"]
    expected, must_run = [], []
    for name in names:
        if name not in plans:
            raise SystemExit(f"report.py: no plan '{name}' in ci/plans.json")
        expected += plans[name].get("expected_skips", [])
        must_run += plans[name].get("must_run", [])
    return expected, must_run


SPLATS = _splat_patterns()
REFUSED = _refused_token()
# A kernel message: printk's timestamp, wherever it starts on the line (a
# message can land in the middle of a line the tests were printing).
KMSG_AT = re.compile(r"\[\s*\d+\.\d{6}\] ")
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: (.*))?$")
# TAP directives after "#": a skip (any case), or the runner's verdicts.
# "boot-block budget:" is the guest's runner's (run-plan.sh): a program it
# did not start because the guest lacked the blocks the plan budgets.
DIRECTIVE = re.compile(r"^(SKIP|TODO|XFAIL|TIMEOUT|exit=-?\d+|"
                       + re.escape(marker("STARVED").rstrip(": ")) + r"(?=:))\b:?\s*(.*)$", re.I)
PLAN = re.compile(r"^1\.\.(\d+)$")


def split_result(rest):
    """'name # SKIP why' -> (name, 'SKIP', 'why'). A '#' that starts no
    directive is part of the description: the line is still a result."""
    rest = rest or ""
    for m in re.finditer(r"(?:^|\s)#\s*", rest):
        d = DIRECTIVE.match(rest[m.end():])
        if d:
            return rest[:m.start()].strip(), d.group(1).upper() if d.group(1).lower() == "skip" \
                else d.group(1), d.group(2).strip()
    return rest.strip(), "", ""


def parse(console):
    """Returns a dict: ktap lines, tests, programs, metrics, splats, markers,
    top-level plans and runner results."""
    lines = console.splitlines()
    out = {"ktap": [], "tests": [], "programs": [], "metrics": [], "splats": [],
           "markers": [], "doc_plans": [], "docs": 0, "crash_on_purpose": []}
    program = None      # the program running now
    current = None      # its subtest running now
    in_ktap = False
    # The kdump plan's crash, from /init's marker until the crash kernel
    # starts (its clock starts again at 0): the crashing kernel's panic is
    # what the plan asked for, not a splat. The crash kernel's own lines
    # are judged like any other.
    crashing = False
    crash_clock = -1.0

    def kernel_line(i, text):
        nonlocal crashing, crash_clock
        if crashing:
            m = KMSG_AT.match(text)
            t = float(m.group(0).strip(" []")) if m else crash_clock
            if t >= crash_clock:
                crash_clock = t
                out["crash_on_purpose"].append(text)
                return
            crashing = False
        if any(s in text for s in SPLATS):
            excerpt = "\n".join([text] + lines[i + 1:i + 12])
            out["splats"].append({"line": text, "excerpt": excerpt,
                                  "during": current["name"] if current else
                                  (program["name"] if program else "boot")})

    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        # A kernel message that starts mid-line: the part before it is
        # the tests' output, the rest the kernel's. Neither is dropped.
        m = KMSG_AT.search(line)
        if m and m.start() > 0:
            kernel_line(i, line[m.start():])
            line = line[:m.start()]
        elif m:
            kernel_line(i, line)
            continue
        if line.startswith((marker("GUEST"), marker("HOST"))):
            out["markers"].append(line)
            if line.rstrip() == marker("KDUMP_CRASH"):
                crashing, crash_clock = True, 0.0
            else:
                crashing = False
            if line.rstrip() == marker("BEGIN_KTAP"):
                in_ktap = True
            elif line.rstrip() == marker("END_KTAP"):
                in_ktap = False
            continue
        if not in_ktap:
            kernel_line(i, line)
            continue
        out["ktap"].append(line)
        if line.startswith("TAP version") or line.startswith("KTAP version"):
            out["docs"] += 1
            continue
        pm = PLAN.match(line)
        if pm:
            out["doc_plans"].append(int(pm.group(1)))
            continue
        m = re.match(r"^# selftests: ([^:]*): (\S+)", line)
        if m:
            program = {"name": m.group(2), "dir": m.group(1), "plan": None, "results": 0,
                       "failed": 0, "runner": None, "directive": "", "detail": "",
                       "last_started": None}
            out["programs"].append(program)
            current = None
            continue
        if not line.startswith("#"):
            # The runner's line for a whole program.
            m = RESULT.match(line)
            if m and program and program["runner"] is None:
                _, directive, detail = split_result(m.group(3))
                program["runner"] = m.group(1)
                program["directive"], program["detail"] = directive, detail
                if current:     # its running test never printed a result
                    current = None
            continue
        if program is None:
            continue
        body = line[2:] if line.startswith("# ") else line[1:]
        pm = PLAN.match(body)
        if pm and program["plan"] is None:
            program["plan"] = int(pm.group(1))
            continue
        # "# METRIC {...}" from ksft_print_msg(), one more "# " per level.
        metric = re.sub(r"^(?:# )*", "", body).rstrip()
        if metric.startswith(marker("METRIC")):
            try:
                rec = json.loads(metric[len(marker("METRIC")):])
            except json.JSONDecodeError:
                # A line the console cut short (a crash, lost output): the
                # runner's own results judge that run, not this line.
                continue
            # A whole record its kind does not allow is the suite's bug:
            # ProtocolError, which main() reports naming the key.
            out["metrics"].append(protocol.check_record(rec, f"console.log:{i + 1}"))
            continue
        m = re.match(r"^#\s+RUN\s+(\S+) \.\.\.", body)
        if m:
            current = {"program": program["name"], "name": m.group(1), "status": "fail",
                       "reason": "no result: the test died", "log": []}
            program["last_started"] = m.group(1)
            out["tests"].append(current)
            continue
        if current:
            current["log"].append(body)
        m = RESULT.match(body)
        if not m:
            continue
        program["results"] += 1
        desc, directive, detail = split_result(m.group(3))
        if m.group(1) == "not ok":
            status = "fail"
        elif directive == "SKIP":
            status = "skip"
        elif directive in ("TIMEOUT",) or directive.startswith("exit="):
            status = "fail"
        else:
            status = "pass"
        program["failed"] += status == "fail"
        if current:
            # kselftest_harness: the result of the test its RUN line named
            # (a skip's result line carries no name in the 6.1 harness).
            current["status"] = status
            current["reason"] = detail if status == "skip" else (desc if status == "fail" else "")
            current = None
        else:
            # kselftest.h style (ksft_test_result): a result with no RUN line.
            name = f"{program['name']}.{desc.split(':', 1)[0]}" if desc else \
                f"{program['name']}.{m.group(2)}"
            program["last_started"] = name
            out["tests"].append({"program": program["name"], "name": name, "status": status,
                                 "reason": desc if status == "fail" else detail, "log": []})
    return out


def judge_programs(parsed):
    """Program-level failures: a runner "not ok", an exit= or TIMEOUT, a
    missing runner line, a plan with missing (or extra) results. Each
    becomes a failed result named after the program, even when some of its
    subtests passed. Returns the list of problems."""
    problems = []
    for p in parsed["programs"]:
        last = f"; last test started: {p['last_started']}" if p["last_started"] else ""
        why = None
        if p["runner"] is None:
            why = (f"no result from the runner: the program or the guest died "
                   f"({p['results']} of {p['plan'] if p['plan'] is not None else '?'} results)")
        elif p["runner"] == "not ok":
            # The harness's own exit 1 after a whole plan with failed tests
            # is explained by those tests; anything else (a crash, a
            # timeout, a "not ok" with every test passed) fails on its own.
            explained = (p["directive"] == "exit=1" and p["failed"] > 0
                         and p["results"] == p["plan"])
            what = p["directive"] or "failed"
            if p["directive"] == "TIMEOUT":
                what = f"TIMEOUT {p['detail']}".strip()
            if p["directive"] == marker("STARVED").rstrip(": "):
                why = f"starved at setup: {marker('STARVED')}{p['detail']}"
            elif not explained:
                why = f"runner says not ok ({what}) after {p['results']} of {p['plan']} results"
        elif p["directive"] == "SKIP":
            if p["plan"] is not None and p["results"] != p["plan"]:
                why = f"skipped with a short plan: {p['results']} of {p['plan']} results"
        elif p["plan"] is None:
            why = "no per-test results on the console (output lost): no plan printed"
        elif p["results"] != p["plan"]:
            why = (f"short plan: announced {p['plan']} results, printed {p['results']}"
                   if p["results"] < p["plan"] else
                   f"announced {p['plan']} results, printed {p['results']}")
        if why:
            p["problem"] = why + last
            parsed["tests"].append({"program": p["name"], "name": p["name"], "status": "fail",
                                    "reason": p["problem"], "log": []})
            problems.append(f"{p['name']}: {p['problem']}")
        elif p["directive"] == "SKIP" and p["results"] == 0:
            # A whole program skipped without printing any result.
            parsed["tests"].append({"program": p["name"], "name": p["name"], "status": "skip",
                                    "reason": p["detail"] or "skipped by the runner", "log": []})
    announced = sum(parsed["doc_plans"])
    reported = sum(p["runner"] is not None for p in parsed["programs"])
    if parsed["doc_plans"] and reported < announced:
        problems.append(f"the run announced {announced} programs, the runner reported {reported}")
    if parsed["docs"] > 1:
        problems.append(f"{parsed['docs']} KTAP documents on the console; a run prints one")
    return problems


def judge_intent(parsed, intended):
    """Holds the console to the programs the run meant to run (from the
    harness, never the console): each must have started, once; a program
    that started and has no runner result is judge_programs()'s. Each one
    missing or unasked for becomes a failed result named after it. Returns
    the problems."""
    problems = []
    started = [p["name"] for p in parsed["programs"]]
    for name in intended:
        n = started.count(name)
        why = ("meant to run, never started" if n == 0 else
               f"started {n} times; the run asked for it once" if n > 1 else None)
        if why:
            parsed["tests"].append({"program": name, "name": name, "status": "fail",
                                    "reason": why, "log": []})
            problems.append(f"{name}: {why}")
    for name in dict.fromkeys(started):
        if name not in intended:
            why = "ran a program the run did not ask for"
            parsed["tests"].append({"program": name, "name": name, "status": "fail",
                                    "reason": why, "log": []})
            problems.append(f"{name}: {why}")
    return problems


def judge_skips(tests, expected, must_run, no_driver):
    """Marks each skip expected or not. Returns the unexpected ones."""
    unexpected = []
    for t in tests:
        if t["status"] != "skip":
            continue
        reason = t["reason"].strip()
        t["expected"] = False
        if any(fnmatch.fnmatchcase(t["name"], pat) for pat in must_run):
            t["expected_why"] = "this plan must run it"
        elif no_driver and reason.startswith(REFUSED):
            t["expected"] = True
        else:
            for e in expected:
                if fnmatch.fnmatchcase(t["name"], e["test"]) and e["reason"] in reason:
                    t["expected"] = True
                    break
        if not t["expected"]:
            unexpected.append(t)
    return unexpected


def junit(tests, splats):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    failing = [t for t in tests if t["status"] == "fail" or
               (t["status"] == "skip" and not t.get("expected", True))]
    fails = len(failing) + len(splats)
    skips = sum(t["status"] == "skip" and t.get("expected", True) for t in tests)
    out.append(f'<testsuite name="bootmem-hotplug" tests="{len(tests) + len(splats)}" '
               f'failures="{fails}" skipped="{skips}">')
    for t in tests:
        out.append(f'  <testcase classname={sx.quoteattr(t["program"] or "boot")} '
                   f'name={sx.quoteattr(t["name"])}>')
        if t["status"] == "fail":
            out.append(f'    <failure message={sx.quoteattr(t["reason"].strip() or "failed")}>'
                       f'{sx.escape(chr(10).join(t["log"][-40:]))}</failure>')
        elif t["status"] == "skip" and not t.get("expected", True):
            out.append(f'    <failure message={sx.quoteattr("unexpected skip: " + t["reason"].strip())}/>')
        elif t["status"] == "skip":
            out.append(f'    <skipped message={sx.quoteattr(t["reason"].strip())}/>')
        out.append('  </testcase>')
    for s in splats:
        out.append(f'  <testcase classname="kernel" name={sx.quoteattr("no splat during " + s["during"])}>')
        out.append(f'    <failure message={sx.quoteattr(s["line"])}>{sx.escape(s["excerpt"])}</failure>')
        out.append('  </testcase>')
    out.append('</testsuite>')
    return "\n".join(out) + "\n"


def running_test(parsed):
    """The test (or program) that was running when output stopped."""
    for t in reversed(parsed["tests"]):
        if t["name"] != t["program"] and t["reason"].startswith("no result"):
            return t["name"]
    for p in reversed(parsed["programs"]):
        if p["runner"] is None:
            return p["last_started"] or p["name"]
    return None


def has_marker(markers, name):
    """Whether a marker line of the console starts with marker NAME."""
    return any(m.startswith(marker(name)) for m in markers)


def verdict_of(parsed, boot_status, plan_names, intended, only=None):
    expected, must_run = load_plans(plan_names)
    tests, splats, markers = parsed["tests"], parsed["splats"], parsed["markers"]
    problems = judge_programs(parsed) + judge_intent(parsed, intended)
    ran = {t["name"] for t in tests}
    problems += [f"--only-test {name}: no such test ran" for name in (only or []) if name not in ran]
    # A program that consumed more movable boot blocks than its budget
    # (ci/plans.json) would starve a later one: named here, at the culprit.
    problems += ["over budget: " + m[len(marker("OVER_BUDGET")):] for m in markers
                 if m.startswith(marker("OVER_BUDGET"))]
    # The kdump plan's crash must be the one it announced: sysrq's panic.
    if has_marker(markers, "KDUMP_CRASH") and not any(
            "sysrq triggered crash" in line for line in parsed["crash_on_purpose"]):
        problems.append("the kdump plan announced a crash, and no sysrq panic followed it")
    no_driver = has_marker(markers, "NO_DRIVER")
    unexpected = judge_skips(tests, expected, must_run, no_driver)
    passed = sum(t["status"] == "pass" for t in tests)
    failed = sum(t["status"] == "fail" for t in tests)
    skipped = sum(t["status"] == "skip" for t in tests)
    done = has_marker(markers, "DONE")
    host_notes = [m for m in markers if m.startswith(marker("HOST"))]
    running = running_test(parsed)
    during = f" during {running}" if running else ""

    if splats:
        problems.insert(0, f"{len(splats)} kernel splat(s), first during {splats[0]['during']}: "
                        f"{splats[0]['line'].strip()}")
    if boot_status == 124 or host_notes:
        note = host_notes[0].split(": ", 1)[-1] if host_notes else "watchdog"
        problems.append(f"guest hung: {note}{during}")
    elif not done:
        problems.append("guest died before finishing" + during)
    if has_marker(markers, "INSMOD_FAILED"):
        problems.append("the test driver is in the image but failed to load")
    failed_tests = [t["name"] for t in tests if t["status"] == "fail"]
    if failed_tests:
        problems.append(f"{len(failed_tests)} failed: " + ", ".join(failed_tests[:6]) +
                        (", ..." if len(failed_tests) > 6 else ""))
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected skip(s): " +
                        "; ".join(f"{t['name']} ({t['reason'].strip()})" for t in unexpected[:4]))
    if not tests and not problems:
        problems.append("no test ran")

    refused = [t for t in tests if t["status"] == "skip" and t["reason"].startswith(REFUSED)]
    if problems:
        return "FAIL: " + "; ".join(problems), 1, passed, failed, skipped, unexpected
    if passed == 0 and refused and len(refused) == skipped and no_driver:
        return ("REFUSED: boot-memory offline refused (EPERM): this kernel cannot remove "
                "boot memory, so nothing was tested"), 3, passed, failed, skipped, unexpected
    if passed == 0:
        # Every skip was declared, yet nothing was tested: never a pass.
        return (f"FAIL: nothing passed: all {skipped} test(s) skipped, though each skip was "
                "declared"), 1, passed, failed, skipped, unexpected
    if skipped:
        return (f"PASS with {skipped} expected skip(s), each declared by the plan",
                0, passed, failed, skipped, unexpected)
    return "PASS", 0, passed, failed, skipped, unexpected


def intended_programs(rdir, given):
    """The programs the run meant to run: --programs (comma-separated), or
    else run.sh's "programs:" line in RESULTS_DIR/run.txt. Returns (list,
    None) or (None, why it cannot be known)."""
    if given is not None:
        names, where = given.split(","), "--programs"
    else:
        run_txt = rdir / "run.txt"
        line = next((l for l in (run_txt.read_text(errors="replace").splitlines()
                                 if run_txt.is_file() else [])
                     if l.startswith("programs:")), None)
        if line is None:
            return None, (f"no --programs and no 'programs:' line in {run_txt}: what the run "
                          "meant to run is unknown, and a report that cannot know it does not "
                          "judge the console")
        names, where = line[len("programs:"):].split(), f"{run_txt}'s programs: line"
    names = [n.strip() for n in names]
    if not any(names) or "none" in names or not all(names):
        return None, f"{where}: an empty list of programs; every run means to run at least one"
    if len(set(names)) != len(names):
        return None, f"{where}: names a program twice; a run runs each once"
    known = plan.known_programs()
    unknown = [n for n in names if n not in known]
    if unknown:
        return None, f"{where}: no program {', '.join(unknown)} (have: {' '.join(known)})"
    return names, None


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    rdir = Path(args[0])
    boot_status = 0
    plan_names = ["quick"]
    given = only = None
    try:
        if "--boot-status" in args:
            boot_status = int(args[args.index("--boot-status") + 1])
        if "--plan" in args:
            plan_names = [p for p in args[args.index("--plan") + 1].split(",") if p]
        if "--programs" in args:
            given = args[args.index("--programs") + 1]
        if "--only-tests" in args:
            only = [t for t in args[args.index("--only-tests") + 1].split(",") if t]
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    console_path = rdir / "console.log"
    if not console_path.is_file():
        print(f"report.py: {console_path}: no console log", file=sys.stderr)
        return 2
    intended, why = intended_programs(rdir, given)
    if why:
        print(f"report.py: {why}", file=sys.stderr)
        return 2
    try:
        parsed = parse(console_path.read_text(errors="replace"))
    except protocol.ProtocolError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 2
    verdict, code, passed, failed, skipped, unexpected = verdict_of(parsed, boot_status, plan_names,
                                                                    intended, only)
    tests, metrics, splats, markers = parsed["tests"], parsed["metrics"], parsed["splats"], parsed["markers"]

    rows = figures.latency_table(metrics)
    derived = figures.figures(metrics, rows)
    (rdir / "results.ktap").write_text("\n".join(parsed["ktap"]) + "\n")
    with open(rdir / "metrics.jsonl", "w") as f:
        for m in metrics + derived:
            f.write(json.dumps(m) + "\n")
        for t in tests:
            f.write(json.dumps({"kind": "result", "program": t["program"], "test": t["name"],
                                "status": t["status"], "expected": t.get("expected"),
                                "reason": t["reason"].strip()}) + "\n")
    (rdir / "junit.xml").write_text(junit(tests, splats))
    (rdir / "verdict.json").write_text(json.dumps({
        "verdict": verdict, "exit": code, "plans": plan_names, "intended_programs": intended,
        "passed": passed,
        "failed": failed, "skipped": skipped, "unexpected_skips": len(unexpected),
        "splats": len(splats),
        "programs": [{k: p.get(k) for k in ("name", "runner", "directive", "plan", "results",
                                            "failed", "last_started", "problem")}
                     for p in parsed["programs"]]}, indent=1) + "\n")

    guest = next((m[len(marker("GUEST_UP")):] for m in markers if m.startswith(marker("GUEST_UP"))),
                 "guest never reached /init")
    # The Debian source version run.sh built (run.txt's "source:"): a suite
    # keeps only its current version, so every summary says which it was.
    run_txt = rdir / "run.txt"
    source = next((l for l in (run_txt.read_text(errors="replace").splitlines()
                                if run_txt.is_file() else []) if l.startswith("source:")), None)
    out = [f"bootmem-hotplug results: {rdir}", f"guest: {guest}"] + ([source] if source else []) + [
           f"plan: {','.join(plan_names)}", f"programs meant to run: {', '.join(intended)}", ""]
    for t in tests:
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[t["status"]]
        if t["status"] == "skip" and not t.get("expected"):
            tag = "SKIP!"
        reason = f"  ({t['reason'].strip()})" if t["status"] != "pass" and t["reason"].strip() else ""
        if tag == "SKIP!":
            reason += "  <- unexpected: no plan declares it"
        out.append(f"  {tag:5s} {t['name']}{reason}")
    for s in splats[:3]:
        out.append("")
        out.append(f"  kernel splat during {s['during']}:")
        out.extend("    " + l for l in s["excerpt"].splitlines()[:8])
    out.extend(figures.latency_lines(rows, derived))
    out.extend(figures.wait_lines(metrics))
    summary = next((m for m in metrics if m.get("kind") == "summary"), None)
    if summary:
        out.append("")
        reached = (f" (reached {summary['pressure_reached_pct']}% on average, "
                   f"{summary['pressure_peak_pct']}% at peak)"
                   if "pressure_reached_pct" in summary else "")
        boot = (f"; {summary['boot_removes']} first removals of boot blocks"
                if "boot_removes" in summary else "")
        out.append(f"  under {summary['pressure_pct']}% pressure{reached}{boot}: {summary['cycles']} cycles, "
                   f"{summary['cycles_per_min_x100'] / 100:.1f}/min; offline p50/p95/p99 "
                   f"{summary['offline_p50_ms']:.0f}/{summary['offline_p95_ms']:.0f}/"
                   f"{summary['offline_p99_ms']:.0f} ms; EBUSY {summary['offline_busy']} of "
                   f"{summary['offline_attempts']}; {summary['migrated_pages']} pages moved out of cycled blocks; "
                   f"{summary['corrupted_words']} corrupted words")
    for f in derived:
        if f["figure"] == "offline_vs_memcpy":
            out.append(f"  offline moved {f['offline_mib_s_p50']:.0f} MiB/s (p50 of {f['offlines']} "
                       f"offlines: pages in use at offline / offline time) vs memcpy of "
                       f"{f['memcpy_bytes'] >> 20} MiB in this guest {f['memcpy_mib_s']} MiB/s: "
                       f"{100 * f['ratio']:.1f}%")
    out.extend(figures.drift_lines(derived))
    fp = next((m for m in metrics if m.get("kind") == "file_pages"), None)
    if fp:
        out.append(f"  file pages (ext4 on virtio-blk): {fp['clean_pages']} clean and "
                   f"{fp['rewritten_pages']} rewritten in cycled blocks ({fp['dirty_pages']} dirty, "
                   f"{fp['writeback_pages']} under writeback at offline), {fp['moved_out']} moved "
                   f"out; {fp['disk_verified_mib']} MiB read back from disk, "
                   f"{fp['disk_bad_words']} bad words")
    expected_n = skipped - len(unexpected)
    out.append("")
    out.append(f"  {passed} passed, {failed} failed, {skipped} skipped "
               f"({expected_n} expected, {len(unexpected)} unexpected)")
    out.append(f"  verdict: {verdict}")
    text = "\n".join(out) + "\n"
    (rdir / "summary.txt").write_text(text)
    print(text, end="")
    return code


if __name__ == "__main__":
    sys.exit(main())
