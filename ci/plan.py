#!/usr/bin/python3
"""Print a plan's settings from ci/plans.json, for shell, and the programs
a run means to run.

    plan.py NAME[,MODIFIER...]     e.g. plan.py quick,rodata-off
    plan.py --budget               the boot-block budget, a line per program
                                   ("PROGRAM N" or "PROGRAM rest MIN"), for
                                   the image's /kselftest/boot-block-budget
    plan.py --programs TESTS [STRESS]
                                   the programs, space-separated, in the
                                   order the guest runs them (programs())

run.sh evaluates the output, so a run's settings live in plans.json alone,
and the programs' own defaults in selftests/lib/defaults.h alone: a plan
value written as a BOOTMEM_DEFAULT_* name is read from there (load_plans).
  plan_cycles plan_stress_s plan_pressure_pct plan_stress_boot_blocks plan_silence_s
  plan_program_timeout_s plan_append plan_x86_cpu plan_x86_machine plan_mem plan_movable
A modifier's settings override the base plan's; appends add up. x86_cpu
and x86_machine (QEMU's -cpu and -M of an x86 plan), mem and movable (the
guest's size) are optional: empty means boot-guest.sh's or the variant's.
Exit 2 names an unknown plan, an unknown program or a run of none.
"""
import json
import re
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEYS = ["cycles", "stress_s", "pressure_pct", "stress_boot_blocks", "silence_s", "program_timeout_s"]


DEFAULTS_H = REPO / "selftests/lib/defaults.h"


def c_defaults():
    """The BOOTMEM_DEFAULT_* constants of selftests/lib/defaults.h."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"^#define (BOOTMEM_DEFAULT_[A-Z0-9_]+) ([0-9]+)$", DEFAULTS_H.read_text(), re.M)}


def load_plans():
    """ci/plans.json's plans, every BOOTMEM_DEFAULT_* name replaced by its
    value in selftests/lib/defaults.h. Raises ValueError naming a constant
    the header does not define."""
    plans = json.loads((REPO / "ci/plans.json").read_text())["plans"]
    consts = c_defaults()
    for name, plan in plans.items():
        for k, v in plan.items():
            if isinstance(v, str) and v.startswith("BOOTMEM_DEFAULT_"):
                if v not in consts:
                    raise ValueError(f"plan '{name}' sets {k} to {v}, which "
                                     f"{DEFAULTS_H.relative_to(REPO)} does not define")
                plan[k] = consts[v]
    return plans


def make_programs(makefile):
    """TEST_GEN_PROGS of one of our kselftest Makefiles, the one list of its
    programs (build-initramfs.sh installs them from the same line)."""
    m = re.search(r"^TEST_GEN_PROGS := (.*)$", (REPO / makefile).read_text(), re.M)
    if not m or not m.group(1).split():
        raise ValueError(f"{makefile} lists no TEST_GEN_PROGS")
    return m.group(1).split()


def known_programs():
    """Every program a run can be asked for: the selftests, then stress."""
    return make_programs("selftests/Makefile") + make_programs("stress/Makefile")


def programs(tests, stress):
    """The programs a run means to run, in the order the guest's runner
    (qemu-images/guest/run-plan.sh) runs them; the one rule, for run.sh, the
    LAVA jobs (ci/lava/results.py) and the report's check of its list.

    tests: as bh_tests: "all" (or empty, which run-plan.sh reads as all)
    for selftests/Makefile's list, "none", or a comma list of its programs.
    stress: as bh_stress: empty for none (0, run.sh's "no stress", is the
    same: run.sh then passes no bh_stress), seconds, or soak:HOURS; any of
    these runs stress/Makefile's program after the selftests.
    Raises ValueError for an unknown program, a malformed stress or a run
    of no program at all."""
    suite = make_programs("selftests/Makefile")
    if tests in ("", "all"):
        chosen = list(suite)
    elif tests == "none":
        chosen = []
    else:
        chosen = [t for t in tests.split(",") if t]
        unknown = [t for t in chosen if t not in suite]
        if unknown or not chosen:
            raise ValueError(f"no program '{','.join(unknown) or tests}' "
                             f"(have: {' '.join(suite)})")
    stress = str(stress).strip()
    if stress not in ("", "0"):
        if not re.fullmatch(r"[0-9]+|soak:[0-9]+(\.[0-9]+)?", stress):
            raise ValueError(f"stress '{stress}' is neither seconds nor soak:HOURS")
        chosen += make_programs("stress/Makefile")
    if not chosen:
        raise ValueError("the run would run no program: no tests and no stress")
    return chosen


def budget_lines():
    """ci/plans.json's boot_block_budget as the guest's runner reads it,
    one line per selftest ("PROGRAM N", or "PROGRAM rest MIN" for the one
    that consumes every block left). bootmem_stress has none here: its
    budget is the plan's stress_boot_blocks, which the guest gets as
    bh_stress_boot_blocks. Raises ValueError naming a selftest without a
    budget, or a budget for no program."""
    table = json.loads((REPO / "ci/plans.json").read_text())["boot_block_budget"]
    suite = make_programs("selftests/Makefile")
    missing = [p for p in suite if p not in table]
    if missing:
        raise ValueError(f"{missing[0]} has no boot_block_budget in ci/plans.json: say how many "
                         f"movable boot blocks it may consume")
    unknown = [p for p in table if p not in suite]
    if unknown:
        raise ValueError(f"ci/plans.json boot_block_budget names {unknown[0]}, which "
                         f"selftests/Makefile does not list")
    lines = []
    for prog in suite:
        b = table[prog]["blocks"]
        if b == "rest":
            lines.append(f"{prog} rest {int(table[prog]['min'])}")
        else:
            lines.append(f"{prog} {int(b)}")
    return lines


def main():
    if sys.argv[1:] == ["--budget"]:
        try:
            print("\n".join(budget_lines()))
        except ValueError as e:
            print(f"plan.py: {e}", file=sys.stderr)
            return 2
        return 0
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--programs":
        try:
            print(" ".join(programs(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "")))
        except ValueError as e:
            print(f"plan.py: {e}", file=sys.stderr)
            return 2
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        plans = load_plans()
    except ValueError as e:
        print(f"plan.py: {e}", file=sys.stderr)
        return 2
    settings, append, scale, x86 = {}, [], 1, {"x86_cpu": "", "x86_machine": "", "mem": "", "movable": ""}
    for name in sys.argv[1].split(","):
        if name not in plans:
            print(f"plan.py: no plan '{name}' in ci/plans.json (have: {', '.join(plans)})",
                  file=sys.stderr)
            return 2
        for k in KEYS:
            if k in plans[name]:
                settings[k] = plans[name][k]
        scale *= plans[name].get("stress_scale", 1)
        if plans[name].get("append"):
            append.append(plans[name]["append"])
        for k in x86:
            x86[k] = plans[name].get(k, x86[k])
    missing = [k for k in KEYS if k not in settings]
    if missing:
        print(f"plan.py: plan '{sys.argv[1]}' sets no {', '.join(missing)}", file=sys.stderr)
        return 2
    settings["stress_s"] = int(settings["stress_s"] * scale)
    for k in KEYS:
        print(f"plan_{k}={shlex.quote(str(settings[k]))}")
    print(f"plan_append={shlex.quote(' '.join(append))}")
    for k, v in x86.items():
        print(f"plan_{k}={shlex.quote(v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
