#!/usr/bin/env bash
# Make sure Debian's linux-source-VERSION (6.1 by default, or 6.12) is
# extracted, unpatched, in the cache and print its path: the suite builds
# with the kselftest framework from it (kselftest_harness.h, lib.mk,
# kselftest/runner.sh), and the kernel builds start from it.
#
#   pristine-source.sh [6.1|6.12]
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=${1:-6.1}
check_kernel "$kver"
tarball=/usr/src/linux-source-$kver.tar.xz
[ -f "$tarball" ] || die "$tarball missing: run qemu-images/install-deps.sh"
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$kver")
pristine="$BOOTMEM_CACHE/src/pristine-$srcver/linux-source-$kver"
[ -f "$pristine/Makefile" ] || cache_lock pristine-source
if [ ! -f "$pristine/Makefile" ]; then
	step "kernel source: extracting linux-source-$kver $srcver (about 15 s)"
	rm -rf "$(dirname "$pristine")"
	mkdir -p "$(dirname "$pristine")"
	tar -C "$(dirname "$pristine")" -xf "$tarball"
fi
echo "$pristine"
