"""Loading one results folder: results/<gpu-slug>/{instructions.csv, run.json}."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

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
METRICS = ("latency_cycles", "ops_per_clk_sm", "tflops", "skipped")


@dataclass
class Results:
    path: Path
    rows: pd.DataFrame                     # every row of instructions.csv, typed
    run: dict = field(default_factory=dict)  # run.json, {} when absent

    @property
    def slug(self) -> str:
        return self.path.name

    @property
    def valid(self) -> pd.DataFrame:
        """Measured rows that passed verification and the plausibility guard."""
        r = self.rows
        return r[r["valid"] & (r["metric"] != "skipped")]

    @property
    def skipped(self) -> pd.DataFrame:
        return self.rows[self.rows["metric"] == "skipped"]

    @property
    def invalid(self) -> pd.DataFrame:
        r = self.rows
        return r[~r["valid"] & (r["metric"] != "skipped")]

    # run.json fields, tolerant of older or partial files.
    def run_get(self, *keys, default="unknown"):
        node = self.run
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return default
            node = node[k]
        return default if node in (None, "") else node

    @property
    def device_name(self) -> str:
        return str(self.run_get("device", "name"))

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
    return Results(path=path, rows=read_instructions(csv_path), run=run)
