#!/usr/bin/env bash
# Packages of a Debian suite other than the host's (unstable, experimental:
# the mainline kernels' sources and stock images), through an apt
# configuration of the project's own in the cache: its own sources list,
# state, lists and archives under $BOOTMEM_CACHE/apt/SUITE. It downloads
# and never installs; /etc/apt and the host's package state are never
# read or written (make check holds it to that).
#
#   debian-suite.sh SUITE version PKG[:ARCH]    the suite's current version
#   debian-suite.sh SUITE download PKG[:ARCH]   the .deb of that version, in
#                                               the cache; prints its path
#   debian-suite.sh SUITE kernel-image META:ARCH the linux-image-ABI package a
#                                               kernel metapackage resolves to
# The archive keeps only a suite's current version, so the lists are read
# again when older than BOOTMEM_SUITE_MAX_AGE_H hours (default 12). Exit 2
# names a suite or package the archive does not have.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"
usage="usage: debian-suite.sh unstable|experimental version|download|kernel-image PKG[:ARCH]"
suite=${1:?$usage} what=${2:?$usage} pkg=${3:?$usage}
case $suite in unstable|experimental) ;; *) die "debian-suite.sh: no suite '$suite' ($usage)" ;; esac
case $what in version|download|kernel-image) ;; *) die "$usage" ;; esac

dir="$BOOTMEM_CACHE/apt/$suite"
conf="$dir/apt.conf"
mkdir -p "$dir"/{lists/partial,archives/partial,etc/apt.conf.d,etc/preferences.d,etc/trusted.gpg.d}
[ -f "$dir/status" ] || : > "$dir/status"
# The suite alone, signed by the keys the host's keyring package ships.
# Check-Valid-Until is off: the package registry this project reaches serves
# the archive as it crawled it, whose Release files have expired since;
# the signature is still checked.
# Written only when they change: apt rebuilds its 80 MB cache (about 4 s
# a call) whenever one of these files is newer than it.
write_if_changed() { local new; new=$(cat); [ "$new" = "$(cat "$1" 2>/dev/null)" ] || printf '%s\n' "$new" > "$1"; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" |
	write_if_changed "$dir/etc/sources.list"
write_if_changed "$conf" <<CONF
Dir "$dir/";
Dir::State "$dir";
Dir::State::lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Etc "$dir/etc";
Dir::Etc::sourcelist "$dir/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::parts "$dir/etc/apt.conf.d";
Dir::Etc::preferencesparts "$dir/etc/preferences.d";
Dir::Etc::trustedparts "$dir/etc/trusted.gpg.d";
APT::Architectures { "amd64"; "arm64"; };
Acquire::Check-Valid-Until "false";
// Downloads land in the cache, which apt's _apt user cannot write.
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$conf
cache_lock "apt-$suite"
stamp="$dir/updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +$(( ${BOOTMEM_SUITE_MAX_AGE_H:-12} * 60 )))" ]; then
	step "debian-suite: reading Debian $suite's package lists (own apt configuration, $dir)"
	apt-get -q update >"$dir/update.log" 2>&1 ||
		{ tail -5 "$dir/update.log" >&2; die "apt-get update of $suite failed: $dir/update.log"; }
	touch "$stamp"
fi
version=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] ||
	die "Debian $suite has no package $pkg (apt-cache policy, $dir)"
if [ "$what" = kernel-image ]; then
	image=$(apt-cache depends "$pkg" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -1)
	[ -n "$image" ] || die "Debian $suite's $pkg depends on no linux-image package"
	echo "$image"
	exit 0
fi
if [ "$what" = version ]; then
	echo "$version"
	exit 0
fi
out="$BOOTMEM_CACHE/debs/$suite"
mkdir -p "$out"
name=${pkg%%:*}
deb=$(ls "$out/${name}_${version/*:/}_"*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
	step "debian-suite: downloading $pkg $version from $suite"
	(cd "$out" && apt-get -q download "$pkg=$version" >/dev/null) || die "apt-get download $pkg=$version from $suite failed"
	deb=$(ls "$out/${name}_${version/*:/}_"*.deb | head -1)
fi
echo "$deb"
exit
}
