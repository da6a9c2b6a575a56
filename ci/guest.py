#!/usr/bin/python3
"""The one builder of a guest's kernel command line and of the start of
its QEMU command, from ci/arches.json: run.sh (through boot-guest.sh), the
lending orchestrator (ci/lend.py) and the LAVA job generator all take them
from here, so a QEMU run, a lending pair and a lab boot the same way.

    guest.py cmdline --arch A [--movable SIZE] [--no-console] [WORD...]
                       the kernel command line: the console of A (unless
                       a lab's device names it: --no-console), the words
                       every guest has, A's own (arches.json "cmdline"),
                       movablecore=SIZE, then WORDs
    guest.py qemu --arch A [--machine M] [--cpu C]
                       QEMU's binary, -M and -cpu of A (a plan may name its
                       own machine or CPU), one shell-quoted word each

Exit 2 names an unknown architecture.
"""
import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arch  # noqa: E402  (ci/arch.py: the rows of ci/arches.json)

# What every guest's kernel does with trouble: warnings and worse reach the
# console (the report reads splats from it), an oops is a panic, a panic
# ends the guest at once (the host sees a dead guest, not a hang), and a
# WARN alone does not panic: the report fails the run on it instead, with
# the rest of the console intact. SysRq is on whatever the kernel's default,
# so that the host's watchdog can ask a silent guest for backtraces
# (qemu-images/host/boot-guest.sh) before it kills it.
EVERY_GUEST = ["loglevel=5", "oops=panic", "panic=-1", "panic_on_warn=0",
               "sysrq_always_enabled"]


def cmdline(arch_name, movable=None, words=(), console=True):
    """The guest's kernel command line, as one string."""
    row = arch.row(arch_name)
    parts = [f"console={row['console']}"] if console else []
    parts += EVERY_GUEST + row.get("cmdline", [])
    if movable:
        parts.append(f"movablecore={movable}")
    parts += [w for w in words if w]
    return " ".join(parts)


def qemu(arch_name, machine=None, cpu=None):
    """QEMU's binary, -M and -cpu for the architecture, as argv words."""
    row = arch.row(arch_name)
    return [row["qemu"], "-M", machine or row["machine"], "-cpu", cpu or row["cpu"]]


def main(argv):
    ap = argparse.ArgumentParser(prog="guest.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cmdline")
    c.add_argument("--arch", required=True)
    c.add_argument("--movable")
    c.add_argument("--no-console", action="store_true")
    c.add_argument("words", nargs="*")
    q = sub.add_parser("qemu")
    q.add_argument("--arch", required=True)
    q.add_argument("--machine")
    q.add_argument("--cpu")
    a = ap.parse_args(argv)
    try:
        if a.what == "cmdline":
            # Words arrive as the shell split them, or as one string.
            words = " ".join(a.words).split()
            print(cmdline(a.arch, a.movable, words, console=not a.no_console))
        else:
            print(" ".join(shlex.quote(w) for w in qemu(a.arch, a.machine, a.cpu)))
    except KeyError as e:
        print(f"guest.py: {e.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
