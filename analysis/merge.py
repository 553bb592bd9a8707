"""`merge DIR… --out DIR`: the results of several chips of one GPU model as one results folder
and one cost table whose figures carry their spread across the chips (docs/multi_gpu.md).

The merged folder is a results folder like any other (report, export and compare read it):
  <table>.csv     one row per measurement: value, median, iqr, cv and sm_clock_mhz are the
                  median over the chips where the row is valid (samples and discarded summed;
                  the other columns from the first such chip); a row valid on no chip is kept
                  as the first chip's
  spread.csv      per row: chips, median, min, max, CV across chips, noise, lowest/highest chip
  chips.csv       every chip's valid rows (value, noise): what `compare MERGED` flags outliers from
  run.json        kind "merge", status complete, the chips (uuid, folder, host, git, date)
  cost_table.json the table of the merged rows, plus "chips" and, per instruction and memory
                  level, "across_chips": median, min, max and CV of the figure each chip's own
                  table gives
  merge.md        what was merged and the rows that vary most
Each chip folder must be a whole run: one that is not (status, a cut CSV) is refused unless
--allow-incomplete; the merge never changes a chip folder."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .chips import (CHIP_COLUMNS, CHIPS_CSV, SPREAD_CSV, Chip, chip_rows, load_chips, repeated_chips, spread)
from .compare import point_text
from .cost_table import _git_describe, build_cost_table, num
from .cost_table_validate import validate_cost_table
from .load import CSV_COLUMNS, POINT_KEY, TABLES, SCHEMA_VERSION, valid_mask
from .markdown import table
from .output import OutputError, check_folder_writable, write_text_atomic
from .report_csv import csv_text

MERGE_MD, COST_TABLE = "merge.md", "cost_table.json"
MEDIAN_COLUMNS = ("value", "median", "iqr", "cv", "sm_clock_mhz")
SUMMED_COLUMNS = ("samples", "discarded")
INSTRUCTION_FIGURES = ("latency_cycles", "issue_interval_cycles", "ops_per_clk_sm", "tflops", "tflops_sm_clock_mhz")
LEVEL_FIGURES = ("latency_cycles", "latency_ns", "bandwidth_gbs", "bytes_per_clk_sm")
ROWS_LISTED = 20


# ---- the merged tables -------------------------------------------------------------------------

def merged_table(chips: list[Chip], name: str) -> pd.DataFrame:
    """One table's rows over the chips (see the module's docstring), in first-seen order."""
    frames = [c.results.table(name) for c in chips if len(c.results.table(name))]
    if not frames:
        return pd.DataFrame(columns=CSV_COLUMNS)
    rows = pd.concat(frames, ignore_index=True)[CSV_COLUMNS]
    valid = rows[valid_mask(rows)]
    g = valid.groupby(POINT_KEY, sort=False, dropna=False)
    agg = g[list(MEDIAN_COLUMNS)].median().join(g[list(SUMMED_COLUMNS)].sum())
    merged = valid.drop_duplicates(POINT_KEY).set_index(POINT_KEY)
    merged.update(agg)
    keys = pd.MultiIndex.from_frame(rows[POINT_KEY])
    never_valid = rows[~keys.isin(merged.index)].drop_duplicates(POINT_KEY).set_index(POINT_KEY)
    both = pd.concat([merged, never_valid])
    order = rows.drop_duplicates(POINT_KEY).set_index(POINT_KEY).index
    both = both.loc[order].reset_index()
    for c in SUMMED_COLUMNS:
        both[c] = both[c].astype(int)
    return both[CSV_COLUMNS]


# ---- run.json and the cost table --------------------------------------------------------------

def merged_run_json(chips: list[Chip], tables: list[str], command: str) -> dict:
    """run.json of the merged folder: the first chip's device and config (every chip is that
    model, load_chips checked), the chips, and status complete (the merge itself finished)."""
    first = chips[0].results.run
    device = dict(first.get("device", {}))
    device.update({"uuid": f"merged:{len(chips)}-chips", "pci_bus_id": "", "index": -1})
    dates = sorted(str(c.results.run_get("date_utc")) for c in chips)
    return {"schema_version": SCHEMA_VERSION, "kind": "merge", "status": "complete",
            "tool": first.get("tool", {}), "git": {"sha": _git_describe()}, "command": command,
            "date_utc": dates[0], "date_utc_end": dates[-1], "device": device, "config": first.get("config", {}),
            "tables": tables, "chips": [c.member() for c in chips],
            "repeated_chips": repeated_chips(chips),
            "wall_seconds": max((c.results.wall_seconds or 0.0) for c in chips)}


def _stats(values: list[float]) -> dict | None:
    v = pd.Series([x for x in values if x is not None], dtype=float)
    if v.empty:
        return None
    cv = float(v.std() / v.mean()) if len(v) > 1 and v.mean() else 0.0
    return {"median": num(v.median()), "min": num(v.min()), "max": num(v.max()), "cv": num(cv), "chips": int(len(v))}


def _across(entries: list[dict], fields) -> dict:
    return {f: s for f in fields if (s := _stats([e.get(f) for e in entries])) is not None}


def add_chip_spread(merged: dict, per_chip: list[dict], chips: list[Chip]) -> dict:
    """The merged table with "chips" and each instruction's and memory level's "across_chips"."""
    merged["chips"] = {"count": len(chips), "model": chips[0].results.device_name,
                       "members": [{k: c.member()[k] for k in ("label", "uuid", "host", "date_utc", "git_sha")}
                                   for c in chips]}
    by_atom = [{i["atom"]: i for i in t["instructions"]} for t in per_chip]
    for ins in merged["instructions"]:
        ins["across_chips"] = _across([m[ins["atom"]] for m in by_atom if ins["atom"] in m], INSTRUCTION_FIGURES)
    for name, level in merged["movement"]["levels"].items():
        level["across_chips"] = _across([t["movement"]["levels"][name] for t in per_chip
                                         if name in t["movement"]["levels"]], LEVEL_FIGURES)
    return merged


# ---- merge.md ----------------------------------------------------------------------------------

def merge_markdown(chips: list[Chip], s: pd.DataFrame, out: Path) -> str:
    n = len(chips)
    lines = [f"# tcbench merge: {n} chips of {chips[0].results.device_name}", "",
             table(["chip", "uuid", "folder", "host", "date", "git"],
                   [[c.label, c.uuid, f"`{c.folder}`", str(c.results.run_get("host")),
                     str(c.results.run_get("date_utc")), c.results.git_sha[:12]] for c in chips]), ""]
    repeated = repeated_chips(chips)
    if repeated:
        lines += [f"**The same chip appears in several folders** ({', '.join(repeated)}): its spread is run-to-run "
                  f"noise, not a difference between chips.", ""]
    all_chips = int((s["chips"] == n).sum())
    lines += [f"{len(s)} measurements valid on at least one chip, {all_chips} on all {n}. Each row of the merged "
              f"tables is the median over the chips; `{SPREAD_CSV}` has its spread (CV = sample standard deviation "
              f"/ mean), `{CHIPS_CSV}` every chip's value. `tcbench compare {out}` flags the chips whose rows fall "
              f"outside the spread of the others by more than the recorded noise.", ""]
    groups = [[t, m, str(len(g)), f"{100 * g['cv'].median():.3f}", f"{100 * g['cv'].max():.3f}"]
              for (t, m), g in s[s["chips"] > 1].groupby(["table", "metric"], sort=False)]
    if groups:
        lines += ["## CV across chips, per table and metric", "",
                  table(["table", "metric", "rows", "median CV %", "max CV %"], groups), ""]
        top = s[s["chips"] > 1].sort_values("cv", ascending=False, kind="stable").head(ROWS_LISTED)
        lines += [f"## The {len(top)} rows that vary most", "",
                  table(["family", "atom", "metric", "point", "median", "min", "max", "CV %", "lowest", "highest"],
                        [[r["family"], r["atom"], r["metric"], point_text(r), f"{r['median']:.4g}", f"{r['min']:.4g}",
                          f"{r['max']:.4g}", f"{100 * r['cv']:.3f}", r["lowest_chip"], r["highest_chip"]]
                         for _, r in top.iterrows()]), ""]
    return "\n".join(lines).rstrip() + "\n"


# ---- files -------------------------------------------------------------------------------------

def _refuse_existing(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if (out / "run.json").exists() and not force:
        raise OutputError(f"{out}: already holds results (run.json); give a new --out folder, or --force to replace "
                          f"the merged files there")


def _move_in(staging: Path, out: Path) -> None:
    """The staged files into `out` (created when absent), each replacing its namesake."""
    if not out.exists():
        staging.rename(out)
        return
    for f in staging.iterdir():
        target = out / f.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        f.replace(target)
    staging.rmdir()


def merge(paths, out, force: bool = False, allow_incomplete: bool = False, command: str = "") -> dict:
    """Writes the merged folder `out` from the chip folders under `paths`; returns the counts and
    `problems` (why a chip may not be a whole run: refused unless allow_incomplete)."""
    out = Path(out)
    chips = load_chips(paths)
    problems = [p for c in chips for p in c.results.problems]
    if problems and not allow_incomplete:
        return {"written": False, "problems": problems, "chips": len(chips)}
    _refuse_existing(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    check_folder_writable(out.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.merge-", dir=out.parent))
    try:
        tables = _write_tables(chips, staging)
        rows = chip_rows(chips)
        s = spread(rows)
        write_text_atomic(staging / CHIPS_CSV, csv_text(rows[CHIP_COLUMNS]))
        write_text_atomic(staging / SPREAD_CSV, csv_text(s))
        write_text_atomic(staging / "run.json", json.dumps(merged_run_json(chips, tables, command), indent=2) + "\n")
        cost = _cost_table(staging, out.name, chips)
        write_text_atomic(staging / COST_TABLE, json.dumps(cost, indent=2) + "\n")
        write_text_atomic(staging / MERGE_MD, merge_markdown(chips, s, out))
        _move_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"written": True, "out": out, "chips": len(chips), "rows": len(s),
            "all_chips": int((s["chips"] == len(chips)).sum()), "problems": problems}


def _write_tables(chips: list[Chip], folder: Path) -> list[str]:
    written = []
    for name in TABLES:
        rows = merged_table(chips, name)
        if len(rows):
            write_text_atomic(folder / f"{name}.csv", csv_text(rows))
            written.append(name)
    return written


def _cost_table(folder: Path, name: str, chips: list[Chip]) -> dict:
    """The merged rows' table with the chips' spread; each chip's own table is built from its
    folder (the figures it would export alone). `folder` is the staging folder of `name`."""
    merged = build_cost_table(folder)
    merged["provenance"]["results_folder"] = name
    per_chip = [build_cost_table(c.folder) for c in chips]
    table_ = add_chip_spread(merged, per_chip, chips)
    validate_cost_table(table_, str(folder / COST_TABLE))
    return table_
