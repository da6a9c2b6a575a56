#!/usr/bin/env bash
# Make the guest's data disk: a sparse file of GUEST_DISK_MB with an empty
# ext4 filesystem, made on the host with Debian's mkfs.ext4. QEMU gives it
# to the guest as a virtio-blk disk (boot-guest.sh, the LAVA QEMU job), the
# guest mounts it at GUEST_DISK_MOUNT, and the integrity test's file
# variant migrates page cache of a file on it: a real block-backed
# filesystem, where tmpfs pages would only be shmem.
#
# With --swap, the guest's swap disk instead: GUEST_SWAP_MB with a swap
# signature (mkswap), by which the guest tells it from the data disk. A
# swap file on the data disk would not do: with BLK_DEV_WRITE_MOUNTED off
# (Debian's config) the kernel cannot open a mounted disk to write a
# hibernation image ("PM: Cannot find swap device"), and the hibernation
# test needs one that a wrongly accepted hibernation really writes to.
#
#   make-disk.sh [--swap] FILE
#
# Exit 2: mkfs.ext4 or mkswap missing (install-deps.sh installs e2fsprogs;
# util-linux is essential) or failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

swap=
[ "${1:-}" = --swap ] && { swap=1; shift; }
out=${1:?usage: make-disk.sh [--swap] FILE}
command -v mkfs.ext4 >/dev/null || PATH=$PATH:/sbin:/usr/sbin
rm -f "$out"
if [ -n "$swap" ]; then
	command -v mkswap >/dev/null || die "make-disk.sh: mkswap not found (util-linux)"
	truncate -s "${GUEST_SWAP_MB}M" "$out"
	mkswap -q -L bootmem-swap "$out" >/dev/null || die "make-disk.sh: mkswap of $out failed"
	exit 0
fi
command -v mkfs.ext4 >/dev/null || die "make-disk.sh: mkfs.ext4 not found (qemu-images/host/install-deps.sh installs e2fsprogs)"
truncate -s "${GUEST_DISK_MB}M" "$out"
# No lazy init: the guest's kernel would otherwise zero inode tables in
# the background while the test measures.
mkfs.ext4 -q -F -L bootmem-disk -E lazy_itable_init=0,lazy_journal_init=0 "$out" ||
	die "make-disk.sh: mkfs.ext4 of $out failed"
