# Sourced by each /init of the test image (init.sh, kexec-next-init.sh).
#
# The console is the guest's only channel to the host, and what a shell
# writes to it waits in the tty's buffer until the UART driver sends it.
# poweroff -f, kexec -e and a crash end this kernel without waiting for
# that buffer, so the marker written just before them (DONE, the kdump
# crash's announcement) can be cut short or lost, and the host then judges
# a guest that finished as one that died. stty applies any setting with
# TCSETSW, which the kernel returns from only once the tty has sent all
# that was written before it (tty_wait_until_sent): onlcr is the console's
# setting already, so this changes nothing but waits.
drain_console() {
	stty onlcr 2>/dev/null || :
}

# The guest's end: what it said reaches the host, then the power goes.
power_off() {
	sync
	drain_console
	poweroff -f
}
