"""The overview sections of report.md: latency and peak by family and type, bandwidth per memory
level, and the roofline of the chip. Each returns Markdown lines; an empty list when there is
nothing to show."""
from __future__ import annotations

import pandas as pd

from .markdown import fmt, table, text, tflops_at_clock
from .plots import highest_first


def by_type_section(df: pd.DataFrame, plot: str | None) -> list[str]:
    """`df`: families.latency_peak_by_type()."""
    if df.empty:
        return []
    rows = [[r["type"], r["family"], str(r["atoms"]), fmt(r["best_ops"], ".0f"), fmt(r["pct_peak"], ".1f"),
             tflops_at_clock(r["tflops"], r["clock_mhz"]), text(r["best_atom"]), fmt(r["latency"], ".1f"),
             text(r["latency_atom"])] for _, r in df.iterrows()]
    header = ["type", "family", "atoms", "best ops/clk/SM", "% of peak", "TFLOP/s @ clock", "best atom",
              "lowest latency (cycles)", "lowest-latency atom"]
    out = ["## Latency and peak by family and type", "",
           "For each family and type combination: the best throughput of any of its atoms (shape, N, A source) "
           "and the lowest latency of any of them. Sparse wgmma (wgmma.sp) is apart from dense wgmma, as mma.sp is "
           "apart from mma.sync: its rate is dense-equivalent (against twice the dense peak).", ""]
    if plot:
        out += [f"![latency and peak by family and type](plots/{plot})", ""]
    return out + [table(header, rows), ""]


def bandwidth_level_lines(best: pd.DataFrame, plot: str | None) -> list[str]:
    """`best`: levels.best_per_level()."""
    if best.empty:
        return []
    rows = [[r["level"], fmt(r["gbs"], ".0f"), r["atom"], text(r["variant"]),
             f"{fmt(r['best'], '.1f')} {r['unit']}", r["at"]] for _, r in best.iterrows()]
    out = ["### Bandwidth per level", "",
           "The best GB/s over the whole GPU that any benchmark reached from each level. A per-SM rate (B/clk/SM) "
           "counts as GB/s at the run's SM count and the SM clock measured at its best point. The level is the "
           "rows' own: their params (level, source, src), else the PTX's state spaces (a global one: `global`, L2 "
           "or DRAM not known; shared::cluster: distributed shared memory, `dsmem`; .shared: `shared`).", ""]
    if plot:
        out += [f"![best bandwidth of every benchmark by level](plots/{plot})", ""]
    return out + [table(["level", "best GB/s", "benchmark", "variant", "as measured", "best at"], rows), ""]


def roofline_section(roofs: tuple[dict, dict] | None, plot: str | None, why_not: str = "") -> list[str]:
    """`roofs`: plots.roofline_roofs() of the cost table; `why_not`: why no cost table was built."""
    if why_not:
        return ["## Roofline", "", f"Not drawn: {text(why_not)}", ""]
    if roofs is None or not any(roofs):
        return []
    compute, memory = roofs
    rows = [[a, f"{t:.1f} TFLOP/s"] for a, t in highest_first(compute)]
    rows += [[level, f"{g:.0f} GB/s"] for level, g in highest_first(memory)]
    out = ["## Roofline", "",
           "Built from the cost table (`tcbench export cost-table`): a roof per input type at its best dense "
           "TFLOP/s (TOPS for integer types), a ceiling per memory level at its bandwidth; a kernel of a given "
           "arithmetic intensity (FLOP per byte moved from that level) cannot run above the lower of the two.", ""]
    if plot:
        out += [f"![roofline](plots/{plot})", ""]
    return out + [table(["roof", "figure"], rows), ""]
