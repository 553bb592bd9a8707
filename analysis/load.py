"""Loading one results folder: results/<gpu-slug>/{instructions.csv, run.json}."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Column order of instructions.csv (harness/result_row.cpp, csv_columns()).
CSV_COLUMNS = [
    "family", "ptx", "atom", "m", "n", "k", "a_type", "b_type", "c_type", "d_type", "arch", "metric",
    "warps_per_sm", "ilp", "value", "unit", "median", "iqr", "cv", "samples", "discarded",
    "sm_clock_mhz", "native", "sass_opcodes", "verified", "valid", "note",
]
INT_COLUMNS = ["m", "n", "k", "warps_per_sm", "ilp", "samples", "discarded"]
FLOAT_COLUMNS = ["value", "median", "iqr", "cv", "sm_clock_mhz"]
BOOL_COLUMNS = ["native", "verified", "valid"]
METRICS = ("latency_cycles", "issue_interval_cycles", "ops_per_clk_sm", "actual_ops_per_clk_sm", "tflops",
           "skipped", "error")
# Rows that carry no measurement at all (the atom or point was not run).
NOT_MEASURED = ("skipped",)
# One measurement: merging folders keeps the first folder's row for each of these keys.
POINT_KEY = ["family", "atom", "metric", "warps_per_sm", "ilp"]


def measured_mask(rows: pd.DataFrame) -> pd.Series:
    return ~rows["metric"].isin(NOT_MEASURED)


def valid_mask(rows: pd.DataFrame) -> pd.Series:
    """Rows that count: measured, verified and plausible (valid), with a finite value."""
    finite = pd.Series(np.isfinite(rows["value"].to_numpy(dtype=float)), index=rows.index)
    return measured_mask(rows) & rows["valid"] & (rows["metric"] != "error") & finite


def json_get(node, *keys, default="unknown"):
    """node[k0][k1]...; `default` when a key is missing or the value is empty."""
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return default
        node = node[k]
    return default if node in (None, "") else node


class RunJson:
    """run.json-style provenance access for a class with a `run` dict."""
    run: dict

    # run.json fields, tolerant of older or partial files.
    def run_get(self, *keys, default="unknown"):
        return json_get(self.run, *keys, default=default)

    @property
    def device_name(self) -> str:
        return str(self.run_get("device", "name"))


@dataclass
class Results(RunJson):
    path: Path
    rows: pd.DataFrame                     # every row of instructions.csv, typed
    run: dict = field(default_factory=dict)  # run.json, {} when absent
    parts: list = field(default_factory=list)  # the folders merged into this one (merge_results)

    @property
    def folders(self) -> list["Results"]:
        """The results folders behind these rows: itself, or the merged ones in order."""
        return self.parts or [self]

    @property
    def slug(self) -> str:
        return self.path.name

    @property
    def valid(self) -> pd.DataFrame:
        """Measured rows that passed verification and the plausibility guard (finite values)."""
        return self.rows[valid_mask(self.rows)]

    @property
    def skipped(self) -> pd.DataFrame:
        return self.rows[~measured_mask(self.rows)]

    @property
    def invalid(self) -> pd.DataFrame:
        r = self.rows
        return r[measured_mask(r) & ~valid_mask(r)]

    @property
    def date(self) -> str:
        d = self.run_get("date")
        return str(self.run_get("date_utc") if d == "unknown" else d)

    @property
    def git_sha(self) -> str:
        return str(self.run_get("git", "sha"))

    @property
    def git_dirty(self) -> bool:
        return self.run_get("git", "dirty", default=False) is True

    @property
    def sm_count(self) -> int | None:
        v = self.run_get("device", "sm_count", default=None)
        return int(v) if isinstance(v, (int, float)) and v > 0 else None

    @property
    def wall_seconds(self) -> float | None:
        v = self.run_get("wall_seconds", default=None)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        return float(v) if ok else None

    @property
    def data_mode(self) -> str:
        """Operand data of the timed launches (random | exact | zeros), 'unknown' when unrecorded."""
        return str(self.run_get("config", "data"))


def _to_bool(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(("true", "1", "yes"))


def read_instructions(csv_path: Path) -> pd.DataFrame:
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    missing = [c for c in CSV_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{csv_path}: missing columns {', '.join(missing)}")
    for c in INT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype(int)
    for c in FLOAT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in BOOL_COLUMNS:
        df[c] = _to_bool(df[c])
    return df


def load_results(results_dir) -> Results:
    """Reads results/<slug>/instructions.csv (required) and run.json (optional)."""
    path = Path(results_dir)
    csv_path = path / "instructions.csv"
    if not csv_path.is_file():
        raise FileNotFoundError(f"{csv_path} not found (run `tcbench run` first)")
    run = {}
    run_path = path / "run.json"
    if run_path.is_file():
        with open(run_path, encoding="utf-8") as f:
            run = json.load(f)
    rows = read_instructions(csv_path)
    results = Results(path=path, rows=rows, run=run)
    rows["data"] = results.data_mode  # which operand data each row was timed on, kept through merges
    return results


def merge_results(parts: list[Results]) -> Results:
    """One Results from several folders (e.g. the default sweep and the hopper N sweep): every
    row of the first, then the rows of each later folder whose measurement (POINT_KEY) no
    earlier folder has. run.json is the first folder's; `parts` keeps them all."""
    if not parts:
        raise ValueError("no results folders given")
    if len(parts) == 1:
        return parts[0]
    seen: set = set()
    kept = []
    for p in parts:
        keys = pd.MultiIndex.from_frame(p.rows[POINT_KEY])
        kept.append(p.rows[~keys.isin(list(seen))] if seen else p.rows)
        seen.update(keys)
    rows = pd.concat(kept, ignore_index=True)
    return Results(path=parts[0].path, rows=rows, run=parts[0].run, parts=list(parts))


def load_many(results_dirs) -> Results:
    return merge_results([load_results(d) for d in results_dirs])
