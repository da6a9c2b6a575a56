#!/usr/bin/env bash
# Make the guest's data disk: a sparse file of GUEST_DISK_MB with an empty
# ext4 filesystem, made on the host with Debian's mkfs.ext4. QEMU gives it
# to the guest as a virtio-blk disk (boot-guest.sh, the LAVA QEMU job), the
# guest mounts it at GUEST_DISK_MOUNT, and the integrity test's file
# variant migrates page cache of a file on it: a real block-backed
# filesystem, where tmpfs pages would only be shmem.
#
#   make-disk.sh FILE
#
# Exit 2: mkfs.ext4 missing (install-deps.sh installs e2fsprogs) or failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=${1:?usage: make-disk.sh FILE}
command -v mkfs.ext4 >/dev/null || PATH=$PATH:/sbin:/usr/sbin
command -v mkfs.ext4 >/dev/null || die "make-disk.sh: mkfs.ext4 not found (qemu-images/host/install-deps.sh installs e2fsprogs)"
rm -f "$out"
truncate -s "${GUEST_DISK_MB}M" "$out"
# No lazy init: the guest's kernel would otherwise zero inode tables in
# the background while the test measures.
mkfs.ext4 -q -F -L bootmem-disk -E lazy_itable_init=0,lazy_journal_init=0 "$out" ||
	die "make-disk.sh: mkfs.ext4 of $out failed"
