#!/usr/bin/env bash
# Build the arm64 kernel Image and the test driver module, cached; with
# --arch amd64, the x86-64 kernel (vmlinuz) from the same source and series,
# whose generic patches take effect there (fixtures/kernel/configs/x86_64.config).
#
#   build-kernel.sh [--kernel KERNEL] [--kernel-tree DIR] [--variant NAME[,NAME]]
#                   [--extra-patch FILE]... [--arch amd64] [--dry-run]
#
# --dry-run prints what the build would be (its source package and version,
# work tree, and what the cache key covers) and stops.
#
# A variant (ci/variants.json: 4k, the default, 16k, 64k, kasan, 64k,kasan)
# names the Kconfig fragments merged over suite.config (what the suite needs
# on any architecture) and base.config (the arm64 machine).
#
# Default: the default kernel of ci/kernels.json, Debian's source with its series applied
# (an empty series means stock source), plus any --extra-patch (the mutant
# runs inject bugs this way). A finished build is stored under
# $BOOTMEM_CACHE/kernels/<key>, where key hashes the source package
# version, the patches, the Kconfig fragments, the module source, the
# toolchain and this script: a second run with the same inputs does not
# rebuild. A new key is built incrementally in one persistent work tree per
# variant: only files whose patched content changed get a new mtime, so
# make rebuilds just what a patch touches; ccache covers the rest.
# With --kernel-tree, the developer's tree is built out of tree (O=) with
# the same fragments and no patches.
#
# Prints the kernel directory (Image or vmlinuz, config,
# test_bootmem_hotplug.ko) on stdout.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=
variant=4k
kver=$DEFAULT_KERNEL
extra=()
arch=arm64
dry_run=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel-tree) tree=${2:?--kernel-tree needs a directory}; shift 2 ;;
	--variant) variant=${2:?--variant needs a name}; shift 2 ;;
	--kernel) kver=${2:?--kernel needs a version}; shift 2 ;;
	--extra-patch) extra+=("$(realpath "${2:?--extra-patch needs a file}")"); shift 2 ;;
	--arch) arch=${2:?--arch needs arm64 or amd64}; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	*) die "build-kernel.sh: unknown argument '$1'" ;;
	esac
done

variant_vars=$(/usr/bin/python3 "$REPO_ROOT/ci/variant.py" "$variant") || exit 2
eval "$variant_vars"
variant=$variant_key
# Per architecture (ci/arches.json): the kernel's make ARCH, cross
# compiler, the image it builds, the name the harness boots it by, and the
# machine's config fragment after suite.config (what the suite needs on any
# architecture).
load_arch "$arch"
karch=$arch_karch kcross=$arch_cross kimage_src=$arch_kimage_src kimage=$arch_image
fragments=("$REPO_ROOT/fixtures/kernel/configs/suite.config" "$REPO_ROOT/fixtures/kernel/configs/$arch_config")
# The page-size variants and --kernel-tree are arm64's.
if [ "$arch" != arm64 ]; then
	[ "$variant" = 4k ] || die "build-kernel.sh: the $arch kernel has no variants (got $variant)"
	[ -z "$tree" ] || die "build-kernel.sh: --kernel-tree is for arm64"
	variant=$arch_karch
fi
for f in $variant_fragments; do
	[ -f "$REPO_ROOT/fixtures/kernel/configs/$f" ] || die "ci/variants.json names fixtures/kernel/configs/$f, which is missing"
	fragments+=("$REPO_ROOT/fixtures/kernel/configs/$f")
done
check_kernel "$kver"
mapfile -t patches < <(series_patches "$kver")
# A mutant has a version of its own where the kernel's code moved under it.
for i in "${!extra[@]}"; do
	extra[$i]=$(mutant_for_kernel "${extra[$i]}" "$kver")
done
patches+=(${extra[@]+"${extra[@]}"})
# A patch to the test driver's own source (a driver mutant) applies to the
# module's copy; every other patch to the kernel tree.
kernel_patches=() module_patches=()
for p in ${patches[@]+"${patches[@]}"}; do
	if grep -q '^+++ b/lib/test_bootmem_hotplug' "$p"; then
		module_patches+=("$p")
	else
		kernel_patches+=("$p")
	fi
done
module_src="$REPO_ROOT/fixtures/kernel/lib"
toolchain=$(${kcross}gcc --version | head -1)

if [ -n "$tree" ]; then
	[ -f "$tree/Makefile" ] && [ -d "$tree/arch/arm64" ] || die "--kernel-tree $tree is not a kernel source tree"
	src=$(cd "$tree" && pwd)
	work="$BOOTMEM_CACHE/work/tree-$(content_hash "$src")-$variant"
	kdir="$work"
	cache_lock "tree-$(basename "$work")"
else
	pkg=$(kernels_py source "$kver") || exit 2
	srcver=$(source_version "$kver")
	if [ -n "$dry_run" ]; then
		echo "build: $pkg ${srcver:-(not installed)}, ${#kernel_patches[@]} kernel patches, ${#module_patches[@]} module patches"
		echo "build: work tree $BOOTMEM_CACHE/work/$kver-$variant"
		echo "build: cache key over $pkg's version, the patches, fragments $(basename -a "${fragments[@]}" | paste -sd' '), the module, $toolchain, build-kernel.sh"
		exit 0
	fi
	[ -n "$srcver" ] || die "$pkg is neither installed nor in its suite: run qemu-images/host/install-deps.sh"
	key=$(content_hash "$pkg $srcver" ${patches[@]+"${patches[@]}"} "${fragments[@]}" \
		"$module_src"/*.c "$module_src"/*.h "$module_src/Makefile" "$toolchain" "$0")
	kdir="$BOOTMEM_CACHE/kernels/$key"
	# The work tree of a variant is shared by every run: one build at a
	# time, and the cache checked again once the lock is ours.
	cache_lock "kernel-$kver-$variant"
	if [ -f "$kdir/$kimage" ]; then
		step "kernel: cached build $key ($(basename "$kdir"))"
		touch "$kdir"
		echo "$kdir"
		exit 0
	fi
	work="$BOOTMEM_CACHE/work/$kver-$variant"
	src="$work/$pkg"
	pristine=$("$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver")
	step "kernel source: applying ${#kernel_patches[@]} patches"
	if [ ! -f "$src/Makefile" ]; then
		mkdir -p "$work"
		# Hard links, not a copy: a cold run's copy of 1.8 GB took 23 s,
		# the links take 2 s. The build writes only into O=, and a file
		# the series changes is replaced below, never written through,
		# so the pristine tree stays pristine. Another file system
		# (a cache spread over two) gets the copy.
		cp -al "$pristine" "$src" 2>/dev/null || { rm -rf "$src"; cp -a "$pristine" "$src"; }
	fi
	# Bring the work tree to pristine + patches, touching only files whose
	# content changes: patch a scratch copy of every file the old or the
	# new series touches, then copy in what differs.
	scratch="$work/scratch"
	rm -rf "$scratch"
	mkdir -p "$scratch"
	touched=$( { cat "$work/touched" 2>/dev/null || true
		     for p in ${kernel_patches[@]+"${kernel_patches[@]}"}; do
			     sed -n 's|^+++ b/||p; s|^--- a/||p' "$p"
		     done; } | grep -v '^/dev/null' | sort -u)
	for f in $touched; do
		mkdir -p "$scratch/$(dirname "$f")"
		[ -f "$pristine/$f" ] && cp -p "$pristine/$f" "$scratch/$f"
	done
	for p in ${kernel_patches[@]+"${kernel_patches[@]}"}; do
		# The archive keeps only a suite's current version: a series
		# it moved away from is a setup error that names the hunk.
		patch -d "$scratch" -p1 --forward --no-backup-if-mismatch < "$p" > "$work/patch.log" 2>&1 ||
			die "patch $(basename "$p") does not apply to $pkg $srcver: $(
				awk '/^patching file / { f = $3 } /FAILED|can.t find file|Reversed/ { print f ": " $0 }' \
					"$work/patch.log" | head -3 | paste -sd';' -)"
	done
	for f in $touched; do
		if [ -f "$scratch/$f" ]; then
			# --remove-destination: a new inode, so a file linked to the
			# pristine tree is replaced, not written through.
			cmp -s "$scratch/$f" "$src/$f" ||
				{ mkdir -p "$(dirname "$src/$f")"; cp --remove-destination "$scratch/$f" "$src/$f"; }
		else
			rm -f "$src/$f"
		fi
	done
	echo "$touched" > "$work/touched"
fi

out="$work/build"
mkdir -p "$out" "$kdir"
kmake() { make -C "$src" O="$out" ARCH=$karch CROSS_COMPILE="ccache $kcross" "$@"; }
cfgkey=$(content_hash "${fragments[@]}")
if [ "$(cat "$out/.bootmem-config" 2>/dev/null)" != "$cfgkey" ]; then
	step "kernel: configuring ($kver, $variant)"
	kmake -s allnoconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragments[@]}" >/dev/null
	kmake -s olddefconfig
	# olddefconfig silently drops options whose dependencies are unmet.
	# Each option is held to the last fragment that sets it: a variant
	# turns off base.config's 4K pages on purpose, never by accident.
	missing=$(cat "${fragments[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { n = $0; sub(/=.*/, "", n); want[n] = $0; order[n] = NR }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = $0; order[$2] = NR }
		END { for (n in want) print want[n] }' | while read -r line; do
		grep -qxF "$line" "$out/.config" && continue
		# An option this kernel no longer has at all (7.2 dropped
		# RODATA_FULL_DEFAULT_ENABLED: rodata=full is always the
		# default) is not an unmet dependency.
		name=${line#\# }
		name=${name%%[= ]*}
		grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config ${name#CONFIG_}[[:space:]]*$" "$src" ||
			{ echo "kernel: $name is not in this kernel's Kconfig, skipped" >&2; continue; }
		echo "$line"
	done)
	[ -z "$missing" ] || die "kernel config lost options from the fragments: $(echo $missing)"
	echo "$cfgkey" > "$out/.bootmem-config"
fi
# Cold: nothing built in this tree yet (ccache may still help).
temperature=warm
[ -f "$out/vmlinux" ] || temperature=cold
# What to expect: this machine's last build of the same kind, if any.
last=$(awk -v k="$kver-$variant" -v t="$temperature" '$1 == k && $2 == t { s = $3 } END { print s }' \
	"$BOOTMEM_CACHE/build-times" 2>/dev/null || true)
expect="no $temperature build of $kver-$variant here yet"
[ -z "$last" ] || expect="the last $temperature build here took $last s"
# A kernel build keeps every CPU busy, so builds of any kernel take turns
# (make check's guest lanes, two clones, make mutants beside a run): two at
# once only thrash each other and the guests beside them.
cache_lock kernel-build
step "kernel: building Image and modules ($temperature, make -j$(nproc) with ccache; $expect)"
t0=$(date +%s)
kmake -j"$(nproc)" "$(basename "$kimage_src")" modules >"$work/build.log" 2>&1 &
bpid=$!
# A cold build is minutes of silence otherwise: a line every 30 s.
while ! wait_up_to "$bpid" 30; do
	step "kernel: building Image and modules, $(grep -c '^  [A-Z]' "$work/build.log") files done, $(( $(date +%s) - t0 )) s"
done
wait "$bpid" ||
	{ tail -30 "$work/build.log" >&2; die "kernel build failed, log: $work/build.log"; }
step "kernel: built in $(( $(date +%s) - t0 )) s ($temperature)"
# For ci/matrix.sh's table: the latest cold and warm build of each variant.
echo "$kver-$variant $temperature $(( $(date +%s) - t0 ))" >> "$BOOTMEM_CACHE/build-times"

# The module builds in a copy, so the clone stays clean; about 2 s.
mbuild="$work/module"
rm -rf "$mbuild"
cp -r "$module_src" "$mbuild"
for p in ${module_patches[@]+"${module_patches[@]}"}; do
	patch -d "$mbuild" -p2 -s --forward < "$p" >/dev/null ||
		die "patch $(basename "$p") does not apply to the test driver"
done
rm -f "$kdir/test_bootmem_hotplug.ko"
# Whether the kernel has the series is read from what it exports, not
# guessed from a failed module build: a kernel with the marking API whose
# driver does not build is a setup error, never "this kernel refuses".
# x86-64 needs no marking API: its driver always builds.
if [ "$arch" = amd64 ] || grep -q 'arm64_bootmem_mark_hotremovable' "$out/Module.symvers"; then
	make -s -C "$out" ARCH=$karch CROSS_COMPILE="ccache $kcross" M="$mbuild" modules \
		>"$work/module.log" 2>&1 ||
		{ tail -20 "$work/module.log" >&2; die "the test driver does not build against this kernel, which has the marking API: $work/module.log"; }
	cp "$mbuild/test_bootmem_hotplug.ko" "$kdir/"
else
	# A kernel without the series (a developer's tree without it): no
	# driver, and the suite reports the refusal instead of cycling.
	step "kernel: no marking API (arm64_bootmem_mark_hotremovable) in this kernel: no test driver"
fi
# Fault injection at MEM_GOING_OFFLINE/MEM_GOING_ONLINE, for the fault tests.
mkdir -p "$kdir/modules"
for m in lib/notifier-error-inject.ko lib/memory-notifier-error-inject.ko; do
	[ -f "$out/$m" ] && cp "$out/$m" "$kdir/modules/"
done
if [ "$kdir" != "$work" ]; then
	cp "$out/$kimage_src" "$kdir/$kimage.tmp"
	cp "$out/.config" "$kdir/config"
	mv "$kdir/$kimage.tmp" "$kdir/$kimage"
	prune_cache "$BOOTMEM_CACHE/kernels" 6
else
	cp "$out/$kimage_src" "$kdir/$kimage"
fi
echo "$kdir"
exit
}
