#!/bin/busybox sh
# /init of the kernel that the kexec test boots into (the kexec plan):
# the same kernel, loaded by selftests/bootmem_kexec_test.c with this small
# initramfs. It reports what this kernel took as its memory, from the
# firmware's description the previous kernel handed over, and in
# particular whether it took any range named in bh_kexec_removed= (blocks
# the previous kernel had removed when it loaded this one; "none" when it
# had given every block back). The verdict is the previous kernel's KTAP:
# these lines are the evidence of what a refused load prevents. Booted as
# a crash kernel (the kdump plan), it reports its /proc/vmcore instead.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# The markers, as in the first kernel's /init (build-initramfs.sh).
. /protocol.sh
# drain_console, power_off (qemu-images/guest/console.sh).
. /console.sh
say() { echo "$BH_MARK_KEXEC$*"; }

# A crash kernel (the kdump plan): the ranges its /proc/vmcore lists, from
# the ELF program headers the crashed kernel's kexec load made, and whether
# the block named in bh_kdump_block= is among them.
if [ -e /proc/vmcore ]; then
	kd() { echo "$BH_MARK_KDUMP$*"; }
	# An unsigned little-endian number of $2 bytes at offset $1.
	at() { od -A n -t "u$2" -j "$1" -N "$2" /proc/vmcore | tr -d ' '; }
	kd "crash kernel up: $(uname -r), $(grep MemTotal /proc/meminfo | tr -s ' ')"
	phoff=$(at 32 8) phentsize=$(at 54 2) phnum=$(at 56 2)
	# No headers read: no report, and no DONE, so the run fails.
	if [ -z "$phnum" ] || [ "$phnum" -eq 0 ] || [ "$(at 0 4)" != 1179403647 ]; then
		kd "no ELF program headers in /proc/vmcore (phnum '${phnum}')"
		power_off
	fi
	lo=$(( ${bh_kdump_block%-*} )) hi=$(( ${bh_kdump_block#*-} ))
	listed=
	i=0
	while [ "$i" -lt "$phnum" ]; do
		o=$(( phoff + i * phentsize ))
		if [ "$(at "$o" 4)" = 1 ]; then	# PT_LOAD
			s=$(at $(( o + 24 )) 8) n=$(at $(( o + 40 )) 8)
			e=$(( s + n - 1 ))
			kd "vmcore PT_LOAD $(printf '%#x-%#x' "$s" "$e")"
			[ "$s" -le "$hi" ] && [ "$e" -ge "$lo" ] && listed=1
		fi
		i=$(( i + 1 ))
	done
	if [ -n "$listed" ]; then
		kd "vmcore lists memory block [$bh_kdump_block]"
	else
		kd "vmcore leaves memory block [$bh_kdump_block] out"
	fi
	echo "$BH_MARK_DONE"
	power_off
fi

say "next kernel up: $(uname -r), $(grep MemTotal /proc/meminfo | tr -s ' ')"
grep 'System RAM' /proc/iomem | while read -r line; do say "next kernel iomem: $line"; done
while read -r line; do say "next kernel memblock.memory: $line"; done < /sys/kernel/debug/memblock/memory
for r in $(echo "${bh_kexec_removed:-none}" | tr ',' ' '); do
	[ "$r" = none ] && { say "no range was removed when this kernel was loaded"; continue; }
	lo=$(( ${r%-*} )) hi=$(( ${r#*-} ))
	held=
	for ram in $(sed -n 's/^ *\([0-9a-f]*-[0-9a-f]*\) : System RAM$/\1/p' /proc/iomem); do
		s=$(( 0x${ram%-*} )) e=$(( 0x${ram#*-} ))
		[ "$s" -le "$hi" ] && [ "$e" -ge "$lo" ] && held="$held $ram"
	done
	if [ -n "$held" ]; then
		say "next kernel took removed [$r] as System RAM:$held"
	else
		say "next kernel left removed [$r] alone"
	fi
done
echo "$BH_MARK_DONE"
power_off
