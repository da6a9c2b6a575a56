#!/bin/busybox sh
# /init of the bootmem-hotplug test image (busybox sh, arm64 guest).
#
# The test plan arrives as bh_* words on the kernel command line, which the
# kernel hands to /init as environment variables:
#   bh_tests   space-free comma list of programs to run (default: all)
#   bh_cycles  cycles for the drift test (BOOTMEM_CYCLES)
#   bh_seed    block-choice seed (BOOTMEM_SEED); 0 picks one
#   bh_stress  seconds of stress/bootmem_stress after the selftests, or
#              soak:HOURS for a soak; bh_pressure is its % of MemTotal
#   bh_timeout the kselftest runner's limit for each program, in seconds
# run.sh always passes every value (from ci/plans.json): no default here.
# Everything is printed on the console, which is the only channel to the
# host: KTAP from the kernel's kselftest runner, "# METRIC {json}" lines,
# and markers the host uses to know how far the guest got.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# devtmpfs has no /dev/stdout: the kselftest runner writes test output to
# it, and without the link that output lands in a file nobody reads.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
# POSIX shared memory (stress-ng --shm) lives on /dev/shm.
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
# The kselftest runner calls /usr/bin/timeout with --foreground.
[ -x /usr/bin/timeout ] || ln -s /bin/timeout /usr/bin/timeout

echo "BOOTMEM-HOTPLUG: guest up: $(uname -r), $(nproc) cpus, $(grep MemTotal /proc/meminfo | tr -s ' ')"
echo "BOOTMEM-HOTPLUG: cmdline: $(cat /proc/cmdline)"

if [ -f /lib/modules/test_bootmem_hotplug.ko ]; then
	insmod /lib/modules/test_bootmem_hotplug.ko ||
		echo "BOOTMEM-HOTPLUG: insmod test_bootmem_hotplug failed"
else
	echo "BOOTMEM-HOTPLUG: no test driver in this image (stock kernel?)"
fi

# Memory notifier error injection, for the fault tests (order matters).
for m in notifier-error-inject memory-notifier-error-inject; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done

# Fault drills for the harness itself (run.sh --append bh_inject=...):
# panic: PID 1 exits, so the kernel panics ("Attempted to kill init");
# hang: the guest stops printing and never finishes;
# no-tool:NAME: the image loses a tool, to show the skip that names it.
case ${bh_inject:-} in
panic) echo "BOOTMEM-HOTPLUG: injecting a panic"; exit 1 ;;
hang) echo "BOOTMEM-HOTPLUG: injecting a hang"; while :; do sleep 3600; done ;;
no-tool:*) echo "BOOTMEM-HOTPLUG: removing ${bh_inject#no-tool:} from the image"
	rm -f "$(command -v "${bh_inject#no-tool:}")" ;;
esac

BASE_DIR=/kselftest
. /kselftest/kselftest/runner.sh
export BOOTMEM_CYCLES=${bh_cycles:?the plan sets bh_cycles}
export BOOTMEM_SEED=${bh_seed:-0}
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

# One KTAP document for the whole run: one plan line counting every program,
# the stress driver included, then the kernel runner's run_one for each,
# numbered in one sequence (run_one prints $test_num).
set -- $tests $stress_prog
echo "BOOTMEM-HOTPLUG: BEGIN KTAP"
echo "TAP version 13"
echo "1..$#"
test_num=0
for prog in $tests; do
	test_num=$(( test_num + 1 ))
	cd /kselftest/bootmem_hotplug
	BASE_DIR=/kselftest
	run_one bootmem_hotplug "./$prog" "$test_num"
done
if [ -n "$stress_prog" ]; then
	test_num=$(( test_num + 1 ))
	cd /stress
	BASE_DIR=/
	run_one stress ./bootmem_stress "$test_num"
fi
echo "BOOTMEM-HOTPLUG: END KTAP"

echo "BOOTMEM-HOTPLUG: DONE"
sync
poweroff -f
