#!/bin/busybox sh
# /init of the kernel that the kexec test boots into (the kexec plan):
# the same kernel, loaded by selftests/bootmem_kexec_test.c with this small
# initramfs. It reports what this kernel took as its memory, from the
# firmware's description the previous kernel handed over, and in
# particular whether it took any range named in bh_kexec_removed= (blocks
# the previous kernel had removed when it loaded this one; "none" when it
# had given every block back). The verdict is the previous kernel's KTAP:
# these lines are the evidence of what a refused load prevents.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# The markers, as in the first kernel's /init (build-initramfs.sh).
. /protocol.sh
say() { echo "$BH_MARK_KEXEC$*"; }

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
poweroff -f
