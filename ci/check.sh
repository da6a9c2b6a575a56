#!/usr/bin/env bash
# make check / make check-fast: the checks of ci/checks.json, run by
# ci/run_checks.py (which says how). The host packages come first, so that
# a fresh machine has the python3 the runner needs.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$REPO_ROOT/qemu-images/host/install-deps.sh" || { echo "make check: installing host packages failed"; exit 2; }
# BOOTMEM_CACHE, exported, from its one place.
. "$REPO_ROOT/qemu-images/host/common.sh"
exec /usr/bin/python3 "$REPO_ROOT/ci/run_checks.py" "$@"
