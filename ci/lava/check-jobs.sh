#!/usr/bin/env bash
# Every LAVA job the generator makes, validated by LAVA itself: the job
# schema (lava-schema.py job --strict, from lava-common) and the
# dispatcher's own checks (lava-run --validate) against the device
# dictionaries shipped here. Then two broken templates, which must be
# rejected: a step that YAML reads as a mapping, and a Jinja syntax error.
# Prints TAP; exit 1 if any check fails.
#
#   ci/lava/check-jobs.sh
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAVA="$REPO_ROOT/ci/lava"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# lava-run --validate checks that file:// artefacts exist; empty ones do.
touch "$tmp/Image" "$tmp/initramfs.cpio.gz" "$tmp/rootfs.tar.gz" "$tmp/board.dtb" "$tmp/disk.ext4" "$tmp/swap.img"
art="file://$tmp"
jobs=(
	"qemu-quick|qemu-aarch64|qemu --plan quick --kernel-url $art/Image --initrd-url $art/initramfs.cpio.gz --disk-url $art/disk.ext4 --swap-url $art/swap.img"
	"qemu-default|qemu-aarch64|qemu --plan default --kernel-url $art/Image --initrd-url $art/initramfs.cpio.gz"
	"qemu-soak|qemu-aarch64|qemu --plan soak --soak-hours 2 --kernel-url $art/Image --initrd-url $art/initramfs.cpio.gz"
	"board-ramdisk-quick|example-uboot-arm64|board --plan quick --device-type generic-uboot-arm64 --deploy ramdisk --kernel-url $art/Image --initrd-url $art/initramfs.cpio.gz --dtb-url $art/board.dtb --kernel-args console=ttyAMA0,115200"
	"board-nfs-soak|example-uboot-arm64|board --plan soak --soak-hours 8 --device-type generic-uboot-arm64 --deploy nfs --kernel-url $art/Image --nfsrootfs-url $art/rootfs.tar.gz --dtb-url $art/board.dtb --kernel-args console=ttyAMA0,115200"
)
echo "TAP version 13"
echo "1..$(( ${#jobs[@]} * 2 + 2 ))"
n=0 failed=0
result() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi; }
validate_job() { # name device generator-args...
	local name=$1 device=$2 job="$tmp/$1.yaml" rc; shift 2
	# shellcheck disable=SC2086
	/usr/bin/python3 "$LAVA/generate.py" $* -o "$job" > "$tmp/$name.gen" 2>&1 &&
		/usr/bin/python3 /usr/share/lava-common/lava-schema.py job --strict "$job" > "$tmp/$name.schema" 2>&1
	rc=$?
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/$name.gen" "$tmp/$name.schema"
	result "$rc" "lava.$name: lava-schema.py job --strict"
	lava-run --validate --device "$LAVA/devices/$device.yaml" --job-id 1 \
		--output-dir "$tmp/out-$name" "$job" > "$tmp/$name.validate" 2>&1
	rc=$?
	grep -q '"case": "validate", "definition": "lava", "result": "pass"' "$tmp/$name.validate" || rc=1
	[ "$rc" = 0 ] || grep -E '"error"|error_msg' "$tmp/$name.validate" | sed 's/^/# /' | tail -3
	result "$rc" "lava.$name: lava-run --validate ($device)"
}
for j in "${jobs[@]}"; do
	IFS='|' read -r name device args <<< "$j"
	validate_job "$name" "$device" $args
done

# The device dictionaries are installed in a lab as they are, so they spell
# the marker LAVA waits for by hand: it must be selftests/lib/protocol.def's.
up=$(/usr/bin/python3 "$REPO_ROOT/ci/protocol.py" shell | sed -n "s/^BH_MARK_GUEST_UP='\(.*\)'$/\1/p")
for d in "$LAVA"/devices/*.yaml; do
	msg=$(sed -n 's/^ *kernel-start-message: "\(.*\)"$/\1/p' "$d")
	[ -n "$msg" ] && [ "${up#"$msg"}" != "$up" ]
	result $? "lava.$(basename "$d" .yaml)_waits_for_the_guest_up_marker"
done

# A broken template must never reach a lab. Both copies fail, each at the
# check that should catch it.
broken="$tmp/broken-yaml"
cp -r "$LAVA/templates" "$broken"
sed -i "s|  - 'echo \"{{ markers.BEGIN_KTAP }}\"'|  - echo \"{{ markers.BEGIN_KTAP }}\"|" "$broken/testdef.yaml.j2"
grep -q '^  - echo "{{ markers.BEGIN_KTAP }}"$' "$broken/testdef.yaml.j2" ||
	{ echo "check-jobs.sh: the broken copy of testdef.yaml.j2 was not broken" >&2; exit 2; }
/usr/bin/python3 "$LAVA/generate.py" qemu --plan quick --kernel-url "$art/Image" \
	--initrd-url "$art/initramfs.cpio.gz" --template-dir "$broken" -o "$tmp/broken.yaml" > /dev/null 2>&1 &&
	! /usr/bin/python3 /usr/share/lava-common/lava-schema.py job --strict "$tmp/broken.yaml" > "$tmp/broken.schema" 2>&1
result $? "lava.broken_template_step_as_mapping_is_rejected_by_the_schema"
broken="$tmp/broken-jinja"
cp -r "$LAVA/templates" "$broken"
sed -i 's/{{ plan }}/{{ plan }/' "$broken/job-qemu.yaml.j2"
! /usr/bin/python3 "$LAVA/generate.py" qemu --plan quick --kernel-url "$art/Image" \
	--initrd-url "$art/initramfs.cpio.gz" --template-dir "$broken" -o "$tmp/broken2.yaml" > /dev/null 2>&1
result $? "lava.broken_template_syntax_is_rejected_by_the_generator"
[ "$failed" = 0 ]
