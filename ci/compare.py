#!/usr/bin/python3
"""Per-phase latency of two runs side by side: arm64 with the series and
the x86-64 reference (Debian's stock amd64 kernel), from run.sh results
directories made on the same host. The figures are ci/figures.py's
(latency_table()), as in report.py's summary, so the two tables cannot count differently; each run's
memcpy baseline is shown with it, since the guests are TCG on one host and
only figures taken beside their own baseline compare.

    compare.py ARM64_RESULTS X86_RESULTS [-o TABLE.md]

Prints a Markdown table. Exit 2 when a directory has no metrics or no
phase timings (a run that never cycled a block has nothing to compare).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402  (markers and metric records)
import figures  # noqa: E402  (the one place phases are summed up)


def fail(msg):
    print(f"compare.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load(results):
    path = Path(results) / "metrics.jsonl"
    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        metrics = protocol.read_metrics(results)
    except protocol.ProtocolError as e:
        fail(str(e))
    rows = figures.latency_table(metrics)
    if not rows:
        fail(f"{path} holds no phase timings")
    try:
        console = (Path(results) / "console.log").read_text(errors="replace")
    except OSError:
        console = ""
    guest = protocol.console_value(console, "GUEST_UP") or "?"
    base = next((m for m in metrics if m["kind"] == "baseline"), {})
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in rows}, guest, base


def main(argv):
    out = None
    if "-o" in argv:
        i = argv.index("-o")
        out = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    (arm, arm_guest, arm_base), (x86, x86_guest, x86_base) = load(argv[0]), load(argv[1])
    lines = [
        f"arm64: {argv[0]} ({arm_guest})",
        f"x86-64: {argv[1]} ({x86_guest})",
        f"memcpy baseline in each guest: arm64 {arm_base.get('memcpy_mib_s', '?')} MiB/s, "
        f"x86-64 {x86_base.get('memcpy_mib_s', '?')} MiB/s",
        "",
        "| load | phase | block | arm64 n | arm64 p50 ms | arm64 p95 ms | x86-64 n | x86-64 p50 ms "
        "| x86-64 p95 ms | arm64/x86 p50 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(set(arm) | set(x86), key=lambda k: (
            ["tests", "stress"].index(k[0]), ["offline", "remove", "add", "online"].index(k[1]), k[2])):
        a, x = arm.get(key), x86.get(key)
        cell = lambda v: f"{v[0]} | {v[1]:.1f} | {v[2]:.1f}" if v else "- | - | -"  # noqa: E731
        r, why = figures.ratio_of_medians(a[:2], x[:2]) if a and x else (None, "-")
        ratio = f"{r:.2f}x" if r is not None else why
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {cell(a)} | {cell(x)} | {ratio} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if out:
        Path(out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
