#!/usr/bin/env bash
# make check: every check the project has, each counted once, ending with
# the plain "N passed, N failed" line. Exits non-zero on any failure.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/common.sh"
cd "$REPO_ROOT"

passed=0 failed=0
failures=()
pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL  %s\n' "$1"; }
# Counts the results of a TAP stream: one per test line, nested or not.
count_tap() {
	local file=$1 name=$2 line
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*) t=${line#ok [0-9]* }; printf 'SKIP  %s: %s(%s)\n' "$name" "${t%%# SKIP*}" "${line#*# SKIP }" ;;
		"ok "*) pass "$name: ${line#ok [0-9]* }" ;;
		"not ok "*) fail "$name: ${line#not ok [0-9]* }" ;;
		esac
	done < "$file"
}

qemu-images/install-deps.sh || { echo "make check: installing host packages failed"; exit 2; }
ksrc=$(qemu-images/pristine-source.sh) || exit 2
mkdir -p results
log=results/check-logs
mkdir -p "$log"

step "check: host unit tests of the suite's library"
make -s -C selftests/unit KSRC="$ksrc" run > "$log/unit.tap" 2>&1
grep -E '^(ok|not ok) ' "$log/unit.tap" > "$log/unit.results" || true
[ -s "$log/unit.results" ] || { cat "$log/unit.tap"; fail "unit tests: did not build or run"; }
count_tap "$log/unit.results" unit

step "check: the report writer on consoles recorded from real guests"
/usr/bin/python3 ci/test_report.py > "$log/report.tap" 2>&1
grep -E '^(ok|not ok) ' "$log/report.tap" > "$log/report.results" || true
[ -s "$log/report.results" ] || { cat "$log/report.tap"; fail "report tests: did not run"; }
grep -q '^not ok' "$log/report.results" && cat "$log/report.tap"
count_tap "$log/report.results" report

step "check: native build of the selftests (-Wall -Wextra -Werror)"
if make -s -C selftests KSRC="$ksrc" OUTPUT="$BOOTMEM_CACHE/suite-native" > "$log/native.log" 2>&1; then
	pass "selftests build natively"
else
	cat "$log/native.log"; fail "selftests build natively"
fi

step "check: checkpatch --strict on the series and the test driver"
# From inside the kernel tree: run from our git checkout, checkpatch takes
# a tracked .patch for a source file and checks the diff's own lines.
if (cd "$ksrc" && scripts/checkpatch.pl --strict -q "$REPO_ROOT"/fixtures/patches/*.patch &&
    scripts/checkpatch.pl --strict -q --no-tree -f \
	"$REPO_ROOT/fixtures/test_bootmem_hotplug/test_bootmem_hotplug.c") > "$log/checkpatch.log" 2>&1; then
	pass "checkpatch --strict: series and driver clean"
else
	cat "$log/checkpatch.log"; fail "checkpatch --strict"
fi

step "check: the CI workflow is valid YAML with the two README commands"
if /usr/bin/python3 ci/lint-workflow.py ci/github-workflow.yml > "$log/workflow.log" 2>&1; then
	pass "ci/github-workflow.yml"
else
	cat "$log/workflow.log"; fail "ci/github-workflow.yml"
fi

step "check: QEMU run on the patched kernel (must pass)"
./run.sh --quick --results results/check-patched
rc=$?
/usr/bin/python3 - results/check-patched/metrics.jsonl > "$log/patched.results" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("kind") == "result":
        mark = {"pass": "ok", "skip": "ok", "fail": "not ok"}[r["status"]]
        skip = " # SKIP " + r["reason"] if r["status"] == "skip" else ""
        print(f"{mark} 1 {r['test']}{skip}")
PY
count_tap "$log/patched.results" patched
if [ "$rc" = 0 ]; then pass "patched kernel: run.sh exit 0"; else fail "patched kernel: run.sh exit $rc (see results/check-patched/summary.txt)"; fi

step "check: QEMU run on Debian's stock kernel (must report the refusal, never pass)"
./run.sh --quick --stock --results results/check-stock
rc=$?
if [ "$rc" = 3 ] && grep -q "boot-memory offline refused" results/check-stock/summary.txt &&
   ! grep -q '^  PASS ' results/check-stock/summary.txt; then
	pass "stock kernel: reported as refusing boot-memory offline, no test passed (exit 3)"
else
	fail "stock kernel: expected exit 3 with 'boot-memory offline refused', got exit $rc"
fi

echo
for f in ${failures[@]+"${failures[@]}"}; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
exit
}
