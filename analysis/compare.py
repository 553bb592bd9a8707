"""`compare A B`: the measurements of two results folders side by side (two runs of one GPU, or
two GPUs: the atom names are the same on every GPU), and the ones that differ by more than the
recorded noise (docs/reports.md).

Rows of every table (instructions, movement, energy; each folder with its energy/ subfolder) are
matched on the point key (load.POINT_KEY); a row is compared when it is valid on both sides.
The noise of a row on one side is the larger of
  - its within-run spread, recorded in the row: iqr / median (cv where there is no median), and
  - its run-to-run spread, when the folder keeps earlier runs of the sweep in stability/<run>/:
    (max - min) / median of the point over those runs (two or more of them valid).
A row differs when |B/A - 1| > max(k x sqrt(noise_A^2 + noise_B^2), floor): k = 3 and a floor
of 0.5% (the run-to-run spread of latencies on one GPU, results/<gpu>/stability/stability.md)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .load import POINT_KEY, TABLES, Results, load_many, load_results, valid_mask, with_companions
from .markdown import display_path, size_text, table
from .output import check_file_target, prepare_out_folder, replace_with, write_text_atomic
from .plots_summary import COMPARE_PLOT, plot_compare
from .report_csv import csv_text

NOISE_K, NOISE_FLOOR = 3.0, 0.005
STABILITY_FOLDER = "stability"
KEY = ["table"] + POINT_KEY
COMPARE_MD, COMPARE_CSV = "compare.md", "compare.csv"
ROWS_LISTED = 200  # compare.md lists this many differing rows (compare.csv has every one)


@dataclass
class Side:
    results: Results
    rows: pd.DataFrame  # valid rows of every table: KEY, unit, value, noise
    runs: int           # earlier runs behind the run-to-run spread (0: none)


def _relative(spread: pd.Series, median: pd.Series) -> pd.Series:
    ok = (median > 0) & np.isfinite(spread)
    return (spread.abs() / median.where(ok)).where(ok)


def within_run_noise(rows: pd.DataFrame) -> pd.Series:
    """iqr / median of each row; its cv where that cannot be had; 0 when neither is recorded."""
    cv = rows["cv"].where(np.isfinite(rows["cv"])).abs()
    return _relative(rows["iqr"], rows["median"]).fillna(cv).fillna(0.0)


def valid_rows(results: Results) -> pd.DataFrame:
    frames = [t.assign(table=name)[valid_mask(t)] for name in TABLES if len(t := results.table(name))]
    if not frames:
        return pd.DataFrame(columns=KEY + ["unit", "value", "iqr", "median", "cv"])
    return pd.concat(frames, ignore_index=True).drop_duplicates(KEY)


def earlier_runs(folder: Path) -> list[Path]:
    """The run folders kept in folder/stability/ (each with its run.json), in name order."""
    base = Path(folder) / STABILITY_FOLDER
    return sorted(p for p in base.iterdir() if (p / "run.json").is_file()) if base.is_dir() else []


def run_to_run_noise(runs: list[Path]) -> pd.Series:
    """(max - min) / median of each point valid in two or more of `runs`, indexed by KEY."""
    if len(runs) < 2:
        return pd.Series(dtype=float)
    values = pd.concat([valid_rows(load_results(r))[KEY + ["value"]] for r in runs], ignore_index=True)
    g = values.groupby(KEY, sort=False)["value"]
    spread = pd.DataFrame({"n": g.size(), "range": g.max() - g.min(), "median": g.median()})
    spread = spread[spread["n"] >= 2]
    return _relative(spread["range"], spread["median"]).dropna()


def load_side(folder) -> Side:
    results = load_many(with_companions([folder]))
    rows = valid_rows(results)
    runs = earlier_runs(results.path)
    noise = within_run_noise(rows)
    r2r = run_to_run_noise(runs)
    if len(r2r) and len(rows):
        between = pd.Series(pd.MultiIndex.from_frame(rows[KEY]).map(r2r.to_dict().get), index=rows.index)
        noise = np.maximum(noise, between.astype(float).fillna(0.0))
    return Side(results, rows[KEY + ["unit", "value"]].assign(noise=noise), len(runs) if len(r2r) else 0)


def compare_rows(a: Side, b: Side, k: float = NOISE_K, floor: float = NOISE_FLOOR) -> pd.DataFrame:
    """Every row valid on both sides, in key order: both values and noises, B/A, the limit and
    whether the row differs."""
    m = a.rows.merge(b.rows.drop(columns="unit"), on=KEY, suffixes=("_a", "_b"))
    m = m.assign(ratio=m["value_b"] / m["value_a"], noise=np.hypot(m["noise_a"], m["noise_b"]))
    m = m.assign(limit=np.maximum(k * m["noise"], floor))
    m = m.assign(differs=(m["ratio"] - 1).abs() > m["limit"])
    order = m["table"].map(TABLES.index)
    return m.assign(_t=order).sort_values(["_t"] + POINT_KEY, kind="stable").drop(columns="_t").reset_index(drop=True)


def only_in(one: Side, other: Side) -> pd.DataFrame:
    """Rows valid in `one` that are not valid in `other` (missing, skipped or invalid there)."""
    keys = pd.MultiIndex.from_frame(other.rows[KEY])
    return one.rows[~pd.MultiIndex.from_frame(one.rows[KEY]).isin(keys)]


# ---- compare.md --------------------------------------------------------------------------------

def _side_line(name: str, s: Side) -> str:
    r = s.results
    runs = f"; run-to-run spread from {s.runs} runs in {STABILITY_FOLDER}/" if s.runs else ""
    folders = ", ".join(f"`{display_path(f.path)}`" for f in r.folders)
    return (f"- {name}: {folders} — {r.device_name}, {r.date}, git {r.git_sha[:12]}"
            f"{' (dirty)' if r.git_dirty else ''}, command `{r.run_get('command')}`{runs}")


def _devices_line(a: Side, b: Side) -> str:
    da, db = a.results.device_name, b.results.device_name
    if da != db:
        return (f"**Two different GPUs** ({da} vs {db}): rows are matched by atom and point, so a ratio is the "
                f"difference between the GPUs (clocks, SM counts and memory included), not noise.")
    uuid = a.results.run_get("device", "uuid")
    board = f", the same board ({uuid})" if uuid == b.results.run_get("device", "uuid") != "unknown" else ""
    return f"Same GPU model ({da}){board}: two runs."


def point_text(r) -> str:
    parts = [f"{int(r['warps_per_sm'])} warps × ILP {int(r['ilp'])}"] if r["warps_per_sm"] > 0 else []
    parts += [size_text(r["size_bytes"])] if r["size_bytes"] > 0 else []
    return ", ".join(parts + ([str(r["params"])] if r["params"] else [])) or "–"


def _counts(m: pd.DataFrame, a_only: pd.DataFrame, b_only: pd.DataFrame) -> list[list[str]]:
    groups = sorted(set(zip(m["table"], m["family"])) | set(zip(a_only["table"], a_only["family"]))
                    | set(zip(b_only["table"], b_only["family"])), key=lambda tf: (TABLES.index(tf[0]), tf[1]))
    count = lambda df, t, f: int(((df["table"] == t) & (df["family"] == f)).sum())  # noqa: E731
    return [[t, f, str(count(m, t, f)), str(count(m[m["differs"]], t, f)), str(count(a_only, t, f)),
             str(count(b_only, t, f))] for t, f in groups]


def _differing_rows(m: pd.DataFrame) -> list[list[str]]:
    d = m[m["differs"]]
    d = d.assign(_mag=-(d["ratio"] - 1).abs()).sort_values("_mag", kind="stable").head(ROWS_LISTED)
    return [[r["table"], r["family"], r["atom"], r["metric"], point_text(r), f"{r['value_a']:.4g}",
             f"{r['value_b']:.4g}", str(r["unit"]), f"{r['ratio']:.4f}", f"{100 * r['noise']:.2f}%",
             f"{100 * r['limit']:.2f}%"] for _, r in d.iterrows()]


def compare_markdown(a: Side, b: Side, m: pd.DataFrame, a_only, b_only, k: float, floor: float) -> str:
    n_diff = int(m["differs"].sum())
    out = ["# tcbench compare: A vs B", "", _side_line("A", a), _side_line("B", b), "", _devices_line(a, b), "",
           f"Rows valid in both are matched on {', '.join(POINT_KEY)}. Noise of a row on one side: the larger of "
           f"its recorded within-run spread (iqr / median; cv without a median) and, where the folder keeps earlier "
           f"runs in {STABILITY_FOLDER}/, the run-to-run spread of the point ((max − min) / median). A row differs "
           f"when |B/A − 1| > max({k:g} × √(noise_A² + noise_B²), {100 * floor:g}%).", "",
           f"**{n_diff} of {len(m)} compared rows differ**; {len(a_only)} valid only in A, {len(b_only)} valid only "
           f"in B (missing, skipped or invalid on the other side).", "",
           table(["table", "family", "compared", "differ", "only in A", "only in B"], _counts(m, a_only, b_only)), "",
           f"![B / A of every compared row]({COMPARE_PLOT})", ""]
    if n_diff:
        more = f" (the first {ROWS_LISTED} of {n_diff}; {COMPARE_CSV} has every row)" if n_diff > ROWS_LISTED else ""
        header = ["table", "family", "atom", "metric", "point", "A", "B", "unit", "B/A", "noise", "limit"]
        out += [f"## Rows that differ, largest first{more}", "", table(header, _differing_rows(m)), ""]
    return "\n".join(out).rstrip() + "\n"


# ---- files -------------------------------------------------------------------------------------

CSV_COLUMNS = KEY + ["unit", "value_a", "value_b", "ratio", "noise_a", "noise_b", "noise", "limit", "differs"]


def write_compare(folder_a, folder_b, out_dir=".", k: float = NOISE_K, floor: float = NOISE_FLOOR) -> dict:
    """Writes compare.md, compare.csv and compare.png into `out_dir`; returns the paths, the
    counts and `problems` (why either side's numbers may not be a whole run)."""
    if not (k >= 0 and floor >= 0 and math.isfinite(k) and math.isfinite(floor)):
        raise ValueError(f"the noise factor ({k:g}) and the floor ({floor:g}) must be finite and not negative")
    a, b = load_side(folder_a), load_side(folder_b)
    m = compare_rows(a, b, k, floor)
    if m.empty:
        raise ValueError(f"no measurement is valid in both {a.results.path} and {b.results.path}: nothing to compare")
    out = prepare_out_folder(out_dir)
    paths = {name: out / name for name in (COMPARE_MD, COMPARE_CSV, COMPARE_PLOT)}
    for p in paths.values():
        check_file_target(p)
    a_only, b_only = only_in(a, b), only_in(b, a)
    title = f"B / A: {b.results.device_name} ({b.results.slug}) over {a.results.device_name} ({a.results.slug})"
    replace_with(paths[COMPARE_PLOT], lambda tmp: plot_compare(m, tmp, title, floor))
    write_text_atomic(paths[COMPARE_CSV], csv_text(m[CSV_COLUMNS]))
    write_text_atomic(paths[COMPARE_MD], compare_markdown(a, b, m, a_only, b_only, k, floor))
    return {"paths": list(paths.values()), "compared": len(m), "differ": int(m["differs"].sum()),
            "only_a": len(a_only), "only_b": len(b_only),
            "problems": list(a.results.problems) + list(b.results.problems)}
