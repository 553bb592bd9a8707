"""Energy rows (energy.csv), grouped for report.md and the README: the idle power, pJ per FMA of
each representative instruction (total and above idle) and pJ per byte of each movement path,
with the board power and SM clock during the load, and how run.json says energy was sampled.
Rows are grouped by atom and metric; every figure comes from valid rows only (figures.figure)."""
from __future__ import annotations

import pandas as pd

from .atoms import type_label, type_sort_key
from .figures import figure
from .load import parse_params, valid_mask
from .peaks import is_sparse

IDLE, POWER = "idle_power_w", "power_w"
PJ_FMA, PJ_FMA_ABOVE = "pj_per_fma", "pj_per_fma_above_idle"
PJ_BYTE, PJ_BYTE_ABOVE = "pj_per_byte", "pj_per_byte_above_idle"
RATE = "ops_per_clk_sm"  # the instruction's rate during the energy window (checks the FMA count)
# The params key naming the MMA family of an instruction's energy row (the row's family is "energy").
FAMILY_PARAM = "instr_family"
FAMILY_ORDER = ("mma.sync", "mma.sp", "wmma", "wgmma")
# Where run.json may keep how energy was read (the first that is a JSON object counts).
METHOD_KEYS = ("energy", "energy_method", "energy_sampling")


def instruction_family(row) -> str:
    """The row's MMA family: its params' instr_family, else read off the PTX mnemonic."""
    fam = parse_params(row["params"]).get(FAMILY_PARAM)
    if fam:
        return fam
    ptx = str(row["ptx"])
    for prefix, name in (("wgmma", "wgmma"), ("wmma", "wmma"), ("mma.sp", "mma.sp"), ("mma", "mma.sync")):
        if ptx.startswith(prefix):
            return name
    return "–"


def _family_order(fam: str) -> int:
    return FAMILY_ORDER.index(fam) if fam in FAMILY_ORDER else len(FAMILY_ORDER)


def _is_idle(g: pd.DataFrame) -> bool:
    """An atom's rows are the idle baseline's: an idle power row, or (skipped or failed before
    one) neither an instruction's element types nor a path's PTX."""
    if (g["metric"] == IDLE).any():
        return True
    first = g.iloc[0]
    no_pj = not g["metric"].isin((PJ_FMA, PJ_FMA_ABOVE, PJ_BYTE, PJ_BYTE_ABOVE)).any()
    return no_pj and str(first["a_type"]) == "" and str(first["ptx"]) == ""


def idle_power(energy: pd.DataFrame):
    """The idle board power: a Figure (median of the valid idle rows; else why there is none)."""
    idle = [g for _, g in energy.groupby("atom", sort=False) if _is_idle(g)]
    return figure(pd.concat(idle) if idle else energy.iloc[:0], IDLE, "median")


def _is_instruction(g: pd.DataFrame) -> bool:
    """An atom's rows are an instruction's (pJ/FMA) rather than a path's (pJ/B): by its pJ rows,
    else (skipped or failed before any) by its element types, which only instructions have."""
    metrics = set(g["metric"])
    if metrics & {PJ_FMA, PJ_FMA_ABOVE}:
        return True
    return not metrics & {PJ_BYTE, PJ_BYTE_ABOVE} and str(g["a_type"].iloc[0]) != ""


def _clock(g: pd.DataFrame, metric: str) -> float | None:
    """The median SM clock of the valid `metric` rows (DESIGN §9: the clock drops under the power
    limit, so each energy figure comes with the clock it was measured at)."""
    rows = g[(g["metric"] == metric) & valid_mask(g)]
    clocks = rows["sm_clock_mhz"][rows["sm_clock_mhz"] > 0]
    return float(clocks.median()) if len(clocks) else None


def instruction_energy(energy: pd.DataFrame) -> pd.DataFrame:
    """One row per instruction (atom; skipped or failed ones too): family, type, atom, ptx,
    sparse, and the Figures power (W), pj (total), pj_above (above idle) and rate (ops/clk/SM
    during the window), and the SM clock measured with the pJ figure; in family, then type order."""
    out = []
    for atom, g in energy.groupby("atom", sort=False):
        if _is_idle(g) or not _is_instruction(g):
            continue
        first = g.iloc[0]
        fam = instruction_family(first)
        out.append({"family": fam, "family_order": _family_order(fam), "type": type_label(first),
                    "type_order": type_sort_key(first), "atom": atom, "ptx": first["ptx"],
                    "sparse": is_sparse(fam, atom, first["ptx"]), "power": figure(g, POWER, "median"),
                    "pj": figure(g, PJ_FMA, "median"), "pj_above": figure(g, PJ_FMA_ABOVE, "median"),
                    "rate": figure(g, RATE, "median"), "clock_mhz": _clock(g, PJ_FMA)})
    cols = ["family", "family_order", "type", "type_order", "atom", "ptx", "sparse", "power", "pj", "pj_above", "rate",
            "clock_mhz"]
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values(["family_order", "type_order"], kind="stable") if len(df) else df


def path_energy(energy: pd.DataFrame) -> pd.DataFrame:
    """One row per movement path (atom; skipped or failed ones too): atom, ptx, and the Figures
    power (W), pj (total) and pj_above (above idle), and the SM clock measured with the pJ figure."""
    out = []
    for atom, g in energy.groupby("atom", sort=False):
        if _is_idle(g) or _is_instruction(g):
            continue
        out.append({"atom": atom, "ptx": g["ptx"].iloc[0], "power": figure(g, POWER, "median"),
                    "pj": figure(g, PJ_BYTE, "median"), "pj_above": figure(g, PJ_BYTE_ABOVE, "median"),
                    "clock_mhz": _clock(g, PJ_BYTE)})
    return pd.DataFrame(out, columns=["atom", "ptx", "power", "pj", "pj_above", "clock_mhz"])


def sampling_method(run: dict) -> tuple[str, dict] | None:
    """(key, object) of the first METHOD_KEYS entry of run.json that is a JSON object; None when
    the run does not record how energy was read."""
    for key in METHOD_KEYS:
        v = run.get(key) if isinstance(run, dict) else None
        if isinstance(v, dict) and v:
            return key, v
    return None
