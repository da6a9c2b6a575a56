#!/usr/bin/env bash
# Fetch one of Debian's stock arm64 kernels, the controls that must refuse
# boot-memory offline. The ABI number moves with security updates, so it is
# resolved through a metapackage (ci/variants.json names them: 6.1 and
# 6.12, 4K and 16K pages). Its vmlinuz is an uncompressed arm64 Image that
# boots on QEMU virt without modules.
#
#   stock-kernel.sh [METAPACKAGE]     default linux-image-arm64 (6.1, 4K)
#
# Prints the kernel directory (Image) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

meta=${1:-linux-image-arm64}
pkg=$(resolve_kernel_package "$meta" arm64)
[ -n "$pkg" ] || die "cannot resolve $meta:arm64 (apt-get update, arm64 architecture?)"
kdir="$BOOTMEM_CACHE/stock/$pkg"
[ -f "$kdir/Image" ] || cache_lock stock-kernel
if [ ! -f "$kdir/Image" ]; then
	step "stock kernel: downloading $pkg:arm64"
	mkdir -p "$kdir"
	deb=$(cached_deb "$pkg" arm64) || die "apt-get download $pkg:arm64 failed"
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -C "$tmp" -x ./boot
	cp "$tmp"/boot/vmlinuz-* "$kdir/Image"
	cp "$tmp"/boot/config-* "$kdir/config"
	rm -rf "$tmp"
fi
step "stock kernel: $pkg"
echo "$kdir"
