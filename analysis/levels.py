"""Bandwidth per memory level from the movement table: every rate benchmark's best figure as
GB/s over the whole GPU, the level it moves data from, and the best figure of each level.

A per-SM rate (B/clk/SM) becomes GB/s at the SM count of run.json and the SM clock measured at
that best point, so that on-chip and off-chip paths stand on one axis. The level is read off the
rows, not a benchmark's name: the params that name it (level, source, src), else the state spaces
in the PTX: a global one is read from global memory (L2 or DRAM: not known, "global"), else
shared::cluster is distributed shared memory (dsmem) and .shared is shared memory."""
from __future__ import annotations

import pandas as pd

from .movement import BANDWIDTH, bandwidth_table, with_params

LEVEL_PARAMS = ("level", "source", "src")
LEVEL_ORDER = ("shared", "dsmem", "l1", "l2", "dram", "global")
COLUMNS = ["level", "atom", "variant", "metric", "best", "unit", "gbs", "at"]


def level_of(params: dict, ptx: str) -> str:
    for key in LEVEL_PARAMS:
        if params.get(key):
            return str(params[key]).lower()
    ptx = str(ptx)
    if "global" in ptx:
        return "global"
    if "shared::cluster" in ptx:
        return "dsmem"
    return "shared" if ".shared" in ptx else "other"


def _level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _gbs(metric: str, best, sm_count: int | None) -> float | None:
    """GB/s of a best Figure: as measured for a bandwidth row; a per-SM rate times the SMs and
    the clock of its row; None without a valid figure (or, for a per-SM rate, the SM count)."""
    if not best.ok:
        return None
    if metric == BANDWIDTH:
        return best.value
    clock = float(best.row["sm_clock_mhz"])
    return best.value * sm_count * clock / 1e3 if sm_count and clock > 0 else None


def bandwidth_by_benchmark(movement: pd.DataFrame, sm_count: int | None) -> pd.DataFrame:
    """One row per rate benchmark (atom and variant): level, metric, best (as measured), unit,
    gbs and where the best was measured; a benchmark with both a GB/s and a per-SM figure keeps
    the GB/s one. In level order (LEVEL_ORDER, then the others by name), then by GB/s."""
    bw = bandwidth_table(movement)
    if bw.empty:
        return pd.DataFrame(columns=COLUMNS)
    ptx_params = with_params(movement).drop_duplicates(["atom", "variant"]).set_index(["atom", "variant"])["_p"]
    out = []
    for _, r in bw.iterrows():
        params = ptx_params.get((r["atom"], r["variant"]), {})
        out.append({"level": level_of(params, r["ptx"]), "atom": r["atom"], "variant": r["variant"],
                    "metric": r["metric"], "best": r["best"].value, "unit": r["unit"],
                    "gbs": _gbs(r["metric"], r["best"], sm_count), "at": r["at"]})
    df = pd.DataFrame(out, columns=COLUMNS)
    df = df.assign(_m=(df["metric"] != BANDWIDTH).astype(int)).sort_values("_m", kind="stable")
    df = df.drop_duplicates(["atom", "variant"]).drop(columns="_m")
    df = df.assign(_l=df["level"].map(_level_rank), _g=-df["gbs"].fillna(-1.0))
    return df.sort_values(["_l", "level", "_g", "atom", "variant"], kind="stable").drop(columns=["_l", "_g"])


def best_per_level(per_benchmark: pd.DataFrame) -> pd.DataFrame:
    """The benchmark with the highest GB/s of each level (levels without a valid figure left out)."""
    ok = per_benchmark[per_benchmark["gbs"].notna()]
    return ok.drop_duplicates("level") if len(ok) else ok

