"""Per-atom summaries: one row per (family, atom), from the valid rows only."""
from __future__ import annotations

import math

import pandas as pd

from .atoms import parse_wgmma_name, shape_label, type_label, type_sort_key
from .load import Results, measured_mask, valid_mask
from .peaks import is_sparse, peak_ops_per_clk_sm

SATURATION_FRACTION = 0.9

# Columns of atom_summary(), so that an empty results folder still gives a usable frame.
SUMMARY_COLUMNS = [
    "family", "atom", "ptx", "arch", "a_type", "b_type", "c_type", "d_type", "type", "type_order", "m", "n",
    "k", "shape", "sparse", "source", "swizzle", "base_atom", "native_label", "sass", "latency",
    "issue_interval", "best_ops", "best_warps", "best_ilp", "peak", "pct_peak", "sat_warps", "sat_ilp",
    "tflops", "clock_mhz", "best_actual_ops", "verified", "n_invalid", "skipped_note", "data",
]


def saturation_point(ops_rows: pd.DataFrame, fraction: float = SATURATION_FRACTION):
    """(warps_per_sm, ilp) at which `fraction` of the best value is first reached: the fewest
    warps, then the fewest ILP. None when there is no positive value (a fraction of a negative
    or zero best is no saturation)."""
    if ops_rows.empty:
        return None
    values = pd.to_numeric(ops_rows["value"], errors="coerce")
    if not (values > 0).any():
        return None
    best = float(values.max())
    ok = ops_rows[values >= fraction * best * (1 - 1e-12)]
    first = ok.sort_values(["warps_per_sm", "ilp"]).iloc[0]
    return int(first["warps_per_sm"]), int(first["ilp"])


def _native_label(rows: pd.DataFrame) -> str:
    measured = rows[measured_mask(rows)]
    if measured.empty:  # never run here (a skipped row may still carry the SASS verdict)
        return "n/a"
    if rows["native"].any():
        return "native"
    if measured["note"].str.contains("SASS not inspected", regex=False).any():
        return "unknown"
    return "emulated"


def _verified_label(rows: pd.DataFrame) -> str:
    measured = rows[measured_mask(rows)]
    if measured.empty:
        return "–"
    n, k = len(measured), int(measured["verified"].sum())
    return "yes" if k == n else "no" if k == 0 else f"partly ({k}/{n})"


def _finite_or_none(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def _median(rows: pd.DataFrame, metric: str) -> float | None:
    r = rows[rows["metric"] == metric]
    return float(r["value"].median()) if len(r) else None


def tflops_from_ops(ops: float, sm_count: int | None, clock_mhz: float | None) -> float | None:
    """ops/clk/SM -> TFLOP/s at the given clock, for rows that lack a tflops row."""
    if ops is None or not sm_count or clock_mhz is None:
        return None
    return ops * sm_count * clock_mhz * 1e6 / 1e12


def _wgmma_fields(family: str, atom: str, n: int, k: int) -> dict:
    name = parse_wgmma_name(atom) if family == "wgmma" else None
    if name is None:
        return {"source": None, "swizzle": None, "base_atom": atom}
    return {"source": name.source, "swizzle": name.swizzle, "base_atom": name.base_atom,
            "n": n or name.n, "k": k or name.k}


def _throughput_fields(valid: pd.DataFrame, peak, sm_count) -> dict:
    """Best point of the ops_per_clk_sm rows, with the TFLOP/s and clock measured there."""
    ops = valid[valid["metric"] == "ops_per_clk_sm"]
    tfl = valid[valid["metric"] == "tflops"]
    act = valid[valid["metric"] == "actual_ops_per_clk_sm"]
    rec = {"best_actual_ops": float(act["value"].max()) if len(act) else None}
    if len(ops):
        b = ops.loc[ops["value"].idxmax()]
        clock = _finite_or_none(b["sm_clock_mhz"])
        rec.update(best_ops=float(b["value"]), best_warps=int(b["warps_per_sm"]), best_ilp=int(b["ilp"]),
                   clock_mhz=clock, pct_peak=100.0 * float(b["value"]) / peak if peak else None)
        rec["sat_warps"], rec["sat_ilp"] = saturation_point(ops) or (None, None)
        at_best = tfl[(tfl["warps_per_sm"] == b["warps_per_sm"]) & (tfl["ilp"] == b["ilp"])]
        rec["tflops"] = float(at_best["value"].iloc[0]) if len(at_best) else \
            tflops_from_ops(float(b["value"]), sm_count, clock)
    if rec.get("tflops") is None and len(tfl):
        rec["tflops"] = float(tfl["value"].max())
    return rec


def _summarize_atom(family: str, atom: str, g: pd.DataFrame, device_sm, sm_count) -> dict:
    first = g.iloc[0]
    valid = g[valid_mask(g)]
    arch = first["arch"] or (f"sm_{device_sm}" if device_sm else "")
    peak = peak_ops_per_clk_sm(arch, first["a_type"], family, atom, first["ptx"])
    m, n, k = int(first["m"]), int(first["n"]), int(first["k"])
    rec = {c: None for c in SUMMARY_COLUMNS}
    rec.update({
        "family": family, "atom": atom, "ptx": first["ptx"], "arch": arch,
        "a_type": first["a_type"], "b_type": first["b_type"], "c_type": first["c_type"],
        "d_type": first["d_type"], "type": type_label(first), "type_order": type_sort_key(first),
        "m": m, "n": n, "k": k, "sparse": is_sparse(family, atom, first["ptx"]),
        "native_label": _native_label(g), "sass": next((s for s in g["sass_opcodes"] if s), ""),
        "latency": _median(valid, "latency_cycles"), "issue_interval": _median(valid, "issue_interval_cycles"),
        "peak": peak, "verified": _verified_label(g),
        "n_invalid": int((measured_mask(g) & ~valid_mask(g)).sum()),
        "skipped_note": "; ".join(dict.fromkeys(g[~measured_mask(g)]["note"])),
        "data": str(first["data"]) if "data" in g.columns else "unknown",
    })
    rec.update(_wgmma_fields(family, atom, n, k))
    rec["shape"] = shape_label(m, rec["n"], rec["k"])
    rec.update(_throughput_fields(valid, peak, sm_count))
    return rec


def atom_summary(results: Results) -> pd.DataFrame:
    """One row per (family, atom), in the order the CSV lists them."""
    device_sm = results.run_get("device", "sm", default=None)
    out = [_summarize_atom(family, atom, g, device_sm, results.sm_count)
           for (family, atom), g in results.rows.groupby(["family", "atom"], sort=False)]
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def measured_atoms(summary: pd.DataFrame) -> pd.DataFrame:
    """Atoms with at least one valid latency or throughput figure."""
    return summary[summary["latency"].notna() | summary["best_ops"].notna() | summary["issue_interval"].notna()]


def best_per_type(atoms: pd.DataFrame, value: str = "best_ops") -> pd.DataFrame:
    """The atom with the largest `value` per type label (atoms without one come last, so a type
    measured only for latency still appears), in TYPE_ORDER."""
    if atoms.empty:
        return atoms
    ranked = atoms.assign(_has=atoms[value].notna()).sort_values(["_has", value], ascending=[False, False],
                                                                  kind="stable")
    best = ranked.drop_duplicates("type").drop(columns="_has")
    return sort_by_type(best)


def sort_by_type(df: pd.DataFrame, *extra: str) -> pd.DataFrame:
    if df.empty:
        return df
    return df.sort_values(["type_order", *extra], kind="stable")
