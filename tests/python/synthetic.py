"""Synthetic results folders for the analysis tests: every family, with known best values."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from analysis.load import CSV_COLUMNS

SMS, CLOCK = 132, 1755.0
WARPS, ILPS = (4, 8, 12, 16), (1, 2)
# Fraction of an atom's best throughput at each (warps per SM, ILP): the best is at 16 × 2.
GRID = {(4, 1): 0.4, (4, 2): 0.7, (8, 1): 0.7, (8, 2): 0.9, (12, 1): 0.85, (12, 2): 0.97, (16, 1): 0.95,
        (16, 2): 1.0}
N_FACTOR = {64: 0.5, 128: 0.8, 256: 1.0}
RS_FACTOR = 0.98  # every RS atom runs at 0.98 × its SS twin

# label: (a, b, d, K, CuTe types, fraction of the dense peak reached at N = 256 by SS, dense peak)
WGMMA_TYPES = {
    "f16→f32": ("f16", "f16", "f32", 16, "F32F16F16", 0.99, 4096),
    "bf16→f32": ("bf16", "bf16", "f32", 16, "F32BF16BF16", 0.975, 4096),
    "tf32→f32": ("tf32", "tf32", "f32", 8, "F32TF32TF32", 0.90, 2048),
    "e4m3×e5m2→f32": ("e4m3", "e5m2", "f32", 32, "F32E4M3E5M2", 0.98, 8192),
    "s8→s32": ("s8", "s8", "s32", 32, "S32S8S8", 0.97, 8192),       # exactly at the bar
    "u8×s8→s32": ("u8", "s8", "s32", 32, "S32U8S8", 0.99, 8192),    # its N = 256 rows are invalid
    "b1→s32 (and)": ("b1", "b1", "s32", 256, "S32U1U1", 0.5, 65536),  # not in the acceptance check
}


def tflops(ops: float) -> float:
    return ops * SMS * CLOCK * 1e6 / 1e12


def row(family, atom, ptx, metric, a, b, d, m, n, k, w=0, ilp=0, value=0.0, valid=True, native=True, note=""):
    unit = "cycles" if "cycles" in metric else "TFLOP/s" if metric == "tflops" else \
        "B/clk/SM" if "bytes" in metric else "ops/clk/SM" if "ops" in metric else ""
    return dict(family=family, ptx=ptx, atom=atom, m=m, n=n, k=k, a_type=a, b_type=b, c_type=d, d_type=d,
                arch="sm_90a", metric=metric, warps_per_sm=w, ilp=ilp, value=value if valid else 0, unit=unit,
                median=value, iqr=0.1, cv=0.01, samples=7, discarded=0, sm_clock_mhz=CLOCK,
                native="true" if native else "false", sass_opcodes="", verified="true" if valid else "false",
                valid="true" if valid else "false", note=note)


def grid_rows(base: dict, best: float, sparse: bool = False, valid: bool = True) -> list[dict]:
    out = []
    for (w, ilp), f in GRID.items():
        v = best * f
        out.append(row(**base, metric="ops_per_clk_sm", w=w, ilp=ilp, value=v, valid=valid))
        out.append(row(**base, metric="tflops", w=w, ilp=ilp, value=tflops(v), valid=valid))
        if sparse:
            out.append(row(**base, metric="actual_ops_per_clk_sm", w=w, ilp=ilp, value=v / 2, valid=valid))
    return out


def wgmma_latency(n: int, src: str) -> float:
    return 30 + n / 4 + (4 if src == "RS" else 0)


def wgmma_issue(n: int, src: str) -> float:
    return n / 8 + (1 if src == "RS" else 0)


def wgmma_best(label: str, n: int, src: str) -> float:
    _, _, _, _, _, frac, peak = WGMMA_TYPES[label]
    return peak * frac * N_FACTOR[n] * (RS_FACTOR if src == "RS" else 1.0)


def wgmma_atom_name(label: str, n: int, src: str, sparse: bool = False, suffix: str = "") -> str:
    a, b, d, k, cute, _, _ = WGMMA_TYPES[label]
    k = 2 * k if sparse else k
    name = f"SM90_{'SPARSE_' if sparse else ''}64x{n}x{k}_{cute}_{src}"
    return name + ("_ANDPOPC" if a == "b1" else "") + suffix


def wgmma_base(label: str, n: int, src: str, sparse: bool = False, suffix: str = "") -> dict:
    a, b, d, k, _, _, _ = WGMMA_TYPES[label]
    k = 2 * k if sparse else k
    ptx = f"wgmma.mma_async{'.sp' if sparse else ''}.sync.aligned.m64n{n}k{k}.{d}.{a}.{b}" + \
        (".and.popc" if a == "b1" else "")
    return dict(family="wgmma", ptx=ptx, atom=wgmma_atom_name(label, n, src, sparse, suffix), a=a, b=b, d=d,
                m=64, n=n, k=k)


def wgmma_atom_rows(label: str, n: int, src: str, best: float | None = None, sparse: bool = False,
                    suffix: str = "", valid: bool = True) -> list[dict]:
    base = wgmma_base(label, n, src, sparse, suffix)
    best = wgmma_best(label, n, src) if best is None else best
    rows = [row(**base, metric="latency_cycles", w=4, ilp=1, value=wgmma_latency(n, src), valid=valid),
            row(**base, metric="issue_interval_cycles", w=4, ilp=1, value=wgmma_issue(n, src), valid=valid)]
    return rows + grid_rows(base, best, sparse=sparse, valid=valid)


F16_SS_256 = wgmma_atom_name("f16→f32", 256, "SS")
SWIZZLE_FACTORS = {"_SWNONE": 0.5, "_SW32": 0.75, "_SW64": 0.95}
SPARSE_BEST = {"SS": 8192 * 0.95, "RS": 8192 * 0.95 * RS_FACTOR}


def wgmma_rows(ns=tuple(N_FACTOR)) -> list[dict]:
    rows = []
    for label in WGMMA_TYPES:
        for n in ns:
            for src in ("SS", "RS"):
                invalid = label == "u8×s8→s32" and n == 256
                rows += wgmma_atom_rows(label, n, src, valid=not invalid)
    # Rows that must not count: a NaN marked valid, and a rejected value above the peak.
    f16 = wgmma_base("f16→f32", 256, "SS")
    rows.append(row(**f16, metric="ops_per_clk_sm", w=16, ilp=4, value=math.nan))
    rows.append(row(**f16, metric="ops_per_clk_sm", w=20, ilp=2, value=99999, valid=False,
                    note="above the architectural peak (99999 > 4096 ops/clk/SM): rejected"))
    for suffix, f in SWIZZLE_FACTORS.items():
        rows += wgmma_atom_rows("f16→f32", 256, "SS", best=wgmma_best("f16→f32", 256, "SS") * f, suffix=suffix)
    for src, best in SPARSE_BEST.items():
        rows += wgmma_atom_rows("f16→f32", 256, src, best=best, sparse=True)
    return rows


MMA_F16 = "SM80_16x8x16_F32F16F16F32_TN"
MMA_F16_SMALL = "SM75_16x8x8_F32F16F16F32_TN"
MMA_TF32 = "SM80_16x8x8_F32TF32TF32F32_TN"
MMA_BEST = {MMA_F16: 2644.0, MMA_F16_SMALL: 2008.0, MMA_TF32: 1322.0}


def mma_sync_rows() -> list[dict]:
    rows = []
    for atom, (a, k, lat) in {MMA_F16: ("f16", 16, 26.8), MMA_F16_SMALL: ("f16", 8, 17.4),
                              MMA_TF32: ("tf32", 8, 26.8)}.items():
        base = dict(family="mma.sync", ptx=f"mma.sync.aligned.m16n8k{k}.row.col.f32.{a}.{a}.f32", atom=atom,
                    a=a, b=a, d="f32", m=16, n=8, k=k)
        rows.append(row(**base, metric="latency_cycles", w=1, ilp=1, value=lat))
        rows += grid_rows(base, MMA_BEST[atom])
    return rows


MMA_SP_PTX = "mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32"
MMA_SP_BEST = {"SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL0": (5000.0, 30.0),
               "SM80_16x8x32_F32F16F16F32_TN_SPARSE_SEL1": (5200.0, 32.0)}


def mma_sp_rows() -> list[dict]:
    rows = []
    for atom, (best, lat) in MMA_SP_BEST.items():
        base = dict(family="mma.sp", ptx=MMA_SP_PTX, atom=atom, a="f16", b="f16", d="f32", m=16, n=8, k=32)
        rows.append(row(**base, metric="latency_cycles", w=1, ilp=1, value=lat))
        rows += grid_rows(base, best, sparse=True)
    return rows


WMMA = "SM70_WMMA_16x16x16_F32F16F16F32_TN"


def wmma_rows() -> list[dict]:
    base = dict(family="wmma", ptx="wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32", atom=WMMA, a="f16", b="f16",
                d="f32", m=16, n=16, k=16)
    rows = [row(**base, metric="latency_cycles", w=1, ilp=1, value=33.0)] + grid_rows(base, 2500.0)
    for work, (bw, lat) in {"load_a": (600.0, 40.0), "load_b": (590.0, 41.0), "load_c": (1200.0, 45.0),
                            "store_d": (300.0, 50.0)}.items():
        rows.append(row(**base, metric=f"{work}_latency_cycles", w=1, ilp=1, value=lat))
        rows.append(row(**base, metric=f"{work}_bytes_per_clk_sm", w=8, ilp=1, value=bw / 2))
        rows.append(row(**base, metric=f"{work}_bytes_per_clk_sm", w=16, ilp=1, value=bw))
    return rows


def write_folder(path: Path, rows: list[dict], wall_seconds=None, data="random", sha="0123456789abcdef",
                 date="2025-01-02T03:04:05Z") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "instructions.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    run = {"status": "complete", "device": {"name": "NVIDIA H100 80GB HBM3", "sm": 90, "sm_count": SMS},
           "date_utc": date,
           "git": {"sha": sha, "dirty": False}, "command": "tcbench run", "config": {"data": data}}
    if wall_seconds is not None:
        run["wall_seconds"] = wall_seconds
    (path / "run.json").write_text(json.dumps(run))
    return path
