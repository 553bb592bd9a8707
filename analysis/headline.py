"""The README headline: a compact per-type summary (one row per type combination, never one per
atom), then, where the folders hold them, the memory-hierarchy latency per level, the bandwidth
beside its datasheet figure and the energy per FMA; from one or more results folders merged (the
first folder wins where they overlap)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .acceptance import acceptance_check
from .families import family_atoms
from .load import Results, merge_results
from .markdown import (fmt, format_duration, missing, native_cell, problems_block, source_line, table,
                       tflops_at_clock)
from .output import check_file_target, write_text_atomic
from .report_movement import movement_energy_headline
from .report_sections import acceptance_verdict_line
from .summary import atom_summary, best_per_type, sort_by_type
from .wgmma import HEADLINE_N, best_at_n, n_sweep, wgmma_atoms

N_SWEEP_TYPE = "f16→f32"  # the type whose N sweep the headline shows (the report has them all)

HEADLINE_BEGIN = "<!-- headline:begin -->"
HEADLINE_END = "<!-- headline:end -->"


def _was_run(df: pd.DataFrame) -> pd.DataFrame:
    """Atoms that ran (valid or not): a type whose rows all failed shows as '–', not as absent."""
    return df[df["native_label"] != "n/a"] if len(df) else df


def wgmma_headline(summary: pd.DataFrame) -> list[str]:
    best = _was_run(best_at_n(wgmma_atoms(summary), HEADLINE_N))
    if best.empty:
        return []
    rows = [[r["type"], r["source"] if not missing(r["best_ops"]) else "–", fmt(r["best_ops"], ".0f"),
             fmt(r["pct_peak"], ".1f"),
             tflops_at_clock(r["tflops"], r["clock_mhz"]), fmt(r["latency"], ".1f"), fmt(r["issue_interval"], ".1f")]
            for _, r in best.iterrows()]
    header = ["type", "A from", "ops/clk/SM", "% of peak", "TFLOP/s @ clock", "latency (cycles)",
              "issue interval (cycles)"]
    return [f"**wgmma** (dense, N = {HEADLINE_N}, best of SS/RS and warpgroups × ILP):", "", table(header, rows), ""]


def n_sweep_headline(summary: pd.DataFrame, type_label: str = N_SWEEP_TYPE) -> list[str]:
    """One type's N sweep, SS beside RS: ops/clk/SM, completion latency and issue interval."""
    sweep = n_sweep(wgmma_atoms(summary), type_label)
    if sweep.empty:
        return []
    rows = []
    for n, g in sweep.groupby("n", sort=True):
        cells = [str(int(n))]
        for src in ("SS", "RS"):
            r = g[g["source"] == src]
            r = r.iloc[0] if len(r) else None
            cells += [fmt(None if r is None else r["best_ops"], ".0f"), fmt(None if r is None else r["latency"], ".0f"),
                      fmt(None if r is None else r["issue_interval"], ".0f")]
        rows.append(cells)
    header = ["N", "SS ops/clk/SM", "SS latency", "SS interval", "RS ops/clk/SM", "RS latency", "RS interval"]
    return [f"**wgmma N sweep** ({type_label}; latency and issue interval in cycles; every type in the report):", "",
            table(header, rows), ""]


def mma_sync_headline(summary: pd.DataFrame) -> list[str]:
    best = best_per_type(family_atoms(summary, "mma.sync"))
    if best.empty:
        return []
    rows = [[r["type"], r["shape"], fmt(r["latency"], ".1f"), fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".1f"),
             native_cell(r["native_label"])] for _, r in best.iterrows()]
    header = ["type", "best shape", "latency (cycles)", "ops/clk/SM", "% of peak", "native"]
    return ["**mma.sync** (best shape per type):", "", table(header, rows), ""]


def _sparse_best(summary: pd.DataFrame) -> pd.DataFrame:
    """type, mma.sp best and wgmma.sp best at N = 256 (dense-equivalent), one row per type."""
    sp = best_per_type(family_atoms(summary, "mma.sp"))
    wsp = best_at_n(wgmma_atoms(summary), HEADLINE_N, sparse=True)
    wsp = wsp[wsp["best_ops"].notna()] if len(wsp) else wsp
    sp = sp[sp["best_ops"].notna()] if len(sp) else sp
    out = {}
    for kind, df in (("mma_sp", sp), ("wgmma_sp", wsp)):
        for _, r in df.iterrows():
            rec = out.setdefault(r["type"], {"type": r["type"], "type_order": r["type_order"]})
            rec[f"{kind}_ops"], rec[f"{kind}_pct"] = r["best_ops"], r["pct_peak"]
    cols = ["type", "type_order", "mma_sp_ops", "mma_sp_pct", "wgmma_sp_ops", "wgmma_sp_pct"]
    return sort_by_type(pd.DataFrame(list(out.values()), columns=cols))


def sparse_headline(summary: pd.DataFrame) -> list[str]:
    best = _sparse_best(summary)
    if best.empty:
        return []
    rows = [[r["type"], fmt(r["mma_sp_ops"], ".0f"), fmt(r["mma_sp_pct"], ".1f"), fmt(r["wgmma_sp_ops"], ".0f"),
             fmt(r["wgmma_sp_pct"], ".1f")] for _, r in best.iterrows()]
    header = ["type", "mma.sp ops/clk/SM", "% of sparse peak", f"wgmma.sp (N = {HEADLINE_N}) ops/clk/SM",
              "% of sparse peak"]
    return ["**Sparse 2:4** (dense-equivalent, best per type):", "", table(header, rows), ""]


def wmma_headline(summary: pd.DataFrame) -> list[str]:
    best = best_per_type(family_atoms(summary, "wmma"))
    if best.empty:
        return []
    rows = [[r["type"], r["shape"], fmt(r["latency"], ".1f"), fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".1f")]
            for _, r in best.iterrows()]
    header = ["type", "best shape", "latency (cycles)", "ops/clk/SM", "% of peak"]
    return ["**wmma** (the mma alone, best shape per type):", "", table(header, rows), ""]


def provenance_lines(results: Results) -> list[str]:
    """One line per folder: where the numbers come from and how long that sweep ran."""
    return [f"{source_line(r)}; sweep wall time {format_duration(r.wall_seconds)}." for r in results.folders]


def headline_markdown(results) -> str:
    """`results`: one Results, or a list of them (merged, the first preferred)."""
    merged = merge_results(list(results)) if isinstance(results, (list, tuple)) else results
    summary = atom_summary(merged)
    body = (wgmma_headline(summary) + n_sweep_headline(summary) + mma_sync_headline(summary) +
            sparse_headline(summary) + wmma_headline(summary))
    check = acceptance_check(summary)
    if len(check):
        body += [acceptance_verdict_line(check), ""]
    body += movement_energy_headline(merged)
    if not body:
        body = ["_No valid measurements._", ""]
    lines = problems_block(merged.problems) + body + ["  \n".join(provenance_lines(merged))]
    return "\n".join(lines) + "\n"


def replace_between_markers(text: str, new_body: str, begin: str = HEADLINE_BEGIN, end: str = HEADLINE_END) -> str:
    i = text.find(begin)
    j = text.find(end, i + len(begin)) if i >= 0 else -1
    if i < 0 or j < 0:
        raise ValueError(f"markers {begin} ... {end} not found")
    return text[: i + len(begin)] + "\n" + new_body.strip("\n") + "\n" + text[j:]


def update_readme(readme_path, results) -> str:
    """Replaces the headline between the markers of `readme_path` (by rename: the file is whole
    before and after); ValueError naming the file when it lacks the markers."""
    p = Path(readme_path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: not found (the file whose headline markers to update)")
    check_file_target(p)
    text = p.read_text(encoding="utf-8")
    body = headline_markdown(results)
    try:
        new_text = replace_between_markers(text, body)
    except ValueError as e:
        raise ValueError(f"{p}: {e}") from None
    write_text_atomic(p, new_text)
    return body
