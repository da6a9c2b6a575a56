#!/usr/bin/env bash
# make mutants: prove the suite fails when the kernel is broken. Each
# fixtures/mutants/*.patch injects one bug on top of the series; its header
# names the tests that must catch it ("Tests:", program names or test names
# such as bootmem.first_cycle_returns_boot_memmap_and_tables), extra kernel
# command line if any ("Append:"), seconds of stress if any ("Stress:") and
# other run.sh options the tests need if any ("Options:", e.g. --initrd-high),
# and a longer watchdog if the run needs one ("Duration:" seconds, e.g. for
# a KASAN kernel). KERNEL=6.12 runs them on the 6.12 series, each in its
# fixtures/mutants/6.12/ version where it has one.
#
# A mutant is CAUGHT only when the run failed (run.sh exit 1) and a test
# its Tests: header names is "not ok" in that run's results: failing for
# some other reason proves nothing about the check it claims. A run that
# could not test at all (exit 2: the kernel or image did not build; a
# traceback in the report) is an ERROR, not a catch. A mutant that passes,
# or whose named tests all passed, SURVIVED. Ends with a table: mutant,
# expected tests, tests that failed, verdict.
#
#   ci/run-mutants.sh [NAME...]      default: every mutant
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"
cd "$REPO_ROOT"

kver=${KERNEL:-$DEFAULT_KERNEL}
# A mutant is written against the 6.1 series; where the kernel changed
# under it, fixtures/mutants/KVER/NAME.patch is the same bug for KVER
# (mutant_for_kernel, common.sh).
mutant_file() {
	mutant_for_kernel "fixtures/mutants/${1%.patch}.patch" "$kver"
}
mutants=()
if [ $# -gt 0 ]; then
	for n in "$@"; do mutants+=("$(mutant_file "$n")"); done
else
	for m in fixtures/mutants/*.patch; do mutants+=("$(mutant_file "$(basename "$m")")"); done
fi
for m in "${mutants[@]}"; do
	[ -f "$m" ] || { echo "run-mutants.sh: no mutant $m" >&2; exit 2; }
	grep -q '^Tests: ' "$m" || { echo "run-mutants.sh: $m has no Tests: header" >&2; exit 2; }
done
check_kernel "$kver"
out=results/mutants-$kver
mkdir -p "$out"
caught=0 survived=0 errors=0 judged=0
rows=()
# A run stopped by TERM or INT (a board farm's job timeout, ^C) still
# writes its table: the mutants it did not judge are NOT RUN rows, and the
# exit is 2, never a pass. The mutant under way when it stopped is not
# judged either: its guest was killed, not caught.
stopped=
trap 'stopped=1' TERM INT
for m in "${mutants[@]}"; do
	[ -z "$stopped" ] || break
	name=$(basename "$m" .patch)
	tests=$(sed -n 's/^Tests: //p' "$m" | head -1)
	append=$(sed -n 's/^Append: //p' "$m" | head -1)
	# Stress only where the header asks for it: it costs minutes per mutant.
	stress=$(sed -n 's/^Stress: //p' "$m" | head -1)
	read -r -a options <<< "$(sed -n 's/^Options: //p' "$m" | head -1)"
	# Tests: names programs or tests; run.sh --tests takes the programs,
	# found from the source that defines each test: fixture[.variant].name
	# is TEST_F(fixture, name).
	progs=$(for t in ${tests//,/ }; do
		case $t in
		bootmem_stress.*) ;;	# the stress driver: its Stress: header runs it
		*.*) grep -l -E "^TEST_F(_TIMEOUT)?\(${t%%.*}, ${t##*.}\b" selftests/*.c |
			xargs -r -n1 basename | sed 's/\.c$//' ;;
		*) echo "$t" ;;
		esac
	done | sort -u | paste -sd, -)
	step "mutant $name: must fail ${tests}${append:+, append $append}${options[*]:+, ${options[*]}}"
	# A broken kernel may hang silently: a tight watchdog keeps that short.
	duration=$(sed -n 's/^Duration: //p' "$m" | head -1)
	args=(--quick --kernel "$kver" --extra-patch "$m" --results "$out/$name" --seed 1
	      --stress "${stress:-0}" --duration $(( ${duration:-300} + ${stress:-0} )))
	if [ -n "$progs" ]; then
		args+=(--tests "$progs")
	else
		args+=(--tests none)
	fi
	[ -n "$append" ] && args+=(--append "$append")
	args+=(${options[@]+"${options[@]}"})
	SILENCE_S=120 ./run.sh "${args[@]}" > "$out/$name.log" 2>&1
	rc=$?
	[ -z "$stopped" ] || break
	judged=$((judged + 1))
	# Of the tests the header names, those that failed (ci/protocol.py);
	# a record that breaks the protocol is exit 2, an ERROR below.
	failed_named=$(/usr/bin/python3 ci/protocol.py failed-tests "$out/$name" "$tests")
	prc=$?
	# The first failure line: of a named test that failed, its first
	# "Expected" line, or rather the TH_LOG line of the same test that
	# follows it, which says in words what differed; else the first line
	# that reads like a failure (a passing test's "0 still read" included,
	# so only where no named test left an Expected line; lend.py's KTAP
	# puts the reason on the "not ok" line itself, after " # ").
	first=$(awk -F: -v names="$failed_named" '
		BEGIN { n = split(names, t, ","); for (i = 1; i <= n; i++) { sub(/^[^.]*\./, "", t[i]); want[t[i]] = 1 } }
		found == 1 { if ($1 == file && $3 == test) line = $0; found = 2 }
		!found && $0 ~ /Expected/ && ($3 in want) { line = $0; file = $1; test = $3; found = 1 }
		END { print line }' "$out/$name/results.ktap" 2>/dev/null | sed 's/^[# ]*//' | cut -c1-200)
	[ -n "$first" ] ||
	first=$(grep -h -A1 -m1 -E 'Expected|corrupted words|still|kernel splat|died|hung|runner says|not ok [0-9]+ [a-z_]+: |^not ok [0-9]+ [a-z_.0-9]+ # ' \
		"$out/$name/results.ktap" "$out/$name/summary.txt" 2>/dev/null | head -2 |
		awk -F: 'NR == 1 { first = $0; file = $1; test = $3 }
		     NR == 2 && first ~ /Expected/ && $1 == file && $3 == test { first = $0 }
		     END { print first }' | sed 's/^[# ]*//' | cut -c1-200)
	if grep -q '^Traceback' "$out/$name.log" || [ "$rc" = 2 ] || [ "$prc" != 0 ] ||
	   [ ! -s "$out/$name/verdict.json" ]; then
		errors=$((errors + 1)); verdict="ERROR (run.sh exit $rc: could not test, see $out/$name.log)"
	elif [ "$rc" = 1 ] && [ -n "$failed_named" ]; then
		caught=$((caught + 1)); verdict=CAUGHT
	elif [ "$rc" = 1 ]; then
		survived=$((survived + 1)); verdict="SURVIVED (the run failed, but none of its named tests)"
	else
		survived=$((survived + 1)); verdict="SURVIVED (run.sh exit $rc)"
	fi
	rows+=("$name|$tests|${failed_named:--}|$verdict|${first:-}")
	printf '%s  %s\n    failed: %s\n    %s\n' "$verdict" "$name" "${failed_named:--}" "${first:-}"
done
trap - TERM INT
notrun=$(( ${#mutants[@]} - judged ))
for m in "${mutants[@]:$judged}"; do
	rows+=("$(basename "$m" .patch)|$(sed -n 's/^Tests: //p' "$m" | head -1)|-|NOT RUN (the run was stopped)|")
done
{
	echo
	echo "| mutant | must fail | failed | verdict | first failure line |"
	echo "|---|---|---|---|---|"
	for r in "${rows[@]}"; do
		IFS='|' read -r n t f v l <<< "$r"
		echo "| $n | $t | $f | $v | \`$l\` |"
	done
	echo
	echo "$caught caught, $survived survived, $errors errors${stopped:+, $notrun not run (stopped)}"
} | tee "$out/summary.txt"
[ -z "$stopped" ] || exit 2
[ "$survived" = 0 ] && [ "$errors" = 0 ] && exit 0
[ "$errors" -gt 0 ] && [ "$survived" = 0 ] && exit 2
exit 1
exit
}
