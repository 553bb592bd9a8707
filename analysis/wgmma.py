"""Hopper wgmma views of the per-atom summary: N sweep, SS vs RS, warpgroup scaling, swizzle,
sparse vs dense. Every function takes atom_summary() rows (and valid rows where it needs the
grid) and returns a DataFrame; Markdown and plots are built elsewhere."""
from __future__ import annotations

import statistics

import pandas as pd

from .summary import sort_by_type

HEADLINE_N = 256       # the N the acceptance check, the headline and the comparisons use
WARPS_PER_WARPGROUP = 4
SOURCES = ("SS", "RS")


def wgmma_atoms(summary: pd.DataFrame) -> pd.DataFrame:
    """wgmma atoms whose name parsed (SS/RS known)."""
    return summary[(summary["family"] == "wgmma") & summary["source"].notna()]


def dense_canonical(ws: pd.DataFrame) -> pd.DataFrame:
    """Dense atoms with the canonical 128B swizzle: one per (type, N, source)."""
    return ws[~ws["sparse"].astype(bool) & (ws["swizzle"] == 128)]


def sparse_canonical(ws: pd.DataFrame) -> pd.DataFrame:
    return ws[ws["sparse"].astype(bool) & (ws["swizzle"] == 128)]


def types_in_order(ws: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(sort_by_type(ws)["type"])) if len(ws) else []


def n_sweep(ws: pd.DataFrame, type_label: str) -> pd.DataFrame:
    """Dense 128B-swizzle atoms of one type, sorted by N then source (SS first)."""
    d = dense_canonical(ws)
    d = d[d["type"] == type_label]
    return d.assign(_src=d["source"].map(SOURCES.index)).sort_values(["n", "_src"]).drop(columns="_src")


def best_at_n(ws: pd.DataFrame, n: int = HEADLINE_N, sparse: bool = False) -> pd.DataFrame:
    """Per type, the best atom (SS or RS, 128B swizzle) at N = n; types in TYPE_ORDER."""
    d = sparse_canonical(ws) if sparse else dense_canonical(ws)
    d = d[d["n"] == n]
    if d.empty:
        return d
    d = d.assign(_has=d["best_ops"].notna()).sort_values(["_has", "best_ops"], ascending=[False, False],
                                                          kind="stable")
    return sort_by_type(d.drop_duplicates("type").drop(columns="_has"))


def _ratio(num, den):
    ok = num is not None and den is not None and num == num and den == den and den > 0
    return float(num) / float(den) if ok else None


def _ss_rs_pairs(ws: pd.DataFrame) -> pd.DataFrame:
    """type, n, ss, rs: best ops of both sources of each dense (type, N)."""
    d = dense_canonical(ws)
    if d.empty:
        return pd.DataFrame(columns=["type", "type_order", "n", "ss", "rs"])
    p = d.pivot_table(index=["type", "type_order", "n"], columns="source", values="best_ops", aggfunc="max")
    p = p.reindex(columns=list(SOURCES))
    return p.reset_index().rename(columns={"SS": "ss", "RS": "rs"})


def ss_vs_rs(ws: pd.DataFrame, n: int = HEADLINE_N) -> pd.DataFrame:
    """Per type: SS and RS best ops at N = n, their ratio RS/SS, and the median RS/SS over every N
    where both were measured."""
    pairs = _ss_rs_pairs(ws)
    out = []
    for (label, order), g in pairs.groupby(["type", "type_order"], sort=False):
        at_n = g[g["n"] == n]
        ss = float(at_n["ss"].iloc[0]) if len(at_n) and at_n["ss"].notna().iloc[0] else None
        rs = float(at_n["rs"].iloc[0]) if len(at_n) and at_n["rs"].notna().iloc[0] else None
        ratios = [r for r in (_ratio(b, a) for a, b in zip(g["ss"], g["rs"])) if r is not None]
        out.append({"type": label, "type_order": order, "ss": ss, "rs": rs, "ratio": _ratio(rs, ss),
                    "median_ratio": statistics.median(ratios) if ratios else None, "pairs": len(ratios)})
    df = pd.DataFrame(out, columns=["type", "type_order", "ss", "rs", "ratio", "median_ratio", "pairs"])
    return sort_by_type(df)


def overall_rs_ss_ratio(ws: pd.DataFrame) -> float | None:
    """Median RS/SS throughput ratio over every dense (type, N) with both measured."""
    pairs = _ss_rs_pairs(ws)
    ratios = [r for r in (_ratio(b, a) for a, b in zip(pairs["ss"], pairs["rs"])) if r is not None]
    return statistics.median(ratios) if ratios else None


def warpgroup_scaling(ws: pd.DataFrame, valid: pd.DataFrame, n: int = HEADLINE_N) -> tuple[pd.DataFrame, list[int]]:
    """Best ops/clk/SM (over ILP) per warpgroups per SM, for each dense 128B atom at N = n.
    Returns (one row per atom: type, source, atom, wg<k> columns; the warpgroup counts)."""
    atoms = dense_canonical(ws)
    atoms = atoms[atoms["n"] == n]
    ops = valid[(valid["family"] == "wgmma") & (valid["metric"] == "ops_per_clk_sm")
                & valid["atom"].isin(atoms["atom"]) & (valid["warps_per_sm"] % WARPS_PER_WARPGROUP == 0)]
    ops = ops.assign(wg=ops["warps_per_sm"] // WARPS_PER_WARPGROUP)
    counts = sorted(int(w) for w in ops["wg"].unique() if w > 0)
    best = ops.groupby(["atom", "wg"])["value"].max()
    out = []
    for _, a in atoms.iterrows():
        rec = {"type": a["type"], "type_order": a["type_order"], "source": a["source"], "atom": a["atom"]}
        rec.update({f"wg{c}": best.get((a["atom"], c)) for c in counts})
        out.append(rec)
    df = pd.DataFrame(out, columns=["type", "type_order", "source", "atom"] + [f"wg{c}" for c in counts])
    if len(df):
        df = df.assign(_src=df["source"].map(SOURCES.index))
        df = sort_by_type(df, "_src").drop(columns="_src")
    return df, counts


def swizzle_comparison(ws: pd.DataFrame) -> pd.DataFrame:
    """Every instruction measured with more than one swizzle: one row per variant, with its
    throughput relative to the 128B (plain-named) atom."""
    groups = ws.groupby("base_atom", sort=False)
    out = []
    for base, g in groups:
        if g["swizzle"].nunique() < 2:
            continue
        ref = g[g["swizzle"] == 128]["best_ops"]
        ref_ops = float(ref.iloc[0]) if len(ref) and ref.notna().iloc[0] else None
        for _, r in g.sort_values("swizzle", ascending=False).iterrows():
            out.append({"base_atom": base, "atom": r["atom"], "type": r["type"], "type_order": r["type_order"],
                        "swizzle": int(r["swizzle"]), "latency": r["latency"], "issue_interval": r["issue_interval"],
                        "best_ops": r["best_ops"], "vs_128": _ratio(r["best_ops"], ref_ops)})
    return pd.DataFrame(out, columns=["base_atom", "atom", "type", "type_order", "swizzle", "latency",
                                      "issue_interval", "best_ops", "vs_128"])


def swizzle_label(bytes_: int) -> str:
    return "none" if int(bytes_) == 0 else f"{int(bytes_)}B"


def sparse_vs_dense(ws: pd.DataFrame) -> pd.DataFrame:
    """Each sparse 128B atom beside the dense atom of the same type, N and source: dense-equivalent
    and actual (useful, zeros excluded) rates and the speed-up over dense."""
    dense = dense_canonical(ws).set_index(["type", "n", "source"])["best_ops"]
    dense = dense[~dense.index.duplicated()]
    out = []
    for _, r in sparse_canonical(ws).iterrows():
        d = dense.get((r["type"], r["n"], r["source"]))
        d = None if d is None or d != d else float(d)
        out.append({"type": r["type"], "type_order": r["type_order"], "n": int(r["n"]), "source": r["source"],
                    "atom": r["atom"], "best_ops": r["best_ops"], "pct_peak": r["pct_peak"],
                    "best_actual_ops": r["best_actual_ops"], "dense_ops": d, "speedup": _ratio(r["best_ops"], d),
                    "actual_vs_dense": _ratio(r["best_actual_ops"], d)})
    df = pd.DataFrame(out, columns=["type", "type_order", "n", "source", "atom", "best_ops", "pct_peak",
                                    "best_actual_ops", "dense_ops", "speedup", "actual_vs_dense"])
    if len(df):
        df = df.assign(_src=df["source"].map(SOURCES.index))
        df = sort_by_type(df, "n", "_src").drop(columns="_src")
    return df
