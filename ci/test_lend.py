#!/usr/bin/python3
"""Tests of ci/lend.py's harness on consoles recorded from real
lending runs (fixtures/consoles/lend-*.log; README.md there says how each
was made): a guest stands in for QEMU by replaying one, so each way a
guest can go wrong (it dies, hangs, loses output, splats) must end in a
failure that says so, never in a pass or a wait without end. And the
ownership record: a block taken while the other guest holds it must fail.
The whole scenario (lend.Run) also runs on the recorded pair: it must pass
on the real run, and fail, naming the step, when a round's answers are
missing or the run meant more rounds than the guests answered.
Prints TAP; exits 1 if any case fails.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (ci/tap.py: the host tests' TAP writer)

HERE = os.path.dirname(os.path.abspath(__file__))
CONSOLES = os.path.join(HERE, "..", "fixtures", "consoles")
spec = importlib.util.spec_from_file_location("lend", os.path.join(HERE, "lend.py"))
lend = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lend)


def replay(name, then="exit 1"):
    """A guest whose console is the recorded one, then `then` (sh)."""
    path = os.path.join(CONSOLES, name)
    log = []
    guest = lend.Guest("primary", ["sh", "-c", f"cat '{path}'; {then}"], os.devnull, log.append)
    return guest, log


def failure_of(fn):
    try:
        fn()
    except lend.Failure as e:
        return str(e)
    return None


def case_recorded_run_answers():
    g, _ = replay("lend-primary.log", "exit 0")
    ready = g.wait_answer(0, timeout=10)
    answers = [g.wait_answer(n, timeout=10) for n in range(1, 12)]
    ok = (ready["fields"]["movable_boot_blocks"] == "36,34,33,32,35" and
          answers[3]["verdict"] == "refused" and "EBUSY" in answers[3]["text"] and
          answers[1]["fields"]["verified_bytes"] == "134217728")
    return ok, f"ready {ready['fields']}; answer 4: {answers[3]['verdict']} {answers[3]['text']}"


def case_panic():
    g, _ = replay("lend-primary-panic.log")
    g.wait_answer(0, timeout=10)
    why = failure_of(lambda: g.wait_answer(4, timeout=10))
    return bool(why and "died" in why and g.splats), f"{why}; splats {g.splats[:1]}"


def case_hang():
    g, _ = replay("lend-primary-hang.log", "sleep 30")
    g.wait_answer(0, timeout=10)
    why = failure_of(lambda: g.wait_answer(4, timeout=2))
    g.kill()
    return bool(why and "no answer" in why), str(why)


def case_lost_output():
    g, _ = replay("lend-primary-cut.log")
    g.wait_answer(0, timeout=10)
    why = failure_of(lambda: g.wait_answer(4, timeout=10))
    return bool(why and "died" in why), str(why)


def case_kernel_message_inside_an_answer():
    """printk writes to the UART while the agent's line is in the tty: the
    kernel's line lands inside the answer (recorded on 7.2), and the answer
    must still be read whole, not waited for until the timeout."""
    g, _ = replay("lend-primary-kmsg-inside-answer.log", "sleep 30")
    g.wait_answer(0, timeout=10)
    for n in range(1, 4):
        g.wait_answer(n, timeout=10)
    try:
        a = g.wait_answer(4, timeout=10)
    except lend.Failure as e:
        g.kill()
        return False, str(e)
    g.kill()
    return a["verdict"] == "refused" and "EBUSY" in a["text"], f"answer 4: {a['verdict']} {a['text']}"


def case_kernel_message_splits_an_answer_midway():
    """The same, with the message inside a word: the two pieces joined."""
    broken = "BOOTMEM-LEND: 4 ref"
    line, rest = lend.join_broken_line("[    7.024978] Can't kexec: boot memory", broken)
    line2, rest2 = lend.join_broken_line("used kexec errno=EBUSY kernel_said_why=1 t=6.969", rest)
    m = lend.ANSWER.search(line2 or "")
    ok = line is None and m is not None and m.group(2) == "refused" and rest2 == ""
    return ok, f"joined: {line2!r}"


def case_splat_counted():
    g, _ = replay("lend-primary-splat.log", "exit 0")
    for n in range(0, 12):
        g.wait_answer(n, timeout=10)
    return len(g.splats) == 1, f"splats: {g.splats}"


def full_run(primary, secondary="lend-secondary.log", rounds=2, timeout=3, approach="bootmem"):
    """lend.Run's whole scenario, each guest a stand-in that prints its
    recorded console and then stays up with its stdin open, as QEMU does,
    taking the host's commands and answering no more. The recorded
    secondary already held each block for its time, so the host does not
    wait HOLD_S again; a missing answer ends after `timeout` s. Returns
    (exit, verdict.json, the results as (ok, name, detail))."""
    saved = lend.HOLD_S, lend.ANSWER_TIMEOUT_S
    lend.HOLD_S, lend.ANSWER_TIMEOUT_S = 0, timeout
    consoles = {"primary": primary, "secondary": secondary}
    try:
        with tempfile.TemporaryDirectory() as d:
            # The primary's RAM file, sparse but for the block the host
            # scrubs (128 MiB): in memory where there is room, as lend.py's.
            shm = os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free >= 1 << 30
            run = lend.Run(argparse.Namespace(kernel=None, initrd=None, results=d, rounds=rounds, approach=approach,
                                              shared_dir="/dev/shm" if shm else d))

            def start(role, shared):
                path = os.path.join(CONSOLES, consoles[role])
                return lend.Guest(role, ["sh", "-c", f"cat '{path}'; exec sleep 120"],
                                  os.devnull, run.log)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                run.run(start)
                code = run.report()
            with open(os.path.join(d, "verdict.json")) as f:
                verdict = json.load(f)
    finally:
        lend.HOLD_S, lend.ANSWER_TIMEOUT_S = saved
    return code, verdict, run.tests


def failed_named(tests, name):
    return next((detail for ok, n, detail in tests if n == name and not ok), None)


def case_full_run_of_the_recorded_pair_passes():
    code, verdict, tests = full_run("lend-primary.log")
    names = [n for _, n, _ in tests]
    ok = (code == 0 and verdict["verdict"] == "PASS" and "lend.round_2" in names and
          "lend.kexec_refused_while_lent_round_2" in names)
    return ok, f"exit {code}, {verdict['verdict']}; results {names}"


def case_full_run_of_the_recorded_driver_managed_pair_passes():
    # Stock 7.2, mem= plus add_memory_driver_managed(): the same rounds;
    # its kexec is recorded, not judged, the block it must refuse is a
    # movable boot block, and its own boot RAM is no RAM to add as lent.
    code, verdict, tests = full_run("lend-driver-managed-primary.log",
                                    "lend-driver-managed-secondary.log", rounds=10,
                                    approach="driver-managed")
    names = [n for _, n, _ in tests]
    ok = (code == 0 and verdict["verdict"] == "PASS" and "lend.round_10" in names and
          "lend.boot_block_is_refused" in names and
          "lend.own_boot_ram_is_not_added_as_lent" in names and
          not any(n.startswith("lend.kexec_refused") for n in names))
    return ok, f"exit {code}, {verdict['verdict']}; results {names}"


def case_driver_managed_mem_hiding_no_whole_block_is_a_setup_error():
    # run.sh --mem-hidden 64M: the primary's agent finds no whole block to
    # add, which is the run's setting, not the kernel's fault: exit 2.
    code, verdict, tests = full_run("lend-driver-managed-no-whole-block.log",
                                    "lend-driver-managed-secondary.log", approach="driver-managed")
    ok = code == 2 and verdict["verdict"].startswith("SETUP ERROR") and "ENOENT" in verdict["verdict"]
    return ok, f"exit {code}, {verdict['verdict']}; results {tests}"


def case_driver_managed_console_is_not_a_bootmem_run():
    # The same consoles judged as the series' run: its primary lends no
    # movable boot block it can count on, and its kexec was not refused.
    code, verdict, tests = full_run("lend-driver-managed-primary.log",
                                    "lend-driver-managed-secondary.log", rounds=10, approach="bootmem")
    return code == 1, f"exit {code}, {verdict['verdict']}"


def case_full_run_round_lost():
    # Round 2's answers cut from the primary's console: the host asked for
    # round 2, so it waits for that answer, and names the round it lost.
    code, verdict, tests = full_run("lend-primary-round-lost.log")
    why = failed_named(tests, "lend.round_2")
    ok = (code == 1 and why is not None and "no answer to command 6" in why and
          "lend.round_2" in verdict["verdict"])
    return ok, f"exit {code}, {verdict['verdict']}; lend.round_2: {why}"


def case_full_run_more_rounds_than_answered():
    # Three rounds meant, two recorded: the answer numbered 9 is the bad
    # case's give of another block, which must not stand for round 3's.
    code, verdict, tests = full_run("lend-primary.log", rounds=3)
    why = failed_named(tests, "lend.round_3")
    ok = (code == 1 and why is not None and
          "answer 9 is to 'give 32', but command 9 was 'give 33'" in why)
    return ok, f"exit {code}, {verdict['verdict']}; lend.round_3: {why}"


def case_full_run_rcu_stall_in_the_primary():
    code, verdict, tests = full_run("lend-primary-rcu-stall.log")
    why = failed_named(tests, "lend.primary_checks_and_no_splats")
    ok = code == 1 and why is not None and "rcu_preempt detected stalls on CPUs/tasks" in why
    return ok, f"exit {code}, {verdict['verdict']}; lend.primary_checks_and_no_splats: {why}"


def case_exclusive_ok():
    events = [(1, "primary", "gone", 36), (2, "secondary", "held", 36), (3, "secondary", "gone", 36),
              (4, "primary", "held", 36)]
    ok, why = lend.exclusive(events)
    return ok, why


def case_exclusive_taken_while_held():
    # The secondary takes the block before the primary said it was gone.
    events = [(1, "secondary", "held", 36), (2, "primary", "gone", 36)]
    ok, why = lend.exclusive(events)
    return not ok and "while the primary held it" in why, why


def case_exclusive_taken_back_early():
    # The primary takes back a block the secondary still holds (a dead
    # secondary's block re-added before the host freed it).
    events = [(1, "primary", "gone", 36), (2, "secondary", "held", 36), (3, "primary", "held", 36)]
    ok, why = lend.exclusive(events)
    return not ok and "while the secondary held it" in why, why


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


def main():
    return tap.run("lend", CASES, strip="case_")


if __name__ == "__main__":
    sys.exit(main())
