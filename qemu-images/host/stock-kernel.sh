#!/usr/bin/env bash
# Fetch one of Debian's stock arm64 kernels, the controls that must refuse
# boot-memory offline. The ABI number moves with security updates, so it is
# resolved through a metapackage (ci/variants.json names them: 6.1 and
# 6.12, 4K and 16K pages). Its vmlinuz is an uncompressed arm64 Image that
# boots on QEMU virt without modules.
#
#   stock-kernel.sh [METAPACKAGE [SUITE]]   default linux-image-arm64 (6.1, 4K)
#
# SUITE (ci/kernels.json "suite": unstable, experimental) resolves and
# fetches the package through debian-suite.sh, never the host's apt.
#
# Prints the kernel directory (Image) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

meta=${1:-linux-image-arm64}
suite=${2:-}
suite_sh="$(dirname "$0")/debian-suite.sh"
if [ -n "$suite" ]; then
	pkg=$("$suite_sh" "$suite" kernel-image "$meta:arm64") || exit 2
else
	pkg=$(resolve_kernel_package "$meta" arm64)
fi
[ -n "$pkg" ] || die "cannot resolve $meta:arm64 (apt-get update, arm64 architecture?)"
kdir="$BOOTMEM_CACHE/stock/$pkg"
[ -f "$kdir/Image" ] || cache_lock stock-kernel
if [ ! -f "$kdir/Image" ]; then
	step "stock kernel: downloading $pkg:arm64"
	mkdir -p "$kdir"
	fetch() {
		if [ -n "$suite" ]; then
			"$suite_sh" "$suite" download "$1:arm64" || exit 2
		else
			cached_deb "$1" arm64 || die "apt-get download $1:arm64 failed"
		fi
	}
	tmp=$(mktemp -d)
	deb=$(fetch "$pkg")
	# grep reads the whole listing: with -q it would stop at the first
	# match, dpkg-deb would die of SIGPIPE, and pipefail would take that
	# for "no /boot/vmlinuz" (seen on a cold cache, 2026-12-06).
	if dpkg-deb -c "$deb" | grep ' \./boot/vmlinuz-' >/dev/null; then
		dpkg-deb --fsys-tarfile "$deb" | tar -C "$tmp" -x ./boot
		cp "$tmp"/boot/vmlinuz-* "$kdir/Image"
		cp "$tmp"/boot/config-* "$kdir/config"
	else
		# Debian's 7.x packaging: linux-image-ABI is empty and depends on
		# linux-binary-ABI (the kernel) and linux-base-ABI (its config),
		# both under /usr/lib/modules/ABI.
		abi=${pkg#linux-image-}
		dpkg-deb --fsys-tarfile "$(fetch "linux-binary-$abi")" |
			tar -C "$tmp" -x "./usr/lib/modules/$abi/vmlinuz"
		dpkg-deb --fsys-tarfile "$(fetch "linux-base-$abi")" |
			tar -C "$tmp" -x "./usr/lib/modules/$abi/config"
		cp "$tmp/usr/lib/modules/$abi/vmlinuz" "$kdir/Image"
		cp "$tmp/usr/lib/modules/$abi/config" "$kdir/config"
	fi
	rm -rf "$tmp"
fi
step "stock kernel: $pkg"
echo "$kdir"
