#!/usr/bin/python3
"""make matrix's table, from the results directories ci/matrix.sh made:
variant, page and block size, blocks cycled, tests passed/failed/skipped,
kernel build time (latest cold and warm), wall time, verdict, and what the
rodata=off refusal run saw. Reads every record through ci/protocol.py.

    matrix_table.py OUT BUILD_TIMES KERNEL VARIANT...

OUT: results/matrix; BUILD_TIMES: the cache's build-times file
(build-kernel.sh appends "KERNEL-VARIANT cold|warm SECONDS"). Prints a
Markdown table; exit 2 when a record breaks selftests/lib/protocol.def.
"""
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402


def size(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def verdict_word(vd):
    return vd["verdict"].split(":")[0]


def rodata_off(rdir):
    """What the rodata=off refusal run saw, from its metrics and verdict."""
    vd = protocol.read_verdict(rdir)
    if vd is None:
        return "not run"
    leaves = protocol.records(rdir, "rodata_leaves")
    if not leaves:
        return f"no leaf report ({verdict_word(vd)})"
    r = leaves[-1]
    return f"{r['leaves']}: {r['refused']} refused, {r['markable']} markable ({verdict_word(vd)})"


def build_times(path):
    builds = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3:
                builds.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return builds


def row(out, key, kernel, builds):
    rdir = out / key
    console = (rdir / "console.log").read_text(errors="replace") if (rdir / "console.log").exists() else ""
    sizes = protocol.console_value(console, "SIZES") or ""
    m = re.search(r"page (\d+) bytes, memory block (\d+) bytes", sizes)
    page, block = (size(int(m.group(1))), size(int(m.group(2)))) if m else ("?", "?")
    cycled = sum(1 for r in protocol.records(rdir, "phase")
                 if r["phase"] == "remove" and not r.get("err"))
    vd = protocol.read_verdict(rdir)
    if vd is None:
        code = (rdir / "exit").read_text().strip() if (rdir / "exit").exists() else "?"
        vd = {"verdict": f"no verdict (exit {code})"}
    b = builds.get(f"{kernel}-{key}", {})
    build = f"{b.get('cold', '-')} s / {b.get('warm', '-')} s"
    wall = (rdir / "wall_s").read_text().strip() if (rdir / "wall_s").exists() else "?"
    skipped, unexpected = vd.get("skipped", 0), vd.get("unexpected_skips", 0)
    rodata = "-" if "kasan" in key else rodata_off(out / (key + "-rodata-off"))
    return (f"| {key} | {page} | {block} | {cycled} | {vd.get('passed', '-')} | "
            f"{vd.get('failed', '-')} | {skipped - unexpected} | {unexpected} | {build} | "
            f"{wall} s | {verdict_word(vd)} | {rodata} |")


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out, times, kernel, variants = Path(argv[0]), Path(argv[1]), argv[2], argv[3:]
    builds = build_times(times)
    lines = ["| variant | page | block | blocks cycled | passed | failed | expected skips | "
             "unexpected skips | kernel build cold / warm | wall | verdict | rodata=off |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    try:
        for v in variants:
            res = subprocess.run([sys.executable, str(Path(__file__).parent / "variant.py"), v],
                                 capture_output=True, text=True)
            m = re.search(r"variant_key='?([^'\n]+)", res.stdout)
            if res.returncode or not m:
                print(f"matrix_table.py: no variant {v}: {res.stderr.strip()}", file=sys.stderr)
                return 2
            lines.append(row(out, m.group(1), kernel, builds))
    except protocol.ProtocolError as e:
        print(f"matrix_table.py: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
