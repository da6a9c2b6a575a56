#!/usr/bin/python3
"""selftests/config (the kselftest convention: the options a lab merges into
its kernel config) must be exactly the Kconfig options the test programs
declare in their `needs` (.kconfigs, and .test_kconfigs for what only some
of a program's tests need), and each declared option must
have a run-time probe in selftests/lib/needs.c. Prints what differs; exit 1
when anything does.

    check-config.py
"""
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def declared():
    """option -> the programs declaring it."""
    out = {}
    for src in sorted(list((REPO / "selftests").glob("*.c")) + list((REPO / "stress").glob("*.c"))):
        text = src.read_text()
        for block in re.findall(r"\.(?:test_)?kconfigs\s*=\s*\(const char \*const\[\]\)\{(.*?)\}", text, re.S):
            for opt in re.findall(r'"(CONFIG_[A-Z0-9_]+=[ym])"', block):
                out.setdefault(opt, []).append(src.name)
    return out


def main():
    config = {l.strip() for l in (REPO / "selftests/config").read_text().splitlines()
              if l.strip() and not l.startswith("#")}
    probes = set(re.findall(r'\{\s*"(CONFIG_[A-Z0-9_]+)"', (REPO / "selftests/lib/needs.c").read_text()))
    decl = declared()
    problems = []
    for opt in sorted(set(decl) - config):
        problems.append(f"{opt}: declared by {', '.join(decl[opt])} but not in selftests/config")
    for opt in sorted(config - set(decl)):
        problems.append(f"{opt}: in selftests/config but no program declares it")
    for opt in sorted(decl):
        if opt.split("=")[0] not in probes:
            problems.append(f"{opt}: no run-time probe in selftests/lib/needs.c")
    for p in problems:
        print(p)
    if not decl:
        problems.append("no program declares any option")
        print(problems[-1])
    if not problems:
        print(f"selftests/config is the {len(decl)} options the programs declare, each with a probe")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
