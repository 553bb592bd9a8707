"""report.md and plots/ for a results folder; re-exports the summary and headline helpers."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from .atoms import type_slug
from .headline import (HEADLINE_BEGIN, HEADLINE_END, headline_markdown, replace_between_markers,  # noqa: F401
                       update_readme)
from .load import Results, load_many, measured_mask, valid_mask
from .markdown import (fmt, native_cell, point, problems_block, source_line, table,  # noqa: F401
                       tflops_at_clock, wall_time_line)
from .output import check_file_target, check_plots_target, new_plots_folder, swap_in_plots, write_text_atomic
from .movement import chase_points, valid_points
from .plots import (MEMORY_LATENCY_PLOT, plot_memory_latency, plot_peak_overview, plot_throughput,
                    plot_wgmma_n_sweep, throughput_plot_name, wgmma_n_sweep_plot_name)
from .report_movement import energy_section, memory_latency_marks, movement_sections
from .report_sections import (acceptance_section, mma_sp_section, mma_sync_vs_wgmma_section, wgmma_sections,
                              wmma_section)
from .summary import SATURATION_FRACTION, atom_summary, measured_atoms, saturation_point  # noqa: F401
from .wgmma import HEADLINE_N, dense_canonical, n_sweep, types_in_order, wgmma_atoms

# A skipped-atoms group lists this many names, then a count.
SKIPPED_NAMES_SHOWN = 4


# ---- per-atom tables -------------------------------------------------------------------------

def _atom_cells(r, plot_files: dict, with_issue: bool) -> list[str]:
    plot = plot_files.get((r["family"], r["atom"]))
    name = f"[{r['atom']}](plots/{plot})" if plot else r["atom"]
    sass = " ".join(f"`{s}`" for s in str(r["sass"]).split(";") if s) or "–"
    cells = [name, f"`{r['ptx']}`", native_cell(r["native_label"]), sass, fmt(r["latency"], ".1f")]
    if with_issue:
        cells.append(fmt(r["issue_interval"], ".1f"))
    return cells + [fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".0f"), point(r["sat_warps"], r["sat_ilp"]),
                    tflops_at_clock(r["tflops"], r["clock_mhz"]), r["verified"]]


def atom_tables(summary: pd.DataFrame, plot_files: dict) -> list[str]:
    """One table per family, one row per atom that was run (wgmma rows add the issue interval)."""
    out = []
    measured = summary[summary["native_label"] != "n/a"] if len(summary) else summary
    for family, g in measured.groupby("family", sort=False):
        with_issue = family == "wgmma"
        issue = ["issue interval (cycles)"] if with_issue else []
        header = ["atom", "ptx", "native", "SASS", "latency (cycles)"] + issue \
            + ["best ops/clk/SM", "% of peak", "90% at warps×ILP", "TFLOP/s @ clock", "verified"]
        out += [f"## Every atom: {family}", "", table(header, [_atom_cells(r, plot_files, with_issue)
                                                              for _, r in g.iterrows()]), ""]
    return out


def skipped_section(results: Results) -> list[str]:
    """Skipped atoms of every table grouped by family and reason (on a GPU without wgmma that is
    hundreds)."""
    rows = results.all_rows()
    skipped = rows[~measured_mask(rows)]
    if skipped.empty:
        return []
    rows = []
    for (family, note), g in skipped.groupby(["family", "note"], sort=False):
        atoms = list(dict.fromkeys(g["atom"]))
        shown = ", ".join(atoms[:SKIPPED_NAMES_SHOWN])
        more = f" and {len(atoms) - SKIPPED_NAMES_SHOWN} more" if len(atoms) > SKIPPED_NAMES_SHOWN else ""
        rows.append([family, str(len(atoms)), shown + more, note or "–"])
    return ["## Skipped", "", table(["family", "atoms", "which", "note"], rows), ""]


def excluded_section(results: Results) -> list[str]:
    """Every table's measured rows that do not count, grouped by atom, metric and note."""
    rows = results.all_rows()
    invalid = rows[measured_mask(rows) & ~valid_mask(rows)]
    if invalid.empty:
        return []
    # Rows marked valid that still do not count: their value is not a finite number.
    non_finite = invalid["valid"] & (invalid["metric"] != "error")
    invalid = invalid.assign(note=invalid["note"].where(~non_finite, "value is not a finite number"))
    grouped = invalid.groupby(["family", "atom", "metric", "note"], sort=False).size().reset_index(name="rows")
    rows = [[r["family"], r["atom"], r["metric"], str(r["rows"]), r["note"] or "–"] for _, r in grouped.iterrows()]
    return ["## Excluded (invalid) measurements", "", table(["family", "atom", "metric", "rows", "note"], rows), ""]


# ---- the report ------------------------------------------------------------------------------

def _header(results: Results) -> list[str]:
    out = [f"# tcbench results: {results.device_name} (`{results.slug}`)", ""] + problems_block(results.problems)
    out += [source_line(r) + ".  " for r in results.folders]
    cmd = results.run_get("command")
    if cmd != "unknown":
        out.append(f"Command: `{cmd}`.  ")
    out += [wall_time_line(results), ""]
    if results.rows.empty:  # no instructions table: a movement or energy sweep
        return out + ["Only valid rows count (output verified, at or under its physical bound, measured at a "
                      "stable clock).", ""]
    out += ["Only valid rows count (output verified against the CPU reference, at or under the datasheet "
            "peak, measured at a stable clock). `% of peak` is against the dense datasheet figure "
            "(analysis/peaks.py; on sm_90 that is the wgmma peak; sparse instructions against twice it). "
            "`90% at` is the smallest warps per SM × ILP at which 90% of the best throughput is first "
            "reached (fewest warps, then fewest ILP). TFLOP/s (TOPS for integer types) is at the best point, "
            "at the SM clock measured in the kernel.", "",
            "![best throughput per atom](plots/peak_throughput.png)", ""]
    return out


def report_markdown(results: Results, summary: pd.DataFrame, plot_files: dict, sweep_plots: dict | None = None,
                    latency_plot: str | None = None) -> str:
    valid = results.valid
    out = (_header(results) + acceptance_section(summary) + wgmma_sections(summary, valid, sweep_plots or {})
           + mma_sync_vs_wgmma_section(summary) + mma_sp_section(summary) + wmma_section(summary, valid)
           + movement_sections(results, latency_plot) + energy_section(results)
           + atom_tables(summary, plot_files) + skipped_section(results) + excluded_section(results))
    return "\n".join(out).rstrip() + "\n"


# ---- files -----------------------------------------------------------------------------------

def _gets_throughput_plot(s) -> bool:
    """Every atom but the wgmma N sweep (hundreds of atoms, covered by the N-sweep plots): there,
    only N = 256 and the swizzle variants. The same atoms make the overview bar chart."""
    return s["family"] != "wgmma" or s["n"] == HEADLINE_N or s["swizzle"] not in (None, 128)


def write_throughput_plots(results: Results, summary: pd.DataFrame, plots_dir: Path) -> dict:
    plot_files = {}
    by_atom = {(r["family"], r["atom"]): r for _, r in summary.iterrows()}
    valid = results.valid
    for (family, atom), g in valid[valid["metric"] == "ops_per_clk_sm"].groupby(["family", "atom"], sort=False):
        s = by_atom[(family, atom)]
        if not _gets_throughput_plot(s):
            continue
        name = throughput_plot_name(family, atom)
        plot_throughput(g, plots_dir / name, atom, s["ptx"], s["peak"])
        plot_files[(family, atom)] = name
    return plot_files


def write_n_sweep_plots(results: Results, summary: pd.DataFrame, plots_dir: Path) -> dict:
    """plots/wgmma_n_sweep_<type>.png per dense wgmma type; returns {type label: file name}."""
    ws = wgmma_atoms(summary)
    out = {}
    for label in types_in_order(dense_canonical(ws)):
        sweep = n_sweep(ws, label)
        if sweep[["best_ops", "latency", "issue_interval"]].notna().to_numpy().any():
            name = wgmma_n_sweep_plot_name(type_slug(label))
            peak = next((p for p in sweep["peak"] if p is not None and p == p), None)
            plot_wgmma_n_sweep(sweep, plots_dir / name, f"{results.device_name}: wgmma {label}", peak)
            out[label] = name
    return out


def write_memory_latency_plot(results: Results, plots_dir: Path) -> str | None:
    """plots/memory_latency.png when the movement table has pointer-chase points with a valid
    latency; returns its name (None when not drawn)."""
    points = chase_points(results.table("movement"))
    if not valid_points(points["cycles"]).any():
        return None
    plot_memory_latency(points, plots_dir / MEMORY_LATENCY_PLOT,
                        f"{results.device_name}: pointer-chase latency per load", memory_latency_marks(results))
    return MEMORY_LATENCY_PLOT


def write_report(results_dir, *more_dirs) -> dict:
    """Writes plots/ and report.md into the first results folder (rows of `more_dirs` fill in what
    it lacks, e.g. mma.sync rows for a wgmma-only sweep); returns what it wrote, and `problems`:
    why the numbers may not be a whole run (also at the top of report.md).

    All or nothing: both targets are checked before anything is written; the plots are drawn
    into a new folder that replaces plots/ whole (no stale plot stays), then report.md is
    replaced by rename."""
    results = load_many([results_dir, *more_dirs])
    plots_dir = results.path / "plots"
    report = results.path / "report.md"
    check_plots_target(plots_dir)
    check_file_target(report)
    summary = atom_summary(results)
    new_dir = new_plots_folder(plots_dir)
    try:
        plot_files = write_throughput_plots(results, summary, new_dir)
        sweep_plots = write_n_sweep_plots(results, summary, new_dir)
        overview = None
        if len(results.rows):  # the MMA overview, when there is an instructions table
            overview_atoms = measured_atoms(summary)
            overview_atoms = overview_atoms[overview_atoms.apply(_gets_throughput_plot, axis=1)] \
                if len(overview_atoms) else overview_atoms
            overview = plot_peak_overview(overview_atoms, new_dir / "peak_throughput.png",
                                          f"{results.device_name}: best ops/clk/SM per atom")
        latency_plot = write_memory_latency_plot(results, new_dir)
        text = report_markdown(results, summary, plot_files, sweep_plots, latency_plot)
        swap_in_plots(new_dir, plots_dir)
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    write_text_atomic(report, text)
    return {"report": report, "overview": plots_dir / overview.name if overview else None,
            "plots": [plots_dir / p for p in plot_files.values()],
            "n_sweep_plots": [plots_dir / p for p in sweep_plots.values()],
            "memory_latency_plot": plots_dir / latency_plot if latency_plot else None,
            "problems": list(results.problems)}
