#!/usr/bin/python3
"""The console protocol and what a run's results directory holds, read in
one place. The markers a guest prints and each kind of "# METRIC" record
with its keys are declared in selftests/lib/protocol.def, which the C
programs include too; this module is the host's one reader of it. Every
host-side reader (the report, the lending orchestrator, make check, make
mutants, make matrix, make compare, the plots, LAVA) goes through here.

A record that breaks the declaration (an unknown kind, a required key
missing) is a ProtocolError naming the record, the key and protocol.def:
the C and the readers drifted apart, which is a setup error of the suite
(exit 2), never a traceback and never a verdict on the kernel.

    protocol.py shell                 the markers as shell assignments
                                      (BH_MARK_DONE='BOOTMEM-HOTPLUG: DONE')
    protocol.py failed-tests RDIR TESTS
                                      of the comma or space list TESTS
                                      (test or program names), those that
                                      failed in RDIR, comma-separated
    protocol.py has-kind RDIR KIND...  exit 0 when RDIR/metrics.jsonl has a
                                      record of one of the KINDs, 1 if not
"""
import json
import re
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEF = REPO / "selftests/lib/protocol.def"


class ProtocolError(ValueError):
    """A record or a marker that protocol.def does not allow."""


def _read_def():
    markers, kinds = {}, {}
    for n, line in enumerate(DEF.read_text().splitlines(), 1):
        if not line.startswith("PROTOCOL_"):
            continue
        m = re.fullmatch(r'PROTOCOL_MARKER\((\w+), "([^"\\]*)"\)', line)
        if m:
            markers[m.group(1)] = m.group(2)
            continue
        m = re.fullmatch(r'PROTOCOL_METRIC\((\w+), "([^"\\]*)", "([^"\\]*)"\)', line)
        if not m:
            raise SystemExit(f"protocol.py: {DEF.relative_to(REPO)}:{n}: cannot read: {line}")
        kinds[m.group(1)] = (m.group(2).split(), m.group(3).split())
    return markers, kinds


MARKERS, KINDS = _read_def()


def marker(name):
    """The text of marker NAME (protocol.def's PROTOCOL_MARKER)."""
    return MARKERS[name]


def _declared(key, keys):
    return any(key == k or (k.startswith("*") and key.endswith(k[1:])) for k in keys)


def check_record(rec, where):
    """RECORD (a dict) as protocol.def declares its kind, or ProtocolError
    naming WHERE, the kind and the first missing or undeclared key."""
    kind = rec.get("kind")
    if kind not in KINDS:
        raise ProtocolError(f"{where}: a record of kind {kind!r}, which "
                            f"{DEF.relative_to(REPO)} does not declare")
    required, optional = KINDS[kind]
    for key in required:
        if key not in rec:
            raise ProtocolError(f"{where}: a '{kind}' record has no '{key}', which "
                                f"{DEF.relative_to(REPO)} says it always has")
    for key in rec:
        if key != "kind" and not _declared(key, required + optional):
            raise ProtocolError(f"{where}: a '{kind}' record has the key '{key}', which "
                                f"{DEF.relative_to(REPO)} does not declare for it")
    return rec


def read_metrics(rdir):
    """Every record of RDIR/metrics.jsonl, each checked against
    protocol.def; [] when there is none (a run that never got as far as
    the report)."""
    path = Path(rdir) / "metrics.jsonl"
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for n, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise ProtocolError(f"{path}:{n}: not a JSON record: {line[:80]}") from None
        out.append(check_record(rec, f"{path}:{n}"))
    return out


def records(rdir, kind):
    """The records of one KIND in RDIR/metrics.jsonl, in order."""
    if kind not in KINDS:
        raise ProtocolError(f"no kind {kind!r} in {DEF.relative_to(REPO)}")
    return [r for r in read_metrics(rdir) if r["kind"] == kind]


def read_results(rdir):
    """test name -> its result record (status pass/fail/skip, expected,
    reason, program), in the order the run reported them."""
    return {r["test"]: r for r in records(rdir, "result")}


def failed_tests(rdir, wanted):
    """Of WANTED (test or program names; a program matches each of its
    tests), the tests that failed in RDIR, in order, once each."""
    failed = [r["test"] for r in records(rdir, "result") if r["status"] == "fail"
              and any(r["test"] == w or r["program"] == w for w in wanted)]
    return list(dict.fromkeys(failed))


def read_verdict(rdir):
    """verdict.json as a dict, or None when the report never wrote one."""
    try:
        return json.loads((Path(rdir) / "verdict.json").read_text())
    except (OSError, ValueError):
        return None


def console_value(console_text, name):
    """What follows marker NAME ("...: ") on the first console line that
    has it, or None."""
    m = marker(name)
    for line in console_text.splitlines():
        if m in line:
            return line.split(m, 1)[1].strip()
    return None


def main():
    args = sys.argv[1:]
    try:
        if args == ["shell"]:
            for name, text in MARKERS.items():
                print(f"BH_MARK_{name}={shlex.quote(text)}")
            return 0
        if len(args) >= 3 and args[0] == "has-kind":
            kinds = set(args[2:])
            unknown = kinds - set(KINDS)
            if unknown:
                raise ProtocolError(f"no kind {sorted(unknown)[0]!r} in {DEF.relative_to(REPO)}")
            return 0 if any(r["kind"] in kinds for r in read_metrics(args[1])) else 1
        if len(args) == 3 and args[0] == "failed-tests":
            wanted = [w for w in args[2].replace(",", " ").split() if w]
            print(",".join(failed_tests(args[1], wanted)))
            return 0
    except ProtocolError as e:
        print(f"protocol.py: {e}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
