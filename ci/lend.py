#!/usr/bin/python3
"""Lend boot memory from one arm64 guest to another and take it back.

Two QEMU guests boot the same kernel and image. The primary's RAM is a
shared file on the host (memory-backend-file, share=on); the secondary maps
the same file as the BAR of an ivshmem-plain PCI device. In each guest the
lending agent (qemu-images/guest/bootmem_lend.c) does what this script tells it over
the guest's console, one line per command, and answers with one line.

This script is the only one that knows who holds a block, and it never
lets both: it tells the secondary to take a block only after the primary
has said the block is removed, and the primary to take it back only after
the secondary has said the same, or after the secondary's QEMU has exited
and the host has scrubbed the block. Every step, with the host's time, is
in lend-host.log, and each guest's answers are in its console.

A run: a baseline (the primary removes and re-adds a block itself), then
ROUNDS rounds of primary -> secondary -> primary, each checked both ways by
an address-tagged pattern (written after offline, verified after add and
before online); in each round, while the secondary holds the block, the
primary must be refused a kexec load. Then the bad cases: a block that is
not marked (refused), a second add of a held range (refused), and the
secondary killed while it holds a block (the primary takes it back only
after the host has seen QEMU exit and zeroed the block, which the
primary's check of zeros proves).

    lend.py --kernel IMAGE --initrd INITRD --results DIR [--rounds N]
            [--approach bootmem|driver-managed]

The approach is how the primary comes by memory it can lend. bootmem (the
series): its ZONE_MOVABLE boot memory, marked by the test driver. driver-
managed (what the 2020 thread proposed instead, on a stock kernel): the
primary boots with mem= below its RAM, and its agent adds the hidden range
with add_memory_driver_managed() and onlines it movable; it lends that. The
rounds, their checks and the bad cases are the same, except where the
stock kernel has nothing to refuse with: its kexec while a block is lent is
recorded (lend_kexec), not judged, and the block it must refuse is a
movable boot block (stock arm64 refuses every boot block) instead of an
unmarked one.

Writes DIR/results.ktap (one KTAP document), metrics.jsonl (each result,
as ci/report.py writes them, and each round's figures), verdict.json,
summary.txt, console-primary.log, console-secondary.log, lend-host.log. Exit: 0 all passed, 1 a check failed or a guest died,
2 setup error.
"""
import argparse
import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Where QEMU's arm64 virt machine puts RAM: one place, common.sh.
RAM_BASE = int(re.search(r"^QEMU_VIRT_RAM_BASE=\$\(\((0x[0-9a-fA-F]+)\)\)",
                         (REPO / "qemu-images/host/common.sh").read_text(), re.M).group(1), 16)


def _splats():
    """What counts as a kernel splat: one place, the suite's list
    (selftests/lib/splats.def), as ci/report.py reads it for every run."""
    spec = importlib.util.spec_from_file_location("bootmem_report", REPO / "ci/report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    return report.SPLATS


SPLATS = _splats()
sys.path.insert(0, str(REPO / "ci"))
import protocol  # noqa: E402  (ci/protocol.py: the agent's marker, the metric records)
import guest as guest_cmd  # noqa: E402  (ci/guest.py: QEMU and the kernel command line)
LEND = re.escape(protocol.marker("LEND"))
ANSWER = re.compile(LEND + r"(\S+) (ok|refused|fail) (\S+) ?(.*?) t=([0-9.]+)\s*$")
END = re.compile(LEND + r"end (ok|fail) quit (.*)")
PRIMARY_MEM_G = 4        # a power of two: the ivshmem BAR is the file's size
SECONDARY_MEM_G = 2
MOVABLE_G = 1            # the primary's ZONE_MOVABLE, the blocks it can lend
# driver-managed: mem= hides this much of the primary's RAM at the top,
# which its agent adds back: by default as much as the series lends.
HIDDEN_MB = MOVABLE_G << 10
# What mem= must leave the primary: QEMU loads the kernel image and the
# initramfs (about 150 MB) at the start of RAM, and the kernel unpacks the
# initramfs and runs the load beside them.
VISIBLE_MIN_MB = 1024
# The driver-managed primary's own movable boot memory: just enough for the
# bad case (a movable boot block the stock kernel must refuse), so that its
# movable pool, where the load spreads, is closer to the series'
# (MOVABLE_G): with a GiB of each, the blocks it lends were half as full and
# their offlines three times as fast. With mem=3G the top of its RAM is
# below 4 GiB, where crashkernel= and other boot reservations go top-down:
# 256M left no movable boot block free of them, 1G left four.
DM_BOOT_MOVABLE_MB = 768
APPROACHES = ("bootmem", "driver-managed")
ANSWER_TIMEOUT_S = 600   # one step under TCG and pressure
HOLD_S = 5               # how long the secondary uses a block each round


class Failure(Exception):
    pass


class Recorded(Exception):
    """A failure already recorded as the result of the step it ended."""


# A kernel message on the console: "[    7.024978] text". printk writes to
# the UART directly, while the agent's line goes through the tty, so a
# message printed as the agent answers can land inside its line:
# "BOOTMEM-LEND: 4 refused kexec ... t=6.969[    7.024978] Can't kexec: ...",
# then the agent's newline alone, or the rest of its line.
KMSG_AT = re.compile(r"\[\s*[0-9]+\.[0-9]+\] ")


def join_broken_line(line, broken):
    """The protocol's view of a console line: a kernel message that cut
    into an agent's line is left out (it is in the console file and its
    splat scan), and the two pieces of the agent's line are joined.
    Returns (line to hand on or None, the piece still waiting)."""
    if broken and KMSG_AT.match(line):
        return None, broken         # another kernel line while one is open
    m = KMSG_AT.search(line)
    if m and m.start() > 0:
        return None, broken + line[:m.start()]
    if broken:
        return broken + line, ""
    return line, ""


class Guest:
    """One QEMU guest: its console to a file and to a queue of lines."""

    def __init__(self, role, cmd, console, host_log):
        self.role = role
        self.host_log = host_log
        self.lines = queue.Queue()
        self.splats = []
        self.console = open(console, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.seq = 0
        self.sent = {}      # seq -> the command, which its answer must name

    def _read(self):
        broken = ""     # the start of an agent line a kernel message broke into
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.console.write(line + "\n")
            self.console.flush()
            if any(s in line for s in SPLATS):
                self.splats.append(line)
            line, broken = join_broken_line(line, broken)
            if line is not None:
                self.lines.put(line)
        if broken:
            self.lines.put(broken)
        self.lines.put(None)

    def send(self, text):
        self.seq += 1
        line = f"{self.seq} {text}"
        self.host_log(f"host -> {self.role}: {line}")
        self.sent[self.seq] = text
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self.seq

    def wait_answer(self, seq, timeout=None):
        """The agent's answer to command seq (0: the ready line). The answer
        must name the command's verb and block: the step the host meant is
        the one that was answered, never an answer that only has its number."""
        timeout = ANSWER_TIMEOUT_S if timeout is None else timeout
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                raise Failure(f"{self.role}: no answer to command {seq} in {timeout} s")
            if line is None:
                raise Failure(f"{self.role}: the guest died waiting for command {seq}"
                              f" (QEMU exit {self.proc.wait()})")
            m = ANSWER.search(line)
            if m and m.group(1) == str(seq):
                self.host_log(f"{self.role} -> host: {m.group(0)}")
                # The verb, and the block of a give or take. A "fail" answer
                # fails its step anyway, in the agent's own words.
                cmd = self.sent.get(seq, "").split()[:2]
                said = [m.group(3)] + m.group(4).split()[:len(cmd) - 1]
                if cmd and m.group(2) != "fail" and said != cmd:
                    raise Failure(f"{self.role}: answer {seq} is to '{' '.join(said)}', but "
                                  f"command {seq} was '{' '.join(cmd)}'")
                fields = dict(kv.split("=", 1) for kv in re.findall(r"\b\w+=\S+", m.group(4)))
                return {"verdict": m.group(2), "verb": m.group(3), "text": m.group(4),
                        "fields": fields, "guest_t": float(m.group(5)), "host_t": time.monotonic()}
            if time.monotonic() > end:
                raise Failure(f"{self.role}: no answer to command {seq} in {timeout} s")

    def ask(self, text):
        return self.wait_answer(self.send(text))

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        status = self.proc.wait()
        # Every line QEMU wrote is read (and scanned for splats) before this returns.
        self.reader.join(10)
        return status

    def finish(self, timeout=120):
        try:
            self.send("quit")
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
                if line is None:
                    break
                m = END.search(line)
                if m:
                    self.host_log(f"{self.role} -> host: {m.group(0)}")
                    return m.group(1) == "ok", m.group(2)
        except (queue.Empty, BrokenPipeError):
            pass
        return False, "no end line"


def hidden_error(hidden_mb):
    """Why mem= cannot hide HIDDEN_MB of the primary's RAM, or None. That
    no whole memory block is hidden only the guest can tell (its block
    size): its agent says so, and the run ends with exit 2 all the same."""
    if hidden_mb < 1:
        return f"mem= must hide something, got {hidden_mb} MiB"
    # What mem= leaves outside ZONE_MOVABLE: the kernel, its image and the
    # unpacked initramfs cannot live in movable memory.
    kernel_mb = (PRIMARY_MEM_G << 10) - hidden_mb - DM_BOOT_MOVABLE_MB
    if kernel_mb < VISIBLE_MIN_MB:
        return (f"hiding {hidden_mb} MiB of the primary's {PRIMARY_MEM_G} GiB leaves mem= "
                f"{(PRIMARY_MEM_G << 10) - hidden_mb} MiB, {kernel_mb} MiB of it outside its "
                f"{DM_BOOT_MOVABLE_MB} MiB of ZONE_MOVABLE: below the kernel image, the "
                f"initramfs and room to run them ({VISIBLE_MIN_MB} MiB)")
    return None


class SetupError(Exception):
    """The run cannot start for want of a setting, not of the kernel: exit 2."""


def qemu_cmd(kernel, initrd, role, mem_g, shared, movable, approach="bootmem",
             hidden_mb=HIDDEN_MB):
    """A lending guest's QEMU command, from the one builder of QEMU and
    kernel command lines (ci/guest.py), as every run's."""
    # Added memory stays offline until the agent has checked its pattern:
    # Debian's stock 7.2 onlines it by itself (MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO).
    extra = ["bh_mode=lend", f"bh_lend_role={role}", "memhp_default_state=offline"]
    if role == "primary" and approach == "driver-managed":
        extra += [f"mem={(mem_g << 10) - hidden_mb}M", f"bh_lend_approach={approach}"]
    append = guest_cmd.cmdline("arm64", movable, extra)
    cmd = guest_cmd.qemu("arm64") + [
        "-smp", "2", "-m", f"{mem_g}G",
        "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
        "-nic", "none", "-kernel", kernel, "-initrd", initrd, "-append", append]
    # The primary's RAM is the shared file; the secondary sees the same
    # file as an ivshmem BAR, the memory it is lent.
    share = f"size={PRIMARY_MEM_G}G,mem-path={shared},share=on"
    m = cmd.index("-M") + 1
    if role == "primary":
        cmd[m] += ",memory-backend=ram0"
        cmd += ["-object", f"memory-backend-file,id=ram0,{share}"]
    else:
        cmd += ["-object", f"memory-backend-file,id=lent0,{share}",
                "-device", "ivshmem-plain,memdev=lent0"]
    return cmd


def tag(block, rnd, writer):
    """Tags differ by block, round and writer: a stale pattern never passes."""
    return (block << 32) ^ (rnd << 48) ^ ({"primary": 0xa, "secondary": 0x5}[writer] << 60)


class Run:
    def __init__(self, args):
        self.args = args
        self.results = Path(args.results)
        self.t0 = time.monotonic()
        self.host = open(self.results / "lend-host.log", "w")
        # The suite's metrics file: results as report.py writes them (so
        # make mutants reads a lending run like any other), and the steps.
        self.metrics = open(self.results / "metrics.jsonl", "w")
        self.tests = []      # (ok, name, detail)
        self.events = []     # (host_t, role, what, block): the ownership record
        self.released = {}   # block -> "role:seq" of the answer that let it go
        self.verified = 0
        self.verified_across = 0
        self.migrated = {"primary": 0, "secondary": 0}   # pages the rounds' offlines moved
        self.rounds = []          # (primary -> secondary ms, secondary -> primary ms)
        self.baseline_ms = None
        self.boot_blocks = []    # the primary's movable boot blocks (ready line)
        self.setup_error = None

    def log(self, text):
        self.host.write(f"t={time.monotonic() - self.t0:9.3f} {text}\n")
        self.host.flush()

    def metric(self, **kw):
        # The same declaration the guests' records answer to.
        protocol.check_record(kw, "lend.py")
        self.metrics.write(json.dumps(kw) + "\n")
        self.metrics.flush()

    def result(self, ok, name, detail=""):
        self.tests.append((ok, name, detail))
        self.metric(kind="result", program="lend", test=name, status="pass" if ok else "fail",
                    expected=None, reason=detail)
        self.log(f"{'ok' if ok else 'not ok'} {name}{' # ' + detail if detail else ''}")

    def expect(self, answer, verdict, what):
        if answer["verdict"] != verdict:
            raise Failure(f"{what}: {answer['verdict']} {answer['verb']} {answer['text']}")

    # key: the block as the primary numbers it, which names it in the
    # ownership record whichever guest's number the command uses.
    def give(self, guest, block, t, key, unmarked=False):
        a = guest.ask(f"give {block} {t:#x}{' unmarked' if unmarked else ''}")
        if a["verdict"] == "ok":
            self.events.append((a["host_t"], guest.role, "gone", key))
            self.released[key] = f"{guest.role}:{guest.seq}"
        return a

    def take(self, guest, block, t, key):
        """Take, naming the answer that released the block: the grant."""
        sent = time.monotonic()
        grant = self.released.get(key, "none")
        a = guest.ask(f"take {block} {t:#x} granted_by={grant}")
        if a["verdict"] == "ok":
            # Online from the moment the take was sent, to be strict.
            self.events.append((sent, guest.role, "held", key))
            verified = int(a["fields"].get("verified_bytes", 0))
            self.verified += verified
            # Written by the other guest: verified across guests.
            if grant.split(":")[0] in ("primary", "secondary") and not grant.startswith(guest.role):
                self.verified_across += verified
        return a

    def qemu_guest(self, role, shared):
        movable = f"{MOVABLE_G}G" if self.args.approach == "bootmem" else f"{DM_BOOT_MOVABLE_MB}M"
        mem, movable = ((PRIMARY_MEM_G, movable) if role == "primary"
                        else (SECONDARY_MEM_G, None))
        return Guest(role, qemu_cmd(self.args.kernel, self.args.initrd, role, mem, shared, movable,
                                    self.args.approach, self.args.hidden_mb),
                     self.results / f"console-{role}.log", self.log)

    def run(self, start=None):
        """start(role, shared) gives each guest: QEMU's, or in
        ci/test_lend.py a stand-in that replays a recorded console."""
        start = start or self.qemu_guest
        shared = os.path.join(self.args.shared_dir, f"bootmem-lend-{os.getpid()}")
        with open(shared, "wb") as f:
            f.truncate(PRIMARY_MEM_G << 30)
        guests = {}
        try:
            guests["primary"] = start("primary", shared)
            guests["secondary"] = start("secondary", shared)
            self.scenario(guests["primary"], guests["secondary"], shared)
        except Failure as e:
            self.result(False, "lend.run", str(e))
        except SetupError as e:
            self.setup_error = str(e)
        except Recorded:
            pass
        except (KeyError, ValueError, OSError) as e:
            # An answer without a field it must have, a field that is no
            # number, a guest gone when the host writes to it: the run
            # fails with a verdict, not a traceback and no report.
            self.result(False, "lend.run", f"{type(e).__name__}: {e}")
        finally:
            for g in guests.values():
                if g.proc.poll() is None:
                    g.kill()
            os.unlink(shared)

    def scenario(self, p, s, shared):
        rp, rs = p.wait_answer(0), s.wait_answer(0)
        for role, r in (("primary", rp), ("secondary", rs)):
            if r["verdict"] != "ok" and "errno=ENOENT" in r["text"]:
                raise SetupError(f"the {role} is not ready: {r['text']}")
            if r["verdict"] != "ok":
                raise Failure(f"a guest is not ready: {r['verdict']} {r['verb']} {r['text']}")
        bs = int(rp["fields"]["block_size"], 16)

        def listed(key):
            return [int(b) for b in rp["fields"][key].split(",") if b != "none"]
        dm = self.args.approach == "driver-managed"
        blocks = listed("driver_managed_blocks" if dm else "movable_boot_blocks")
        self.boot_blocks = listed("movable_boot_blocks")
        window = int(rs["fields"]["lent_window"], 16)
        if len(blocks) < 3 or not window or (dm and not self.boot_blocks):
            raise Failure(f"nothing to lend: primary's {'driver-managed' if dm else 'movable boot'} "
                          f"blocks {blocks}, secondary window {window:#x}")
        f = rp["fields"]
        # The recorded consoles of fixtures/consoles predate these fields;
        # make compare-lending names the missing record if a run lacks it.
        if "lendable_leaves" in f:
            self.metric(kind="lend_ready", approach=self.args.approach,
                        boot_mem_total_kb=int(f["boot_mem_total_kb"]),
                        lendable_usable_s=float(f["lendable_usable_s"]),
                        lendable_leaves={k: int(v) for k, v in
                                         (kv.split(":") for kv in f["lendable_leaves"].split(","))},
                        lendable_blocks=len(blocks),
                        set_aside_blocks=int(f["set_aside_blocks"]))

        def in_secondary(block):
            return (window + block * bs - RAM_BASE) // bs
        self.log(f"primary blocks {blocks}; block size {bs:#x}; the secondary sees the primary's "
                 f"RAM at {window:#x}")

        # Baseline, same run: the primary gives a block to itself.
        base = blocks[-1]
        t0 = time.monotonic()
        try:
            self.expect(self.give(p, base, tag(base, 0, "primary"), base), "ok", "baseline give")
            self.expect(self.take(p, base, tag(base, 0, "primary"), base), "ok", "baseline take")
        except Failure as e:
            self.result(False, "lend.baseline_cycle", str(e))
            raise Recorded()
        self.baseline_ms = (time.monotonic() - t0) * 1e3
        self.metric(kind="lend_baseline", block=base, cycle_ms=self.baseline_ms)
        self.result(True, "lend.baseline_cycle",
                    f"memory{base} removed and added back by the primary in {self.baseline_ms:.0f} ms, "
                    f"its pattern verified")

        for rnd in range(1, self.args.rounds + 1):
            try:
                self.round(p, s, rnd, blocks, bs, in_secondary)
            except Failure as e:
                self.result(False, f"lend.round_{rnd}", str(e))
                raise Recorded()
        self.bad_cases(p, s, blocks, bs, in_secondary, shared)

    def round(self, p, s, rnd, blocks, bs, in_secondary):
        """One round: primary -> secondary -> primary, verified both ways."""
        # The last two blocks are the baseline's and the unmarked
        # case's, which must still be boot memory never removed.
        blk = blocks[(rnd - 1) % (len(blocks) - 2)]
        sblk = in_secondary(blk)
        t_give = time.monotonic()
        g = self.give(p, blk, tag(blk, rnd, "primary"), blk)
        self.expect(g, "ok", f"round {rnd}: primary gives memory{blk}")
        tk = self.take(s, sblk, tag(blk, rnd, "primary"), blk)
        self.expect(tk, "ok", f"round {rnd}: secondary takes memory{sblk}")
        to_secondary = (time.monotonic() - t_give) * 1e3
        # The secondary uses the block under its own load before it gives
        # it back; meanwhile the primary's kexec must be refused.
        t_hold = time.monotonic()
        k = p.ask("kexec")
        self.metric(kind="lend_kexec", round=rnd, verdict=k["verdict"], text=k["text"])
        if self.args.approach == "bootmem":
            self.result(k["verdict"] == "refused" and "errno=EBUSY" in k["text"] and
                        "kernel_said_why=1" in k["text"],
                        f"lend.kexec_refused_while_lent_round_{rnd}",
                        f"primary kexec_file_load with memory{blk} lent: {k['verdict']} {k['text']}")
        else:
            # A stock kernel has no refusal to test: what it did is a row of
            # make compare-lending, not a verdict.
            self.log(f"driver-managed: primary kexec_file_load with memory{blk} lent: "
                     f"{k['verdict']} {k['text']}")
        if rnd == 1:
            again = s.ask(f"take {sblk} {tag(blk, rnd, 'primary'):#x} granted_by={self.released[blk]}")
            self.result(again["verdict"] == "refused" and "EEXIST" in again["text"],
                        "lend.second_add_of_a_held_range_is_refused",
                        f"secondary adds memory{sblk} again: {again['verdict']} {again['text']}")
        time.sleep(max(0.0, HOLD_S - (time.monotonic() - t_hold)))
        t_back = time.monotonic()
        sg = self.give(s, sblk, tag(blk, rnd, "secondary"), blk)
        self.expect(sg, "ok", f"round {rnd}: secondary gives memory{sblk} back")
        self.expect(self.take(p, blk, tag(blk, rnd, "secondary"), blk), "ok",
                    f"round {rnd}: primary takes memory{blk} back")
        to_primary = (time.monotonic() - t_back) * 1e3
        self.rounds.append((to_secondary, to_primary))
        self.migrated["primary"] += int(g["fields"].get("migrated_pages", 0))
        self.migrated["secondary"] += int(sg["fields"].get("migrated_pages", 0))
        self.metric(kind="lend_round", round=rnd, block=blk, to_secondary_ms=to_secondary,
                    to_primary_ms=to_primary, primary_give=g["fields"],
                    secondary_take=tk["fields"])
        self.result(True, f"lend.round_{rnd}",
                    f"memory{blk}: to the secondary {to_secondary:.0f} ms, back "
                    f"{to_primary:.0f} ms, {2 * bs >> 20} MiB verified; offline migrated "
                    f"{g['fields'].get('migrated_pages')} pages on the primary, "
                    f"{sg['fields'].get('migrated_pages')} on the secondary")

    def bad_cases(self, p, s, blocks, bs, in_secondary, shared):
        # A block the primary's driver never marked (the series), or any
        # boot block (a stock kernel): the kernel's notifier refuses it.
        if self.args.approach == "bootmem":
            unmarked, name = blocks[-2], "lend.unmarked_block_is_refused"
        else:
            unmarked, name = self.boot_blocks[-1], "lend.boot_block_is_refused"
        a = self.give(p, unmarked, tag(unmarked, 0, "primary"), unmarked, unmarked=True)
        self.result(a["verdict"] == "refused" and "errno=EPERM" in a["text"] and
                    "state=online" in a["text"], name, f"memory{unmarked}: {a['verdict']} {a['text']}")
        if self.args.approach == "driver-managed":
            # The driver adds as lent memory only RAM that mem= hid from
            # this kernel: its own boot RAM is EINVAL before the kernel is
            # asked (which would say EEXIST: the range is System RAM).
            own = self.boot_blocks[-1]
            a = p.ask(f"take {own} {tag(own, 0, 'primary'):#x} granted_by=none")
            self.result(a["verdict"] == "refused" and "errno=EINVAL" in a["text"] and
                        "state=online" in a["text"], "lend.own_boot_ram_is_not_added_as_lent",
                        f"memory{own} (this VM's boot RAM) through lend_add: {a['verdict']} {a['text']}")

        # The secondary dies holding a block.
        blk = blocks[0]
        rnd = self.args.rounds + 1
        self.expect(self.give(p, blk, tag(blk, rnd, "primary"), blk), "ok",
                    "primary gives before the kill")
        self.expect(self.take(s, in_secondary(blk), tag(blk, rnd, "primary"), blk), "ok",
                    "secondary takes before the kill")
        self.log(f"killing the secondary, which holds memory{blk}")
        status = s.kill()
        self.log(f"secondary's QEMU exited ({status}): memory{blk} is no longer mapped there")
        self.events.append((time.monotonic(), "secondary", "gone", blk))
        # Scrub what the secondary left: a block taken back from a dead VM
        # is handed over clean.
        with open(shared, "r+b") as f:
            f.seek(blk * bs - RAM_BASE)
            f.write(bytes(bs))
        self.log(f"host zeroed memory{blk} in the shared file: free")
        self.released[blk] = "host:secondary-exited-and-block-zeroed"
        a = self.take(p, blk, 0, blk)
        self.result(a["verdict"] == "ok", "lend.block_of_a_dead_secondary_comes_back_scrubbed",
                    f"memory{blk}: {a['verdict']} {a['text']}")

        # Under load on both sides: each side's offlines had pages to move.
        self.result(all(self.migrated.values()), "lend.both_guests_under_pressure",
                    f"the rounds' offlines migrated {self.migrated['primary']} pages on the "
                    f"primary, {self.migrated['secondary']} on the secondary")
        ok, detail = exclusive(self.events)
        self.result(ok, "lend.no_block_online_in_both_guests", detail)
        ok, text = p.finish()
        self.result(ok and not p.splats, "lend.primary_checks_and_no_splats",
                    text if not p.splats else p.splats[0])
        self.result(not s.splats, "lend.secondary_no_splats", s.splats[0] if s.splats else "")

    def report(self):
        if self.setup_error:
            print(f"lend.py: {self.setup_error}", file=sys.stderr)
            (self.results / "verdict.json").write_text(json.dumps(
                {"verdict": f"SETUP ERROR: {self.setup_error}", "exit": 2, "plans": ["lending"],
                 "passed": 0, "failed": 0}, indent=1) + "\n")
            return 2
        if not self.tests:
            self.result(False, "lend.run", "no result at all")
        # The rounds asked for, not the rounds the consoles show: a run that
        # got through fewer passes nothing, whatever its results say.
        if len(self.rounds) < self.args.rounds and all(ok for ok, _, _ in self.tests):
            self.result(False, "lend.rounds", f"meant to run {self.args.rounds} rounds, "
                        f"completed {len(self.rounds)}: lend.round_{len(self.rounds) + 1} never ran")
        ktap = ["TAP version 13", f"1..{len(self.tests)}"]
        for i, (ok, name, detail) in enumerate(self.tests, 1):
            ktap.append(f"{'ok' if ok else 'not ok'} {i} {name}" + (f" # {detail}" if detail and not ok else ""))
            if detail and ok:
                ktap.append(f"# {name}: {detail}")
        (self.results / "results.ktap").write_text("\n".join(ktap) + "\n")
        passed = sum(ok for ok, _, _ in self.tests)
        failed = [name for ok, name, _ in self.tests if not ok]
        summary = [f"lending ({self.args.approach}): {passed}/{len(self.tests)} passed, {len(self.rounds)} rounds, "
                   f"{self.verified_across >> 20} MiB verified across guests "
                   f"({self.verified >> 20} MiB verified in all)"]
        if self.rounds:
            def med(xs):
                return sorted(xs)[len(xs) // 2]
            summary.append(f"  per-round latency (ms, remove on one side to online on the other), "
                           f"n={len(self.rounds)}: primary -> secondary p50 "
                           f"{med([r[0] for r in self.rounds]):.0f} max {max(r[0] for r in self.rounds):.0f}; "
                           f"secondary -> primary p50 {med([r[1] for r in self.rounds]):.0f} "
                           f"max {max(r[1] for r in self.rounds):.0f}")
        if self.baseline_ms is not None:
            summary.append(f"  baseline, same run: the primary removes and re-adds a block itself in "
                           f"{self.baseline_ms:.0f} ms")
        summary += [f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}" for ok, name, detail in self.tests]
        # The Debian source version the primary's kernel was built from
        # (run.sh's run.txt): a suite keeps only its current version.
        run_txt = self.results / "run.txt"
        source = [l for l in (run_txt.read_text(errors="replace").splitlines()
                              if run_txt.is_file() else []) if l.startswith(("source:", "stock:"))]
        summary[1:1] = source[:1]
        (self.results / "summary.txt").write_text("\n".join(summary) + "\n")
        verdict = "PASS" if not failed else f"FAIL: {len(failed)} failed: {', '.join(failed)}"
        (self.results / "verdict.json").write_text(json.dumps(
            {"verdict": verdict, "exit": 0 if not failed else 1, "plans": ["lending"],
             "passed": passed, "failed": len(failed)}, indent=1) + "\n")
        print("\n".join(summary))
        print(f"  verdict: {verdict}")
        return 0 if not failed else 1


def exclusive(events):
    """(ok, detail): no block held by one guest before the other let it go,
    by the host's record (its send and receive times). The host sends a take
    only after the other guest's give answer, so this checks lend.py's own
    bookkeeping; the guests' side is the granted_by each take repeats.
    The primary holds every block at boot."""
    holder = {}
    for t, role, what, block in sorted(events):
        h = holder.get(block, "primary")
        if what == "held":
            if h not in (None, role):
                return False, f"memory{block} taken by the {role} while the {h} held it"
            holder[block] = role
        elif what == "gone":
            holder[block] = None
    return True, f"{len(events)} ownership changes in the host's record, never two holders"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--approach", choices=APPROACHES, default="bootmem")
    ap.add_argument("--hidden-mb", type=int, default=HIDDEN_MB,
                    help="driver-managed: MiB of the primary's RAM that mem= hides")
    ap.add_argument("--check-hidden", action="store_true",
                    help="only check --hidden-mb (run.sh, before it builds anything)")
    if "--check-hidden" in sys.argv:
        check = argparse.ArgumentParser()
        check.add_argument("--check-hidden", action="store_true")
        check.add_argument("--hidden-mb", type=int, required=True)
        why = hidden_error(check.parse_args().hidden_mb)
        if why:
            print(f"lend.py: {why}", file=sys.stderr)
        return 2 if why else 0
    args = ap.parse_args()
    for f in (args.kernel, args.initrd):
        if not os.path.isfile(f):
            print(f"lend.py: {f}: no such file", file=sys.stderr)
            return 2
    if args.rounds < 1:
        print("lend.py: --rounds must be at least 1", file=sys.stderr)
        return 2
    why = hidden_error(args.hidden_mb) if args.approach == "driver-managed" else None
    if why:
        print(f"lend.py: {why}", file=sys.stderr)
        return 2
    if not shutil.which("qemu-system-aarch64"):
        print("lend.py: qemu-system-aarch64 not found (qemu-images/host/install-deps.sh)", file=sys.stderr)
        return 2
    # The primary's RAM: in /dev/shm where there is room, else (a
    # container's 64 MiB /dev/shm) in the cache, an ordinary file that
    # QEMU maps shared all the same.
    cache = os.environ.get("BOOTMEM_CACHE", os.path.expanduser("~/.cache/bootmem-hotplug"))
    args.shared_dir = None
    for d in ("/dev/shm", cache):
        if os.path.isdir(d) and shutil.disk_usage(d).free >= (PRIMARY_MEM_G + 1) << 30:
            args.shared_dir = d
            break
    if not args.shared_dir:
        print(f"lend.py: neither /dev/shm nor {cache} has {PRIMARY_MEM_G + 1} GiB free for the "
              f"primary's shared RAM", file=sys.stderr)
        return 2
    # A cancelled job (SIGTERM) still stops both guests and removes the file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    run = Run(args)
    run.run()
    return run.report()


if __name__ == "__main__":
    sys.exit(main())
