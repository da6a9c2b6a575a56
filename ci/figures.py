#!/usr/bin/python3
"""The run's figures, derived from its metric records: per-phase latency,
each speed beside its baseline from the same run, the time a phase shared
with another cycler's hotplug operation, and a soak's drift over time.

report.py writes them into metrics.jsonl (as "figure" records) and the
summary; compare.py and plot_data.py read the same functions, so no two
tables can count differently.

Two rules keep a comparison honest:
- A ratio of two medians needs MIN_RATIO_SAMPLES on each side. The median
  of n samples ignores up to (n - 1) // 2 stragglers; with 5, two waits of
  seconds behind another operation cannot set it, with 2 one can. Fewer
  samples print "too few samples", never a ratio.
- Under stress, several cyclers run at once and the kernel serializes their
  offline/remove/add/online (mem_hotplug_lock, device_hotplug_lock). A
  phase that overlapped another block's phase may have spent that time
  waiting, not working. Boot and re-added blocks are compared only on the
  phases that overlapped nothing ("alone"), so both sides ran under the
  same concurrency.
"""
import math
import statistics

MIN_RATIO_SAMPLES = 5
PHASES = ["offline", "remove", "add", "online"]
LOADS = ["tests", "stress"]
# A soak drifts when its fitted change over an hour exceeds both three
# standard errors of the slope (what this run can see) and this share of
# the series' median (what matters to a user): a 10% slower offline over
# an hour is a trend worth a look, a 1% one is noise.
DRIFT_SHARE_PER_HOUR = 0.10
# Series a soak's per-minute records are fitted on, and which way is worse.
SOAK_SERIES = [("offline_p50_ms", "up"), ("offline_p95_ms", "up"), ("offline_p99_ms", "up"),
               ("cycles_per_min", "down"), ("stressor_rss_mib", "up")]


def percentile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def _load_of(m):
    return "stress" if m["test"] == "stress" else "tests"


def _overlap(span, others):
    """How long @span (start, end) shared with the union of @others."""
    cut = sorted((max(span[0], a), min(span[1], b)) for a, b in others
                 if a < span[1] and b > span[0])
    total, end = 0.0, span[0]
    for a, b in cut:
        a = max(a, end)
        if b > a:
            total += b - a
            end = b
    return total


def phase_samples(metrics):
    """Every successful phase, with the time it shared with another block's
    hotplug operation ("overlap_ms"; None where the record cannot say: a
    selftest runs one operation at a time, so its phases overlap nothing)."""
    phases = [m for m in metrics if m.get("kind") == "phase"]
    # The stress records end at t_ms and took ms; failed phases (EBUSY)
    # held the locks too, so they count as the others' concurrency.
    spans = [(m["t_ms"] - m["ms"], m["t_ms"], m.get("block")) for m in phases
             if m["test"] == "stress" and "t_ms" in m]
    out = []
    for m in phases:
        if m.get("err", 0) != 0:
            continue
        if m["test"] != "stress":
            overlap = 0.0
        elif "t_ms" in m and "block" in m:
            span = (m["t_ms"] - m["ms"], m["t_ms"])
            overlap = _overlap(span, [(a, b) for a, b, blk in spans if blk != m["block"]])
        else:
            overlap = None
        out.append({"load": _load_of(m), "phase": m["phase"], "kind": m["block_kind"],
                    "ms": m["ms"], "overlap_ms": overlap})
    return out


def latency_table(metrics):
    """Per phase: boot vs re-added blocks, in the selftests vs under pressure
    (stress), so each figure stands beside its baseline from the same run.
    Rows: (load, phase, kind, n, p50, p95, alone_n, alone_p50, own_p50), where
    own_p50 is the median of each phase's time outside any overlap: its
    own work if all of the shared time was a wait, a lower bound."""
    samples = phase_samples(metrics)
    rows = []
    for load in LOADS:
        for phase in PHASES:
            for kind in ["boot", "hotadded"]:
                these = [s for s in samples if (s["load"], s["phase"], s["kind"]) == (load, phase, kind)]
                if not these:
                    continue
                ms = [s["ms"] for s in these]
                alone = [s["ms"] for s in these if s["overlap_ms"] == 0]
                own = [s["ms"] - s["overlap_ms"] for s in these if s["overlap_ms"] is not None]
                rows.append((load, phase, kind, len(ms), statistics.median(ms), percentile(ms, 0.95),
                             len(alone), statistics.median(alone) if alone else 0.0,
                             statistics.median(own) if own else 0.0))
    return rows


def wait_lines(metrics):
    """summary.txt's account of what the stress threads did during each
    phase, in the kernel's words: the samples stress/waits.c took of each
    cycler's state and wchan, summed per phase and kind of block. A phase
    sampled in msleep was waiting for device_hotplug_lock: the sysfs
    store's lock_device_hotplug_sysfs() (drivers/base/core.c) sleeps 5 ms
    and restarts the write while another thread's operation holds it."""
    tally = {}
    for m in metrics:
        if m.get("kind") != "phase" or m.get("test") != "stress":
            continue
        counts = {k[:-len("_samples")]: v for k, v in m.items() if k.endswith("_samples")}
        if not counts:
            continue
        t = tally.setdefault((m["phase"], m["block_kind"]), {"phases": 0, "ms": 0.0, "by": {}})
        t["phases"] += 1
        t["ms"] += m["ms"]
        for name, v in counts.items():
            t["by"][name] = t["by"].get(name, 0) + v
    if not tally:
        return []
    out = ["", "  what the cycling threads did during each phase under stress (the kernel's state",
           "  and wchan, sampled by stress/waits.c; msleep: waiting for device_hotplug_lock,",
           "  which another thread's offline or online held; running: its own work, or a CPU):"]
    for phase in PHASES:
        for kind in ["boot", "hotadded"]:
            t = tally.get((phase, kind))
            if not t:
                continue
            total = sum(t["by"].values())
            top = sorted(t["by"].items(), key=lambda kv: -kv[1])
            shown = ", ".join(f"{name} {100 * v / total:.0f}%" for name, v in top[:4])
            out.append(f"    {phase:8s} {kind:9s} {t['phases']:4d} phases, {t['ms'] / 1000:8.1f} s, "
                       f"{total:6d} samples: {shown}")
    return out


def ratio_of_medians(a, b):
    """(ratio, None), or (None, why) when either side has too few samples;
    @a and @b are (n, p50)."""
    if a[0] < MIN_RATIO_SAMPLES or b[0] < MIN_RATIO_SAMPLES:
        return None, f"too few samples ({a[0]} and {b[0]}; {MIN_RATIO_SAMPLES} each needed)"
    if b[1] <= 0:
        return None, "no time on the baseline side"
    return a[1] / b[1], None


def fit_line(xs, ys):
    """Least-squares line through (@xs, @ys): slope, intercept and the
    slope's standard error (infinite with fewer than 3 points)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if n < 3 or sxx == 0:
        return 0.0, my, math.inf
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    rss = sum((y - (my + slope * (x - mx))) ** 2 for x, y in zip(xs, ys))
    return slope, my - slope * mx, math.sqrt(rss / (n - 2) / sxx)


def soak_points(metrics):
    """Per progress interval of a soak (or a stress run): minute, and each
    SOAK_SERIES value the interval has. An interval under 30 s (the last,
    partial one) is left out of every series."""
    mins = [m for m in metrics if m.get("kind") in ("soak_minute", "progress")]
    out, prev = [], None
    for m in mins:
        # The final record closes a partial interval: a few offlines whose
        # percentiles would pull every fitted line; it is no point.
        if prev is not None and m["t_ms"] - prev["t_ms"] < 30000:
            continue
        p = {"minute": m["t_ms"] / 60000}
        for key in ("offline_p50_ms", "offline_p95_ms", "offline_p99_ms"):
            if m.get("offlines", 0) > 0 and key in m:
                p[key] = m[key]
        if prev is not None:
            p["cycles_per_min"] = (m["cycles"] - prev["cycles"]) / ((m["t_ms"] - prev["t_ms"]) / 60000)
        if "stressor_rss_kb" in m:
            p["stressor_rss_mib"] = m["stressor_rss_kb"] / 1024
        out.append(p)
        prev = m
    return out


def soak_drift(metrics):
    """One figure per SOAK_SERIES: the fitted slope per hour, its bound and
    whether it drifts the worse way. None for a series with fewer than 10
    points: a shorter run cannot tell a trend from its noise."""
    points = soak_points(metrics)
    out = []
    for key, worse in SOAK_SERIES:
        xs = [p["minute"] / 60 for p in points if key in p]
        ys = [p[key] for p in points if key in p]
        if len(xs) < 10:
            continue
        slope, intercept, err = fit_line(xs, ys)
        level = statistics.median(ys)
        bound = max(3 * err, DRIFT_SHARE_PER_HOUR * abs(level))
        drifts = slope > bound if worse == "up" else slope < -bound
        # Beyond the bound the better way: not a drift, but not "steady"
        # either (the first soak's p99 fell from 4.0 s to 1.9 s in its hour).
        improves = slope < -bound if worse == "up" else slope > bound
        out.append({"kind": "figure", "figure": "soak_drift", "series": key,
                    "per_hour": round(slope, 3), "stderr_per_hour": round(err, 3),
                    "bound_per_hour": round(bound, 3), "level": round(level, 3),
                    "intercept": round(intercept, 3), "points": len(xs),
                    "first": round(ys[0], 3), "last": round(ys[-1], 3),
                    "drifts": drifts, "improves": improves})
    return out


def figures(metrics, rows):
    """Each speed beside its baseline from the same run: offline migration
    against the guest's memcpy of the same size (stress/baseline.c), each
    phase of a boot block against the same phase of a re-added one (alone:
    see the module's docstring), and a soak's drift."""
    out = []
    base = next((m for m in metrics if m.get("kind") == "baseline"), None)
    offl = [m for m in metrics if m.get("kind") == "phase" and m.get("test") == "stress"
            and m.get("phase") == "offline" and m.get("err", 0) == 0
            and m.get("in_use_pages", 0) > 0 and m.get("ms", 0) > 0]
    if base and base.get("memcpy_mib_s") and offl:
        # What offlining had to move: the pages in use in the block when it
        # began (the driver's census), over the time the offline took.
        rates = [m["in_use_pages"] * base["page_size"] / 2**20 / (m["ms"] / 1000) for m in offl]
        p50 = statistics.median(rates)
        out.append({"kind": "figure", "figure": "offline_vs_memcpy",
                    "offline_mib_s_p50": round(p50, 1), "offlines": len(rates),
                    "memcpy_mib_s": base["memcpy_mib_s"], "memcpy_bytes": base["memcpy_bytes"],
                    "ratio": round(p50 / base["memcpy_mib_s"], 4)})
    alone = {(r[0], r[1], r[2]): (r[6], r[7]) for r in rows}
    for (load, phase, kind), boot in alone.items():
        hot = alone.get((load, phase, "hotadded"))
        if kind != "boot" or not hot:
            continue
        ratio, why = ratio_of_medians(boot, hot)
        f = {"kind": "figure", "figure": "boot_vs_hotadded", "load": load, "phase": phase,
             "boot_n": boot[0], "hotadded_n": hot[0], "boot_p50_ms": round(boot[1], 3),
             "hotadded_p50_ms": round(hot[1], 3)}
        if ratio is None:
            f["why"] = why
        else:
            f["ratio"] = round(ratio, 2)
        out.append(f)
    return out + soak_drift(metrics)


def latency_lines(rows, derived):
    """summary.txt's latency table."""
    out = []
    if rows:
        ratio = {(f["load"], f["phase"]): f for f in derived if f["figure"] == "boot_vs_hotadded"}
        out.append("")
        out.append("  per-phase latency (ms)             n     p50     p95   alone     p50 own p50  "
                   "boot/re-added p50, alone")
        for load, phase, kind, n, p50, p95, alone_n, alone_p50, own_p50 in rows:
            f = ratio.get((load, phase)) if kind == "boot" else None
            r = ("" if f is None else f"  {f['ratio']:8.2f}x" if "ratio" in f else f"  {f['why']}")
            out.append(f"  {load:8s} {phase:8s} {kind:9s} {n:6d} {p50:7.1f} {p95:7.1f} "
                       f"{alone_n:7d} {alone_p50:7.1f} {own_p50:7.1f}{r}")
        out.append(f"  (alone: the phases that overlapped no other block's hotplug operation, "
                   f"which the kernel serializes;")
        out.append(f"   own: each phase's time outside such overlaps; a ratio needs "
                   f"{MIN_RATIO_SAMPLES} alone on each side)")
    return out


def drift_lines(derived):
    """summary.txt's drift lines: each soak series, first and last interval,
    its fitted slope and bound."""
    out = []
    drift = [f for f in derived if f["figure"] == "soak_drift"]
    if drift:
        out.append(f"  drift over {drift[0]['points']} intervals (least-squares slope per hour; "
                   f"bound: max(3 standard errors, {DRIFT_SHARE_PER_HOUR:.0%} of the median)):")
        for f in drift:
            out.append(f"    {f['series']:18s} {f['first']:10.1f} -> {f['last']:10.1f}  "
                       f"slope {f['per_hour']:+10.2f}/h  bound {f['bound_per_hour']:9.2f}/h  "
                       f"{'DRIFTS' if f['drifts'] else 'improves' if f.get('improves') else 'steady'}")
    return out
