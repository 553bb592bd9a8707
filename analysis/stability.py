"""Run-to-run spread of the latency-like metrics over several complete runs of one sweep.

For every (atom, metric) measured validly in all runs, spread = (max - min) / median of the runs'
values; the report gives, per family and metric, how many rows, the median and the largest
spread, and the rows over a threshold (default 0.5%), with each run's provenance."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .load import load_results
from .output import write_text_atomic

METRICS = ("latency_cycles", "issue_interval_cycles")
KEY = ["family", "atom", "metric"]


def spreads(runs) -> pd.DataFrame:
    """One row per (family, atom, metric) valid in every run: the runs' values and their spread."""
    tables = []
    for i, r in enumerate(runs):
        v = r.valid[r.valid["metric"].isin(METRICS)][KEY + ["value"]]
        tables.append(v.rename(columns={"value": f"run{i}"}).set_index(KEY))
    both = pd.concat(tables, axis=1, join="inner")
    values = both.to_numpy(dtype=float)
    med = pd.Series(values.tolist(), index=both.index).map(lambda v: sorted(v)[len(v) // 2])
    both["spread"] = (both.max(axis=1) - both.min(axis=1)) / med
    return both.reset_index()


def stability_markdown(folders, threshold: float = 0.005) -> tuple[str, list]:
    runs = [load_results(f) for f in folders]
    problems = [p for r in runs for p in r.problems]
    s = spreads(runs)
    lines = [f"# Run-to-run spread of latency and issue interval ({len(runs)} runs)", "",
             "spread = (max − min) / median over the runs, for every atom valid in all of them.", ""]
    for i, r in enumerate(runs):
        lines.append(f"- run{i}: `{r.path}` — git {r.git_sha[:12]}, {r.date}, "
                     f"command `{r.run_get('command')}`")
    lines += ["", "| family | metric | rows | median spread % | max spread % | rows over "
              f"{100 * threshold:.1f}% |", "|---|---|---|---|---|---|"]
    for (fam, metric), g in s.groupby(["family", "metric"]):
        lines.append(f"| {fam} | {metric} | {len(g)} | {100 * g['spread'].median():.3f} | "
                     f"{100 * g['spread'].max():.3f} | {int((g['spread'] > threshold).sum())} |")
    over = s[s["spread"] > threshold].sort_values("spread", ascending=False)
    if len(over):
        lines += ["", f"Rows over {100 * threshold:.1f}%:", "", "| atom | metric | values | spread % |",
                  "|---|---|---|---|"]
        for _, r in over.iterrows():
            vals = ", ".join(f"{r[f'run{i}']:.2f}" for i in range(len(runs)))
            lines.append(f"| {r['atom']} | {r['metric']} | {vals} | {100 * r['spread']:.3f} |")
    return "\n".join(lines) + "\n", problems


def write_stability(folders, out: str, threshold: float = 0.005) -> tuple[Path, list]:
    text, problems = stability_markdown(folders, threshold)
    return write_text_atomic(Path(out), text), problems
