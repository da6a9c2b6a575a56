#!/usr/bin/env bash
# make check-series: every patch of fixtures/patches builds on its own, and
# each passes checkpatch --strict. Applies the series one patch at a time in
# a work tree of its own (so the cached builds are untouched) and builds
# Image and modules after each; ccache keeps this to minutes.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/common.sh"

pristine=$("$REPO_ROOT/qemu-images/pristine-source.sh") || exit 2
work="$BOOTMEM_CACHE/work/series-check"
src="$work/linux-source-6.1"
out="$work/build"
rm -rf "$src"
mkdir -p "$work" "$out"
cp -a "$pristine" "$src"
kmake() { make -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="ccache $CROSS" "$@"; }
kmake -s allnoconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$REPO_ROOT/fixtures/configs/base.config" >/dev/null
kmake -s olddefconfig

passed=0 failed=0
for p in $(series_patches); do
	name=$(basename "$p")
	patch -d "$src" -p1 -s --forward < "$p" || { echo "FAIL  $name: does not apply"; failed=$((failed + 1)); break; }
	if (cd "$src" && scripts/checkpatch.pl "${CHECKPATCH_SERIES[@]}" -q "$p") > "$work/$name.checkpatch" 2>&1; then
		echo "PASS  $name: checkpatch --strict"; passed=$((passed + 1))
	else
		echo "FAIL  $name: checkpatch --strict"; cat "$work/$name.checkpatch"; failed=$((failed + 1))
	fi
	t0=$(date +%s)
	if kmake -j"$(nproc)" Image modules > "$work/$name.build.log" 2>&1 &&
	   ! grep -E '(warning|error):' "$work/$name.build.log" | grep -v 'override: ARM64_VA_BITS' > "$work/$name.warnings"; then
		echo "PASS  $name: builds on its own, no warnings ($(( $(date +%s) - t0 )) s)"; passed=$((passed + 1))
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
