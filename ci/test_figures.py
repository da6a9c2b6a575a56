#!/usr/bin/python3
"""Tests of the run's figures (ci/figures.py) on records made to show each
rule: overlapping phases are not "alone", a ratio with too few samples is
refused, a soak that slows down is flagged as drifting and a steady one is
not, and a soak console's per-interval records reach the drift lines.

Prints TAP; exits 1 if any case fails.
"""
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # noqa: E402
import protocol  # noqa: E402
import tap  # noqa: E402


def phase(block, t_end, ms, kind="hotadded", name="offline", test="stress"):
    return {"kind": "phase", "test": test, "phase": name, "block_kind": kind, "block": block,
            "t_ms": t_end, "ms": ms, "err": 0}


def overlap_counts_only_other_blocks():
    # Block 1's offline [0, 100] overlaps block 2's [50, 80] and [90, 150]:
    # 30 + 10 ms shared; its own later phase on block 1 is not "another".
    recs = [phase(1, 100, 100), phase(2, 80, 30), phase(2, 150, 60), phase(1, 120, 20, name="remove")]
    got = {(s["phase"], s["ms"]): s["overlap_ms"] for s in figures.phase_samples(recs)}
    want = 40.0
    return got[("offline", 100)] == want and got[("remove", 20)] == 20.0, \
        f"offline of block 1 shared {got[('offline', 100)]} ms (want {want}), its remove {got[('remove', 20)]}"


def ratio_needs_enough_samples():
    few, why = figures.ratio_of_medians((2, 5299.0), (25, 17.0))
    many, _ = figures.ratio_of_medians((figures.MIN_RATIO_SAMPLES, 10.0), (figures.MIN_RATIO_SAMPLES, 5.0))
    return few is None and "too few samples" in why and many == 2.0, f"2 vs 25: {why}; 5 vs 5: {many}"


def boot_ratio_only_from_alone_phases():
    # Boot onlines that each waited behind another block's long offline, and
    # re-added ones that ran alone: the overlapped boot samples must not make
    # a ratio, however many there are.
    recs = []
    for i in range(6):
        t = 10000 * (i + 1)
        recs += [phase(100 + i, t, 5000, kind="boot", name="online"), phase(200 + i, t - 100, 4800),
                 phase(300 + i, t + 3000, 20, name="online")]
    rows = figures.latency_table(recs)
    f = next(f for f in figures.figures(recs, rows) if f["figure"] == "boot_vs_hotadded")
    return "ratio" not in f and f["boot_n"] == 0, f"figure: {f}"


def minutes(series, rss=None):
    out, cycles = [], 0
    for i, (p50, rate) in enumerate(series, 1):
        cycles += rate
        m = {"kind": "soak_minute", "test": "stress", "t_ms": 60000 * i, "cycles": cycles,
             "offlines": 10, "offline_p50_ms": p50, "offline_p95_ms": 2 * p50, "offline_p99_ms": 3 * p50}
        if rss:
            m["stressor_rss_kb"] = rss[i - 1]
        out.append(m)
    return out


def slowing_soak_drifts():
    rng = random.Random(1)
    # Offline p50 from 1000 ms to 2000 ms over an hour, cycles from 20 to 10
    # a minute, RSS growing 1 MiB a minute: each a drift the worse way.
    recs = minutes([(1000 + 1000 * i / 60 + rng.uniform(-50, 50), 20 - i // 6) for i in range(60)],
                   rss=[102400 + 1024 * i for i in range(60)])
    d = {f["series"]: f for f in figures.soak_drift(recs)}
    want = {"offline_p50_ms", "offline_p95_ms", "offline_p99_ms", "cycles_per_min", "stressor_rss_mib"}
    drifting = {k for k, f in d.items() if f["drifts"]}
    return drifting == want, f"drifting: {sorted(drifting)}; p50 slope {d['offline_p50_ms']['per_hour']}/h"


def quickening_soak_improves():
    rng = random.Random(3)
    # Offline p50 from 2000 ms down to 1000 ms over the hour: no drift, but
    # its line says "improves", not "steady".
    recs = minutes([(2000 - 1000 * i / 60 + rng.uniform(-50, 50), 10) for i in range(60)])
    d = {f["series"]: f for f in figures.soak_drift(recs)}
    f = d["offline_p50_ms"]
    line = [ln for ln in figures.drift_lines(list(d.values())) if "offline_p50_ms" in ln]
    good = not f["drifts"] and f["improves"] and line and line[0].endswith("improves")
    # Every key a figure carries is one protocol.def declares.
    try:
        for rec in d.values():
            protocol.check_record(rec, "figures.soak_drift")
    except protocol.ProtocolError as e:
        return False, str(e)
    return good, f"p50 {f['per_hour']}/h, bound {f['bound_per_hour']}; {line}"


def waits_are_summed_per_phase_and_kind():
    # Two boot onlines, one mostly in msleep (behind another thread's
    # offline), and a hot-added online with no samples at all.
    def ph(kind, ms, **samples):
        return {"kind": "phase", "test": "stress", "phase": "online", "block_kind": kind,
                "ms": ms, "t_ms": 1000.0, "block": 40,
                **{f"{k}_samples": v for k, v in samples.items()}}
    recs = [ph("boot", 10000, msleep=1800, running=150), ph("boot", 500, running=50, msleep=0),
            ph("hotadded", 3)]
    lines = figures.wait_lines(recs)
    boot = [ln for ln in lines if ln.strip().startswith("online") and "boot" in ln]
    good = (len(boot) == 1 and "2 phases" in boot[0] and "2000 samples" in boot[0] and
            "msleep 90%" in boot[0] and "running 10%" in boot[0] and
            not any("hotadded" in ln for ln in lines) and figures.wait_lines([]) == [])
    try:
        for r in recs:
            protocol.check_record(r, "waits")
    except protocol.ProtocolError as e:
        return False, str(e)
    return good, f"{lines}"


def steady_soak_is_steady():
    rng = random.Random(2)
    # Noisy (±30%) but flat: no series may drift.
    recs = minutes([(1000 * rng.uniform(0.7, 1.3), rng.choice([9, 10, 11])) for _ in range(60)],
                   rss=[102400 + rng.randint(-512, 512) for _ in range(60)])
    d = figures.soak_drift(recs)
    bad = [f["series"] for f in d if f["drifts"]]
    return len(d) == 5 and not bad, f"{len(d)} series, drifting: {bad}"


def partial_last_interval_is_no_point():
    # A flat soak whose final record closes 5 s after the last minute with
    # one slow offline: it must not make the p50 line drift.
    recs = minutes([(1000, 10)] * 30)
    last = dict(recs[-1], t_ms=recs[-1]["t_ms"] + 5000, cycles=recs[-1]["cycles"] + 1,
                offlines=1, offline_p50_ms=5000, offline_p95_ms=5000, offline_p99_ms=5000)
    d = {f["series"]: f for f in figures.soak_drift(recs + [last])}
    f = d["offline_p50_ms"]
    return not f["drifts"] and f["points"] == 30, f"p50: {f['per_hour']}/h over {f['points']} points"


def short_run_fits_nothing():
    d = figures.soak_drift(minutes([(1000 + 500 * i, 10) for i in range(5)]))
    return d == [], f"{len(d)} drift figures from 5 intervals"


def drift_lines_name_each_series():
    recs = minutes([(1000 + 1000 * i / 60, 10) for i in range(60)])
    lines = figures.drift_lines(figures.figures(recs, figures.latency_table(recs)))
    text = "\n".join(lines)
    return "offline_p50_ms" in text and "DRIFTS" in text and "steady" in text, text


def plots_drawn(records, want, absent=()):
    """ci/plot.sh on a results directory holding @records: exit 0, each of
    @want drawn, and none of @absent."""
    with tempfile.TemporaryDirectory() as d:
        with open(Path(d) / "metrics.jsonl", "w") as f:
            for m in records:
                f.write(json.dumps(m) + "\n")
        run = subprocess.run([str(Path(__file__).resolve().parent / "plot.sh"), d],
                             capture_output=True, text=True)
        missing = [w for w in want if not (Path(d) / "plots" / w).is_file()]
        extra = [a for a in absent if (Path(d) / "plots" / a).exists()]
        return run.returncode == 0 and not missing and not extra, \
            f"exit {run.returncode}, missing {missing}, drawn though empty {extra}; {run.stderr.strip()[-300:]}"


MIN_KEYS = {"errors": 0, "offline_busy": 0, "migrated_pages": 0, "corrupted_words": 0,
            "mem_free_kb": 1 << 20, "mem_total_kb": 6 << 20}


def short_run_draws_its_plots():
    # A stress run too short for a drift: its three plots, no soak plots,
    # and no failure (a failing soak plot once cost a run every plot).
    recs = [dict(m, **MIN_KEYS) for m in minutes([(1000, 10)] * 3)]
    recs += [phase(1, 5000, 900, kind="boot"), phase(2, 9000, 800)]
    return plots_drawn(recs, ["offline-latency.png", "latency-vs-pages.png", "memory.png"])


def soak_draws_its_drift_plots():
    recs = [dict(m, **MIN_KEYS) for m in minutes([(1000 + i, 10) for i in range(30)],
                                                   rss=[102400] * 30)]
    return plots_drawn(recs, ["memory.png", "soak-offline.png", "soak-rate-rss.png"])


def soak_draws_no_empty_scatter():
    # A soak records no offline of its own: its latency-vs-pages plot was a
    # lone point at 0, 0 that looked like data.
    recs = [dict(m, **MIN_KEYS) for m in minutes([(1000 + i, 10) for i in range(30)],
                                                   rss=[102400] * 30)]
    ok, why = plots_drawn(recs, ["memory.png"], absent=["latency-vs-pages.png"])
    return ok, why


if __name__ == "__main__":
    sys.exit(tap.run("figures", [overlap_counts_only_other_blocks, ratio_needs_enough_samples,
                                 boot_ratio_only_from_alone_phases, slowing_soak_drifts, quickening_soak_improves,
                                 waits_are_summed_per_phase_and_kind,
                                 steady_soak_is_steady, partial_last_interval_is_no_point,
                                 short_run_fits_nothing,
                                 drift_lines_name_each_series, short_run_draws_its_plots,
                                 soak_draws_its_drift_plots, soak_draws_no_empty_scatter]))
