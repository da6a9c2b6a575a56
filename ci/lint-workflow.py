#!/usr/bin/python3
"""Check the GitHub Actions workflow: valid YAML, the shape Actions needs,
and that it runs the README's two commands inside debian:bookworm and
keeps the results. Usage: lint-workflow.py FILE"""
import sys

import yaml


def main():
    path = sys.argv[1]
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = []
    # YAML 1.1 reads a bare "on" key as True.
    if "on" not in doc and True not in doc:
        errors.append("no 'on' trigger")
    jobs = doc.get("jobs") or {}
    if not jobs:
        errors.append("no jobs")
    for name, job in jobs.items():
        if "runs-on" not in job:
            errors.append(f"job {name}: no runs-on")
        image = (job.get("container") or {}).get("image", "")
        if image != "debian:bookworm":
            errors.append(f"job {name}: container image is '{image}', not debian:bookworm")
        steps = job.get("steps") or []
        runs = " ".join(s.get("run", "") for s in steps)
        uses = " ".join(s.get("uses", "") for s in steps)
        for cmd in ["./run.sh", "make check"]:
            if cmd not in runs:
                errors.append(f"job {name}: does not run '{cmd}'")
        for action in ["actions/checkout", "actions/cache", "actions/upload-artifact"]:
            if action not in uses:
                errors.append(f"job {name}: does not use {action}")
        for s in steps:
            if not ("run" in s) ^ ("uses" in s):
                errors.append(f"job {name}: step {s.get('name')} needs exactly one of run/uses")
    for e in errors:
        print(f"{path}: {e}")
    if not errors:
        print(f"{path}: ok ({len(jobs)} job(s))")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
