"""Figures for one results folder (matplotlib, Agg backend: no display needed). Every file is
the same byte for byte on every run from the same data (docs/reports.md): matplotlib's own
defaults whatever a matplotlibrc says, its bundled font, no version or date in the PNG."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.style  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402  (a matplotlib dependency)

matplotlib.style.use("default")  # a user's matplotlibrc or style must not change the files
matplotlib.rcParams.update({"font.family": "DejaVu Sans",  # bundled with matplotlib: on every machine
                            "svg.hashsalt": "tcbench"})    # fixed ids, should a plot ever be an SVG

# Compact plots (a results folder holds hundreds, committed): 90 dpi, and a palette of at most
# PALETTE_COLORS colors (line plots use a handful; antialiasing needs a few dozen more).
PLOT_DPI = 90
PALETTE_COLORS = 64

NATIVE_COLORS = {"native": "#2a9d8f", "emulated": "#e76f51", "unknown": "#9e9e9e"}


def safe_name(s: str) -> str:
    """File-name-safe text: 'mma.sync' -> 'mma_sync'."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(s)).strip("_")


def save_png(fig, out_path: Path) -> Path:
    """Writes `fig` as a compact palette PNG and closes it. The PNG holds pixels only: PIL
    writes no text chunks it is not given (matplotlib's Software and date are not passed on)."""
    buf = io.BytesIO()
    fig.savefig(buf, dpi=PLOT_DPI, format="png", metadata={"Software": None})
    plt.close(fig)
    buf.seek(0)
    with Image.open(buf) as img:
        small = img.convert("RGB").quantize(colors=PALETTE_COLORS, method=Image.Quantize.MEDIANCUT)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        small.save(out_path, format="PNG", optimize=True)
    return out_path


def throughput_plot_name(family: str, atom: str) -> str:
    return f"throughput_{safe_name(family)}_{safe_name(atom)}.png"


def plot_throughput(rows: pd.DataFrame, out_path: Path, atom: str, ptx: str, peak: float | None) -> Path:
    """ops/clk/SM against warps per SM, one line per ILP, the datasheet peak dashed.

    `rows`: the valid ops_per_clk_sm rows of one atom.
    """
    fig, ax = plt.subplots(figsize=(7, 4.5))
    warps = sorted(rows["warps_per_sm"].unique())
    top = 0.0
    for ilp in sorted(rows["ilp"].unique()):
        r = rows[rows["ilp"] == ilp].sort_values("warps_per_sm")
        ax.plot(r["warps_per_sm"], r["value"], marker="o", label=f"ILP {ilp}")
        top = max(top, float(r["value"].max()))
    if peak is not None and peak == peak and peak > 0:  # peak == peak: not NaN
        ax.axhline(peak, linestyle="--", color="black", linewidth=1, label="datasheet peak")
        top = max(top, peak)
    if warps and min(warps) > 0:
        ax.set_xscale("log", base=2)
        ax.set_xticks(warps)
        ax.set_xticklabels([str(w) for w in warps])
    ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    ax.set_xlabel("warps per SM")
    ax.set_ylabel("ops / clock / SM")
    ax.set_title(f"{atom}\n{ptx}", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_png(fig, out_path)


def plot_peak_overview(summary: pd.DataFrame, out_path: Path, title: str) -> Path:
    """Best valid ops/clk/SM per atom as horizontal bars, colored native vs emulated.

    `summary`: columns atom, best_ops, native_label (native | emulated | unknown).
    """
    s = summary[summary["best_ops"].notna()].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(s) + 1.2)))
    if len(s):
        y = list(range(len(s)))[::-1]  # first atom on top
        colors = [NATIVE_COLORS.get(n, NATIVE_COLORS["unknown"]) for n in s["native_label"]]
        vals = s["best_ops"].astype(float)
        # Values span ~128 (f64) to ~32768 (b1) ops/clk/SM: a log axis, starting at a fixed power
        # of two so that bar lengths stay comparable.
        log = bool((vals > 0).all())
        left = 2.0 ** (math.floor(math.log2(vals.min())) - 1) if log else 0.0
        ax.barh(y, vals - left, left=left, color=colors)
        for yi, v in zip(y, vals):
            ax.text(v, yi, f" {v:.0f}", va="center", fontsize=6)
        ax.set_yticks(y)
        ax.set_yticklabels(s["atom"], fontsize=7)
        ax.set_ylim(-0.6, len(s) - 0.4)
        if log:
            ax.set_xscale("log", base=2)
            ax.set_xlim(left, 2.0 ** (math.ceil(math.log2(vals.max())) + 1))
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        handles = [plt.Rectangle((0, 0), 1, 1, color=NATIVE_COLORS[k]) for k in NATIVE_COLORS
                   if k in set(s["native_label"])]
        ax.legend(handles, [k for k in NATIVE_COLORS if k in set(s["native_label"])], fontsize=8, loc="lower right")
    else:
        ax.text(0.5, 0.5, "no valid throughput measurements", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("best measured ops / clock / SM")
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return save_png(fig, out_path)


def wgmma_n_sweep_plot_name(type_slug: str) -> str:
    return f"wgmma_n_sweep_{type_slug}.png"


def _log2_n_axis(ax, ns) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns)
    ax.set_xticklabels([str(n) for n in ns], fontsize=7, rotation=90 if len(ns) > 12 else 0)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())  # only the measured N are labelled
    ax.set_xlabel("N")
    ax.grid(True, alpha=0.3)


def plot_wgmma_n_sweep(sweep: pd.DataFrame, out_path: Path, title: str, peak: float | None) -> Path:
    """Left: best ops/clk/SM against N, SS and RS lines, the peak dashed. Right: completion
    latency (solid) and dependent issue interval (dotted) against N.

    `sweep`: one row per dense atom of one type, columns n, source, best_ops, latency, issue_interval.
    """
    fig, (ax_ops, ax_lat) = plt.subplots(1, 2, figsize=(11, 4.2))
    ns = sorted(int(n) for n in sweep["n"].unique() if n > 0)
    top = 0.0
    for src, color in (("SS", "#264653"), ("RS", "#e76f51")):
        r = sweep[sweep["source"] == src].sort_values("n")
        ops = r[r["best_ops"].notna()]
        if len(ops):
            ax_ops.plot(ops["n"], ops["best_ops"], marker="o", color=color, label=src)
            top = max(top, float(ops["best_ops"].max()))
        for col, style, what in (("latency", "-", "latency"), ("issue_interval", ":", "issue interval")):
            v = r[r[col].notna()]
            if len(v):
                ax_lat.plot(v["n"], v[col], linestyle=style, marker="o", markersize=3, color=color,
                            label=f"{src} {what}")
    if peak is not None and peak == peak and peak > 0:  # peak == peak: not NaN
        ax_ops.axhline(peak, linestyle="--", color="black", linewidth=1, label="datasheet peak")
        top = max(top, peak)
    ax_ops.set_ylim(0, top * 1.1 if top > 0 else 1)
    ax_ops.set_ylabel("best ops / clock / SM")
    ax_lat.set_ylabel("cycles")
    ax_lat.set_ylim(bottom=0)
    for ax in (ax_ops, ax_lat):
        if ns:
            _log2_n_axis(ax, ns)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    ax_ops.set_title("throughput", fontsize=9)
    ax_lat.set_title("completion latency and issue interval", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


MEMORY_LATENCY_PLOT = "memory_latency.png"
SERIES_COLORS = ("#264653", "#e76f51", "#2a9d8f", "#8d5fd3", "#e9c46a")


def _size_tick(nbytes: float) -> str:
    for unit, name in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if nbytes >= unit:
            return f"{nbytes / unit:g}{name}"
    return f"{nbytes:g}"


def plot_memory_latency(points: pd.DataFrame, out_path: Path, title: str, marks: dict) -> Path:
    """Pointer-chase latency against working set (log2 axis): cycles left, ns right, one line per
    series (load path), dotted vertical lines at `marks` ({label: bytes}, e.g. the L1 and L2
    sizes) so the plateaus can be read against them.

    `points`: movement.chase_points(): series, size_bytes, and the Figures cycles and ns (only
    valid ones are drawn)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    sizes = sorted({int(s) for s in points["size_bytes"]})
    for (series, g), color in zip(points.groupby("series", sort=False), SERIES_COLORS * 4):
        for ax, col in zip(axes, ("cycles", "ns")):
            ok = g[g[col].map(lambda f: f.ok).astype(bool)]
            if len(ok):
                ax.plot(ok["size_bytes"], [f.value for f in ok[col]], marker="o", markersize=3, color=color,
                        label=str(series))
    for ax, unit in zip(axes, ("cycles", "ns")):
        if sizes:
            ax.set_xscale("log", base=2)
            ax.set_xticks(sizes)
            ax.set_xticklabels([_size_tick(s) for s in sizes], fontsize=6, rotation=45)
            ax.minorticks_off()
        for label, nbytes in marks.items():
            ax.axvline(nbytes, linestyle=":", color="gray", linewidth=1)
            ax.text(nbytes, 0.98, f"{label} ", transform=ax.get_xaxis_transform(), fontsize=6, va="top",
                    ha="right", rotation=90, color="gray")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("working set (bytes)", fontsize=8)
        ax.set_ylabel(f"latency ({unit})", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, alpha=0.3)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_png(fig, out_path)


ROOFLINE_PLOT = "roofline.png"
# A dozen input types need as many colors; the memory ceilings are dark and dashed apart.
ROOF_COLORS = tuple(matplotlib.colormaps["tab20"](i) for i in (*range(0, 20, 2), *range(1, 20, 2)))
CEILING_STYLES = tuple((c, s) for s in ("-", "--", "-.", ":") for c in ("#000000", "#8c564b", "#7f7f7f"))


def roofline_roofs(table: dict) -> tuple[dict, dict]:
    """The roofs of a cost table (analysis/cost_table.py): {input type: best dense TFLOP/s} over
    its instructions (sparse ones left out: their rate counts the pattern's zeros) and {level:
    GB/s} of its memory levels, each without the ones it has no figure for."""
    compute: dict = {}
    for ins in table["instructions"]:
        tflops = ins["tflops"]
        if not ins["sparse"] and tflops is not None and tflops > 0:
            a = ins["types"]["a"]
            compute[a] = max(compute.get(a, 0.0), float(tflops))
    memory = {name: float(level["bandwidth_gbs"]) for name, level in table["movement"]["levels"].items()
              if level["bandwidth_gbs"] is not None and level["bandwidth_gbs"] > 0}
    return compute, memory


def highest_first(roofs: dict) -> list:
    return sorted(roofs.items(), key=lambda kv: (-kv[1], kv[0]))  # highest first; ties by name


def _intensity_range(compute: dict, memory: dict) -> tuple[float, float]:
    """FLOP per byte, powers of two, wide enough for every ridge point (where a compute roof
    meets a bandwidth ceiling) with room on both sides."""
    ridges = [1e3 * t / g for t in compute.values() for g in memory.values()] or [1.0]
    return 2.0 ** (math.floor(math.log2(min(ridges))) - 3), 2.0 ** (math.ceil(math.log2(max(ridges))) + 3)


def plot_roofline(table: dict, out_path: Path) -> Path:
    """Roofline of the chip from its cost table, log-log: attainable TFLOP/s against arithmetic
    intensity (FLOP per byte), a horizontal roof per input type (its best dense TFLOP/s), a
    diagonal ceiling per memory level (its bandwidth), drawn up to the highest roof.

    Reads only table["device"]["name"], table["instructions"][*] {family, atom, types, sparse,
    tflops} and table["movement"]["levels"][*]["bandwidth_gbs"]."""
    compute, memory = roofline_roofs(table)
    fig, ax = plt.subplots(figsize=(8, 5))
    if compute or memory:
        lo, hi = _intensity_range(compute, memory)
        top = max(compute.values()) if compute else max(memory.values()) * hi / 1e3
        for (a, tflops), color in zip(highest_first(compute), ROOF_COLORS * 2):
            ax.plot([lo, hi], [tflops, tflops], color=color, linewidth=1.5, label=f"{a}: {tflops:.0f} TFLOP/s")
        for (level, gbs), (color, style) in zip(highest_first(memory), CEILING_STYLES * 2):
            knee = min(hi, 1e3 * top / gbs)  # where the ceiling reaches the highest roof
            ax.plot([lo, knee], [gbs * lo / 1e3, gbs * knee / 1e3], color=color, linestyle=style, linewidth=1.2,
                    label=f"{level}: {gbs:.0f} GB/s")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        bottom = min([gbs * lo / 1e3 for gbs in memory.values()] + [min(compute.values(), default=top) / 4])
        ax.set_ylim(bottom, top * 2)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        ax.legend(fontsize=7, loc="lower right", ncol=2)
    else:
        ax.text(0.5, 0.5, "no TFLOP/s or bandwidth in the cost table", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("TFLOP/s (TOPS for integer types)")
    ax.set_title(f"{table['device']['name']}: roofline from the measured cost table", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return save_png(fig, out_path)
