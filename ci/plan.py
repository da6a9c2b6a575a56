#!/usr/bin/python3
"""Print a plan's settings from ci/plans.json, for shell or for C.

    plan.py NAME[,MODIFIER...]     e.g. plan.py quick,rodata-off
    plan.py --c-header             the C programs' defaults (plan_defaults.h)

run.sh evaluates the output, so the defaults live in plans.json alone:
  plan_cycles plan_stress_s plan_pressure_pct plan_stress_boot_blocks plan_silence_s
  plan_program_timeout_s plan_append plan_x86_cpu plan_x86_machine plan_mem plan_movable
A modifier's settings override the base plan's; appends add up. x86_cpu
and x86_machine (QEMU's -cpu and -M of an x86 plan), mem and movable (the
guest's size) are optional: empty means boot-guest.sh's or the variant's.
Exit 2 names an unknown plan.
"""
import json
import shlex
import sys
from pathlib import Path

KEYS = ["cycles", "stress_s", "pressure_pct", "stress_boot_blocks", "silence_s", "program_timeout_s"]


def c_header(plans):
    """What a program run by hand (make run_tests on a board) falls back on:
    the default plan, and the soak plan's pressure for --soak-hours."""
    d, soak = plans["default"], plans["soak"]
    print("/* Generated from ci/plans.json by ci/plan.py --c-header: do not edit. */")
    print("#ifndef BOOTMEM_PLAN_DEFAULTS_H\n#define BOOTMEM_PLAN_DEFAULTS_H")
    print(f"#define PLAN_CYCLES {int(d['cycles'])}")
    print(f"#define PLAN_STRESS_S {int(d['stress_s'])}")
    print(f"#define PLAN_PRESSURE_PCT {int(d['pressure_pct'])}")
    print(f"#define PLAN_SOAK_PRESSURE_PCT {int(soak['pressure_pct'])}")
    print(f"#define PLAN_STRESS_BOOT_BLOCKS {int(d['stress_boot_blocks'])}")
    print("#endif")
    return 0


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    plans = json.loads((Path(__file__).resolve().parent / "plans.json").read_text())["plans"]
    if sys.argv[1] == "--c-header":
        return c_header(plans)
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
