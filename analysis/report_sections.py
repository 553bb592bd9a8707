"""The sections of report.md beyond the per-atom tables: acceptance, wgmma, cross-family
comparisons. Each returns Markdown lines; an empty list when its family was not measured."""
from __future__ import annotations

import statistics

import pandas as pd

from .acceptance import ACCEPTANCE_FRACTION, acceptance_check, overall_verdict
from .families import WMMA_WORKS, family_atoms, mma_sp_summary, mma_sync_vs_wgmma, wmma_work_costs
from .markdown import fmt, fmt_ratio, native_cell, table, text, tflops_at_clock
from .summary import best_per_type
from .wgmma import (HEADLINE_N, SOURCES, n_sweep, overall_rs_ss_ratio, sparse_vs_dense, ss_vs_rs,
                    swizzle_comparison, swizzle_label, types_in_order, warpgroup_scaling, wgmma_atoms)


# ---- acceptance ------------------------------------------------------------------------------

def acceptance_verdict_line(check: pd.DataFrame) -> str:
    judged = check[check["verdict"].isin(("PASS", "FAIL"))]
    passed = int((judged["verdict"] == "PASS").sum())
    return (f"Acceptance (dense wgmma, N = {HEADLINE_N}, ≥ {ACCEPTANCE_FRACTION:g} × peak on random data): "
            f"**{overall_verdict(check)}** ({passed}/{len(judged)} types).")


def acceptance_section(summary: pd.DataFrame) -> list[str]:
    check = acceptance_check(summary)
    if check.empty:
        return []
    rows = [[r["type"], text(r["atom"]), fmt(r["best_ops"], ".0f"), fmt(r["peak"], ".0f"),
             fmt(100 * r["fraction"] if r["fraction"] is not None else None, ".1f"), fmt(r["required"], ".0f"),
             f"**{r['verdict']}**", tflops_at_clock(r["tflops"], r["clock_mhz"]), text(r["note"])]
            for _, r in check.iterrows()]
    header = ["type", "best atom", "best ops/clk/SM", "peak", "% of peak",
              f"required ({ACCEPTANCE_FRACTION:g} × peak)", "verdict", "TFLOP/s @ clock", "note"]
    return [f"## Acceptance: dense wgmma at N = {HEADLINE_N}", "",
            f"Each dense wgmma type combination at N = {HEADLINE_N} — best of SS and RS (128B swizzle), best "
            f"warpgroups × ILP, random operand data — must reach {ACCEPTANCE_FRACTION:g} × its datasheet dense "
            "peak. TFLOP/s is at the SM clock measured at that point.", "",
            acceptance_verdict_line(check), "", table(header, rows), ""]


# ---- wgmma -----------------------------------------------------------------------------------

def _sweep_cells(r) -> list[str]:
    if r is None:
        return ["–"] * 5
    return [fmt(r["latency"], ".1f"), fmt(r["issue_interval"], ".1f"), fmt(r["best_ops"], ".0f"),
            fmt(r["pct_peak"], ".1f"), fmt(r["tflops"], ".1f")]


def n_sweep_table(sweep: pd.DataFrame) -> str:
    by_point = {(int(r["n"]), r["source"]): r for _, r in sweep.iterrows()}
    header = ["N"] + [f"{s} {c}" for s in SOURCES for c in
                      ("latency", "issue interval", "ops/clk/SM", "% of peak", "TFLOP/s")]
    rows = [[str(n)] + [c for s in SOURCES for c in _sweep_cells(by_point.get((n, s)))]
            for n in sorted({n for n, _ in by_point})]
    return table(header, rows)


def _clock_note(sweep: pd.DataFrame) -> str:
    clocks = [c for c in sweep["clock_mhz"] if c is not None and c == c]
    return f" (median {statistics.median(clocks):.0f} MHz)" if clocks else ""


def n_sweep_sections(ws: pd.DataFrame, plot_files: dict) -> list[str]:
    out = []
    for label in types_in_order(ws):
        sweep = n_sweep(ws, label)
        if sweep.empty:
            continue
        out += [f"### N sweep: {label}", ""]
        if label in plot_files:
            out += [f"![wgmma N sweep {label}](plots/{plot_files[label]})", ""]
        out += ["Latency: completion latency (issue → wgmma.wait_group of one instruction); issue interval: "
                "back-to-back dependent wgmma on one accumulator; both in cycles. ops/clk/SM: best over "
                "warpgroups × ILP; TFLOP/s at the SM clock measured there" + _clock_note(sweep) + ".", "",
                n_sweep_table(sweep), ""]
    return out


def ss_vs_rs_section(ws: pd.DataFrame) -> list[str]:
    cmp = ss_vs_rs(ws)
    if cmp.empty:
        return []
    rows = [[r["type"], fmt(r["ss"], ".0f"), fmt(r["rs"], ".0f"), fmt_ratio(r["ratio"]), fmt_ratio(r["median_ratio"]),
             str(r["pairs"])] for _, r in cmp.iterrows()]
    header = ["type", f"SS ops/clk/SM (N = {HEADLINE_N})", f"RS ops/clk/SM (N = {HEADLINE_N})", "RS / SS",
              "median RS / SS over N", "N with both"]
    return ["### SS vs RS (A from shared memory vs from registers)", "", table(header, rows), "",
            f"Median RS / SS over every type and N: {fmt_ratio(overall_rs_ss_ratio(ws))}.", ""]


def warpgroup_section(ws: pd.DataFrame, valid: pd.DataFrame) -> list[str]:
    df, counts = warpgroup_scaling(ws, valid)
    if df.empty or not counts:
        return []
    header = ["type", "A from"] + [f"{c} WG/SM" for c in counts]
    rows = [[r["type"], r["source"]] + [fmt(r[f"wg{c}"], ".0f") for c in counts] for _, r in df.iterrows()]
    return [f"### Throughput vs warpgroups per SM (N = {HEADLINE_N})", "",
            "Best ops/clk/SM over ILP at each number of warpgroups (4 warps each) per SM.", "",
            table(header, rows), ""]


def swizzle_section(ws: pd.DataFrame) -> list[str]:
    df = swizzle_comparison(ws)
    if df.empty:
        return []
    rows = [[r["base_atom"], swizzle_label(r["swizzle"]), fmt(r["latency"], ".1f"), fmt(r["issue_interval"], ".1f"),
             fmt(r["best_ops"], ".0f"), fmt_ratio(r["vs_128"])] for _, r in df.iterrows()]
    header = ["instruction", "swizzle", "latency (cycles)", "issue interval (cycles)", "best ops/clk/SM", "vs 128B"]
    return ["### Shared-memory swizzle", "",
            "The same instruction with other shared-memory layouts (atoms suffixed _SWNONE, _SW32, _SW64; the "
            "plain name is 128B swizzle).", "", table(header, rows), ""]


def sparse_wgmma_section(ws: pd.DataFrame) -> list[str]:
    df = sparse_vs_dense(ws)
    if df.empty:
        return []
    rows = [[r["type"], str(r["n"]), r["source"], fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".1f"),
             fmt(r["best_actual_ops"], ".0f"), fmt(r["dense_ops"], ".0f"), fmt_ratio(r["speedup"]),
             fmt_ratio(r["actual_vs_dense"])] for _, r in df.iterrows()]
    header = ["type", "N", "A from", "dense-equivalent ops/clk/SM", "% of sparse peak", "actual ops/clk/SM",
              "dense ops/clk/SM", "dense-equivalent / dense", "actual / dense"]
    return ["### Sparse wgmma (wgmma.mma_async.sp)", "",
            "Dense-equivalent rate (the zeros of the 2:4 pattern counted, as the sparse peak = 2 × dense peak "
            "does) and actual rate (useful operations only, half of it), beside the dense atom of the same "
            "type, N and A source.", "", table(header, rows), ""]


def wgmma_sections(summary: pd.DataFrame, valid: pd.DataFrame, plot_files: dict) -> list[str]:
    ws = wgmma_atoms(summary)
    if ws.empty:
        return []
    body = (n_sweep_sections(ws, plot_files) + ss_vs_rs_section(ws) + warpgroup_section(ws, valid)
            + swizzle_section(ws) + sparse_wgmma_section(ws))
    return ["## wgmma", ""] + body if body else []


# ---- other families --------------------------------------------------------------------------

def mma_sync_vs_wgmma_section(summary: pd.DataFrame) -> list[str]:
    df = mma_sync_vs_wgmma(summary)
    if df.empty:
        return []
    rows = [[r["type"], r["sync_shape"], fmt(r["sync_ops"], ".0f"), fmt(r["sync_pct"], ".1f"),
             native_cell(r["sync_native"]), r["wgmma_atom"], fmt(r["wgmma_ops"], ".0f"), fmt(r["wgmma_pct"], ".1f"),
             fmt_ratio(r["speedup"])] for _, r in df.iterrows()]
    header = ["type", "mma.sync best shape", "mma.sync ops/clk/SM", "% of peak", "native",
              f"wgmma best (N = {HEADLINE_N})", "wgmma ops/clk/SM", "% of peak", "wgmma / mma.sync"]
    return ["## mma.sync vs wgmma", "", table(header, rows), ""]


def mma_sp_section(summary: pd.DataFrame) -> list[str]:
    df = mma_sp_summary(summary)
    if df.empty:
        return []
    rows = [[f"`{r['ptx']}`", r["type"], str(r["variants"]), fmt(r["latency"], ".1f"), fmt(r["best_ops"], ".0f"),
             fmt(r["pct_peak"], ".1f"), fmt(r["best_actual_ops"], ".0f"), native_cell(r["native_label"]),
             fmt(r["dense_ops"], ".0f"), fmt_ratio(r["speedup"])] for _, r in df.iterrows()]
    header = ["ptx", "type", "selector variants", "latency (cycles, median)", "dense-equivalent ops/clk/SM",
              "% of sparse peak", "actual ops/clk/SM", "native", "best dense mma.sync ops/clk/SM",
              "sparse / dense"]
    return ["## mma.sp summary", "",
            "Best over the sparsity-selector variants of each instruction; dense-equivalent rate against the "
            "sparse peak (2 × dense), actual rate = useful operations only.", "", table(header, rows), ""]


def wmma_section(summary: pd.DataFrame, valid: pd.DataFrame) -> list[str]:
    mma = best_per_type(family_atoms(summary, "wmma"))
    costs = wmma_work_costs(summary, valid)
    if mma.empty and costs.empty:
        return []
    out = ["## wmma summary", ""]
    if len(mma):
        rows = [[r["type"], r["shape"], fmt(r["latency"], ".1f"), fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".1f"),
                 native_cell(r["native_label"])] for _, r in mma.iterrows()]
        out += ["### mma (best shape per type)", "",
                table(["type", "shape", "latency (cycles)", "ops/clk/SM", "% of peak", "native"], rows), ""]
    if len(costs):
        header = ["atom", "type"] + [f"{w} {c}" for w in WMMA_WORKS for c in ("B/clk/SM", "latency")]
        rows = [[r["atom"], r["type"]] + [fmt(r[f"{w}_{m}"], spec) for w in WMMA_WORKS
                                          for m, spec in (("bytes", ".1f"), ("latency", ".1f"))]
                for _, r in costs.iterrows()]
        out += ["### Fragment loads and stores", "",
                "Measured apart from the mma: best bytes per clock per SM and latency (cycles) of "
                "wmma.load (A, B, C) and wmma.store (D).", "", table(header, rows), ""]
    return out
