#!/usr/bin/python3
"""One guest architecture's row of ci/arches.json, for shell.

    arch.py NAME      prints arch_qemu=... arch_machine=... (every key of the
                      row, and arch_ref_kernel, arch_ref_stock of a reference)

Exit 2 names an unknown architecture.
"""
import json
import shlex
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "arches.json"


def load():
    return json.loads(TABLE.read_text())["arches"]


def row(name):
    arches = load()
    if name not in arches:
        raise KeyError(f"no architecture '{name}' (ci/arches.json has: {', '.join(arches)})")
    return arches[name]


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        r = row(argv[0])
    except KeyError as e:
        print(f"arch.py: {e.args[0]}", file=sys.stderr)
        return 2
    for k, v in r.items():
        if k == "reference":
            for rk, rv in v.items():
                print(f"arch_ref_{rk}={shlex.quote(rv)}")
        elif isinstance(v, list):
            # Words (the command line's): one shell string, space-separated.
            print(f"arch_{k}={shlex.quote(' '.join(v))}")
        else:
            print(f"arch_{k}={shlex.quote(v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
