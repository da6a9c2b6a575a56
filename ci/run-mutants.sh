#!/usr/bin/env bash
# make mutants: prove the suite fails when the kernel is broken. Each
# fixtures/mutants/*.patch injects one bug on top of the series; its header
# names the tests that must catch it ("Tests:"), extra kernel command line
# if any ("Append:") and seconds of stress if any ("Stress:"). A mutant is caught when run.sh exits 1 (a test
# failed, the kernel splatted or the guest died); one that passes, or that
# only skips, survived, and that fails this target.
#
#   ci/run-mutants.sh [NAME...]      default: every mutant
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/common.sh"
cd "$REPO_ROOT"

if [ $# -gt 0 ]; then
	mutants=()
	for n in "$@"; do mutants+=("fixtures/mutants/${n%.patch}.patch"); done
else
	mutants=(fixtures/mutants/*.patch)
fi
out=results/mutants
mkdir -p "$out"
caught=0 survived=0
table=()
for m in "${mutants[@]}"; do
	[ -f "$m" ] || { echo "no mutant $m"; exit 2; }
	name=$(basename "$m" .patch)
	tests=$(sed -n 's/^Tests: //p' "$m" | head -1)
	append=$(sed -n 's/^Append: //p' "$m" | head -1)
	# Stress only where the header asks for it: it costs minutes per mutant.
	stress=$(sed -n 's/^Stress: //p' "$m" | head -1)
	step "mutant $name: tests ${tests:-all}${append:+, append $append}"
	# A broken kernel may hang silently: a tight watchdog keeps that short.
	args=(--extra-patch "$m" --results "$out/$name" --seed 1 --stress "${stress:-0}"
	      --duration $(( 240 + ${stress:-0} )))
	[ -n "$tests" ] && args+=(--tests "$tests")
	[ -n "$append" ] && args+=(--append "$append")
	SILENCE_S=120 ./run.sh "${args[@]}" > "$out/$name.log" 2>&1
	rc=$?
	# The first line that names what went wrong.
	why=$(grep -m1 -E '^  verdict:' "$out/$name/summary.txt" 2>/dev/null | sed 's/^  verdict: //')
	first=$(grep -h -m1 -E 'Expected|first corrupted|still|kernel splat|died|hung' "$out/$name/results.ktap" "$out/$name/summary.txt" 2>/dev/null | head -1 | sed 's/^[# ]*//')
	if [ "$rc" = 1 ]; then
		caught=$((caught + 1)); verdict=CAUGHT
	else
		survived=$((survived + 1)); verdict="SURVIVED (run.sh exit $rc)"
	fi
	table+=("$verdict  $name: ${first:-$why}")
	printf '%s  %s\n    %s\n' "$verdict" "$name" "${first:-$why}"
done
echo
printf '%s\n' "${table[@]}" | tee "$out/summary.txt"
echo "$caught caught, $survived survived"
[ "$survived" = 0 ]
exit
}
