#!/usr/bin/python3
"""Tests of qemu-images/host/boot-guest.sh, the one place every guest of
run.sh is started and judged finished or dead, with a stand-in for QEMU
(a script of the same name first on PATH) that prints a console and ends.

- A guest's last line reaches the log before the log is read, however far
  behind the reader of boot-guest.sh's own output is: the log is written
  by tee, which that reader can hold up, and a guest that printed DONE and
  powered off must not be judged dead because tee had not written it yet.
- A guest that ends without DONE is dead (exit 1), though all before it
  passed.
- A guest whose kernel died and then hung is killed after
  DYING_SILENCE_S, not the plan's silence; a crash the kdump plan
  announced is not.

Prints TAP; exits 1 if any case fails.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402
import tap  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BOOT = REPO / "qemu-images/host/boot-guest.sh"
# The arm64 guest's QEMU, by name on PATH, as boot-guest.sh finds it.
QEMU = json.loads((REPO / "ci/arches.json").read_text())["arches"]["arm64"]["qemu"]
DONE = protocol.marker("DONE")


def boot(console_text, reader_lag_s=None, then="", env_extra=None, give_up_s=60):
    """boot-guest.sh with a QEMU that prints CONSOLE_TEXT and exits at once,
    or first runs the shell words THEN (exec sleep N: a guest that hangs).
    boot-guest.sh's own output is read as it comes, or with READER_LAG_S
    only from that long after QEMU exited. Still running after GIVE_UP_S,
    it is stopped and its exit is None. Returns (exit, log, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "console.in").write_text(console_text)
        exited = tmp / "qemu-exited"
        fake = tmp / "bin" / QEMU
        fake.parent.mkdir()
        fake.write_text(f"#!/bin/sh\ncat '{tmp / 'console.in'}'\n{then}\ntouch '{exited}'\n")
        fake.chmod(0o755)
        log = tmp / "console.log"
        env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "SILENCE_S": "60",
               "TMPDIR": str(tmp), **(env_extra or {})}
        t0 = time.time()
        p = subprocess.Popen([str(BOOT), "Image", "initrd", str(log), "60", "1G", "1", "console=ttyAMA0"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        if reader_lag_s is not None:
            deadline = time.time() + 30
            while not exited.exists() and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(reader_lag_s)
        try:
            p.communicate(timeout=give_up_s)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.terminate()   # its trap ends the stand-in QEMU and tee
            p.communicate()
            rc = None
        return rc, log.read_text(errors="replace"), time.time() - t0


def filler(n_bytes):
    line = "x" * 79 + "\n"
    return line * (n_bytes // len(line))


def done_reaches_the_log_behind_a_slow_reader():
    # 100 KiB fits in the pipes between QEMU, tee and the reader (64 KiB
    # each), so QEMU exits at once; tee, held up by the reader, has not
    # written the end to the log. The reader starts 4 s after QEMU ended,
    # after the 1-3 s at which boot-guest.sh once read the log anyway.
    text = filler(100 * 1024) + DONE + "\n[    9.000000] reboot: Power down\n"
    rc, log, _ = boot(text, reader_lag_s=4)
    lines = log.splitlines()
    return rc == 0 and DONE in lines, \
        f"exit {rc} (want 0); afterwards the log ends {lines[-1:]!r}, DONE in it: {DONE in lines}"


def a_guest_without_done_is_dead():
    rc, log, _ = boot("ok 7 selftests: stress: bootmem_stress\n" + protocol.marker("END_KTAP") + "\n")
    return rc == 1, f"exit {rc} (want 1)"


# The head of a real oops that then hung (fixtures/consoles/x86-gbpages-oops-hangs.log).
OOPS = ("[   11.099027] BUG: unable to handle page fault for address: ffff888238c21d98\n"
        "[   11.102740] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
        "[   11.102740] Call Trace:\n[   11.102740]  <IRQ>\n")
DYING = {"DYING_SILENCE_S": "2"}


def a_death_that_hangs_ends_the_run_early():
    # Silent after its oops: killed after DYING_SILENCE_S, not the plan's
    # silence (60 s), and not asked for backtraces (17 s more).
    rc, log, secs = boot("# #  RUN           bootmem.page_table_count_returns_after_remove ...\n" + OOPS,
                         then="exec sleep 120", env_extra=DYING, give_up_s=12)
    said = "console silent for 2s after the kernel died, guest killed" in log
    how = "still running, stopped" if rc is None else f"exit {rc}"
    return rc == 124 and said and secs < 15, f"{how} (want exit 124) after {secs:.0f} s; watchdog line: {said}"


def a_bare_panic_that_hangs_ends_the_run_early():
    # A panic with no die() before it (init exiting, a panic() call): the
    # other half of what boot-guest.sh takes for a dead kernel.
    rc, log, secs = boot("[    9.5] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n",
                         then="exec sleep 120", env_extra=DYING, give_up_s=12)
    said = "console silent for 2s after the kernel died, guest killed" in log
    how = "still running, stopped" if rc is None else f"exit {rc}"
    return rc == 124 and said and secs < 15, f"{how} (want exit 124) after {secs:.0f} s; watchdog line: {said}"


def an_announced_crash_is_left_to_the_plan():
    # The kdump plan crashes on purpose into the crash kernel, which may
    # boot quietly for a while: the dying rule is not for it.
    text = protocol.marker("KDUMP_CRASH") + "\n[   50.1] Kernel panic - not syncing: sysrq triggered crash\n"
    rc, log, secs = boot(text, then=f"sleep 5; echo '{DONE}'", env_extra=DYING)
    return rc == 0, f"exit {rc} (want 0) after {secs:.0f} s"


def side_by_side(cases):
    """The cases, started together: each waits on boot-guest.sh's clock
    (its 2 s poll, the silences), not on the CPU. The same functions, to
    tap.run, each giving its own result or raising its own error."""
    import functools
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(len(cases))
    futures = [pool.submit(c) for c in cases]
    return [functools.wraps(c)(lambda f=f: f.result()) for c, f in zip(cases, futures)]


if __name__ == "__main__":
    sys.exit(tap.run("boot_guest", side_by_side([
        done_reaches_the_log_behind_a_slow_reader, a_guest_without_done_is_dead,
        a_death_that_hangs_ends_the_run_early, a_bare_panic_that_hangs_ends_the_run_early,
        an_announced_crash_is_left_to_the_plan])))
