#!/bin/busybox sh
# /init of the bootmem-hotplug test image (busybox sh, arm64 guest).
#
# The test plan arrives as bh_* words on the kernel command line, which the
# kernel hands to /init as environment variables:
#   bh_tests   space-free comma list of programs to run (default: all)
#   bh_cycles  cycles for the drift test (BOOTMEM_CYCLES)
#   bh_seed    block-choice seed (BOOTMEM_SEED); 0 picks one
#   bh_stress  stress/soak plan for stress/run-stress.sh, if any
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

export BOOTMEM_CYCLES=${bh_cycles:-3}
export BOOTMEM_SEED=${bh_seed:-0}
tests=
if [ -z "$bh_tests" ] || [ "$bh_tests" = all ]; then
	tests=$(cat /kselftest/bootmem_hotplug/TESTS)
else
	tests=$(echo "$bh_tests" | tr ',' ' ')
fi

cd /kselftest/bootmem_hotplug
BASE_DIR=/kselftest
. /kselftest/kselftest/runner.sh
echo "BOOTMEM-HOTPLUG: BEGIN KTAP"
run_many $tests
echo "BOOTMEM-HOTPLUG: END KTAP"

if [ -n "$bh_stress" ] && [ -x /stress/run-stress.sh ]; then
	/stress/run-stress.sh "$bh_stress"
fi

echo "BOOTMEM-HOTPLUG: DONE"
sync
poweroff -f
