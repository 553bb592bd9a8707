"""report.md, plots/ and the report_*.csv tables for a results folder (docs/reports.md);
re-exports the summary and headline helpers."""
from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import pandas as pd

from .atoms import type_slug
from .energy import instruction_energy, path_energy
from .families import latency_peak_by_type
from .headline import (HEADLINE_BEGIN, HEADLINE_END, headline_markdown, replace_between_markers,  # noqa: F401
                       update_readme)
from .levels import bandwidth_by_benchmark, best_per_level
from .load import Results, load_many, measured_mask, valid_mask, with_companions
from .markdown import (fmt, native_cell, point, problems_block, source_line, table,  # noqa: F401
                       tflops_at_clock, wall_time_line)
from .output import (check_file_target, check_plots_target, new_plots_folder, prepare_out_folder, swap_in_plots,
                     write_text_atomic)
from .movement import chase_points, valid_points
from .plots import (MEMORY_LATENCY_PLOT, ROOFLINE_PLOT, plot_memory_latency, plot_peak_overview, plot_roofline,
                    plot_throughput, plot_wgmma_n_sweep, roofline_roofs, throughput_plot_name,
                    wgmma_n_sweep_plot_name)
from .plots_summary import (BANDWIDTH_LEVELS_PLOT, BY_TYPE_PLOT, ENERGY_PLOT, plot_bandwidth_levels, plot_by_type,
                            plot_energy)
from .progress import Progress
from .report_csv import REPORT_CSVS, report_csvs
from .report_movement import energy_section, memory_latency_marks, movement_sections
from .report_overview import by_type_section, roofline_section
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


def _of_kind(plots: dict, kind: str) -> dict:
    """{key: file name} of the drawn plots of one kind (plots: {(kind, key): file name})."""
    return {key: name for (k, key), name in plots.items() if k == kind}


def report_markdown(v: "ReportViews", plots: dict) -> str:
    """`plots`: {(kind, key): file name} of the plots drawn (draw_plots)."""
    results, summary, valid = v.results, v.summary, v.results.valid
    one = lambda kind: plots.get((kind, None))  # noqa: E731  (a plot drawn once per report)
    out = (_header(results) + acceptance_section(summary) + by_type_section(v.by_type, one("by_type"))
           + roofline_section(v.roofs, one("roofline"), v.roofline_problem)
           + wgmma_sections(summary, valid, _of_kind(plots, "n_sweep"))
           + mma_sync_vs_wgmma_section(summary) + mma_sp_section(summary) + wmma_section(summary, valid)
           + movement_sections(results, one("memory_latency"), v.best_levels, one("levels"))
           + energy_section(results, one("energy"))
           + atom_tables(summary, _of_kind(plots, "throughput")) + skipped_section(results) + excluded_section(results))
    return "\n".join(out).rstrip() + "\n"


# ---- the numbers behind the report -------------------------------------------------------------

@dataclass
class ReportViews:
    results: Results
    summary: pd.DataFrame       # atom_summary()
    by_type: pd.DataFrame       # families.latency_peak_by_type()
    bandwidth: pd.DataFrame     # levels.bandwidth_by_benchmark()
    best_levels: pd.DataFrame   # levels.best_per_level()
    energy_instructions: pd.DataFrame
    energy_paths: pd.DataFrame
    roofs: tuple | None         # plots.roofline_roofs() of the cost table; None without one
    roofline_problem: str = ""  # why no cost table could be built
    cost_table: dict | None = None


def _cost_table(results_dir: Path) -> tuple[dict | None, str]:
    """(the cost table of the folder, ""), or (None, why it could not be built)."""
    try:
        from .cost_table import build_cost_table
    except ImportError:  # analysis/cost_table.py is being written (issue #13); drop this guard when it lands
        return None, ""
    try:
        return build_cost_table(results_dir), ""
    except ValueError as e:  # the report goes on without the roofline, saying why
        return None, str(e)


def report_views(results: Results) -> ReportViews:
    summary = atom_summary(results)
    bandwidth = bandwidth_by_benchmark(results.table("movement"), results.sm_count)
    energy = results.table("energy")
    table, problem = _cost_table(results.path)
    return ReportViews(results=results, summary=summary, by_type=latency_peak_by_type(summary),
                       bandwidth=bandwidth, best_levels=best_per_level(bandwidth),
                       energy_instructions=instruction_energy(energy), energy_paths=path_energy(energy),
                       roofs=roofline_roofs(table) if table else None, roofline_problem=problem, cost_table=table)


# ---- plots -------------------------------------------------------------------------------------

@dataclass
class PlotJob:
    kind: str                   # what it shows: throughput, n_sweep, or a plot drawn once per report
    key: object                 # which one: (family, atom) of a throughput plot, the type of an N sweep; else None
    name: str                   # its file in plots/
    draw: Callable[[Path], object]


def _gets_throughput_plot(s) -> bool:
    """Every atom but the wgmma N sweep (hundreds of atoms, covered by the N-sweep plots): there,
    only N = 256 and the swizzle variants. The same atoms make the overview bar chart."""
    return s["family"] != "wgmma" or s["n"] == HEADLINE_N or s["swizzle"] not in (None, 128)


def throughput_jobs(v: ReportViews) -> list[PlotJob]:
    by_atom = {(r["family"], r["atom"]): r for _, r in v.summary.iterrows()}
    valid = v.results.valid
    jobs = []
    for (family, atom), g in valid[valid["metric"] == "ops_per_clk_sm"].groupby(["family", "atom"], sort=False):
        s = by_atom[(family, atom)]
        if _gets_throughput_plot(s):
            jobs.append(PlotJob("throughput", (family, atom), throughput_plot_name(family, atom),
                                partial(plot_throughput, g, atom=atom, ptx=s["ptx"], peak=s["peak"])))
    return jobs


def n_sweep_jobs(v: ReportViews) -> list[PlotJob]:
    """plots/wgmma_n_sweep_<type>.png per dense wgmma type with a figure."""
    ws = wgmma_atoms(v.summary)
    jobs = []
    for label in types_in_order(dense_canonical(ws)):
        sweep = n_sweep(ws, label)
        if sweep[["best_ops", "latency", "issue_interval"]].notna().to_numpy().any():
            peak = next((p for p in sweep["peak"] if p is not None and p == p), None)
            jobs.append(PlotJob("n_sweep", label, wgmma_n_sweep_plot_name(type_slug(label)),
                                partial(plot_wgmma_n_sweep, sweep, title=f"{v.results.device_name}: wgmma {label}",
                                        peak=peak)))
    return jobs


def _overview_atoms(summary: pd.DataFrame) -> pd.DataFrame:
    atoms = measured_atoms(summary)
    return atoms[atoms.apply(_gets_throughput_plot, axis=1)] if len(atoms) else atoms


def summary_jobs(v: ReportViews) -> list[PlotJob]:
    """The one-per-report plots, each when its table has something to draw."""
    r, name = v.results, v.results.device_name
    jobs = []
    if len(r.rows):  # the MMA overview, when there is an instructions table
        jobs.append(PlotJob("overview", None, "peak_throughput.png", partial(
            plot_peak_overview, _overview_atoms(v.summary), title=f"{name}: best ops/clk/SM per atom")))
    if len(v.by_type):
        jobs.append(PlotJob("by_type", None, BY_TYPE_PLOT, partial(
            plot_by_type, v.by_type, title=f"{name}: best throughput and lowest latency by family and type")))
    if v.roofs and any(v.roofs):
        jobs.append(PlotJob("roofline", None, ROOFLINE_PLOT, partial(plot_roofline, v.cost_table)))
    points = chase_points(r.table("movement"))
    if valid_points(points["cycles"]).any():
        jobs.append(PlotJob("memory_latency", None, MEMORY_LATENCY_PLOT, partial(
            plot_memory_latency, points, title=f"{name}: pointer-chase latency per load",
            marks=memory_latency_marks(r))))
    if len(v.best_levels):
        jobs.append(PlotJob("levels", None, BANDWIDTH_LEVELS_PLOT, partial(
            plot_bandwidth_levels, v.bandwidth, title=f"{name}: best bandwidth by level")))
    if len(v.energy_instructions) or len(v.energy_paths):
        jobs.append(PlotJob("energy", None, ENERGY_PLOT, partial(
            plot_energy, v.energy_instructions, v.energy_paths, title=f"{name}: energy per operation")))
    return jobs


def plot_jobs(v: ReportViews) -> list[PlotJob]:
    return throughput_jobs(v) + n_sweep_jobs(v) + summary_jobs(v)


def draw_plots(jobs: list[PlotJob], folder: Path, progress: Progress) -> dict:
    """Draws every job into `folder`; returns {(kind, key): file name}."""
    for job in jobs:
        job.draw(folder / job.name)
        progress.step()
    progress.finish()
    return {(job.kind, job.key): job.name for job in jobs}


# ---- files -------------------------------------------------------------------------------------

def write_report(results_dir, *more_dirs, out_dir=None, progress: bool = False) -> dict:
    """Writes plots/, report.md and the report_*.csv tables into `out_dir` (default: the first
    results folder). Rows of `more_dirs` fill in what the first folder lacks (e.g. mma.sync rows
    for a wgmma-only sweep), and so does its energy/ subfolder (load.with_companions). Returns
    what it wrote, and `problems`: why the numbers may not be a whole run (also at the top of
    report.md). `progress`: a counter of the plots drawn on stderr.

    All or nothing: every target is checked before anything is written; the plots are drawn
    into a new folder that replaces plots/ whole (no stale plot stays), then each file is
    replaced by rename."""
    results = load_many(with_companions([results_dir, *more_dirs]))
    out = prepare_out_folder(out_dir if out_dir is not None else results.path)
    plots_dir, report, csvs = out / "plots", out / "report.md", [out / n for n in REPORT_CSVS]
    check_plots_target(plots_dir)
    for f in (report, *csvs):
        check_file_target(f)
    v = report_views(results)
    jobs = plot_jobs(v)
    new_dir = new_plots_folder(plots_dir)
    try:
        drawn = draw_plots(jobs, new_dir, Progress("report: plot", len(jobs), progress))
        text = report_markdown(v, drawn)
        tables = report_csvs(v.summary, v.by_type, v.bandwidth, v.energy_instructions, v.energy_paths, v.roofs)
        swap_in_plots(new_dir, plots_dir)
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    for name, body in tables.items():
        write_text_atomic(out / name, body)
    write_text_atomic(report, text)
    return {"report": report, "csvs": csvs, "plots": [plots_dir / n for n in drawn.values()],
            "plot_kinds": Counter(kind for kind, _ in drawn), "problems": list(results.problems)}
