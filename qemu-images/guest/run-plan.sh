#!/bin/busybox sh
# Run the test plan in the guest: one KTAP document on stdout, every
# program counted in one plan line, the stress driver included. Called by
# /init (QEMU runs) and by the LAVA test definition (ci/lava), so a lab
# runs exactly what run.sh runs.
#
# The plan comes from the environment, as /init receives it from the
# kernel command line (bh_tests, bh_cycles, bh_seed, bh_stress,
# bh_pressure, bh_timeout; see /init). Nothing here has a default: the
# plans (ci/plans.json) set every value.
BASE_DIR=/kselftest
. /kselftest/kselftest/runner.sh
# The markers (BH_MARK_*, selftests/lib/protocol.def).
. /kselftest/protocol.sh
export BOOTMEM_CYCLES=${bh_cycles:?the plan sets bh_cycles}
export BOOTMEM_SEED=${bh_seed:-0}
# Boot blocks the selftests leave to the stress run (empty: the programs'
# own default, the default plan's).
export BOOTMEM_STRESS_BOOT_BLOCKS=${bh_stress_boot_blocks:-}
# The x86-kaslr plan's: the iomem test takes only a block below the image.
export BOOTMEM_IOMEM_BELOW=${bh_iomem_below:-0}
# The kexec plan's: the kexec test leaves a kernel loaded for /init to boot.
export BOOTMEM_KEXEC_HANDOVER=${bh_kexec_handover:-0}
# The kdump plan's: the kexec test leaves a crash kernel loaded, and /init
# crashes this kernel into it.
export BOOTMEM_KDUMP=${bh_kdump:-0}
# What the kexec test loads, where the image has it (build-initramfs.sh).
[ -f /kselftest/kexec-files ] && export $(cat /kselftest/kexec-files)
# The data disk run.sh and the LAVA QEMU job give the guest
# (qemu-images/host/make-disk.sh): an ext4 disk, mounted where the image
# says (GUEST_DISK_MOUNT in qemu-images/host/common.sh). Which /dev/vd* it
# is depends on the transport (virtio-mmio probes the last device QEMU was
# given first), and the guest may have a swap disk beside it: the one that
# mounts as ext4 is the data disk. A lab that has its own block-backed
# filesystem sets BOOTMEM_FILE_DIR instead. Without either, the integrity
# test's file variant skips, and says why.
if [ -z "${BOOTMEM_FILE_DIR:-}" ] && ls /dev/vd? >/dev/null 2>&1; then
	disk_mount=$(cat /kselftest/disk-mount)
	mkdir -p "$disk_mount"
	grep -q " $disk_mount " /proc/mounts ||
		for d in /dev/vd?; do mount -t ext4 "$d" "$disk_mount" 2>/dev/null && break; done
	if grep -q " $disk_mount " /proc/mounts; then
		export BOOTMEM_FILE_DIR=$disk_mount
	else
		echo "${BH_MARK_GUEST}no /dev/vd? would mount as ext4 at $disk_mount" >&2
	fi
fi
tests=
if [ -z "$bh_tests" ] || [ "$bh_tests" = all ]; then
	tests=$(cat /kselftest/bootmem_hotplug/TESTS)
else
	tests=$(echo "$bh_tests" | tr ',' ' ')
fi

# Per-program time limits from the plan (bh_timeout): the kernel runner reads
# them from each directory's settings file. A soak's stress runs for hours.
if [ -n "${bh_timeout:-}" ]; then
	echo "timeout=$bh_timeout" > /kselftest/bootmem_hotplug/settings
fi
# A stress run that was asked for is counted in the plan even when its
# program is missing, so the runner's "not ok" for it fails the run.
stress_prog=
if [ -n "${bh_stress:-}" ]; then
	case $bh_stress in
	soak:*) args="--soak-hours ${bh_stress#soak:} --pressure ${bh_pressure:?}"
		limit=$(awk -v h="${bh_stress#soak:}" 'BEGIN { printf "%d", h * 3600 + 1200 }') ;;
	*) args="--duration $bh_stress --pressure ${bh_pressure:?}"
		limit=$(( bh_stress + 900 )) ;;
	esac
	[ "$BOOTMEM_SEED" != 0 ] && args="$args --seed $BOOTMEM_SEED"
	export KSELFTEST_BOOTMEM_STRESS_ARGS="$args"
	echo "timeout=$limit" > /stress/settings
	stress_prog=bootmem_stress
fi
[ "$tests" = none ] && tests=
# run.sh --only-test: the harness's -r filter, for the one program --tests
# names, through the runner's KSELFTEST_<PROGRAM>_ARGS (program names are
# [a-z0-9_], so upper case is the runner's sanitized name).
if [ -n "${bh_only:-}" ]; then
	filter=
	for t in $(echo "$bh_only" | tr ',' ' '); do filter="$filter -r $t"; done
	for prog in $tests; do
		export "KSELFTEST_$(echo "$prog" | tr 'a-z' 'A-Z')_ARGS=$filter"
	done
fi

# One KTAP document for the whole run: one plan line counting every program,
# the stress driver included, then the kernel runner's run_one for each,
# numbered in one sequence (run_one prints $test_num).
set -- $tests $stress_prog
echo "TAP version 13"
echo "1..$#"
test_num=0

# The boot-block budget (ci/plans.json, in the image as
# /kselftest/boot-block-budget): how many movable boot blocks each program
# may consume. A program the guest cannot give its budget (plus the stress
# run's blocks, when stress follows) fails here, at setup, naming the
# budget, instead of failing later for want of a block; one that consumed
# more than its budget is named by an over-budget marker, which fails the
# run (ci/report.py). Without the test driver nothing can be consumed, and
# nothing is checked.
# The selftests leave the stress run's blocks alone whether or not it runs
# (lib/cycle.c, BOOTMEM_STRESS_BOOT_BLOCKS), so they count as taken.
stress_blocks=${bh_stress_boot_blocks:?the plan sets bh_stress_boot_blocks}
# Runs program $3 of directory $2 as test $1 in its budget $4 ("N" or
# "rest MIN") with $5 blocks left for later programs.
run_in_budget() {
	num=$1 dir=$2 prog=$3 budget=$4 later=$5
	left=$(/bin/bootmem_boot_blocks)
	if [ "$left" != unknown ]; then
		need=${budget#rest } also=
		[ "$later" = 0 ] || also=" and $later kept for the stress run"
		if [ "$left" -lt $(( need + later )) ]; then
			echo "# selftests: $dir: $prog"
			echo "not ok $num selftests: $dir: $prog # ${BH_MARK_STARVED}needs $need movable boot blocks$also, the guest has $left (ci/plans.json boot_block_budget)"
			return
		fi
	fi
	run_one "$dir" "./$prog" "$num"
	[ "$left" = unknown ] && return
	after=$(/bin/bootmem_boot_blocks)
	used=$(( left - after ))
	echo "${BH_MARK_BOOT_BLOCKS}$prog consumed $used, budget $budget, $after left"
	case $budget in
	rest*) ;;
	*) [ "$used" -le "$budget" ] ||
		echo "${BH_MARK_OVER_BUDGET}$prog consumed $used movable boot blocks, its budget is $budget (ci/plans.json boot_block_budget)" ;;
	esac
}

for prog in $tests; do
	test_num=$(( test_num + 1 ))
	cd /kselftest/bootmem_hotplug
	BASE_DIR=/kselftest
	budget=$(sed -n "s/^$prog //p" /kselftest/boot-block-budget)
	run_in_budget "$test_num" bootmem_hotplug "$prog" "${budget:?no boot-block budget for $prog}" "$stress_blocks"
done
if [ -n "$stress_prog" ]; then
	test_num=$(( test_num + 1 ))
	cd /stress
	BASE_DIR=/
	# The stress run cycles every movable block left, boot memory first: it
	# needs its kept blocks and may consume the rest.
	run_in_budget "$test_num" stress bootmem_stress "rest $stress_blocks" 0
fi

