#!/usr/bin/env bash
# Make sure Debian's linux-source-6.1 is extracted, unpatched, in the cache
# and print its path: the suite builds with the kselftest framework from it
# (kselftest_harness.h, lib.mk, kselftest/runner.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run qemu-images/install-deps.sh"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
pristine="$BOOTMEM_CACHE/src/pristine-$srcver/linux-source-6.1"
[ -f "$pristine/Makefile" ] || cache_lock pristine-source
if [ ! -f "$pristine/Makefile" ]; then
	step "kernel source: extracting linux-source-6.1 $srcver (about 15 s)"
	rm -rf "$(dirname "$pristine")"
	mkdir -p "$(dirname "$pristine")"
	tar -C "$(dirname "$pristine")" -xf "$KERNEL_TARBALL"
fi
echo "$pristine"
