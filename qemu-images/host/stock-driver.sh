#!/usr/bin/env bash
# The test driver for one of Debian's stock arm64 kernels, which has no
# series: the path the 2020 thread proposed (mem= plus
# add_memory_driver_managed(), run.sh --lending --approach driver-managed)
# needs the driver's lending files on a kernel nobody patched.
#
# Debian's linux-headers-*-arm64 package holds arm64 binaries (fixdep,
# modpost) that cannot run on this host, so the driver is built against the
# kernel's own source instead: the pristine linux-source of the same
# version, configured with the stock image's config and release string
# (modules_prepare), with the stock build's Module.symvers from the headers
# package, extracted, never installed. The stock kernel has no
# CONFIG_MODVERSIONS, so what must match is the vermagic, which this checks
# against the one the image holds.
#
#   stock-driver.sh STOCK_DIR KERNEL    STOCK_DIR: stock-kernel.sh's output
#
# Prints a directory with Image, config and test_bootmem_hotplug.ko.
# Exit 2 on a setup error: a source of another version than the image, a
# driver that does not build, a vermagic that does not match.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"
stock=$(realpath "${1:?usage: stock-driver.sh STOCK_DIR KERNEL}")
kver=${2:?usage: stock-driver.sh STOCK_DIR KERNEL}
check_series_kernel "$kver"
pkg=$(basename "$stock")            # linux-image-ABI
abi=${pkg#linux-image-}
suite=$(kernels_py suite "$kver") || exit 2
load_arch arm64

# The image says which kernel it is: "Linux version ABI (...) #1 SMP ...
# Debian UPSTREAM-DEBREV (date)". The source must be that upstream version.
# awk reads to the end: grep -m1 would stop early, strings would die of
# SIGPIPE, and pipefail would call that a missing banner.
banner=$(strings "$stock/Image" | awk '/^Linux version / && !b { b = $0 } END { print b }')
[ -n "$banner" ] || die "$stock/Image has no Linux version banner"
src=$("$(dirname "$0")/pristine-source.sh" "$kver") || exit 2
srcver=$(basename "$(dirname "$src")")    # pristine-<Debian source version>
srcver=${srcver#pristine-}
case $banner in
*" Debian ${srcver} "*) ;;
*) die "the stock image is '${banner%% (*}…Debian $(sed -n 's/.* Debian \([^ ]*\) .*/\1/p' <<<"$banner")', the source is $srcver: the driver would not match it (apt-get update, or wait for the archive to carry both)" ;;
esac

# Kconfig drops what this host's tools cannot do, and some of that
# shapes struct module, which the kernel checks at insmod ("section
# size must match"): without pahole, DEBUG_INFO_BTF_MODULES goes, and
# with it struct module's BTF fields. Debian's pahole, extracted into
# the cache (never installed: an installed one would change every
# kernel build's config and its cache key).
pahole_deb=$(cached_deb pahole "$(dpkg --print-architecture)") || die "apt-get download pahole failed"
pahole_dir="$BOOTMEM_CACHE/tools/$(basename "$pahole_deb" .deb)"
[ -x "$pahole_dir/usr/bin/pahole" ] || { mkdir -p "$pahole_dir" && dpkg-deb -x "$pahole_deb" "$pahole_dir"; }
module_src="$REPO_ROOT/fixtures/kernel/lib"
key=$(content_hash "$pkg $srcver" "$stock/config" "$pahole_deb" "$module_src"/*.c "$module_src"/*.h \
	"$module_src/Makefile" "$("$arch_cross"gcc --version | head -1)" "$0")
kdir="$BOOTMEM_CACHE/stock-driver/$pkg-$key"
if [ ! -f "$kdir/test_bootmem_hotplug.ko" ]; then
	cache_lock stock-driver
fi
if [ ! -f "$kdir/test_bootmem_hotplug.ko" ]; then
	mkbuild=(make -s -C "$src" ARCH=arm64 CROSS_COMPILE="$arch_cross" KERNELRELEASE="$abi"
		 PAHOLE="$pahole_dir/usr/bin/pahole")
	# The prepared tree depends on the config and the compiler only.
	obj="$BOOTMEM_CACHE/stock-driver/obj-$pkg-$(content_hash "$stock/config" "$("$arch_cross"gcc --version | head -1)" "$pahole_deb")"
	if [ ! -f "$obj/.prepared" ]; then
		step "stock driver: preparing $abi's source for out-of-tree modules (about 1 min)"
		rm -rf "$obj"
		mkdir -p "$obj"
		cp "$stock/config" "$obj/.config"
		"${mkbuild[@]}" O="$obj" olddefconfig > "$obj/prepare.log" 2>&1 &&
			"${mkbuild[@]}" O="$obj" -j"$(nproc)" modules_prepare >> "$obj/prepare.log" 2>&1 ||
			{ tail -20 "$obj/prepare.log" >&2; die "modules_prepare failed for $abi: $obj/prepare.log"; }
		# The stock build's symbol table: the headers package's, extracted.
		hdeb=$(if [ -n "$suite" ]; then "$(dirname "$0")/debian-suite.sh" "$suite" download "linux-headers-$abi:arm64"
		       else cached_deb "linux-headers-$abi" arm64; fi) ||
			die "cannot fetch linux-headers-$abi:arm64 for the stock Module.symvers"
		tmp=$(mktemp -d)
		dpkg-deb --fsys-tarfile "$hdeb" | tar -C "$tmp" -x --wildcards '*/Module.symvers'
		symvers=$(find "$tmp" -name Module.symvers | head -1)
		[ -n "$symvers" ] || die "linux-headers-$abi:arm64 has no Module.symvers"
		cp "$symvers" "$obj/Module.symvers"
		rm -rf "$tmp"
		# What Kconfig changed of the stock config for this host's tools
		# (compiler, assembler and linker features), for whoever has to
		# find why an insmod failed.
		diff <(grep '^CONFIG_' "$stock/config" | sort) <(grep '^CONFIG_' "$obj/.config" | sort) \
			> "$obj/config-vs-stock.diff" || true
		touch "$obj/.prepared"
	fi
	step "stock driver: building the test driver against $abi (no series)"
	build=$(mktemp -d "$BOOTMEM_CACHE/stock-driver/build.XXXXXX")
	cp -r "$module_src/." "$build/"
	"${mkbuild[@]}" O="$obj" M="$build" TEST_BOOTMEM_STOCK=y modules > "$build/build.log" 2>&1 ||
		{ tail -20 "$build/build.log" >&2; die "the test driver does not build for stock $abi: $build/build.log"; }
	# The image holds its own VERMAGIC_STRING, which insmod compares with
	# the module's: release, SMP, preemption model, unload, arch.
	magic=$(modinfo -F vermagic "$build/test_bootmem_hotplug.ko" | sed 's/ *$//')
	strings "$stock/Image" | awk -v m="$magic" '{ sub(/ +$/, "") } $0 == m { f = 1 } END { exit !f }' ||
		die "the driver's vermagic '$magic' is not in the stock image $pkg (its config and this host's tools disagree)"
	rm -rf "$kdir" "$kdir.tmp"
	mkdir -p "$kdir.tmp"
	cp "$build/test_bootmem_hotplug.ko" "$kdir.tmp/"
	rm -rf "$build"
	ln -s "$stock/Image" "$kdir.tmp/Image"
	ln -s "$stock/config" "$kdir.tmp/config"
	mv "$kdir.tmp" "$kdir"
	prune_cache "$BOOTMEM_CACHE/stock-driver" 8
fi
step "stock driver: $pkg with the test driver (no series)"
echo "$kdir"
exit
}
