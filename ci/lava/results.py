#!/usr/bin/python3
"""Judge a lava-run of the suite by its test cases, never by "job: pass".

    results.py RESULTS_DIR --lava-run-exit N [--plan NAME[,NAME...]] [--job JOB.yaml]

Reads RESULTS_DIR/lava-run.log (lava-run's JSON-lines log) and writes
RESULTS_DIR/console.log (the guest's console as LAVA logged it) and
RESULTS_DIR/lava-cases.txt (one line per test case). Then:
  - any test case "fail" fails the run, though LAVA says job: pass;
  - the console goes through ci/report.py with the plan, as a QEMU run's
    does (expected skips, short plans, splats), and with the programs the
    job meant to run: its test definition's bh_tests and bh_stress, read
    from the job LAVA ran (--job, default RESULTS_DIR/job.yaml, where
    run-qemu.sh writes it) and turned into programs by ci/plan.py, the rule
    run.sh uses. A job whose intent cannot be read is exit 2;
  - the cases LAVA recorded must be the results the report read, with the
    same outcome each: a case lost on the serial line is a failure;
  - a job LAVA could not run (Infrastructure, Configuration) is exit 2.
Exit 0 pass, 1 fail, 2 the job could not run.
"""
import json
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import plan  # noqa: E402  (ci/plan.py: which programs a plan means)
import protocol  # noqa: E402  (ci/protocol.py: the run's records)


def job_programs(job_path):
    """The programs the job meant to run: the bh_ settings its test
    definition exports (templates/testdef.yaml.j2), by plan.programs().
    Raises ValueError when the job says none."""
    job = yaml.safe_load(job_path.read_text())
    steps = [step for action in job.get("actions", []) if "test" in action
             for d in action["test"].get("definitions", [])
             for step in (d.get("repository") or {}).get("run", {}).get("steps", [])
             if isinstance(step, str) and step.startswith("export ")]
    env = dict(w.split("=", 1) for s in steps for w in shlex.split(s)[1:] if "=" in w)
    if "bh_tests" not in env:
        raise ValueError(f"{job_path}: no test definition exports bh_tests")
    return plan.programs(env["bh_tests"], env.get("bh_stress", ""))


def read_log(path):
    target, cases, job = [], [], {}
    for line in path.read_text(errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            # lava-run writes some values as YAML (`"endtc": ! "239"`).
            try:
                rec = yaml.safe_load(line)
            except yaml.YAMLError:
                continue
            if not isinstance(rec, dict):
                continue
        msg = rec.get("msg")
        if rec.get("lvl") == "target" and isinstance(msg, str):
            target.append(msg)
        elif rec.get("lvl") == "results" and isinstance(msg, dict):
            if msg.get("definition") == "lava":
                if msg.get("case") == "job":
                    job = msg
            else:
                cases.append(msg)
    return target, cases, job


def main():
    args = sys.argv[1:]
    if not args or "--lava-run-exit" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    rdir = Path(args[0])
    rc = int(args[args.index("--lava-run-exit") + 1])
    plans = args[args.index("--plan") + 1] if "--plan" in args else "quick"
    job_path = Path(args[args.index("--job") + 1]) if "--job" in args else rdir / "job.yaml"
    log = rdir / "lava-run.log"
    if not log.is_file():
        print(f"results.py: {log}: no lava-run log", file=sys.stderr)
        return 2
    try:
        programs = job_programs(job_path)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"results.py: what the job meant to run is unknown ({e}), so its console is "
              "not judged", file=sys.stderr)
        return 2
    target, cases, job = read_log(log)
    # LAVA's own signal lines are not the guest's output.
    (rdir / "console.log").write_text(
        "\n".join(l for l in target if not l.startswith("<LAVA_SIGNAL")) + "\n")
    with open(rdir / "lava-cases.txt", "w") as f:
        for c in cases:
            f.write(f"{c['result']:5s} {c['definition']}/{c['case']}\n")

    problems = []
    failed = [c["case"] for c in cases if c["result"] == "fail"]
    if failed:
        problems.append(f"{len(failed)} LAVA test case(s) failed: " + ", ".join(failed[:6]))
    if job.get("result") != "pass":
        kind = job.get("error_type", "?")
        problems.append(f"LAVA job {job.get('result', 'missing')} ({kind}): "
                        f"{job.get('error_msg', '').strip()}")
        if kind in ("Infrastructure", "Configuration", "Bug") or rc == 2:
            print("LAVA could not run the job: " + problems[-1])
            return 2
    rep = subprocess.run([sys.executable, str(HERE.parent / "report.py"), str(rdir),
                          "--plan", plans, "--programs", ",".join(programs)],
                         capture_output=True, text=True)
    print(rep.stdout, end="")
    if rep.returncode != 0:
        problems.append(f"ci/report.py on the console LAVA logged: exit {rep.returncode}")
    # The cases LAVA recorded are the results the report read.
    verdict = protocol.read_verdict(rdir) or {}
    try:
        want = {name: r["status"] for name, r in protocol.read_results(rdir).items()
                if name != r["program"]}
    except protocol.ProtocolError as e:
        problems.append(str(e))
        want = {}
    got = {c["case"]: c["result"] for c in cases}
    for name, status in want.items():
        if got.get(name) != status:
            problems.append(f"{name}: the console says {status}, LAVA recorded {got.get(name, 'nothing')}")
    print(f"  LAVA: {len(cases)} test cases, {sum(c['result'] == 'pass' for c in cases)} pass, "
          f"{len(failed)} fail, {sum(c['result'] == 'skip' for c in cases)} skip; job "
          f"{job.get('result', 'missing')}; report verdict: {verdict.get('verdict', '?')}")
    for p in problems:
        print(f"  problem: {p}")
    print(f"  lava verdict: {'FAIL' if problems else 'PASS'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
