#!/usr/bin/python3
"""The series' lending beside the path the 2020 thread proposed, one table.

    compare_lending.py BOOTMEM_RUN DRIVER_MANAGED_RUN [--same-kernel RUN] [-o FILE]

Each argument is a results directory of `run.sh --lending --approach ...`
(make compare-lending runs them on this host, one after the other). The
optional third is the driver-managed path on the series' own kernel
(--series-kernel): where it is given, the measured rows show it too, and
the latencies are judged between the two approaches on that one kernel,
since the stock kernel's configuration moves them by itself. Every
measured row comes from the runs' metrics.jsonl (ci/protocol.py: lend_ready,
lend_round, lend_kexec) and run.txt; the rows no lending run can measure
(kdump, hibernation) say so and name where the evidence is. Each row says
which approach is better, and why. Exit 1 when a run did not pass (the
table is written all the same), 2 when a run is missing or lacks a record
the table needs (named).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402

PTRS_PER_TABLE = 512    # 4K pages: entries per table page, the runs' granule
# Two p50s closer than this are called equal. The same 10-round bootmem run
# on the same host gave a primary -> secondary p50 of 1581 to 2764 ms over
# five runs (make compare-lending, 7.2, 2026-12-07): 43% below the highest.
# A difference inside that spread says nothing about the approach.
SAME_WITHIN = 0.45


class Missing(Exception):
    pass


def load(rdir, approach):
    rdir = Path(rdir)
    verdict = protocol.read_verdict(rdir)
    if not verdict:
        raise Missing(f"{rdir}: no verdict.json: the {approach} run did not finish")
    ready = protocol.records(rdir, "lend_ready")
    if not ready:
        raise Missing(f"{rdir}: no lend_ready record (metrics.jsonl): the primary never said ready")
    if ready[0]["approach"] != approach:
        raise Missing(f"{rdir}: a {ready[0]['approach']} run, not {approach}")
    # The agent writes -1 when the guest's log no longer had the line it
    # times boot memory by: no figure, and never a win.
    if ready[0]["lendable_usable_s"] < 0:
        raise Missing(f"{rdir}: lend_ready has no lendable_usable_s (the guest's log lost "
                      "the kernel's \"Memory:\" line)")
    run_txt = (rdir / "run.txt").read_text(errors="replace") if (rdir / "run.txt").is_file() else ""
    kernel = next((l.split(":", 1)[1].strip() for l in run_txt.splitlines()
                   if l.startswith(("source:", "stock:"))), "unknown")
    return {"dir": rdir, "verdict": verdict, "ready": ready[0], "kernel": kernel,
            "rounds": protocol.records(rdir, "lend_round"),
            "kexec": protocol.records(rdir, "lend_kexec")}


def p50(xs):
    return sorted(xs)[len(xs) // 2]


def latency(run, key):
    xs = [r[key] for r in run["rounds"]]
    return f"p50 {p50(xs):.0f} ms, max {max(xs):.0f} ms (n={len(xs)})" if xs else "no round"


def tables(leaves):
    """Page-table pages at the last two levels that map the range: a PTE
    table per 512 page leaves, a PMD table per 512 PMD entries (leaves and
    table pointers). The upper levels are shared with the rest of RAM."""
    pte_tables = -(-leaves["pte"] // PTRS_PER_TABLE)
    return pte_tables + -(-(leaves["pmd"] + pte_tables) // PTRS_PER_TABLE)


def leaves_text(leaves):
    return (f"{tables(leaves)} table pages at the last two levels; leaves: {leaves['pud']} PUD, {leaves['pmd']} PMD, "
            f"{leaves['pte']} PTE ({leaves['cont']} contiguous)")


def kexec_text(run):
    if not run["kexec"]:
        return "not tried"
    seen = sorted({f"{k['verdict']} {k['text']}" for k in run["kexec"]})
    return "; ".join(seen)


def better(a, b, lower_is_better=True, what="", within=0.0):
    if a == b or abs(a - b) <= within * max(abs(a), abs(b)):
        return "equal" + (f" (within {within:.0%})" if within else "")
    return ("series" if (a < b) == lower_is_better else "driver-managed") + (f": {what}" if what else "")


def table(bm, dm, same=None):
    """Rows of (what, series, stock driver-managed, driver-managed on the
    series' kernel or None, which is better and why)."""
    rb, rd = bm["ready"], dm["ready"]
    rs = same["ready"] if same else None
    rows = []

    def add(label, b, d, s, verdict):
        rows.append((label, b, d, s if same else None, verdict))
    add("Kernel", bm["kernel"], dm["kernel"], same and same["kernel"], "-")
    add("Verdict of the run", bm["verdict"]["verdict"], dm["verdict"]["verdict"],
        same and same["verdict"]["verdict"], "-")
    mb, md = rb["boot_mem_total_kb"], rd["boot_mem_total_kb"]
    add("MemTotal at /init (before any lend)", f"{mb >> 10} MiB", f"{md >> 10} MiB",
        rs and f"{rs['boot_mem_total_kb'] >> 10} MiB",
        better(mb, md, False, f"{abs(mb - md) >> 10} MiB the kernel can use from boot "
               "that mem= keeps from it until a driver adds it"))
    nb, nd = rb["lendable_blocks"], rd["lendable_blocks"]
    add("Blocks that can be lent, of those set aside",
        f"{nb} of {rb['set_aside_blocks']} (movablecore=; boot reservations land "
        "top-down in ZONE_MOVABLE and pin the others)",
        f"{nd} of {rd['set_aside_blocks']} (mem=; the kernel never allocated there)",
        rs and f"{rs['lendable_blocks']} of {rs['set_aside_blocks']}",
        better(nb / rb["set_aside_blocks"], nd / rd["set_aside_blocks"], False,
               "every block set aside can go"))
    ub, ud = rb["lendable_usable_s"], rd["lendable_usable_s"]
    add("Power-on until the lendable range is usable (guest clock)",
        f"{ub:.1f} s (boot memory: the kernel's \"Memory:\" line)",
        f"{ud:.1f} s (after /init, the driver's add and online)",
        rs and f"{rs['lendable_usable_s']:.1f} s",
        better(ub, ud, True, "boot memory is in the page allocator before /init runs"))
    # Judged on one kernel where the third run gives it: the stock
    # kernel's config (init_on_alloc=1, no DEBUG_VM, ...) moves latencies
    # by itself, and the offline path they time is the same code.
    other = same or dm
    for key, label in (("to_secondary_ms", "Round latency, primary -> secondary"),
                       ("to_primary_ms", "Round latency, secondary -> primary")):
        xb = [r[key] for r in bm["rounds"]]
        xo = [r[key] for r in other["rounds"]]
        verdict = (better(p50(xb), p50(xo), True, "lower p50", SAME_WITHIN) if xb and xo
                   else "too few rounds")
        verdict += " (on one kernel)" if same else " (two kernels: the configs differ)"
        add(label, latency(bm, key), latency(dm, key), same and latency(same, key), verdict)
    # Per memory block: the two runs lend different numbers of blocks.
    lb = {k: v // rb["lendable_blocks"] for k, v in rb["lendable_leaves"].items()}
    ld = {k: v // rd["lendable_blocks"] for k, v in rd["lendable_leaves"].items()}
    ls = rs and {k: v // rs["lendable_blocks"] for k, v in rs["lendable_leaves"].items()}
    add("Linear map of one lendable block (at ready)",
        leaves_text(lb), leaves_text(ld), ls and leaves_text(ls),
        better(tables(lb), tables(ld), True, "fewer page-table pages per block"))
    add("kexec while a block is lent (measured)", kexec_text(bm), kexec_text(dm),
        same and kexec_text(same),
        "series: it refuses and says why. On the driver-managed path nothing refuses "
        "(stock 7.2 lacks kexec_file_load, ENOSYS, but not kexec_load()): the next "
        "kernel gets the firmware's memory node, lent range included, and leaves that "
        "range alone only if its command line repeats mem= (the agent's load passes "
        "the running line, which has it)")
    rows.append(("kdump while a block is lent (described, not measured here)",
                 "refused: 0007 refuses a crash kernel load while boot memory is out, and an "
                 "offline while one is loaded (bootmem_kexec_test, mutant crash-kernel-exempt)",
                 "up to user space: the elfcorehdr is what kexec-tools read from /proc/iomem "
                 "when it loaded the crash kernel, and the kernel neither refuses nor updates "
                 "it (stock 7.2 has no CRASH_HOTPLUG); a crash kernel loaded before a lend must "
                 "be reloaded after it",
                 None, "series: nothing to remember to reload"))
    rows.append(("Hibernation while a block is lent (described, not measured here)",
                 "refused at PM_HIBERNATION_PREPARE while boot memory is out (0008; its test "
                 "and mutant hibernation-ignores-offline-boot-memory)",
                 "an image written while driver-managed memory is present counts more pages "
                 "than the resume kernel (booted with mem=) has: kernel/power/snapshot.c "
                 "check_header() rejects it (\"memory size\"), and the hibernated state is lost",
                 None, "series: refused up front instead of lost at resume"))
    rows.append(("How much can be lent, and when that is decided",
                 "the ZONE_MOVABLE boot memory: movablecore= at boot",
                 "what mem= hid: at boot", None, "equal: both are fixed by the command line"))
    rows.append(("What it needs from the kernel", "the series (9 patches) and its test driver",
                 "nothing: Debian's stock kernel, the test driver built against it", None,
                 "driver-managed: runs on every kernel since 5.8"))
    return rows


def render(bm, dm, rows, same=None):
    runs = f"`{bm['dir']}` (bootmem), `{dm['dir']}` (driver-managed)"
    head = "| | series (bootmem) | stock, mem= + driver-managed |"
    if same:
        runs += f" and `{same['dir']}` (driver-managed on the series' kernel)"
        head += " series' kernel, mem= + driver-managed |"
    out = ["# Lending: the series beside mem= + add_memory_driver_managed()", "",
           f"Runs: {runs}, one after the other on this host.", "",
           head + " better |", "|---" * (5 if same else 4) + "|"]
    for label, b, d, s, verdict in rows:
        cells = [label, b, d] + ([s if s is not None else "(as stock)"] if same else []) + [verdict]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bootmem")
    ap.add_argument("driver_managed")
    ap.add_argument("--same-kernel", help="the driver-managed run on the series' kernel")
    ap.add_argument("-o", dest="out")
    args = ap.parse_args()
    try:
        bm = load(args.bootmem, "bootmem")
        dm = load(args.driver_managed, "driver-managed")
        same = load(args.same_kernel, "driver-managed") if args.same_kernel else None
    except (Missing, protocol.ProtocolError) as e:
        print(f"compare_lending.py: {e}", file=sys.stderr)
        return 2
    text = render(bm, dm, table(bm, dm, same), same)
    if args.out:
        Path(args.out).write_text(text)
    print(text, end="")
    failed = [r["dir"].name for r in (bm, dm, same) if r and r["verdict"].get("exit") != 0]
    if failed:
        print(f"compare_lending.py: a lending run did not pass: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
