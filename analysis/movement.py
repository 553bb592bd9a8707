"""Data-movement rows (movement.csv), grouped for report.md and the README: the pointer-chase
latency curve and its plateau per memory level, the best bandwidth of each benchmark beside its
bound and datasheet figure, shared-memory bandwidth against bank-conflict ways, the movement
instructions' latency and throughput, and the launch overhead.

Nothing here knows a benchmark by name: rows are grouped by atom, metric and the params column
(VARIANT_KEYS tell a benchmark's variants apart; every other key is a point of its sweep). Every
figure comes from valid rows only (figures.figure)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .figures import Figure, figure, ratio
from .load import json_get, parse_params
from .markdown import size_text

LATENCY, LATENCY_NS = "latency_cycles", "latency_ns"
RATE, BANDWIDTH = "bytes_per_clk_sm", "bandwidth_gbs"
RATE_METRICS = (RATE, BANDWIDTH)
LAUNCH_METRICS = ("launch_overhead_us", "kernel_time_us")
# What a row may say of the datasheet figure of its path (GB/s): written by the benchmark from
# the device's datasheet table, read here; the analysis never types one in.
DATASHEET_PARAM = "datasheet_gbs"
# params keys that name a variant of a benchmark (kept apart in the tables: the level or source a
# path reads from, what a copy counts...); every other key (stride, ways, tile, passes, footprint,
# cluster...) is a point of its sweep, over which the best is taken.
VARIANT_KEYS = ("level", "source", "src", "op", "copy", "counts", "path", "target", "class", "dir", "direction",
                "kind", "mode")
CONFLICT_KEY = "ways"   # shared-memory bank-conflict ways
CLASS_KEY = "class"     # the L2 partition probe's near / far lines
# Plateau detection (when run.json gives no cache sizes): a point more than this factor above
# the plateau's first point starts the next plateau.
PLATEAU_STEP = 1.25


def valid_points(figures: pd.Series) -> pd.Series:
    """A boolean mask of a column of Figures: those with a value (bool even when empty, so that
    it filters rows rather than selecting columns)."""
    return figures.map(lambda f: f.ok).astype(bool)


def variant(params: dict) -> str:
    return ";".join(f"{k}={params[k]}" for k in VARIANT_KEYS if k in params)


def with_params(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with `_p` (the params as a dict) and `variant` (its VARIANT_KEYS as text)."""
    p = rows["params"].map(parse_params)
    return rows.assign(_p=p, variant=p.map(variant))


def point_text(row) -> str:
    """Where a best figure was measured: size, warps per SM × ILP, the other (non-variant) params."""
    parts = []
    if row["size_bytes"] > 0:
        parts.append(size_text(row["size_bytes"]))
    if row["warps_per_sm"] > 0:
        parts.append(f"{int(row['warps_per_sm'])} warps/SM" + (f" × ILP {int(row['ilp'])}" if row["ilp"] > 0 else ""))
    p = parse_params(row["params"])
    parts += [f"{k}={v}" for k, v in p.items() if k not in VARIANT_KEYS and k != DATASHEET_PARAM]
    return ", ".join(parts) or "–"


# ---- the pointer chase ------------------------------------------------------------------------

def _chase_like(atom: str, params: dict) -> bool:
    return "chase" in str(atom) or str(params.get("path", "")).startswith("ld.")


def is_chase(atom: str, params: dict) -> bool:
    """A point of the working-set sweep: a chase (by atom name, or a load path in params)."""
    return _chase_like(atom, params) and CLASS_KEY not in params


def is_partition(atom: str, params: dict) -> bool:
    """The L2 near/far probe: a chase whose lines are split into classes."""
    return _chase_like(atom, params) and CLASS_KEY in params


def _chase_mask(rows: pd.DataFrame, test) -> pd.Series:
    return pd.Series([bool(test(a, p)) for a, p in zip(rows["atom"], rows["_p"])], index=rows.index, dtype=bool)


def chase_points(movement: pd.DataFrame) -> pd.DataFrame:
    """One row per (series, working set): series (the load path, else the atom), size_bytes, and
    the Figures `cycles` and `ns` (median of the valid rows of that point)."""
    rows = with_params(movement)
    rows = rows[_chase_mask(rows, is_chase) & (rows["size_bytes"] > 0)]
    rows = rows.assign(series=[p.get("path") or a for a, p in zip(rows["atom"], rows["_p"])])
    out = [{"series": s, "size_bytes": int(size), "cycles": figure(g, LATENCY, "median"),
            "ns": figure(g, LATENCY_NS, "median")}
           for (s, size), g in rows.groupby(["series", "size_bytes"], sort=False)]
    df = pd.DataFrame(out, columns=["series", "size_bytes", "cycles", "ns"])
    order = {s: i for i, s in enumerate(dict.fromkeys(df["series"]))}
    return df.assign(_o=df["series"].map(order)).sort_values(["_o", "size_bytes"]).drop(columns="_o")


def partition_points(movement: pd.DataFrame) -> pd.DataFrame:
    """The L2 partition probe: one row per class, with its Figures `cycles` and `ns`."""
    rows = with_params(movement)
    rows = rows[_chase_mask(rows, is_partition)]
    rows = rows.assign(cls=rows["_p"].map(lambda p: p[CLASS_KEY]))
    out = [{"atom": a, "class": c, "cycles": figure(g, LATENCY, "median"), "ns": figure(g, LATENCY_NS, "median")}
           for (a, c), g in rows.groupby(["atom", "cls"], sort=False)]
    return pd.DataFrame(out, columns=["atom", "class", "cycles", "ns"])


@dataclass(frozen=True)
class Level:
    name: str
    above: float  # working sets over `above` bytes ...
    upto: float   # ... and up to `upto` bytes


def cache_sizes(run: dict) -> tuple[int | None, int | None]:
    """(L1, L2) bytes from run.json's device: L1 is l1_bytes when recorded, else the shared
    memory per SM (the L1 and shared memory are one array; the chase asks for all of it as L1)."""
    def size(*keys):
        v = json_get(run, "device", *keys, default=None)
        return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None
    l1 = size("l1_bytes") or size("shared_mem_per_sm_bytes") or size("shared_mem_per_sm")
    return l1, size("l2_bytes")


def device_levels(l1: int | None, l2: int | None) -> list[Level] | None:
    """The working-set ranges of each level, or None without both sizes. Past half the L2, hits
    start coming from the far partition (DESIGN §9); between L2 and twice it, lines are partly
    in L2: a transition, no plateau."""
    if not l1 or not l2 or l1 >= l2 / 2:
        return None
    return [Level("L1", 0, l1), Level("L2", l1, l2 / 2), Level("L2, past half its size", l2 / 2, l2),
            Level("DRAM", 2 * l2, math.inf)]


def detected_levels(points: pd.DataFrame) -> list[Level]:
    """Plateaus of one series' valid points, in size order: a point more than PLATEAU_STEP × the
    current plateau's first latency starts a new one."""
    ok = points[valid_points(points["cycles"])].sort_values("size_bytes")
    levels, first, lo, prev = [], None, 0.0, None
    for size, f in zip(ok["size_bytes"], ok["cycles"]):
        if first is not None and f.value > PLATEAU_STEP * first:
            levels.append(Level(f"plateau {len(levels) + 1}", lo, prev))
            first, lo = None, prev
        if first is None:
            first = f.value
        prev = size
    if first is not None:
        levels.append(Level(f"plateau {len(levels) + 1}", lo, prev))
    return levels


def _level_name(level: Level, series: str) -> str:
    """A .cg load (cache global) is cached in L2 only: its L1-range points are L2 hits."""
    return "L2 (L1 range; .cg skips L1)" if level.name == "L1" and ".cg" in str(series) else level.name


def _median(figs) -> float | None:
    vals = [f.value for f in figs if f.ok]
    return float(np.median(vals)) if vals else None


def plateaus(points: pd.DataFrame, run: dict) -> tuple[pd.DataFrame, str]:
    """One row per (series, level) with valid points: series, level, smallest and largest working
    set, points, cycles and ns (medians over the level's valid points); and how the levels were
    chosen ("device" from run.json's cache sizes, or "detected")."""
    l1, l2 = cache_sizes(run)
    fixed = device_levels(l1, l2)
    out = []
    for series, g in points.groupby("series", sort=False):
        for lv in fixed if fixed is not None else detected_levels(g):
            pts = g[(g["size_bytes"] > lv.above) & (g["size_bytes"] <= lv.upto) & valid_points(g["cycles"])]
            if len(pts):
                out.append({"series": series, "level": _level_name(lv, series), "smallest": int(pts["size_bytes"].min()),
                            "largest": int(pts["size_bytes"].max()), "points": len(pts),
                            "cycles": _median(pts["cycles"]), "ns": _median(pts["ns"])})
    cols = ["series", "level", "smallest", "largest", "points", "cycles", "ns"]
    return pd.DataFrame(out, columns=cols), "device" if fixed is not None else "detected"


# ---- rates ------------------------------------------------------------------------------------

def _float_param(params: dict, key: str) -> float | None:
    try:
        v = float(params[key])
    except (KeyError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def bandwidth_table(movement: pd.DataFrame) -> pd.DataFrame:
    """One row per (atom, variant, metric) of the rate metrics: the best valid figure, where it
    was measured, its bound, the datasheet figure from the rows' params (when they carry one) and
    both ratios."""
    rows = with_params(movement)
    out = []
    for (atom, var), g in rows.groupby(["atom", "variant"], sort=False):
        for metric in RATE_METRICS:
            m = g[g["metric"] == metric]
            if m.empty:
                continue
            best = figure(g, metric, "max")
            ref = best.row if best.ok else m.iloc[0]
            bound = float(ref["bound"]) if ref["bound"] > 0 else None
            # The best row's own datasheet figure: a sweep may cross levels (L2-sized and
            # DRAM-sized points), and only a DRAM point is compared with the DRAM datasheet.
            sheet = _float_param(ref["_p"], DATASHEET_PARAM) if best.ok else next(
                (v for v in (_float_param(p, DATASHEET_PARAM) for p in m["_p"]) if v), None)
            out.append({"atom": atom, "ptx": ref["ptx"], "variant": var, "metric": metric, "unit": ref["unit"],
                        "best": best, "at": point_text(best.row) if best.ok else "–", "bound": bound,
                        "of_bound": ratio(best.value, bound), "datasheet": sheet,
                        "of_datasheet": ratio(best.value, sheet)})
    cols = ["atom", "ptx", "variant", "metric", "unit", "best", "at", "bound", "of_bound", "datasheet", "of_datasheet"]
    return pd.DataFrame(out, columns=cols)


def conflict_table(movement: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """Shared-memory bandwidth against bank-conflict ways: one row per (atom, variant), a Figure
    per ways value (best B/clk/SM over the other axes); and the ways values in order."""
    rows = with_params(movement)
    rows = rows[rows["_p"].map(lambda p: CONFLICT_KEY in p).astype(bool)]
    rows = rows.assign(ways=pd.to_numeric(rows["_p"].map(lambda p: p[CONFLICT_KEY]), errors="coerce"))
    rows = rows[rows["ways"].notna()]
    ways = sorted(int(w) for w in rows["ways"].unique())
    out = []
    for (atom, var), g in rows.groupby(["atom", "variant"], sort=False):
        if not (g["metric"] == RATE).any() and not g["metric"].isin(("skipped", "error", "timed_out")).any():
            continue
        rec = {"atom": atom, "variant": var}
        rec.update({w: figure(g[g["ways"] == w], RATE, "max") for w in ways})
        out.append(rec)
    return pd.DataFrame(out, columns=["atom", "variant"] + ways), ways


# ---- instructions and launches ----------------------------------------------------------------

def _latency_span(g: pd.DataFrame, metric: str) -> tuple[Figure, float | None, str]:
    """The latency of a group: its Figure, and when it was measured at several sizes (a
    tile-size sweep), the Figure of the smallest per-size median, the largest, and the sizes."""
    per_size = [(size, figure(s, metric, "median")) for size, s in g.groupby("size_bytes", sort=True)]
    ok = [(size, f) for size, f in per_size if f.ok]
    if len(ok) <= 1:
        return figure(g, metric, "median"), None, ""
    values = [f.value for _, f in ok]
    return Figure(value=min(values)), max(values), f"{size_text(ok[0][0])}–{size_text(ok[-1][0])}"


def instruction_table(movement: pd.DataFrame) -> pd.DataFrame:
    """One row per (atom, variant) of the movement benchmarks that have a latency or a per-SM
    rate (ldmatrix, stmatrix, cp.async, bulk copy, shared and distributed shared memory...), not
    the pointer chase nor launches: latency in cycles and ns (when swept over sizes: the smallest
    per-size median, `*_to` the largest, `latency_sizes` the sizes), best B/clk/SM and GB/s, and
    where the best rate was measured."""
    rows = with_params(movement)
    rows = rows[~_chase_mask(rows, _chase_like)]
    out = []
    for (atom, var), g in rows.groupby(["atom", "variant"], sort=False):
        if not g["metric"].isin((LATENCY, RATE)).any():
            continue
        cycles, cycles_to, sizes = _latency_span(g, LATENCY)
        ns, ns_to, _ = _latency_span(g, LATENCY_NS)
        rate, gbs = figure(g, RATE, "max"), figure(g, BANDWIDTH, "max")
        best = rate.row if rate.ok else gbs.row
        out.append({"atom": atom, "ptx": g["ptx"].iloc[0], "variant": var, "cycles": cycles, "cycles_to": cycles_to,
                    "ns": ns, "ns_to": ns_to, "latency_sizes": sizes, "rate": rate, "gbs": gbs,
                    "has_latency": g["metric"].isin((LATENCY, LATENCY_NS)).any(),
                    "has_rate": g["metric"].isin(RATE_METRICS).any(),
                    "at": point_text(best) if best is not None else "–"})
    cols = ["atom", "ptx", "variant", "cycles", "cycles_to", "ns", "ns_to", "latency_sizes", "rate", "gbs",
            "has_latency", "has_rate", "at"]
    return pd.DataFrame(out, columns=cols)


def launch_table(movement: pd.DataFrame) -> pd.DataFrame:
    """One row per (atom, params, metric) of the launch metrics: the Figure (median of the valid
    rows), its unit, and the spread (cv) of the row behind it."""
    rows = movement[movement["metric"].isin(LAUNCH_METRICS)]
    out = []
    for (atom, params, metric), g in rows.groupby(["atom", "params", "metric"], sort=False):
        f = figure(g, metric, "median")
        out.append({"atom": atom, "params": params, "metric": metric, "unit": g["unit"].iloc[0], "figure": f,
                    "cv": float(g["cv"].median()) if f.ok else None})
    return pd.DataFrame(out, columns=["atom", "params", "metric", "unit", "figure", "cv"])


KNOWN_METRICS = (LATENCY, LATENCY_NS) + RATE_METRICS + LAUNCH_METRICS + ("skipped", "error", "timed_out")


def other_rows(movement: pd.DataFrame) -> pd.DataFrame:
    """Movement rows of a metric no view above shows (so that none goes unreported)."""
    return movement[~movement["metric"].isin(KNOWN_METRICS)]
