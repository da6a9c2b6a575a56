#!/usr/bin/env bash
# make lava: run the generated QEMU job end to end under lava-run, the
# dispatcher behind LAVA labs, with the device dictionary this project
# ships (devices/qemu-aarch64.yaml), and judge it by its test cases.
#
#   ci/lava/run-qemu.sh [--plan quick|default] [--tests PROGRAMS] [--stress SECONDS]
#                       [--extra-patch FILE] [--results DIR]
# --tests and --stress narrow the plan as run.sh's do (generate.py).
#
# A LAVA job whose test cases fail still ends "job: pass": the verdict
# here comes from the per-case results (any "fail" fails the run), and
# the guest's console, as LAVA logged it, goes through ci/report.py as
# every run's does. Exit: 0 pass, 1 a failed case or report, 2 setup.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"

plan=quick extra=() results= narrow=()
while [ $# -gt 0 ]; do
	case $1 in
	--plan) plan=${2:?}; shift 2 ;;
	--extra-patch) extra+=(--extra-patch "$(realpath "${2:?}")"); shift 2 ;;
	--results) results=${2:?}; shift 2 ;;
	--tests|--stress) narrow+=("$1" "${2:?}"); shift 2 ;;
	*) echo "run-qemu.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
command -v lava-run >/dev/null || { echo "run-qemu.sh: lava-run missing (qemu-images/host/install-deps.sh)" >&2; exit 2; }
results=${results:-$REPO_ROOT/results/lava-$plan}
rm -rf "$results"
mkdir -p "$results"
results=$(cd "$results" && pwd)

kdir=$("$REPO_ROOT/qemu-images/host/build-kernel.sh" ${extra[@]+"${extra[@]}"}) || exit 2
ksrc=$("$REPO_ROOT/qemu-images/host/pristine-source.sh") || exit 2
"$REPO_ROOT/qemu-images/host/build-initramfs.sh" "$ksrc" "$kdir" "$results/initramfs.cpio.gz" || exit 2
cp "$kdir/Image" "$results/Image"
"$REPO_ROOT/qemu-images/host/make-disk.sh" "$results/disk.ext4" || exit 2
"$REPO_ROOT/qemu-images/host/make-disk.sh" --swap "$results/swap.img" || exit 2
/usr/bin/python3 "$REPO_ROOT/ci/lava/generate.py" qemu --plan "$plan" ${narrow[@]+"${narrow[@]}"} \
	--kernel-url "file://$results/Image" --initrd-url "file://$results/initramfs.cpio.gz" \
	--disk-url "file://$results/disk.ext4" --swap-url "file://$results/swap.img" \
	-o "$results/job.yaml" || exit 2

step "lava: lava-run of the QEMU job (plan $plan), output in $results/lava"
mkdir -p "$results/lava"
lava-run --device "$REPO_ROOT/ci/lava/devices/qemu-aarch64.yaml" --job-id 1 \
	--output-dir "$results/lava" "$results/job.yaml" > "$results/lava-run.log" 2>&1
rc=$?
/usr/bin/python3 "$REPO_ROOT/ci/lava/results.py" "$results" --lava-run-exit "$rc" --plan "$plan"
exit
}
