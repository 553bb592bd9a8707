"""The CSV files beside report.md: the numbers of its summary tables, one file per view, for a
spreadsheet or a script (docs/reports.md lists their columns). Every file is written on every
run, with its header alone when the results hold no such rows, so that no stale file stays."""
from __future__ import annotations

import numpy as np
import pandas as pd

ATOMS_CSV, BY_TYPE_CSV = "report_atoms.csv", "report_by_type.csv"
BANDWIDTH_CSV, ENERGY_CSV, ROOFLINE_CSV = "report_bandwidth.csv", "report_energy.csv", "report_roofline.csv"
REPORT_CSVS = (ATOMS_CSV, BY_TYPE_CSV, BANDWIDTH_CSV, ENERGY_CSV, ROOFLINE_CSV)

# atom_summary() column -> report_atoms.csv column (units in the names, as in the results tables).
ATOM_COLUMNS = {
    "family": "family", "atom": "atom", "ptx": "ptx", "arch": "arch", "type": "type", "a_type": "a_type",
    "b_type": "b_type", "c_type": "c_type", "d_type": "d_type", "shape": "shape", "sparse": "sparse",
    "source": "operand_source", "swizzle": "swizzle_bytes", "native_label": "native", "sass": "sass_opcodes",
    "latency": "latency_cycles", "issue_interval": "issue_interval_cycles", "best_ops": "best_ops_per_clk_sm",
    "best_warps": "best_warps_per_sm", "best_ilp": "best_ilp", "peak": "datasheet_ops_per_clk_sm",
    "pct_peak": "pct_of_datasheet", "sat_warps": "reach_90_warps_per_sm", "sat_ilp": "reach_90_ilp",
    "tflops": "tflops", "clock_mhz": "sm_clock_mhz", "verified": "verified", "n_invalid": "invalid_rows",
    "skipped_note": "skipped_note",
}
BY_TYPE_COLUMNS = {"family": "family", "type": "type", "atoms": "atoms", "best_ops": "best_ops_per_clk_sm",
                   "best_atom": "best_atom", "pct_peak": "pct_of_datasheet", "tflops": "tflops",
                   "clock_mhz": "sm_clock_mhz", "latency": "lowest_latency_cycles",
                   "latency_atom": "lowest_latency_atom"}
BANDWIDTH_COLUMNS = {"level": "level", "atom": "atom", "variant": "variant", "metric": "metric", "best": "best",
                     "unit": "unit", "gbs": "best_gbs", "at": "best_at"}
ENERGY_COLUMNS = ["kind", "family", "type", "sparse", "atom", "ptx", "pj", "pj_above_idle", "power_w", "sm_clock_mhz"]
ROOFLINE_COLUMNS = ["roof", "name", "value", "unit"]


def csv_text(df: pd.DataFrame) -> str:
    """`df` as CSV: booleans as the results tables write them (true/false), floats to 6
    significant digits (the measurements' own precision; the same text from the same numbers)."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype in (bool, object):
            df[c] = df[c].map(lambda v: ("true" if v else "false") if isinstance(v, (bool, np.bool_)) else v)
    return df.to_csv(index=False, float_format="%.6g")


def _renamed(df: pd.DataFrame, columns: dict) -> pd.DataFrame:
    return df.reindex(columns=list(columns)).rename(columns=columns)


def _energy_rows(instructions: pd.DataFrame, paths: pd.DataFrame) -> pd.DataFrame:
    value = lambda f: f.value  # noqa: E731  (a figures.Figure: None when not valid)
    rows = [{"kind": "pj_per_fma", "family": r["family"], "type": r["type"], "sparse": bool(r["sparse"]),
             "atom": r["atom"], "ptx": r["ptx"],
             "pj": value(r["pj"]), "pj_above_idle": value(r["pj_above"]), "power_w": value(r["power"]),
             "sm_clock_mhz": r["clock_mhz"]} for _, r in instructions.iterrows()]
    rows += [{"kind": "pj_per_byte", "family": "", "type": "", "sparse": "", "atom": r["atom"], "ptx": r["ptx"],
              "pj": value(r["pj"]), "pj_above_idle": value(r["pj_above"]), "power_w": value(r["power"]),
              "sm_clock_mhz": r["clock_mhz"]} for _, r in paths.iterrows()]
    return pd.DataFrame(rows, columns=ENERGY_COLUMNS)


def _roofline_rows(roofs: tuple[dict, dict] | None) -> pd.DataFrame:
    compute, memory = roofs or ({}, {})
    rows = [["compute", a, t, "TFLOP/s"] for a, t in sorted(compute.items())]
    rows += [["bandwidth", level, g, "GB/s"] for level, g in sorted(memory.items())]
    return pd.DataFrame(rows, columns=ROOFLINE_COLUMNS)


def report_csvs(summary, by_type, bandwidth, energy_instructions, energy_paths, roofs) -> dict[str, str]:
    """{file name: CSV text} of every file of REPORT_CSVS."""
    return {ATOMS_CSV: csv_text(_renamed(summary, ATOM_COLUMNS)),
            BY_TYPE_CSV: csv_text(_renamed(by_type, BY_TYPE_COLUMNS)),
            BANDWIDTH_CSV: csv_text(_renamed(bandwidth, BANDWIDTH_COLUMNS)),
            ENERGY_CSV: csv_text(_energy_rows(energy_instructions, energy_paths)),
            ROOFLINE_CSV: csv_text(_roofline_rows(roofs))}
