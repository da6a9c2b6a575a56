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
/usr/bin/python3 ci/matrix_table.py "$out" "$BOOTMEM_CACHE/build-times" "$DEFAULT_KERNEL" "${variants[@]}" \
	| tee "$out/table.md"
[ "${PIPESTATUS[0]}" = 0 ] || worst=2
exit "$worst"
exit
}
