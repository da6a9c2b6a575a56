#!/usr/bin/python3
"""Tests of qemu-images/lend.py's harness on consoles recorded from real
lending runs (fixtures/consoles/lend-*.log; README.md there says how each
was made): a guest stands in for QEMU by replaying one, so each way a
guest can go wrong (it dies, hangs, loses output, splats) must end in a
failure that says so, never in a pass or a wait without end. And the
ownership record: a block taken while the other guest holds it must fail.
Prints TAP; exits 1 if any case fails.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONSOLES = os.path.join(HERE, "..", "fixtures", "consoles")
spec = importlib.util.spec_from_file_location("lend", os.path.join(HERE, "..", "qemu-images", "lend.py"))
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


def case_splat_counted():
    g, _ = replay("lend-primary-splat.log", "exit 0")
    for n in range(0, 12):
        g.wait_answer(n, timeout=10)
    return len(g.splats) == 1, f"splats: {g.splats}"


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
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, case in enumerate(CASES, 1):
        try:
            ok, detail = case()
        except Exception as e:  # a harness that crashes fails its case
            ok, detail = False, f"{type(e).__name__}: {e}"
        failed += not ok
        if not ok:
            print(f"# {detail}")
        print(f"{'ok' if ok else 'not ok'} {i} lend.{case.__name__[5:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
