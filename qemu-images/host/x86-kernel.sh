#!/usr/bin/env bash
# The x86-64 reference kernel: Debian's stock linux-image-amd64 (6.1), which
# removes boot memory without any series, with the test driver built
# against the matching linux-headers package. Stock, not built from
# source: the bugs the x86 plans hunt are those of the kernel everyone
# ships, and the driver brings what the stock build lacks for the suite (a
# page-table dump without CONFIG_PTDUMP_DEBUGFS).
#
#   x86-kernel.sh [--extra-patch FILE]...   (patches to the test driver only)
#
# Prints a directory with vmlinuz, config, test_bootmem_hotplug.ko and
# modules/: the stock modules the image needs (virtio disk, ext4, memory
# notifier error injection) and modules/order, the boot modules in the
# order /init loads them.
# Exit 2 on a setup error: no amd64 host for the headers, a headers
# package that does not match the image, a driver that does not build.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"

extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--extra-patch) extra+=("$(realpath "${2:?--extra-patch needs a file}")"); shift 2 ;;
	*) die "x86-kernel.sh: unknown argument '$1'" ;;
	esac
done

# The reference kernel of ci/arches.json.
load_arch amd64
meta=$arch_ref_stock
pkg=$(resolve_kernel_package "$meta" amd64)
[ -n "$pkg" ] || die "cannot resolve $meta:amd64 (apt-get update?)"
abi=${pkg#linux-image-}
version=$(apt-cache show "$pkg:amd64" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
headers=/usr/src/linux-headers-$abi
hversion=$(dpkg-query -W -f='${Version}' "linux-headers-$abi" 2>/dev/null || true)
[ -d "$headers" ] && [ "$hversion" = "$version" ] ||
	die "the test driver needs linux-headers-$abi $version for $pkg (have: ${hversion:-none}); qemu-images/host/install-deps.sh installs it on an amd64 host"

stock="$BOOTMEM_CACHE/stock/$pkg"
cache_lock stock-kernel
if [ ! -f "$stock/vmlinuz" ] || [ ! -f "$stock/modules/order" ]; then
	step "x86 kernel: downloading $pkg:amd64"
	deb=$(cached_deb "$pkg" amd64) || die "apt-get download $pkg:amd64 failed"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -x "$deb" "$tmp"
	# The package has no modules.dep: depmod writes one in the copy.
	depmod -b "$tmp" "$abi"
	rm -rf "$stock"
	mkdir -p "$stock/modules"
	# The boot modules, each after what it depends on: the virtio disk,
	# ext4 and the crc32c it asks for at mount time (no modprobe in the
	# image), then the memory notifier error injection of the fault tests,
	# which /init loads by name after the driver.
	/usr/bin/python3 "$(dirname "$0")/module-order.py" "$tmp/lib/modules/$abi" "$stock/modules" \
		virtio_pci virtio_blk crc32c_generic ext4 memory-notifier-error-inject ||
		die "the stock kernel's modules could not be staged"
	cp "$tmp"/boot/config-* "$stock/config"
	cp "$tmp"/boot/vmlinuz-* "$stock/vmlinuz.tmp"
	mv "$stock/vmlinuz.tmp" "$stock/vmlinuz"
fi

# The driver, built against the headers in a copy (with any driver
# patches), cached by what it is built from.
module_src="$REPO_ROOT/fixtures/kernel/lib"
key=$(content_hash "$pkg $version" "$module_src"/*.c "$module_src"/*.h "$module_src/Makefile" \
	${extra[@]+"${extra[@]}"} "$(gcc --version | head -1)" "$0")
kdir="$BOOTMEM_CACHE/x86/$pkg-$key"
if [ ! -f "$kdir/test_bootmem_hotplug.ko" ]; then
	step "x86 kernel: building the test driver against linux-headers-$abi"
	mkdir -p "$BOOTMEM_CACHE/x86"
	rm -rf "$kdir"
	build=$(mktemp -d "$BOOTMEM_CACHE/x86/build.XXXXXX")
	cp -r "$module_src/." "$build/"
	for p in ${extra[@]+"${extra[@]}"}; do
		patch -d "$build" -p2 -s --forward < "$p" >/dev/null ||
			die "patch $(basename "$p") does not apply to the test driver"
	done
	make -s -C "$headers" M="$build" modules > "$build/build.log" 2>&1 ||
		{ tail -20 "$build/build.log" >&2; die "the test driver does not build for x86-64: $build/build.log"; }
	mkdir -p "$kdir.tmp"
	cp "$build/test_bootmem_hotplug.ko" "$kdir.tmp/"
	rm -rf "$build"
	ln -s "$stock/vmlinuz" "$kdir.tmp/vmlinuz"
	ln -s "$stock/config" "$kdir.tmp/config"
	ln -s "$stock/modules" "$kdir.tmp/modules"
	mv "$kdir.tmp" "$kdir"
	prune_cache "$BOOTMEM_CACHE/x86" 6
fi
step "x86 kernel: $pkg with the test driver"
echo "$kdir"
exit
}
