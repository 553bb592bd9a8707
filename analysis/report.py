"""Per-atom summaries, the Markdown report, and the README headline table."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .load import Results, load_results
from .peaks import peak_ops_per_clk_sm, sm_number
from .plots import plot_peak_overview, plot_throughput, throughput_plot_name

SATURATION_FRACTION = 0.9
HEADLINE_BEGIN = "<!-- headline:begin -->"
HEADLINE_END = "<!-- headline:end -->"


# ---- summaries -------------------------------------------------------------------------------

def saturation_point(ops_rows: pd.DataFrame, fraction: float = SATURATION_FRACTION):
    """(warps_per_sm, ilp) at which `fraction` of the best value is first reached: the fewest
    warps, then the fewest ILP. None when there are no rows."""
    if ops_rows.empty:
        return None
    best = float(ops_rows["value"].max())
    ok = ops_rows[ops_rows["value"] >= fraction * best * (1 - 1e-12)]
    first = ok.sort_values(["warps_per_sm", "ilp"]).iloc[0]
    return int(first["warps_per_sm"]), int(first["ilp"])


def type_label(row) -> str:
    a, b, d = row["a_type"], row["b_type"], row["d_type"]
    s = f"{a}→{d}" if a == b else f"{a}×{b}→{d}"
    ptx = str(row.get("ptx", ""))
    for op in ("xor.popc", "and.popc"):
        if ptx.endswith(op):
            s += f" ({op.split('.')[0]})"
    return s


def _native_label(rows: pd.DataFrame) -> str:
    measured = rows[rows["metric"] != "skipped"]
    if rows["native"].any():
        return "native"
    if measured.empty:
        return "n/a"
    if measured["note"].str.contains("SASS not inspected", regex=False).any():
        return "unknown"
    return "emulated"


def _verified_label(rows: pd.DataFrame) -> str:
    measured = rows[rows["metric"] != "skipped"]
    if measured.empty:
        return "–"
    n, k = len(measured), int(measured["verified"].sum())
    return "yes" if k == n else "no" if k == 0 else f"partly ({k}/{n})"


def atom_summary(results: Results) -> pd.DataFrame:
    """One row per (family, atom), in the order the CSV lists them."""
    rows = results.rows
    out = []
    device_sm = results.run_get("device", "sm", default=None)
    for (family, atom), g in rows.groupby(["family", "atom"], sort=False):
        first = g.iloc[0]
        valid = g[g["valid"] & (g["metric"] != "skipped")]
        lat = valid[valid["metric"] == "latency_cycles"]
        ops = valid[valid["metric"] == "ops_per_clk_sm"]
        tfl = valid[valid["metric"] == "tflops"]
        arch = first["arch"] or (f"sm_{device_sm}" if device_sm else "")
        peak = peak_ops_per_clk_sm(arch, first["a_type"], family)
        rec = {
            "family": family, "atom": atom, "ptx": first["ptx"], "arch": arch,
            "a_type": first["a_type"], "b_type": first["b_type"], "c_type": first["c_type"],
            "d_type": first["d_type"], "type": type_label(first),
            "native_label": _native_label(g),
            "sass": next((s for s in g["sass_opcodes"] if s), ""),
            "latency": float(lat["value"].median()) if len(lat) else None,
            "best_ops": None, "best_warps": None, "best_ilp": None, "peak": peak, "pct_peak": None,
            "sat_warps": None, "sat_ilp": None, "tflops": None, "clock_mhz": None,
            "verified": _verified_label(g),
            "n_invalid": int(((~g["valid"]) & (g["metric"] != "skipped")).sum()),
            "skipped_note": "; ".join(dict.fromkeys(g[g["metric"] == "skipped"]["note"])),
        }
        if len(ops):
            b = ops.loc[ops["value"].idxmax()]
            rec.update(best_ops=float(b["value"]), best_warps=int(b["warps_per_sm"]), best_ilp=int(b["ilp"]),
                       clock_mhz=float(b["sm_clock_mhz"]) if not math.isnan(b["sm_clock_mhz"]) else None)
            if peak:
                rec["pct_peak"] = 100.0 * rec["best_ops"] / peak
            rec["sat_warps"], rec["sat_ilp"] = saturation_point(ops)
            at_best = tfl[(tfl["warps_per_sm"] == b["warps_per_sm"]) & (tfl["ilp"] == b["ilp"])]
            if len(at_best):
                rec["tflops"] = float(at_best["value"].iloc[0])
        if rec["tflops"] is None and len(tfl):
            rec["tflops"] = float(tfl["value"].max())
        out.append(rec)
    return pd.DataFrame(out)


# ---- Markdown --------------------------------------------------------------------------------

def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(v, spec: str, missing: str = "–") -> str:
    if _missing(v):
        return missing
    return format(v, spec)


def _cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _display_path(path: Path) -> str:
    """The results folder as a reader of the repository names it: relative to the working
    directory when inside it, else results/<slug>."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return f"results/{path.name}"


def source_line(results: Results) -> str:
    dirty = " (dirty)" if results.git_dirty else ""
    return (f"Source: `{_display_path(results.path)}/run.json` — {results.device_name}, {results.date}, "
            f"git {results.git_sha}{dirty}")


def _point(w, i) -> str:
    return "–" if _missing(w) else f"{int(w)}×{int(i)}"


def _native_cell(label: str) -> str:
    return {"native": "yes", "emulated": "**no** (emulated)", "unknown": "unknown", "n/a": "–"}.get(label, label)


def report_markdown(results: Results, summary: pd.DataFrame, plot_files: dict) -> str:
    out = [f"# tcbench results: {results.device_name} (`{results.slug}`)", "", source_line(results) + ".  "]
    cmd = results.run_get("command")
    if cmd != "unknown":
        out.append(f"Command: `{cmd}`.")
    out += [
        "",
        "Only valid rows count (output verified against the CPU reference, at or under the datasheet "
        "peak, measured at a stable clock). `% of peak` is against the dense datasheet figure "
        "(analysis/peaks.py; on sm_90 that is the wgmma peak). `90% at` is the smallest warps per SM × "
        "ILP at which 90% of the best throughput is first reached (fewest warps, then fewest ILP). "
        "TFLOP/s (TOPS for integer types) is at the best point, at the SM clock measured in the kernel.",
        "",
        "![best throughput per atom](plots/peak_throughput.png)",
        "",
    ]
    header = ["atom", "ptx", "native", "SASS", "latency (cycles)", "best ops/clk/SM", "% of peak",
              "90% at warps×ILP", "TFLOP/s @ clock", "verified"]
    measured = summary[summary["native_label"] != "n/a"] if len(summary) else summary
    for family, g in measured.groupby("family", sort=False):
        out += [f"## {family}", ""]
        rows = []
        for _, r in g.iterrows():
            plot = plot_files.get((r["family"], r["atom"]))
            name = f"[{r['atom']}](plots/{plot})" if plot else r["atom"]
            tflops = _fmt(r["tflops"], ".1f")
            if tflops != "–" and not _missing(r["clock_mhz"]):
                tflops += f" @ {r['clock_mhz']:.0f} MHz"
            rows.append([name, f"`{r['ptx']}`", _native_cell(r["native_label"]),
                         " ".join(f"`{s}`" for s in r["sass"].split(";") if s) or "–",
                         _fmt(r["latency"], ".1f"), _fmt(r["best_ops"], ".0f"), _fmt(r["pct_peak"], ".0f"),
                         _point(r["sat_warps"], r["sat_ilp"]), tflops, r["verified"]])
        out += [_table(header, rows), ""]

    skipped = results.skipped
    if len(skipped):
        out += ["## Skipped", ""]
        rows = [[r["family"], r["atom"], r["note"] or "–"]
                for _, r in skipped.drop_duplicates(["family", "atom", "note"]).iterrows()]
        out += [_table(["family", "atom", "note"], rows), ""]

    invalid = results.invalid
    if len(invalid):
        out += ["## Excluded (invalid) measurements", ""]
        grouped = invalid.groupby(["family", "atom", "metric", "note"], sort=False).size().reset_index(name="rows")
        rows = [[r["family"], r["atom"], r["metric"], str(r["rows"]), r["note"] or "–"] for _, r in grouped.iterrows()]
        out += [_table(["family", "atom", "metric", "rows", "note"], rows), ""]
    return "\n".join(out).rstrip() + "\n"


def write_report(results_dir) -> dict:
    """Writes plots/ and report.md into the results folder; returns what it wrote."""
    results = load_results(results_dir)
    summary = atom_summary(results)
    plots_dir = results.path / "plots"
    plot_files = {}
    valid = results.valid
    for (family, atom), g in valid[valid["metric"] == "ops_per_clk_sm"].groupby(["family", "atom"], sort=False):
        s = summary[(summary["family"] == family) & (summary["atom"] == atom)].iloc[0]
        name = throughput_plot_name(family, atom)
        plot_throughput(g, plots_dir / name, atom, s["ptx"], s["peak"])
        plot_files[(family, atom)] = name
    overview = plot_peak_overview(
        summary if len(summary) else pd.DataFrame(columns=["atom", "best_ops", "native_label"]),
        plots_dir / "peak_throughput.png", f"{results.device_name}: best ops/clk/SM per atom")
    report = results.path / "report.md"
    report.write_text(report_markdown(results, summary, plot_files), encoding="utf-8")
    return {"report": report, "overview": overview, "plots": [plots_dir / p for p in plot_files.values()]}


# ---- README headline -------------------------------------------------------------------------

def headline_markdown(results: Results) -> str:
    summary = atom_summary(results)
    rows = []
    for _, r in summary.iterrows():
        if _missing(r["latency"]) and _missing(r["best_ops"]):
            continue  # nothing valid measured
        rows.append([r["atom"], r["type"], _fmt(r["latency"], ".1f"), _fmt(r["best_ops"], ".0f"),
                     _fmt(r["tflops"], ".1f"), _native_cell(r["native_label"])])
    table = _table(["atom", "type", "latency (cycles)", "best ops/clk/SM", "TFLOP/s", "native"], rows) if rows \
        else "_No valid measurements._"
    return f"{table}\n\n{source_line(results)}\n"


def replace_between_markers(text: str, new_body: str, begin: str = HEADLINE_BEGIN, end: str = HEADLINE_END) -> str:
    i = text.find(begin)
    j = text.find(end, i + len(begin)) if i >= 0 else -1
    if i < 0 or j < 0:
        raise ValueError(f"markers {begin} ... {end} not found")
    return text[: i + len(begin)] + "\n" + new_body.strip("\n") + "\n" + text[j:]


def update_readme(readme_path, results: Results) -> str:
    p = Path(readme_path)
    text = p.read_text(encoding="utf-8")
    body = headline_markdown(results)
    p.write_text(replace_between_markers(text, body), encoding="utf-8")
    return body
