#!/usr/bin/env bash
# Make sure the Debian source package of a kernel in ci/kernels.json (the
# default kernel's when none is named) is extracted, unpatched, in the cache and print its path: the suite builds
# with the kselftest framework from it (kselftest_harness.h, lib.mk,
# kselftest/runner.sh), and the kernel builds start from it.
#
# A kernel of another suite (ci/kernels.json "suite") comes from that
# suite's linux-source .deb (debian-suite.sh), extracted, never installed.
#
#   pristine-source.sh [KERNEL]
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=${1:-$DEFAULT_KERNEL}
check_series_kernel "$kver"
pkg=$(kernels_py source "$kver") || exit 2
suite=$(kernels_py suite "$kver") || exit 2
if [ -n "$suite" ]; then
	# Another suite's source: the .deb, fetched through the project's own
	# apt configuration, holds the tarball; nothing is installed.
	deb=$("$(dirname "$0")/debian-suite.sh" "$suite" download "$pkg") || exit 2
	srcver=$(dpkg-deb -f "$deb" Version)
else
	tarball=/usr/src/$pkg.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run qemu-images/host/install-deps.sh"
	srcver=$(dpkg-query -W -f='${Version}' "$pkg")
fi
pristine="$BOOTMEM_CACHE/src/pristine-$srcver/$pkg"
[ -f "$pristine/Makefile" ] || cache_lock pristine-source
if [ ! -f "$pristine/Makefile" ]; then
	step "kernel source: extracting $pkg $srcver${suite:+ ($suite)} (about 15 s)"
	# Into a directory of its own, renamed when whole: a Makefile in place
	# says the tree is complete, and tar writes it long before the end.
	partial="$(dirname "$pristine").partial"
	rm -rf "$(dirname "$pristine")" "$partial"
	mkdir -p "$partial"
	if [ -n "$suite" ]; then
		tmp=$(mktemp -d "$BOOTMEM_CACHE/src/deb.XXXXXX")
		dpkg-deb -x "$deb" "$tmp"
		tar -C "$partial" -xf "$tmp/usr/src/$pkg.tar.xz"
		rm -rf "$tmp"
	else
		tar -C "$partial" -xf "$tarball"
	fi
	mv "$partial" "$(dirname "$pristine")"
fi
echo "$pristine"
