#!/usr/bin/env bash
# Make sure the Debian source package of a kernel in ci/kernels.json (the
# default kernel's when none is named) is extracted, unpatched, in the cache and print its path: the suite builds
# with the kselftest framework from it (kselftest_harness.h, lib.mk,
# kselftest/runner.sh), and the kernel builds start from it.
#
#   pristine-source.sh [KERNEL]
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=${1:-$DEFAULT_KERNEL}
check_kernel "$kver"
pkg=$(kernels_py source "$kver") || exit 2
tarball=/usr/src/$pkg.tar.xz
[ -f "$tarball" ] || die "$tarball missing: run qemu-images/host/install-deps.sh"
srcver=$(dpkg-query -W -f='${Version}' "$pkg")
pristine="$BOOTMEM_CACHE/src/pristine-$srcver/$pkg"
[ -f "$pristine/Makefile" ] || cache_lock pristine-source
if [ ! -f "$pristine/Makefile" ]; then
	step "kernel source: extracting $pkg $srcver (about 15 s)"
	rm -rf "$(dirname "$pristine")"
	mkdir -p "$(dirname "$pristine")"
	tar -C "$(dirname "$pristine")" -xf "$tarball"
fi
echo "$pristine"
