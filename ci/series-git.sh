#!/usr/bin/env bash
# A git tree to work on the series in, and the way back: the series is
# kept as patch files (fixtures/kernel/patches/KERNEL), and edited as
# commits.
#
#   ci/series-git.sh checkout KERNEL DIR   DIR: KERNEL's pristine Debian source,
#                                          committed, then each patch of the
#                                          series as a commit (branch series)
#   ci/series-git.sh export KERNEL DIR     git format-patch of DIR's commits
#                                          back into the patch directory, with
#                                          the author's identity taken out
#                                          (ci/posting.py strip) and the cover
#                                          letter and version notes kept
# Commits are made with the git identity of whoever runs it (ci/posting.py
# identity); the repository keeps none. Exit 2 on usage or setup errors.
{
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"
usage() { echo "usage: ci/series-git.sh checkout|export KERNEL DIR" >&2; exit 2; }
[ $# = 3 ] || usage
verb=$1 kver=$2 dir=$3
check_series_kernel "$kver"
patch_dir=$REPO_ROOT/$(kernels_py patches "$kver") || exit 2
ident=$(/usr/bin/python3 "$REPO_ROOT/ci/posting.py" identity) || exit 2
export GIT_AUTHOR_NAME=${ident%%$'\t'*} GIT_AUTHOR_EMAIL=${ident#*$'\t'}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

case $verb in
checkout)
	[ ! -e "$dir" ] || die "series-git.sh: $dir exists"
	pristine=$("$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver") || exit 2
	cp -a "$pristine" "$dir"
	git -C "$dir" init -q -b series
	# Debian's .gitignore ignores the whole top level (/*): add it all.
	git -C "$dir" add -A -f .
	git -C "$dir" commit -q -m "$(basename "$pristine") $(basename "$(dirname "$pristine")")"
	git -C "$dir" tag base
	stamped=$(mktemp -d)
	trap 'rm -rf "$stamped"' EXIT
	mapfile -t kernel < <(series_patches "$kver")
	cp "${kernel[@]}" "$stamped/"
	/usr/bin/python3 "$REPO_ROOT/ci/posting.py" stamp "$stamped"/*.patch
	git -C "$dir" am -q --keep-cr "$stamped"/*.patch ||
		die "series-git.sh: the $kver series does not apply to $(basename "$pristine") (git am; see $dir)"
	echo "$dir: branch series, $(git -C "$dir" rev-list --count base..series) commits on tag base"
	;;
export)
	git -C "$dir" rev-parse -q --verify base >/dev/null || die "series-git.sh: $dir has no tag base"
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	# Seven-digit blob ids, as the patch files have always carried: the
	# default grows with the tree and would rewrite every index line.
	git -C "$dir" -c core.abbrev=7 format-patch -q --no-signature -o "$out" base..series
	# Version notes ("Changes from ...") live below --- in the patch files,
	# not in the commits: carry them over from the patch being replaced.
	for p in "$out"/*.patch; do
		# A new patch has no old one: ls fails, and that is no error.
		old=$(ls "$patch_dir"/"$(basename "$p" | cut -c1-4)"-*.patch 2>/dev/null | head -1 || true)
		/usr/bin/python3 "$REPO_ROOT/ci/posting.py" strip "$p"
		[ -z "$old" ] || /usr/bin/python3 "$REPO_ROOT/ci/posting.py" notes "$old" "$p"
	done
	for f in "$patch_dir"/[0-9][0-9][0-9][0-9]-*.patch; do
		case $(basename "$f") in 0000-*) ;; *) rm "$f" ;; esac
	done
	cp "$out"/*.patch "$patch_dir"/
	git -C "$REPO_ROOT" status --short -- "$patch_dir"
	;;
*) usage ;;
esac
exit
}
