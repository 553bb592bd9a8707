"""Cross-family views: mma.sync against wgmma, mma.sp against dense mma.sync, wmma's mma and
its load/store costs kept apart."""
from __future__ import annotations

import pandas as pd

from .summary import best_per_type, measured_atoms, sort_by_type
from .wgmma import HEADLINE_N, best_at_n, wgmma_atoms

# wmma work other than the mma itself; its metrics are prefixed "<work>_" (harness/core/runner.cpp).
WMMA_WORKS = ("load_a", "load_b", "load_c", "store_d")


def family_atoms(summary: pd.DataFrame, family: str) -> pd.DataFrame:
    return measured_atoms(summary[summary["family"] == family])


def _ratio(num, den):
    ok = num is not None and den is not None and num == num and den == den and den > 0
    return float(num) / float(den) if ok else None


def mma_sync_vs_wgmma(summary: pd.DataFrame, n: int = HEADLINE_N) -> pd.DataFrame:
    """Per type present in both families: the best mma.sync shape and the best dense wgmma at
    N = n (SS or RS, 128B swizzle), and how much faster wgmma is."""
    sync = best_per_type(family_atoms(summary, "mma.sync")).set_index("type")
    wg = best_at_n(wgmma_atoms(summary), n)
    wg = wg[wg["best_ops"].notna()].set_index("type") if len(wg) else wg
    out = []
    for label in sync.index.intersection(wg.index) if len(sync) and len(wg) else []:
        s, w = sync.loc[label], wg.loc[label]
        out.append({"type": label, "type_order": s["type_order"], "sync_atom": s["atom"], "sync_shape": s["shape"],
                    "sync_ops": s["best_ops"], "sync_pct": s["pct_peak"], "sync_native": s["native_label"],
                    "wgmma_atom": w["atom"], "wgmma_ops": w["best_ops"], "wgmma_pct": w["pct_peak"],
                    "speedup": _ratio(w["best_ops"], s["best_ops"])})
    cols = ["type", "type_order", "sync_atom", "sync_shape", "sync_ops", "sync_pct", "sync_native", "wgmma_atom",
            "wgmma_ops", "wgmma_pct", "speedup"]
    return sort_by_type(pd.DataFrame(out, columns=cols))


def mma_sp_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per mma.sp instruction (PTX string): the best over its sparsity-selector variants,
    beside the best dense mma.sync of the same type (any shape: rates are per clock and SM)."""
    sp = family_atoms(summary, "mma.sp")
    dense = family_atoms(summary, "mma.sync")
    out = []
    for ptx, g in sp.groupby("ptx", sort=False):
        best = g.loc[g["best_ops"].idxmax()] if g["best_ops"].notna().any() else g.iloc[0]
        d = dense[dense["type"] == best["type"]]
        d_ops = float(d["best_ops"].max()) if len(d) and d["best_ops"].notna().any() else None
        out.append({"ptx": ptx, "type": best["type"], "type_order": best["type_order"], "shape": best["shape"],
                    "variants": len(g), "best_atom": best["atom"], "latency": g["latency"].median(),
                    "best_ops": best["best_ops"], "pct_peak": best["pct_peak"],
                    "best_actual_ops": g["best_actual_ops"].max(), "native_label": best["native_label"],
                    "dense_ops": d_ops, "speedup": _ratio(best["best_ops"], d_ops)})
    cols = ["ptx", "type", "type_order", "shape", "variants", "best_atom", "latency", "best_ops", "pct_peak",
            "best_actual_ops", "native_label", "dense_ops", "speedup"]
    return sort_by_type(pd.DataFrame(out, columns=cols))


def wmma_work_costs(summary: pd.DataFrame, valid: pd.DataFrame) -> pd.DataFrame:
    """Per wmma atom: best bytes/clk/SM and median latency of each load/store, apart from the mma."""
    atoms = summary[summary["family"] == "wmma"]
    w = valid[valid["family"] == "wmma"]
    out = []
    for _, a in atoms.iterrows():
        rows = w[w["atom"] == a["atom"]]
        rec = {"atom": a["atom"], "type": a["type"], "type_order": a["type_order"], "shape": a["shape"]}
        for work in WMMA_WORKS:
            bw = rows[rows["metric"] == f"{work}_bytes_per_clk_sm"]["value"]
            lat = rows[rows["metric"] == f"{work}_latency_cycles"]["value"]
            rec[f"{work}_bytes"] = float(bw.max()) if len(bw) else None
            rec[f"{work}_latency"] = float(lat.median()) if len(lat) else None
        if any(rec[f"{wk}_{m}"] is not None for wk in WMMA_WORKS for m in ("bytes", "latency")):
            out.append(rec)
    cols = ["atom", "type", "type_order", "shape"] + [f"{wk}_{m}" for wk in WMMA_WORKS for m in ("bytes", "latency")]
    return sort_by_type(pd.DataFrame(out, columns=cols))


# Families in reading order; sparse wgmma (wgmma.mma_async.sp) apart from dense, as mma.sp is
# apart from mma.sync: its dense-equivalent rate counts the zeros of the 2:4 pattern.
FAMILY_ORDER = ("mma.sync", "mma.sp", "wmma", "wgmma", "wgmma.sp")
BY_TYPE_COLUMNS = ["family", "type", "type_order", "atoms", "best_ops", "best_atom", "pct_peak", "tflops",
                   "clock_mhz", "latency", "latency_atom"]


def family_label(r) -> str:
    return "wgmma.sp" if r["family"] == "wgmma" and r["sparse"] else r["family"]


def _lowest_latency(g: pd.DataFrame) -> tuple:
    lat = g[g["latency"].notna()]
    if lat.empty:
        return None, None
    best = lat.loc[lat["latency"].idxmin()]
    return float(best["latency"]), best["atom"]


def latency_peak_by_type(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per (family, type) measured: how many atoms, the best ops/clk/SM (its atom, % of
    the datasheet peak, TFLOP/s and clock) and the lowest latency (its atom); in type order, then
    FAMILY_ORDER."""
    atoms = measured_atoms(summary)
    if atoms.empty:
        return pd.DataFrame(columns=BY_TYPE_COLUMNS)
    atoms = atoms.assign(family=atoms.apply(family_label, axis=1))
    out = []
    for (fam, label), g in atoms.groupby(["family", "type"], sort=False):
        top = best_per_type(g).iloc[0]
        latency, latency_atom = _lowest_latency(g)
        measured = top["best_ops"] == top["best_ops"]  # not NaN: the type has a throughput figure
        out.append({"family": fam, "type": label, "type_order": top["type_order"], "atoms": len(g),
                    "best_ops": top["best_ops"], "best_atom": top["atom"] if measured else None,
                    "pct_peak": top["pct_peak"], "tflops": top["tflops"], "clock_mhz": top["clock_mhz"],
                    "latency": latency, "latency_atom": latency_atom})
    df = pd.DataFrame(out, columns=BY_TYPE_COLUMNS)
    rank = df["family"].map(lambda f: FAMILY_ORDER.index(f) if f in FAMILY_ORDER else len(FAMILY_ORDER))
    return df.assign(_f=rank).sort_values(["type_order", "_f", "family"], kind="stable").drop(columns="_f")
