#!/usr/bin/python3
"""The host tests' TAP writer: run each case, print its detail and its
ok/not ok line, and give the exit code (1 if any case failed). A case is a
function returning (ok, detail); a case that raises fails, with the
exception as its detail, so a broken checker never reads as a pass."""


def run(prefix, cases, strip=""):
    """Each case's line is "PREFIX.NAME", NAME its function's name less @strip."""
    print("TAP version 13")
    print(f"1..{len(cases)}")
    failed = 0
    for i, case in enumerate(cases, 1):
        try:
            ok, detail = case()
        except Exception as e:  # noqa: BLE001  a checker that crashes fails its case
            ok, detail = False, f"{type(e).__name__}: {e}"
        failed += not ok
        for line in str(detail).splitlines() or [""]:
            print(f"# {line}")
        name = case.__name__[len(strip):] if case.__name__.startswith(strip) else case.__name__
        print(f"{'ok' if ok else 'not ok'} {i} {prefix}.{name}")
    return 1 if failed else 0
