#!/usr/bin/python3
"""The kernels the series targets, from ci/kernels.json, for shell and CI.

    kernels.py shell                 KERNELS=... DEFAULT_KERNEL=... for eval
    kernels.py default               the default kernel
    kernels.py source KERNEL         its Debian source package
    kernels.py sources               every source package of the host's suite, one per line
    kernels.py suite KERNEL          the Debian suite its packages come from when it is
                                     not the host's (unstable, experimental), else empty
    kernels.py patches KERNEL        its patch directory (relative to the repo)
    kernels.py stock KERNEL VARIANT  Debian's stock metapackage of that variant
    kernels.py stock-controls        "KERNEL VARIANT" per stock control, one per line
    kernels.py usage                 run.sh --help's lines for --kernel
    kernels.py github-matrix [--forward]  the kernels as a JSON list (the workflow's
                                     matrix); --forward adds the forward rows
    kernels.py forward               the forward rows, one per line (check-series only)

source, suite and patches also answer for a forward row (ci/kernels.json
"forward": a kernel the series is only applied to and built against).

Exit 2 names an unknown kernel, a variant Debian ships no stock kernel of,
or a table that breaks its own rules (not exactly one default, a missing
patch directory, a version that is no path component).
"""
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "ci/kernels.json"


class TableError(Exception):
    pass


def load(path=TABLE):
    """The rows, checked: the one table every script trusts."""
    kernels = json.loads(path.read_text())["kernels"]
    defaults = [k for k, row in kernels.items() if row.get("default")]
    if len(defaults) != 1:
        raise TableError(f"{path.name}: want exactly one default kernel, have {defaults or 'none'}")
    for k, row in kernels.items():
        if not re.fullmatch(r"[0-9]+\.[0-9]+", k):
            raise TableError(f"{path.name}: kernel '{k}' is no MAJOR.MINOR version")
        for key in ("source", "patches"):
            if not row.get(key):
                raise TableError(f"{path.name}: kernel {k} has no '{key}'")
        if not (path.parent.parent / row["patches"]).is_dir():
            raise TableError(f"{path.name}: kernel {k}'s patch directory {row['patches']} is missing")
    return kernels


def load_forward(path=TABLE):
    """Forward rows: a source to try the series on, nothing more."""
    forward = json.loads(path.read_text()).get("forward", {})
    for k, r in forward.items():
        if not re.fullmatch(r"[0-9]+\.[0-9]+", k) or not r.get("source") or not r.get("patches"):
            raise TableError(f"{path.name}: forward kernel '{k}' needs a MAJOR.MINOR name, a source and patches")
    return forward


def version_key(k):
    """MAJOR.MINOR as a number pair, so that 6.12 sorts after 6.1 and 7.2 after both."""
    return tuple(int(x) for x in k.split("."))


def default(kernels):
    return next(k for k, row in kernels.items() if row.get("default"))


def row(kernels, k):
    if k not in kernels:
        raise TableError(f"no kernel '{k}': the series targets {' '.join(kernels)}")
    return kernels[k]


def usage(kernels):
    """run.sh --help's --kernel entry, so the text never lists a kernel the
    table lacks or misses one it has."""
    names = "|".join(kernels)
    d = default(kernels)
    lines = [f"  --kernel {names:<12} Debian's linux-source of that version with its series",
             f"                       ({row(kernels, d)['patches'].rsplit('/', 1)[0]}/VERSION; default {d}), or with --stock",
             "                       its stock kernel"]
    return "\n".join(lines)


def stock_controls(kernels):
    return [(k, v) for k, r in kernels.items() for v in r.get("stock", {})]


def main(argv):
    try:
        kernels = load()
        forward = load_forward()
        either = {**forward, **kernels}
        cmd, args = (argv[0], argv[1:]) if argv else ("", [])
        if cmd == "shell" and not args:
            print(f"KERNELS='{' '.join(kernels)}'")
            print(f"DEFAULT_KERNEL='{default(kernels)}'")
            print(f"FORWARD_KERNELS='{' '.join(forward)}'")
        elif cmd == "default" and not args:
            print(default(kernels))
        elif cmd == "source" and len(args) == 1:
            print(row(either, args[0])["source"])
        elif cmd == "sources" and not args:
            # The host suite's: install-deps.sh installs these; another
            # suite's are downloaded (debian-suite.sh), never installed.
            print("\n".join(r["source"] for r in kernels.values() if "suite" not in r))
        elif cmd == "suite" and len(args) == 1:
            print(row(either, args[0]).get("suite", ""))
        elif cmd == "patches" and len(args) == 1:
            print(row(either, args[0])["patches"])
        elif cmd == "stock" and len(args) == 2:
            stock = row(kernels, args[0]).get("stock", {})
            if args[1] not in stock:
                have = ", ".join(f"{k} {v}" for k, v in stock_controls(kernels))
                raise TableError(f"Debian ships no stock {args[0]} arm64 kernel of variant "
                                 f"'{args[1]}' (ci/kernels.json has: {have})")
            print(stock[args[1]])
        elif cmd == "stock-controls" and not args:
            print("\n".join(f"{k} {v}" for k, v in stock_controls(kernels)))
        elif cmd == "usage" and not args:
            print(usage(kernels))
        elif cmd == "forward" and not args:
            print("\n".join(forward))
        elif cmd == "github-matrix" and args in ([], ["--forward"]):
            print(json.dumps(list(kernels) + (list(forward) if args else [])))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (TableError, OSError, ValueError, KeyError) as e:
        print(f"kernels.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
