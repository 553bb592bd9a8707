"""Summary bar plots of report.md (latency and peak by family and type, bandwidth per level,
energy per operation) and the ratio plot of `compare`. Same conventions as plots.py (whose
settings make every file the same byte for byte on every run)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from .plots import SERIES_COLORS, save_png

BY_TYPE_PLOT, BANDWIDTH_LEVELS_PLOT, ENERGY_PLOT = "latency_peak_by_type.png", "bandwidth_levels.png", "energy.png"
COMPARE_PLOT = "compare.png"
FAMILY_COLORS = ("#264653", "#2a9d8f", "#e9c46a", "#e76f51", "#8d5fd3", "#9e9e9e")


def _minor_label(x: float) -> str:
    """A log axis' minor ticks labelled at 2 and 5 times a power of ten only (they would overlap)."""
    return f"{x:g}" if x > 0 and round(x / 10 ** math.floor(math.log10(x))) in (2, 5) else ""


def _plain_numbers(axis) -> None:
    """Tick labels as plain numbers (300, not 3 × 10²)."""
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    axis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: _minor_label(x)))


def _legend(ax) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower right")


def _no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no valid {what}", ha="center", va="center", transform=ax.transAxes)


def grouped_bars(ax, categories: list, series: dict, colors, horizontal: bool = False, dodge: bool = True,
                 log: bool = True) -> None:
    """One group of bars per category, one bar per series ({name: values, None for no bar}),
    side by side (dodge) or, where each category has one series' bar, in its middle; a log axis
    where the values span orders of magnitude."""
    width = 0.8 / max(1, len(series)) if dodge else 0.8
    for i, ((name, values), color) in enumerate(zip(series.items(), colors)):
        shift = (i - (len(series) - 1) / 2) * width if dodge else 0.0
        pos = [c + shift for c in range(len(categories))]
        kept = [(p, v) for p, v in zip(pos, values) if v is not None and v == v and v > 0]
        if kept:
            bar = ax.barh if horizontal else ax.bar
            bar([p for p, _ in kept], [v for _, v in kept], width, color=color, label=name)
    if horizontal:
        ax.set_yticks(range(len(categories)))
        ax.set_yticklabels(categories, fontsize=7)
        ax.set_ylim(len(categories) - 0.5, -0.5)  # first category on top
    else:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories, fontsize=7, rotation=60, ha="right")
    if log:
        (ax.set_xscale if horizontal else ax.set_yscale)("log")
        _plain_numbers(ax.xaxis if horizontal else ax.yaxis)
    ax.grid(True, axis="x" if horizontal else "y", which="both", alpha=0.3)


def _family_series(df: pd.DataFrame, column: str, types: list) -> dict:
    return {fam: [g.set_index("type")[column].get(t) for t in types]
            for fam, g in df.groupby("family", sort=False)}


def plot_by_type(df: pd.DataFrame, out_path: Path, title: str) -> Path:
    """Left: best ops/clk/SM per type, a bar per family; right: the lowest latency (cycles). Types
    down the page (there are two dozen), the first on top.

    `df`: families.latency_peak_by_type()."""
    types = list(dict.fromkeys(df["type"]))
    fig, (ops, lat) = plt.subplots(1, 2, figsize=(8, max(3.0, 0.42 * len(types) + 1.5)), sharey=True)
    if types:
        for ax, column in ((ops, "best_ops"), (lat, "latency")):
            grouped_bars(ax, types, _family_series(df, column, types), FAMILY_COLORS, horizontal=True)
        _legend(lat)
    else:
        _no_data(ops, "latency or throughput")
    ops.set_xlabel("best ops / clock / SM", fontsize=8)
    lat.set_xlabel("lowest latency (cycles)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def _benchmark_label(atom: str, variant: str) -> str:
    """'dram.read (dram, read)': the atom and its variant's values (movement.variant: k=v;k=v)."""
    values = [kv.partition("=")[2] for kv in str(variant).split(";") if kv]
    return f"{atom} ({', '.join(values)})" if values else atom


def plot_bandwidth_levels(df: pd.DataFrame, out_path: Path, title: str) -> Path:
    """Best GB/s of every rate benchmark, one color per level. `df`: levels.bandwidth_by_benchmark()."""
    ok = df[df["gbs"].notna()]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.22 * len(ok) + 1.2)))
    if len(ok):
        labels = [_benchmark_label(a, v) for a, v in zip(ok["atom"], ok["variant"])]
        series = {lv: [g if lv == level else None for level, g in zip(ok["level"], ok["gbs"])]
                  for lv in dict.fromkeys(ok["level"])}
        grouped_bars(ax, labels, series, SERIES_COLORS * 2, horizontal=True, dodge=False, log=False)
        _legend(ax)
    else:
        _no_data(ax, "bandwidth")
    ax.set_xlabel("best GB/s over the whole GPU (a per-SM rate × SMs × its measured clock)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def _energy_panel(ax, labels: list, total: list, above: list, unit: str) -> None:
    if not labels:
        _no_data(ax, unit)
        return
    grouped_bars(ax, labels, {"total": total, "above idle": above}, ("#264653", "#e76f51"), horizontal=True)
    ax.set_xlabel(unit, fontsize=8)
    _legend(ax)


def plot_energy(instructions: pd.DataFrame, paths: pd.DataFrame, out_path: Path, title: str) -> Path:
    """pJ per FMA of each instruction (top) and pJ per byte of each path (bottom), total and above
    idle. `instructions`, `paths`: energy.instruction_energy() and path_energy()."""
    heights = [max(1, len(instructions)), max(1, len(paths))]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 0.32 * sum(heights) + 2.2),
                                      gridspec_kw={"height_ratios": heights})
    value = lambda figures: [f.value for f in figures]  # noqa: E731  (None where invalid)
    _energy_panel(top, list(instructions["atom"]), value(instructions["pj"]), value(instructions["pj_above"]),
                  "pJ / FMA")
    _energy_panel(bottom, list(paths["atom"]), value(paths["pj"]), value(paths["pj_above"]), "pJ / byte")
    top.set_title(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def plot_compare(df: pd.DataFrame, out_path: Path, title: str, floor: float) -> Path:
    """B / A of every compared row (a linear axis: ratios are near 1), one column per family (rows
    spread across it in key order), rows that differ in color; the floor as a band around 1.
    `df`: compare.compare_rows()."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    families = list(dict.fromkeys(df["family"]))
    x = pd.Series(0.0, index=df.index)
    for i, fam in enumerate(families):
        members = df.index[df["family"] == fam]
        x[members] = [i + (j + 0.5) / len(members) * 0.8 - 0.4 for j in range(len(members))]
    for differs, color, size, label in ((False, "#9e9e9e", 4, "within noise"), (True, "#e76f51", 10, "differs")):
        pick = df["differs"] == differs
        if pick.any():
            ax.scatter(x[pick], df["ratio"][pick], s=size, color=color, label=label)
    ax.axhspan(1 - floor, 1 + floor, color="#2a9d8f", alpha=0.2, linewidth=0)
    ax.axhline(1, color="black", linewidth=0.8)
    ax.set_xticks(range(len(families)))
    ax.set_xticklabels(families, fontsize=8)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
    _legend(ax)
    ax.set_ylabel("B / A")
    ax.set_title(title, fontsize=9)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return save_png(fig, out_path)
