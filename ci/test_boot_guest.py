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

Prints TAP; exits 1 if any case fails.
"""
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
QEMU = "qemu-system-aarch64"   # ci/arches.json's arm64 binary, by name on PATH
DONE = protocol.marker("DONE")


def boot(console_text, reader_lag_s=None):
    """boot-guest.sh with a QEMU that prints CONSOLE_TEXT and exits at once.
    boot-guest.sh's own output is read as it comes, or with READER_LAG_S
    only from that long after QEMU exited. Returns (exit, log)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "console.in").write_text(console_text)
        exited = tmp / "qemu-exited"
        fake = tmp / "bin" / QEMU
        fake.parent.mkdir()
        fake.write_text(f"#!/bin/sh\ncat '{tmp / 'console.in'}'\ntouch '{exited}'\n")
        fake.chmod(0o755)
        log = tmp / "console.log"
        env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "SILENCE_S": "60",
               "TMPDIR": str(tmp)}
        p = subprocess.Popen([str(BOOT), "Image", "initrd", str(log), "60", "1G", "1", "console=ttyAMA0"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        if reader_lag_s is not None:
            deadline = time.time() + 30
            while not exited.exists() and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(reader_lag_s)
        p.stdout.read()
        rc = p.wait()
        return rc, log.read_text(errors="replace")


def filler(n_bytes):
    line = "x" * 79 + "\n"
    return line * (n_bytes // len(line))


def done_reaches_the_log_behind_a_slow_reader():
    # 100 KiB fits in the pipes between QEMU, tee and the reader (64 KiB
    # each), so QEMU exits at once; tee, held up by the reader, has not
    # written the end to the log. The reader starts 4 s after QEMU ended,
    # after the 1-3 s at which boot-guest.sh once read the log anyway.
    text = filler(100 * 1024) + DONE + "\n[    9.000000] reboot: Power down\n"
    rc, log = boot(text, reader_lag_s=4)
    lines = log.splitlines()
    return rc == 0 and DONE in lines, \
        f"exit {rc} (want 0); afterwards the log ends {lines[-1:]!r}, DONE in it: {DONE in lines}"


def a_guest_without_done_is_dead():
    rc, log = boot("ok 7 selftests: stress: bootmem_stress\n" + protocol.marker("END_KTAP") + "\n")
    return rc == 1, f"exit {rc} (want 1)"


if __name__ == "__main__":
    sys.exit(tap.run("boot_guest", [done_reaches_the_log_behind_a_slow_reader, a_guest_without_done_is_dead]))
