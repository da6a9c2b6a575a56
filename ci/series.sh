#!/usr/bin/env bash
# The series as it would be posted, in one directory: the cover letter and
# the kernel patches of fixtures/kernel/patches/KERNEL, then the test module as the
# last patch, made here from fixtures/kernel/lib (its source,
# Kconfig entry and commit message; the one place they live, for both
# kernels) with git format-patch against that kernel's Debian source
# (ci/kernels.json).
# Subjects are renumbered to the whole series; each patch is signed by
# whoever runs this (git config user.name/user.email; exit 2 without).
#
#   ci/series.sh OUTDIR [KERNEL]      KERNEL: one of ci/kernels.json (default: its default)
# Prints the paths of the patches, in order, without the cover letter.
{
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"
out=${1:?usage: ci/series.sh OUTDIR [KERNEL]}
kver=${2:-$DEFAULT_KERNEL}
check_series_kernel "$kver"
# Whoever posts the series signs it (the repository keeps no identity):
# their git identity, or exit 2 (ci/posting.py).
ident=$(/usr/bin/python3 "$REPO_ROOT/ci/posting.py" identity) || exit 2
name=${ident%%$'\t'*}
email=${ident#*$'\t'}
author="$name <$email>"
patch_dir=$REPO_ROOT/$(kernels_py patches "$kver") || exit 2
pristine=$("$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver") || exit 2
drv="$REPO_ROOT/fixtures/kernel/lib"

mapfile -t kernel < <(series_patches "$kver")
total=$(( ${#kernel[@]} + 1 ))
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
renumber() { sed -E "1,/^Subject:/ s/^Subject: \[PATCH ([0-9]+)\/[0-9]+\]/Subject: [PATCH \1\/$total]/"; }
cover="$patch_dir/0000-cover-letter.patch"
[ -f "$cover" ] &&
	sed -E "s/^Subject: \[PATCH 0\/[0-9]+\]/Subject: [PATCH 0\/$total]/" "$cover" > "$out/0000-cover-letter.patch"
for p in "${kernel[@]}"; do
	renumber < "$p" > "$out/$(basename "$p")"
done

# The module patch: the files it touches, pristine, in a scratch git tree.
git_tree=$(mktemp -d)
trap 'rm -rf "$git_tree"' EXIT
for f in lib/Kconfig.debug lib/Makefile MAINTAINERS; do
	mkdir -p "$git_tree/$(dirname "$f")"
	cp "$pristine/$f" "$git_tree/$f"
done
git -C "$git_tree" init -q
git -C "$git_tree" add -A
git -C "$git_tree" -c user.name=base -c user.email=base@invalid commit -q -m base
cp "$drv/test_bootmem_hotplug.c" "$drv/test_bootmem_hotplug_uapi.h" "$git_tree/lib/"
# Kconfig: after TEST_HMM, the other mm test module.
awk -v entry="$drv/Kconfig.test_bootmem_hotplug" '
	{ print }
	/^config TEST_HMM$/ { in_hmm = 1 }
	in_hmm && /^config / && !/TEST_HMM/ { exit 1 }
	in_hmm && /^	  If unsure, say N\.$/ { print ""; while ((getline l < entry) > 0) print l; in_hmm = 0 }
' "$pristine/lib/Kconfig.debug" | sed '$!N;/^\n$/!P;D' > "$git_tree/lib/Kconfig.debug"
sed -i 's/^obj-$(CONFIG_TEST_HMM) += test_hmm.o$/&\nobj-$(CONFIG_TEST_BOOTMEM_HOTPLUG) += test_bootmem_hotplug.o/' \
	"$git_tree/lib/Makefile"
awk -v who="$author" '
	/^ARM64 PORT \(AARCH64 ARCHITECTURE\)$/ {
		print "ARM64 BOOT MEMORY HOT-REMOVE TEST MODULE"
		print "M:\t" who
		print "L:\tlinux-arm-kernel@lists.infradead.org (moderated for non-subscribers)"
		print "L:\tlinux-mm@kvack.org"
		print "S:\tMaintained"
		print "F:\tlib/test_bootmem_hotplug*"
		print ""
	}
	{ print }' "$pristine/MAINTAINERS" > "$git_tree/MAINTAINERS"
grep -q '^config TEST_BOOTMEM_HOTPLUG$' "$git_tree/lib/Kconfig.debug" || die "series.sh: Kconfig entry not placed"
grep -q 'CONFIG_TEST_BOOTMEM_HOTPLUG' "$git_tree/lib/Makefile" || die "series.sh: Makefile line not placed"
git -C "$git_tree" add -A
git -C "$git_tree" -c "user.name=$name" -c "user.email=$email" commit -q -s \
	-F "$drv/test_bootmem_hotplug.commit"
git -C "$git_tree" format-patch -q --start-number "$total" -o "$out" -1
sed -i -E "1,/^Subject:/ s/^Subject: \[PATCH\]/Subject: [PATCH $total\/$total]/" "$out"/"$(printf '%04d' "$total")"-*.patch
# Author and Signed-off-by: on every patch, then the cover letter's
# shortlog from what is posted, so that neither can disagree.
/usr/bin/python3 "$REPO_ROOT/ci/posting.py" stamp "$out"/[0-9][0-9][0-9][0-9]-*.patch || exit 2
[ ! -f "$out/0000-cover-letter.patch" ] ||
	/usr/bin/python3 "$REPO_ROOT/ci/posting.py" cover "$out/0000-cover-letter.patch" \
		$(ls "$out"/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-cover-letter.patch) || exit 2
for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
	case $(basename "$p") in 0000-cover-letter.patch) ;; *) echo "$p" ;; esac
done
exit
}
