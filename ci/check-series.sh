#!/usr/bin/env bash
# make check-series [KERNEL=6.12|7.3]: every patch of the series as posted
# (ci/series.sh: fixtures/kernel/patches/KERNEL, then the test module made from
# fixtures/kernel/lib) builds on its own, and each passes
# checkpatch --strict. Applies the series one patch at a time in a work
# tree of its own (so the cached builds are untouched) and builds Image and
# modules after each; a Kconfig option a patch adds is switched on (as a
# module where it can be) so that its code is built too. ccache keeps this
# to minutes. KERNEL may be a forward row of ci/kernels.json (7.3: the
# 7.2 series on experimental's release candidate), tried only here: each
# patch applied and checked, the whole series built once.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"

kver=${1:-$DEFAULT_KERNEL}
check_series_kernel "$kver"
pristine=$("$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver") || exit 2
work="$BOOTMEM_CACHE/work/series-check-$kver"
src="$work/$(kernels_py source "$kver")" || exit 2
out="$work/build"
# A fresh tree and build directory each time: the pristine copy keeps its
# old mtimes, so objects left from the last patch of an earlier run would
# look newer than the sources and be linked into the first patch's build.
# ccache keeps the full rebuild short.
cache_lock "series-check-$kver"
# Builds of any kernel take turns (qemu-images/host/build-kernel.sh).
cache_lock kernel-build
rm -rf "$src" "$out"
mkdir -p "$work" "$out"
cp -a "$pristine" "$src"
kmake() { make -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="ccache $CROSS" "$@"; }
kmake -s allnoconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$REPO_ROOT/fixtures/kernel/configs/suite.config" \
	"$REPO_ROOT/fixtures/kernel/configs/base.config" >/dev/null
# The menu the kernel's test modules (lib/test_*) live under, so that an
# option the series adds there can be switched on.
"$src/scripts/config" --file "$out/.config" --enable RUNTIME_TESTING_MENU
kmake -s olddefconfig

mapfile -t posted < <("$REPO_ROOT/ci/series.sh" "$work/series" "$kver") && [ "${#posted[@]}" -gt 0 ] || exit 2
passed=0 failed=0
# A forward kernel (a release candidate the series is only tried on) is
# built once, with the whole series: the question is whether it applies
# and builds there; that each patch builds on its own is the target
# kernel's check. Each patch that touches a widely included header costs
# a full rebuild, about 12 min here, three times in this series.
forward=
! kernels_py forward | grep -qxF "$kver" || forward=1
# The series as a whole: numbering, the cover letter's counts, trailers,
# sign-offs (ci/posting.py holds the rules).
if faults=$(/usr/bin/python3 "$REPO_ROOT/ci/posting.py" lint "$work/series"); then
	echo "PASS  the series: ${#posted[@]} patches numbered and counted alike, trailers parse, each signed by its author"
	passed=$((passed + 1))
else
	echo "FAIL  the series as posted:"; printf '      %s\n' "$faults"
	failed=$((failed + 1))
fi
for p in "${posted[@]}"; do
	name=$(basename "$p")
	if ! patch -d "$src" -p1 --forward --no-backup-if-mismatch < "$p" > "$work/$name.patch.log" 2>&1; then
		echo "FAIL  $name: does not apply to $(basename "$pristine") $(basename "$(dirname "$pristine")" | sed 's/^pristine-//'): $(
			awk '/^patching file / { f = $3 } /FAILED|can.t find file|Reversed/ { print f ": " $0 }' \
				"$work/$name.patch.log" | paste -sd';' -)"
		failed=$((failed + 1))
		break
	fi
	options=$(sed -n 's/^+config //p' "$p")
	for o in $options; do
		"$src/scripts/config" --file "$out/.config" --module "$o"
	done
	[ -z "$options" ] || kmake -s olddefconfig
	for o in $options; do
		if grep -q "^CONFIG_$o=[my]" "$out/.config"; then
			echo "PASS  $name: adds CONFIG_$o, which builds ($(grep "^CONFIG_$o=" "$out/.config"))"; passed=$((passed + 1))
		else
			echo "FAIL  $name: adds CONFIG_$o, which this configuration cannot select"; failed=$((failed + 1))
		fi
	done
	if (cd "$src" && checkpatch_patch "$p") > "$work/$name.checkpatch" 2>&1; then
		echo "PASS  $name: checkpatch --strict"; passed=$((passed + 1))
	else
		echo "FAIL  $name: checkpatch --strict"; cat "$work/$name.checkpatch"; failed=$((failed + 1))
	fi
	if [ -n "$forward" ] && [ "$p" != "${posted[-1]}" ]; then
		echo "SKIP  $name: built with the whole series, after the last patch (a forward kernel)"
		continue
	fi
	newc_from=("$p")
	[ -z "$forward" ] || newc_from=("${posted[@]}")
	t0=$(date +%s)
	if kmake -j"$(nproc)" Image modules > "$work/$name.build.log" 2>&1 &&
	   ! grep -E '(warning|error):' "$work/$name.build.log" | grep -v 'override: ARM64_VA_BITS' > "$work/$name.warnings"; then
		echo "PASS  $name: builds $([ -n "$forward" ] && echo 'with the whole series' || echo 'on its own'), no warnings ($(( $(date +%s) - t0 )) s)"
		passed=$((passed + 1))
		# A C file the patch adds must have been compiled, not skipped.
		for c in $(awk '/^new file mode/ { new = 1; next } new && /^\+\+\+ b\/.*\.c$/ { print substr($2, 3); new = 0 }' "${newc_from[@]}"); do
			if [ -f "$out/${c%.c}.o" ]; then
				echo "PASS  $name: its new $c is compiled"; passed=$((passed + 1))
			else
				echo "FAIL  $name: its new $c was not compiled"; failed=$((failed + 1))
			fi
		done
	else
		echo "FAIL  $name: build (log $work/$name.build.log)"
		head -20 "$work/$name.warnings" 2>/dev/null; tail -20 "$work/$name.build.log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
exit
}
