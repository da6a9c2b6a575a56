#!/usr/bin/python3
"""Print a kernel variant's settings from ci/variants.json, for shell.

    variant.py NAME[,NAME...]     e.g. variant.py 64k,kasan
    variant.py --matrix           the variants make matrix runs, one per line

Prints, for eval:
  variant_key        the name as a path component (64k+kasan)
  variant_fragments  fixtures/kernel/configs fragments after base.config, space-separated
  variant_mem variant_movable   the guest's default --mem and --movable
Exit 2 names an unknown variant or a pair that ci/variants.json excludes.
"""
import json
import shlex
import sys
from pathlib import Path


def size_mb(s):
    return int(s[:-1]) * (1024 if s[-1] in "Gg" else 1)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = json.loads((Path(__file__).resolve().parent / "variants.json").read_text())
    variants = data["variants"]
    if sys.argv[1] == "--matrix":
        print("\n".join(n for n, v in variants.items() if v.get("matrix")))
        return 0
    names = [n for n in sys.argv[1].split(",") if n]
    if not names:
        print("variant.py: no variant named", file=sys.stderr)
        return 2
    for n in names:
        if n not in variants:
            print(f"variant.py: no variant '{n}' in ci/variants.json (have: {', '.join(variants)})",
                  file=sys.stderr)
            return 2
    for ex in data.get("excludes", []):
        if all(p in names for p in ex["pair"]):
            print(f"variant.py: {' with '.join(ex['pair'])} is no variant: {ex['why']}",
                  file=sys.stderr)
            return 2
    # The 4K default has no fragment: "kasan" alone is 4K with KASAN.
    names = sorted(set(names), key=list(variants).index)
    fragments = [f for n in names for f in variants[n]["fragments"]]
    mem = max((variants[n]["mem"] for n in names), key=size_mb)
    movable = max((variants[n]["movable"] for n in names), key=size_mb)
    print(f"variant_key={shlex.quote('+'.join(names))}")
    print(f"variant_fragments={shlex.quote(' '.join(fragments))}")
    print(f"variant_mem={shlex.quote(mem)}")
    print(f"variant_movable={shlex.quote(movable)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
