#!/usr/bin/python3
"""The data files ci/plot.sh hands gnuplot, from a run's metrics.jsonl
(read through ci/protocol.py):
  offline-boot.dat, offline-hotadded.dat   time (s) and offline ms of each
                                           stress offline, by block kind
  scatter.dat (when there were any)        pages in use against offline ms
  minutes.dat                              per minute: time, MemFree MiB,
                                           Movable present and managed MiB,
                                           cycles, average offline ms
  soak.dat (runs long enough for a drift)  per interval: minute, offline
                                           p50/p95/p99 ms, cycles per minute,
                                           stressors' RSS MiB, then each
                                           series' fitted line (ci/figures.py)

    plot_data.py RESULTS_DIR OUT_DIR

Exit 2 when a record breaks selftests/lib/protocol.def.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # noqa: E402
import protocol  # noqa: E402


def write(path, rows, empty):
    path.write_text("".join(" ".join(str(v) for v in r) + "\n" for r in rows) or empty)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rdir, out = argv[0], Path(argv[1])
    try:
        metrics = protocol.read_metrics(rdir)
    except protocol.ProtocolError as e:
        print(f"plot_data.py: {e}", file=sys.stderr)
        return 2
    phases = {"boot": [], "hotadded": []}
    scatter, minutes = [], []
    for m in metrics:
        if m["kind"] == "phase" and m["phase"] == "offline" and "t_ms" in m:
            phases[m["block_kind"]].append((m["t_ms"] / 1000, m["ms"]))
            scatter.append((m.get("in_use_pages", 0), m["ms"]))
        if m["kind"] in ("progress", "soak_minute"):
            # Pages of the guest's own size (4K, 16K or 64K), to MiB.
            page_mib = m.get("page_size", 0) / 2**20
            minutes.append((m["t_ms"] / 1000, m["mem_free_kb"] / 1024,
                            m.get("movable_present_pages", 0) * page_mib,
                            m.get("movable_managed_pages", 0) * page_mib, m["cycles"],
                            m.get("offline_ms_avg", 0) or 0.001))
    for kind, rows in phases.items():
        write(out / f"offline-{kind}.dat", rows, "0 0\n")
    # No offline of its own (a soak records per-minute figures only): no
    # scatter.dat, and plot.sh draws no latency-vs-pages plot, rather than
    # a lone point at 0, 0.
    (out / "scatter.dat").unlink(missing_ok=True)
    if scatter:
        write(out / "scatter.dat", scatter, "")
    write(out / "minutes.dat", minutes, "0 0 0 0 0 0.001\n")
    # The fitted lines are the drift figures' own, so the plot shows the
    # slope the summary judged. Only a run long enough to fit every series
    # (a soak) gets soak.dat; plot.sh draws the soak plots only from it.
    fits = {f["series"]: f for f in figures.soak_drift(metrics)}
    soak = out / "soak.dat"
    soak.unlink(missing_ok=True)
    if len(fits) == len(figures.SOAK_SERIES):
        keys = [k for k, _ in figures.SOAK_SERIES]
        rows = []
        for p in figures.soak_points(metrics):
            h = p["minute"] / 60
            row = [round(p["minute"], 3)] + [p.get(k, "NaN") for k in keys]
            row += [round(fits[k]["intercept"] + fits[k]["per_hour"] * h, 3) if k in fits else "NaN"
                    for k in keys]
            rows.append(row)
        write(soak, rows, "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
