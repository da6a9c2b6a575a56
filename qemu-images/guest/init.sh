#!/bin/busybox sh
# /init of the bootmem-hotplug test image (busybox sh; arm64 guest, or the
# x86-64 reference guest).
#
# The test plan arrives as bh_* words on the kernel command line, which the
# kernel hands to /init as environment variables:
#   bh_tests   space-free comma list of programs to run (default: all)
#   bh_cycles  cycles for the drift test (BOOTMEM_CYCLES)
#   bh_seed    block-choice seed (BOOTMEM_SEED); 0 picks one
#   bh_stress  seconds of stress/bootmem_stress after the selftests, or
#              soak:HOURS for a soak; bh_pressure is its % of MemTotal
#   bh_timeout the kselftest runner's limit for each program, in seconds
#   bh_kdump   1: after the plan, crash into the crash kernel the kexec test
#              left loaded (the kdump plan)
#   bh_kexec_handover  1: after the plan, boot the kernel the kexec test
#              left loaded (the kexec plan)
#   bh_lend_role  primary or secondary, with bh_mode=lend
#   bh_lend_approach  bootmem (default) or driver-managed, the primary's
#   bh_mode    "shell" for a lab's runner (LAVA): set up, then give the
#              console a shell; the lab's test definition runs the plan
# run.sh always passes every value (from ci/plans.json): no default here.
# Everything is printed on the console, which is the only channel to the
# host: KTAP from the kernel's kselftest runner, "# METRIC {json}" lines,
# and markers the host uses to know how far the guest got
# (selftests/lib/protocol.def). The plan itself
# runs in /kselftest/run-plan.sh, shared with the lab path.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
# The markers (BH_MARK_*), from selftests/lib/protocol.def through
# ci/protocol.py shell, which build-initramfs.sh wrote here.
. /kselftest/protocol.sh
# drain_console, power_off (qemu-images/guest/console.sh).
. /kselftest/console.sh
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

echo "$BH_MARK_GUEST_UP$(uname -r), $(nproc) cpus, $(grep MemTotal /proc/meminfo | tr -s ' ')"
echo "$BH_MARK_CMDLINE$(cat /proc/cmdline)"
# The sizes every test derives its own from: this kernel's, 4K to 64K.
# x86-64 says how its direct map is made (DirectMap4k/2M/1G); arm64 has none.
grep -q '^DirectMap' /proc/meminfo &&
	echo "${BH_MARK_GUEST}direct map: $(grep '^DirectMap' /proc/meminfo | tr -s ' ' | paste -sd, -)"
echo "${BH_MARK_SIZES}page $(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps) bytes, memory block $(( 0x$(cat /sys/devices/system/memory/block_size_bytes) )) bytes"

# What the kernel needs as modules before the disk can mount (a stock
# kernel's virtio disk and ext4), each after what it depends on.
if [ -f /lib/modules/order ]; then
	while read -r m; do
		insmod "/lib/modules/$m" || echo "${BH_MARK_GUEST}insmod $m failed"
	done < /lib/modules/order
fi

if [ -f /lib/modules/test_bootmem_hotplug.ko ]; then
	insmod /lib/modules/test_bootmem_hotplug.ko ||
		echo "$BH_MARK_INSMOD_FAILED"
else
	echo "$BH_MARK_NO_DRIVER (stock kernel?)"
fi

# Memory notifier error injection, for the fault tests (order matters).
for m in notifier-error-inject memory-notifier-error-inject; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done

# Fault drills for the harness itself (run.sh --append bh_inject=...):
# panic: PID 1 exits, so the kernel panics ("Attempted to kill init");
# hang: the guest stops printing and never finishes;
# no-tool:NAME: the image loses a tool, to show the skip that names it;
# kill:NAME: a load tool is killed mid-run, to show the run ends at once.
case ${bh_inject:-} in
panic) echo "${BH_MARK_GUEST}injecting a panic"; exit 1 ;;
hang) echo "${BH_MARK_GUEST}injecting a hang"; while :; do sleep 3600; done ;;
no-tool:*) echo "${BH_MARK_GUEST}removing ${bh_inject#no-tool:} from the image"
	rm -f "$(command -v "${bh_inject#no-tool:}")" ;;
kill:*) echo "${BH_MARK_GUEST}killing ${bh_inject#kill:} 20 s after the stress load starts"
	# Watch for the tool, then kill it mid-run: the stress run must end at
	# once with a failure naming it, not wait for the watchdog.
	( while ! pidof "${bh_inject#kill:}" >/dev/null; do sleep 1; done
	  sleep 20; killall -9 "${bh_inject#kill:}" ) & ;;
esac

# Lending (ci/lend.py): the agent takes its commands from the
# console, one line each; the console must not echo them back.
if [ "${bh_mode:-}" = lend ]; then
	[ -f /kselftest/kexec-files ] && export $(cat /kselftest/kexec-files)
	stty -echo 2>/dev/null
	/bin/bootmem_lend --role "${bh_lend_role:?lend.py sets bh_lend_role}" \
		${bh_lend_approach:+--approach "$bh_lend_approach"}
	echo "$BH_MARK_DONE"
	power_off
fi

if [ "${bh_mode:-}" = shell ]; then
	echo "${BH_MARK_GUEST}shell for the lab's test runner"
	export PS1='bootmem-hotplug# '
	# cttyhack gives the shell the console as its controlling terminal.
	exec setsid cttyhack sh -i
fi

echo "$BH_MARK_BEGIN_KTAP"
/kselftest/run-plan.sh
echo "$BH_MARK_END_KTAP"

# This kernel's memory, each line after the marker $1, before it hands
# over: beside what the next kernel says it took, or the crash kernel's
# vmcore lists.
say_iomem() {
	grep 'System RAM' /proc/iomem | while read -r line; do
		echo "$1this kernel iomem: $line"
	done
}

# The kexec plan: boot the kernel the kexec test left loaded; that kernel's
# /init (kexec-next-init.sh) reports and says DONE. A kexec that returns
# ends here without DONE, which the host counts as a dead guest.
if [ "${bh_kexec_handover:-0}" = 1 ] && [ "$(cat /sys/kernel/kexec_loaded 2>/dev/null)" = 1 ]; then
	say_iomem "$BH_MARK_KEXEC"
	echo "${BH_MARK_KEXEC}booting the kernel the kexec test loaded"
	sync
	drain_console
	kexec -e
	echo "${BH_MARK_GUEST}kexec -e returned: $?"
	power_off
fi

# The kdump plan: crash into the crash kernel the kexec test left loaded;
# it (kexec-next-init.sh) reports what its /proc/vmcore lists, and says
# DONE. A crash that does not reach it ends without DONE: a dead guest.
if [ "${bh_kdump:-0}" = 1 ] && [ "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)" = 1 ]; then
	say_iomem "$BH_MARK_KDUMP"
	echo "$BH_MARK_KDUMP_CRASH"
	sync
	drain_console
	echo c > /proc/sysrq-trigger
	echo "${BH_MARK_GUEST}sysrq c returned"
	power_off
fi

echo "$BH_MARK_DONE"
power_off
