#!/usr/bin/env bash
# make matrix: the quick plan on every kernel variant (ci/variants.json,
# "matrix": true), one after another (never two kernel builds at once),
# and for each page size the refusal tests with rodata=off, then one
# table: variant, page and block size, blocks cycled, tests
# passed/failed/expected-skip, kernel build time (latest cold and warm),
# wall time, and what rodata=off did (the leaves ptdump showed over the
# movable boot blocks, how many were refused and how many could go).
#
#   ci/matrix.sh [VARIANT...]     default: every matrix variant
#
# Each variant's run is a run.sh results directory, results/matrix/NAME;
# the table is results/matrix/table.md (also printed).
# Exit: 0 every variant passed; 1 one failed; 2 a variant could not run.
# Parsed whole before it runs.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"
cd "$REPO_ROOT"

if [ $# -gt 0 ]; then
	variants=("$@")
else
	mapfile -t variants < <(/usr/bin/python3 ci/variant.py --matrix) || exit 2
fi
out=results/matrix
mkdir -p "$out"
worst=0
for v in "${variants[@]}"; do
	key=$(/usr/bin/python3 ci/variant.py "$v" | sed -n "s/^variant_key=//p" | tr -d "'") || exit 2
	step "matrix: $v (./run.sh --quick --variant $v), log $out/$key.log"
	t0=$(date +%s)
	./run.sh --quick --variant "$v" --results "$out/$key" > "$out/$key.log" 2>&1
	rc=$?
	echo "$(( $(date +%s) - t0 ))" > "$out/$key/wall_s"
	echo "$rc" > "$out/$key/exit"
	step "matrix: $v exit $rc: $(grep -m1 '  verdict:' "$out/$key.log" | sed 's/^ *//')"
	case $rc in 0) ;; 1|3) [ "$worst" = 2 ] || worst=1 ;; *) worst=2 ;; esac
	# rodata=off once per page size: KASAN does not change the linear map.
	case ",$v," in *,kasan,*) continue ;; esac
	step "matrix: $v with rodata=off (refusal tests), log $out/$key-rodata-off.log"
	./run.sh --quick --variant "$v" --append rodata=off --tests bootmem_refusal_test \
		--results "$out/$key-rodata-off" > "$out/$key-rodata-off.log" 2>&1
	rc=$?
	step "matrix: $v rodata=off exit $rc: $(grep -m1 '  verdict:' "$out/$key-rodata-off.log" | sed 's/^ *//')"
	case $rc in 0) ;; 1|3) [ "$worst" = 2 ] || worst=1 ;; *) worst=2 ;; esac
done
/usr/bin/python3 - "$out" "$BOOTMEM_CACHE/build-times" "$DEFAULT_KERNEL" "${variants[@]}" <<'PY' | tee "$out/table.md"
import json, re, subprocess, sys
from pathlib import Path

out, times_file, kernel, variants = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
builds = {}
if times_file.exists():
    for line in times_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            builds.setdefault(parts[0], {})[parts[1]] = int(parts[2])


def size(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def rodata_off(rdir):
    """What the rodata=off refusal run saw, from its metrics and verdict."""
    try:
        vd = json.loads((rdir / "verdict.json").read_text())
    except (OSError, ValueError):
        return "not run"
    leaves = None
    metrics = rdir / "metrics.jsonl"
    for line in (metrics.read_text().splitlines() if metrics.exists() else []):
        r = json.loads(line)
        if r.get("kind") == "rodata_leaves":
            leaves = r
    if not leaves:
        return f"no leaf report ({vd['verdict'].split(':')[0]})"
    return (f"{leaves['leaves']}: {leaves['refused']} refused, {leaves['markable']} markable "
            f"({vd['verdict'].split(':')[0]})")


print("| variant | page | block | blocks cycled | passed | failed | expected skips | "
      "unexpected skips | kernel build cold / warm | wall | verdict | rodata=off |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for v in variants:
    key = subprocess.run(["/usr/bin/python3", "ci/variant.py", v], capture_output=True,
                         text=True).stdout
    key = re.search(r"variant_key='?([^'\n]+)", key).group(1)
    rdir = out / key
    console = (rdir / "console.log").read_text(errors="replace") if (rdir / "console.log").exists() else ""
    m = re.search(r"sizes: page (\d+) bytes, memory block (\d+) bytes", console)
    page, block = (size(int(m.group(1))), size(int(m.group(2)))) if m else ("?", "?")
    cycled = 0
    if (rdir / "metrics.jsonl").exists():
        for line in (rdir / "metrics.jsonl").read_text().splitlines():
            r = json.loads(line)
            if r.get("kind") == "phase" and r.get("phase") == "remove" and not r.get("err"):
                cycled += 1
    try:
        vd = json.loads((rdir / "verdict.json").read_text())
    except (OSError, ValueError):
        vd = {"verdict": f"no verdict (exit {(rdir / 'exit').read_text().strip() if (rdir / 'exit').exists() else '?'})"}
    b = builds.get(f"{kernel}-{key}", {})
    build = f"{b.get('cold', '-')} s / {b.get('warm', '-')} s"
    wall = (rdir / "wall_s").read_text().strip() if (rdir / "wall_s").exists() else "?"
    skipped, unexpected = vd.get("skipped", 0), vd.get("unexpected_skips", 0)
    print(f"| {key} | {page} | {block} | {cycled} | {vd.get('passed', '-')} | {vd.get('failed', '-')} | "
          f"{skipped - unexpected} | {unexpected} | {build} | {wall} s | {vd['verdict'].split(':')[0]} | "
          f"{'-' if 'kasan' in key else rodata_off(out / (key + '-rodata-off'))} |")
PY
exit "$worst"
exit
}
