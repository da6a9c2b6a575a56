#!/usr/bin/env bash
# Boot the test image in qemu-system-aarch64 (TCG), or with GUEST_ARCH=amd64
# the x86-64 reference image in qemu-system-x86_64 (TCG), and stream its
# console.
#
#   boot-guest.sh KERNEL INITRD CONSOLE_LOG TIMEOUT_S MEM SMP APPEND [NUMA]
#
# The console goes to CONSOLE_LOG as it arrives (and to stdout), so a crash
# loses nothing already printed. The guest boots with oops=panic panic=-1
# and QEMU with -no-reboot, so a dead kernel ends QEMU instead of hanging
# it; a wall-clock watchdog kills a guest that hangs anyway, one that
# prints nothing for SILENCE_S seconds (the plan's silence_s), and one
# whose kernel died and then printed nothing for DYING_SILENCE_S. QEMU is reaped
# by its own PID. With INITRD_ADDR set, the initramfs is loaded there by
# QEMU's generic loader instead of -initrd, and the command line must say
# where (initrd=ADDR,SIZE). With DISK set, that file (make-disk.sh) is the
# guest's virtio-blk disk; with SWAP_DISK set, that one (make-disk.sh
# --swap) is a second, which the guest tells apart by its content.
# Before it kills a silent guest, the watchdog asks the guest's kernel what
# its CPUs and blocked tasks are doing (SysRq 9, l and w over the serial
# line), so that a hang leaves a backtrace on the console, not just silence.
# Exit: 0 the guest finished the plan; 1 it died (panic/oops); 124 the
# watchdog killed it; 2 QEMU is missing.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
. "$(dirname "$0")/common.sh"

kernel=$1 initrd=$2 console=$3 timeout_s=$4 mem=$5 smp=$6 append=$7 numa=${8:-}
silence_s=${SILENCE_S:?run.sh sets SILENCE_S from the plan}
# The machine of each architecture (ci/arches.json, which says why each
# is what it is); a plan may override the CPU and machine (QEMU_CPU, e.g.
# qemu64,+pdpe1gb; QEMU_MACHINE, e.g. q35,max-ram-below-4g=512M).
load_arch "${GUEST_ARCH:-arm64}"
blkdev=$arch_blkdev
# QEMU's binary, machine and CPU from the one builder (ci/guest.py), as
# lend.py's guests get them.
qemu_words=$(/usr/bin/python3 "$REPO_ROOT/ci/guest.py" qemu --arch "${GUEST_ARCH:-arm64}" \
	${QEMU_MACHINE:+--machine "$QEMU_MACHINE"} ${QEMU_CPU:+--cpu "$QEMU_CPU"}) || exit 2
eval "qemu_argv=($qemu_words)"
qemu=${qemu_argv[0]}
command -v "$qemu" >/dev/null || { echo "boot-guest.sh: $qemu not found" >&2; exit 2; }

numa_args=()
if [ -n "$numa" ]; then
	# Two nodes, each with half the RAM and half the CPUs.
	half=$(( ${mem%G} / 2 ))
	numa_args=(-object memory-backend-ram,id=m0,size=${half}G
		   -object memory-backend-ram,id=m1,size=${half}G
		   -numa node,nodeid=0,memdev=m0,cpus=0-$(( smp / 2 - 1 ))
		   -numa node,nodeid=1,memdev=m1,cpus=$(( smp / 2 ))-$(( smp - 1 )))
fi

# Writes are throttled to a slow disk's speed, so that pages the test puts
# under writeback are still under it when offline meets them.
disk_args=()
[ -n "${SWAP_DISK:-}" ] && disk_args=(-drive "file=$SWAP_DISK,if=none,format=raw,id=swap0"
				      -device "$blkdev,drive=swap0")
[ -n "${DISK:-}" ] && disk_args+=(-drive "file=$DISK,if=none,format=raw,id=disk0,throttling.bps-write=16777216"
				  -device "$blkdev,drive=disk0")

initrd_args=(-initrd "$initrd")
[ -n "${INITRD_ADDR:-}" ] && initrd_args=(-device "loader,file=$initrd,addr=$INITRD_ADDR,force-raw=on")

: > "$console"
# QEMU's stdin is a FIFO this script holds open for writing: -nographic
# multiplexes the serial port and the monitor on stdio, where C-a b sends a
# break, and the kernel takes the next character after a break as a SysRq
# key (every guest boots with sysrq_always_enabled, ci/guest.py).
qin=$(mktemp -u "${TMPDIR:-/tmp}/boot-guest-stdin.XXXXXX")
mkfifo "$qin" || exit 2
exec {qin_fd}<>"$qin"
rm -f "$qin"
# QEMU's output reaches the log through tee, over a FIFO rather than a
# process substitution, so that this script knows tee's PID and can wait
# for it to write the last line QEMU printed before it reads the log.
qout=$(mktemp -u "${TMPDIR:-/tmp}/boot-guest-stdout.XXXXXX")
mkfifo "$qout" || exit 2
tee -a "$console" < "$qout" &
teepid=$!
"${qemu_argv[@]}" -smp "$smp" -m "$mem" "${numa_args[@]}" \
	-nographic -no-reboot -nic none \
	-kernel "$kernel" "${initrd_args[@]}" -append "$append" "${disk_args[@]}" \
	<&"$qin_fd" > "$qout" 2>&1 &
qpid=$!
# On the way out tee has already ended, except when this script is
# interrupted: then it goes too, not left waiting on the FIFO.
trap 'kill -9 $qpid 2>/dev/null; wait $qpid 2>/dev/null; kill $teepid 2>/dev/null; rm -f "$qout"' EXIT INT TERM

# SysRq 9 (every message reaches the console), l (a backtrace of each active
# CPU), w (the tasks in uninterruptible sleep), then a few seconds for the
# guest to print them.
ask_guest_for_backtraces() {
	local key
	for key in 9 l w; do
		printf '\001b' >&"$qin_fd"
		sleep 1
		printf '%s' "$key" >&"$qin_fd"
		sleep 3
	done
	sleep 5
}

# A kernel that dies ends QEMU within seconds of its oops or panic line:
# every guest boots with oops=panic panic=-1 (ci/guest.py), and QEMU runs
# with -no-reboot. One that prints nothing for DYING_SILENCE_S after such a
# line hung in its own death (seen: stock x86-64's oops stopped at "Call
# Trace: <IRQ>" and the guest never answered SysRq), so waiting out the
# plan's silence, or asking it for backtraces, adds nothing. A die() is
# "... [#N]" on both architectures (x86's __die_header, arm64's __die).
# The kdump plan's announced crash goes on into the crash kernel, so it is
# left to the plan's silence.
DYING_SILENCE_S=${DYING_SILENCE_S:-30}
died_kernel() {
	tail -n 100 "$console" | grep -qE '\[#[0-9]+\]|Kernel panic - not syncing' &&
		! grep -qF "$BH_MARK_KDUMP_CRASH" "$console"
}

start=$(date +%s)
last_size=0
last_change=$start
verdict= dead=
while kill -0 "$qpid" 2>/dev/null; do
	sleep 2
	now=$(date +%s)
	size=$(stat -c %s "$console" 2>/dev/null || echo 0)
	if [ "$size" != "$last_size" ]; then
		last_size=$size
		last_change=$now
	fi
	if [ $(( now - start )) -ge "$timeout_s" ]; then
		verdict="watchdog: no end after ${timeout_s}s, guest killed"
	elif [ $(( now - last_change )) -ge "$silence_s" ]; then
		verdict="watchdog: console silent for ${silence_s}s, guest killed"
	elif [ $(( now - last_change )) -ge "$DYING_SILENCE_S" ] && died_kernel; then
		verdict="watchdog: console silent for ${DYING_SILENCE_S}s after the kernel died, guest killed"
		dead=1
	fi
	if [ -n "$verdict" ]; then
		printf '\n%s%s\n' "$BH_MARK_HOST" "$verdict" | tee -a "$console"
		[ -z "$dead" ] && kill -0 "$qpid" 2>/dev/null && ask_guest_for_backtraces
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		wait "$teepid" 2>/dev/null
		exit 124
	fi
done
wait "$qpid" 2>/dev/null
# tee ends at the end of QEMU's output: then the log holds all of it.
wait "$teepid" 2>/dev/null
# A line that starts with DONE (a kernel message may follow on it).
awk -v m="$BH_MARK_DONE" 'index($0, m) == 1 { done = 1 } END { exit !done }' "$console" && exit 0
exit 1
exit
}
