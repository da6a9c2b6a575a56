#!/usr/bin/python3
"""What a run's results directory holds, read in one place: the result
records of metrics.jsonl and verdict.json, as ci/report.py writes them.
Every host-side reader (make check, make mutants, make matrix, make
compare, LAVA) goes through here instead of grepping JSON by key order.
"""
import json
from pathlib import Path


def read_metrics(rdir):
    """Every record of RDIR/metrics.jsonl; [] when there is none (a run
    that never got as far as the report)."""
    path = Path(rdir) / "metrics.jsonl"
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            raise ValueError(f"{path}:{n}: not a JSON record: {line[:80]}") from None
    return out


def read_results(rdir):
    """test name -> its result record (status pass/fail/skip, expected,
    reason, program), in the order the run reported them."""
    return {r["test"]: r for r in read_metrics(rdir) if r.get("kind") == "result"}


def read_verdict(rdir):
    """verdict.json as a dict, or None when the report never wrote one."""
    try:
        return json.loads((Path(rdir) / "verdict.json").read_text())
    except (OSError, ValueError):
        return None
