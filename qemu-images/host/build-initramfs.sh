#!/usr/bin/env bash
# Assemble the test initramfs (gzip cpio) from:
#   - busybox-static, stress-ng, fio, numactl, coreutils' timeout and kexec, with
#     their shared-library closure (guest-packages.py, Debian .debs of the
#     guest's architecture);
#   - the suite, built static from selftests/, stress/ and qemu-images/guest/
#     (the lending agent), cross for arm64, native for the x86-64 reference;
#   - the kernel's own kselftest runner (tools/testing/selftests/kselftest);
#   - the test driver module, when the kernel has one, and the modules the
#     kernel needs at boot (KERNEL_DIR/modules/order), when it has any.
#
#   build-initramfs.sh KSRC KERNEL_DIR OUT.cpio.gz [ARCH]    ARCH: arm64 (default) or amd64
#   build-initramfs.sh --stage-packages ARCH [KSRC]   only stage the guest
#       packages, and with KSRC build the suite (what run.sh does beside the
#       kernel build: they share no input, the download is mostly waiting on
#       the network, and the suite's compiles fill the CPU the build's serial
#       link leaves idle); the image's own build then finds both done.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"

stage_only= ksrc=
if [ "${1:-}" = --stage-packages ]; then
	stage_only=1 arch=${2:?usage: build-initramfs.sh --stage-packages ARCH [KSRC]} ksrc=${3:-}
else
	ksrc=${1:?usage: build-initramfs.sh KSRC KERNEL_DIR OUT}
	kdir=${2:?usage: build-initramfs.sh KSRC KERNEL_DIR OUT}
	out=${3:?usage: build-initramfs.sh KSRC KERNEL_DIR OUT}
	arch=${4:-arm64}
fi
# Static programs, cross-built where the architecture is not the host's
# (ci/arches.json); the stage of a second architecture has its own suffix.
load_arch "$arch"
cross=$arch_cross static=1 suffix=$arch_suffix triplet=$arch_triplet

# The staging and cross-build directories are shared by every run.
cache_lock image
stage="$BOOTMEM_CACHE/guest-stage$suffix"
# run.sh staged them beside the kernel build when it says so.
if [ "${BOOTMEM_GUEST_STAGED:-}" != 1 ] || [ -n "$stage_only" ]; then
	step "image: guest packages ($arch .debs via apt-get download, cached)"
	/usr/bin/python3 "$REPO_ROOT/qemu-images/host/guest-packages.py" "$BOOTMEM_CACHE" "$stage" "$arch" ||
		die "could not stage the guest packages"
fi
[ -z "$stage_only" ] || [ -n "$ksrc" ] || exit 0

step "image: building the suite (static $triplet)"
# One build directory per clone and kernel source: make only compares
# mtimes, so a directory shared with another clone (older sources, newer
# binaries) would hand this image that clone's programs. Each file is
# compiled on its own through ccache (selftests/kselftest.mk), so a new
# clone or commit recompiles only what changed: 29 s to about 2 s. With
# every CPU: a cold run's suite took 16 s on one of two CPUs, 10 s on both.
suite_out="$BOOTMEM_CACHE/suite-$triplet/$(content_hash "$REPO_ROOT" "$ksrc")"
make -s -j"$(nproc)" -C "$REPO_ROOT/selftests" KSRC="$ksrc" OUTPUT="$suite_out/selftests" \
	CROSS_COMPILE="$cross" STATIC="$static" CCACHE=ccache >/dev/null || die "build of selftests/ for $triplet failed"
make -s -j"$(nproc)" -C "$REPO_ROOT/stress" KSRC="$ksrc" OUTPUT="$suite_out/stress" \
	CROSS_COMPILE="$cross" STATIC="$static" CCACHE=ccache >/dev/null || die "build of stress/ for $triplet failed"
make -s -j"$(nproc)" -C "$REPO_ROOT/qemu-images/guest" KSRC="$ksrc" OUTPUT="$suite_out/guest" \
	CROSS_COMPILE="$cross" STATIC="$static" CCACHE=ccache >/dev/null || die "build of qemu-images/guest/ for $triplet failed"
[ -z "$stage_only" ] || exit 0

root=$(mktemp -d "$BOOTMEM_CACHE/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,usr/bin,lib/modules,kselftest/kselftest,kselftest/bootmem_hotplug,stress}
cp -a "$stage"/. "$root"/
# Without /dev/console the kernel gives /init no stdout at all.
mknod "$root/dev/console" c 5 1 || die "mknod /dev/console failed (run as root)"
install -m 0755 "$REPO_ROOT/qemu-images/guest/init.sh" "$root/init"
# The plan runner, shared by /init and a lab's test definition, and the
# KTAP-to-LAVA reporter that definition pipes it through.
install -m 0755 "$REPO_ROOT/qemu-images/guest/run-plan.sh" "$REPO_ROOT/qemu-images/guest/ktap-to-lava.sh" \
	"$root/kselftest/"
# The runner and what it sources (7.2's runner.sh reads ktap_helpers.sh).
cp "$ksrc"/tools/testing/selftests/kselftest/*.sh "$root/kselftest/kselftest/"
echo "$GUEST_DISK_MOUNT" > "$root/kselftest/disk-mount"
# The console's markers, for the guest's shell (selftests/lib/protocol.def).
/usr/bin/python3 "$REPO_ROOT/ci/protocol.py" shell > "$root/kselftest/protocol.sh" ||
	die "ci/protocol.py could not read selftests/lib/protocol.def"
# How each /init ends, so that its last words reach the host.
install -m 0644 "$REPO_ROOT/qemu-images/guest/console.sh" "$root/kselftest/console.sh"
# How many movable boot blocks each program may consume (run-plan.sh).
/usr/bin/python3 "$REPO_ROOT/ci/plan.py" --budget > "$root/kselftest/boot-block-budget" ||
	die "ci/plans.json: see above"
# The program list comes from the Makefile (lib.mk's emit_tests), in order.
progs=$(make -s -C "$REPO_ROOT/selftests" KSRC="$ksrc" emit_tests | sed -n 's/^[^:]*://p')
[ -n "$progs" ] || die "selftests/Makefile lists no tests"
for p in $progs; do
	install -m 0755 "$suite_out/selftests/$p" "$root/kselftest/bootmem_hotplug/"
done
echo $progs > "$root/kselftest/bootmem_hotplug/TESTS"
cp "$REPO_ROOT/selftests/settings" "$REPO_ROOT/selftests/config" "$root/kselftest/bootmem_hotplug/"
install -m 0755 "$suite_out/stress/bootmem_stress" "$root/stress/"
cp "$REPO_ROOT/stress/settings" "$root/stress/"
# The lending agent, which ci/lend.py drives over the console, and the
# count of movable boot blocks left, for run-plan.sh's budget.
install -m 0755 "$suite_out/guest/bootmem_lend" "$suite_out/guest/bootmem_boot_blocks" "$root/bin/"
if [ -f "$kdir/test_bootmem_hotplug.ko" ]; then
	cp "$kdir/test_bootmem_hotplug.ko" "$root/lib/modules/"
fi
cp "$kdir"/modules/*.ko "$root/lib/modules/" 2>/dev/null || true
[ -f "$kdir/modules/order" ] && cp "$kdir/modules/order" "$root/lib/modules/"
# What the kexec test loads (arm64, where the series refuses kexec while
# boot memory is out): this image's own kernel, and for the kernel it boots
# into an initramfs of busybox and kexec-next-init.sh. The test finds them
# through the environment run-plan.sh sets from /kselftest/kexec-files.
if [ "$arch" = arm64 ] && [ -f "$kdir/Image" ]; then
	next=$(mktemp -d "$BOOTMEM_CACHE/kexec-next.XXXXXX")
	mkdir -p "$root/boot" "$next"/{bin,dev,proc,sys}
	cp "$stage/bin/busybox" "$next/bin/"
	mknod "$next/dev/console" c 5 1
	install -m 0755 "$REPO_ROOT/qemu-images/guest/kexec-next-init.sh" "$next/init"
	cp "$root/kselftest/protocol.sh" "$root/kselftest/console.sh" "$next/"
	# Byte for byte the same from the same files (fixed times, inode
	# numbers, no gzip time stamp), so that the image's key below sees
	# only what changed.
	find "$next" -exec touch -h -d @0 {} +
	(cd "$next" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible | gzip -1 -n \
		> "$root/boot/kexec-next.cpio.gz")
	rm -rf "$next"
	cp "$kdir/Image" "$root/boot/Image"
	echo "BOOTMEM_KEXEC_KERNEL=/boot/Image BOOTMEM_KEXEC_INITRD=/boot/kexec-next.cpio.gz" \
		> "$root/kselftest/kexec-files"
fi

# An image of the same files is packed once: most of make check's guest
# scenarios boot the same kernel with the same suite, and packing 100 MiB
# costs seconds each time. The key is every file's content and every
# entry's name, type, mode and link target.
images="$BOOTMEM_CACHE/images"
mkdir -p "$images"
key=$(cd "$root" && { find . -printf '%p %y %m %l\n' | LC_ALL=C sort
	find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
if [ -s "$images/$key.cpio.gz" ]; then
	step "image: $(du -sh "$root" | cut -f1) packed before ($key), reused as $(basename "$out")"
	touch "$images/$key.cpio.gz"
else
	step "image: packing $(du -sh "$root" | cut -f1) into $(basename "$out") ($key)"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$images/$key.cpio.gz.tmp")
	mv "$images/$key.cpio.gz.tmp" "$images/$key.cpio.gz"
	# The eight most recently used images stay.
	ls -t "$images"/*.cpio.gz | tail -n +9 | xargs -r rm -f
fi
cp "$images/$key.cpio.gz" "$out.tmp"
mv "$out.tmp" "$out"
exit
}
