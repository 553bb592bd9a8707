"""Datasheet dense peaks per SM per clock, for the 'datasheet peak' line and '% of peak'.

Mirrors the table in DESIGN.md section 4 (and harness/device/peaks.cpp, which the run's plausibility
guard uses; the int4 / b1 / sm_86 / sm_89 rows come from there). Values are multiply-adds
(FMA) per clock per SM; ops = 2 x FMA. Sparse 2:4 instructions (family mma.sp, and the wgmma
atoms SM90_SPARSE_* = wgmma.mma_async.sp) double them, as harness/device/peaks.cpp does (is_sparse).
These are leads from vendor whitepapers, not readings. A type without a figure has no peak
(None), and no '% of peak' is shown for it.
"""
from __future__ import annotations

import re

# sm -> {a_type: FMA per clock per SM}
_F16 = ("f16", "bf16")
_TF32 = ("tf32", "f32")
_FP8 = ("e4m3", "e5m2")
_INT8 = ("s8", "u8")
_INT4 = ("s4", "u4")


def _row(f16=None, tf32=None, f64=None, fp8=None, int8=None, int4=None, b1=None):
    out = {}
    for types, v in ((_F16, f16), (_TF32, tf32), (("f64",), f64), (_FP8, fp8), (_INT8, int8), (_INT4, int4),
                     (("b1",), b1)):
        if v is not None:
            out.update({t: float(v) for t in types})
    return out


PEAK_FMA_PER_CLK_SM: dict[int, dict[str, float]] = {
    70: _row(f16=512),                                                             # V100
    72: _row(f16=512, int8=1024),                                                  # Xavier
    75: _row(f16=512, int8=1024, int4=2048, b1=8192),                              # T4
    80: _row(f16=1024, tf32=512, f64=64, int8=2048, int4=4096, b1=16384),          # A100
    86: _row(f16=512, tf32=256, int8=1024, int4=2048, b1=8192),                    # GA10x
    87: _row(f16=1024, tf32=512, f64=64, int8=2048, int4=4096, b1=16384),          # Orin
    89: _row(f16=512, tf32=128, fp8=1024, int8=1024, int4=2048, b1=8192),          # Ada
    90: _row(f16=2048, tf32=1024, f64=128, fp8=4096, int8=4096, int4=8192, b1=32768),  # H100 (wgmma)
}


# The CUDA-core (non-tensor) FMAs of family cuda_core: multiply-add results per clock per SM (an
# f16x2 / bf16x2 FMA gives two), mirroring families/cuda_core/peaks.cpp (the CUDA C++ Programming
# Guide's "Throughput of Native Arithmetic Instructions"); its rows carry the same figure as bound.
CUDA_CORE_FAMILY = "cuda_core"
CUDA_CORE_FMA_PER_CLK_SM: dict[int, dict[str, float]] = {
    70: {"f32": 64.0, "f16": 128.0, "f64": 32.0},
    75: {"f32": 64.0, "f16": 128.0, "f64": 2.0},
    80: {"f32": 64.0, "f16": 256.0, "bf16": 128.0, "f64": 32.0},
    86: {"f32": 128.0, "f16": 256.0, "bf16": 128.0, "f64": 2.0},
    89: {"f32": 128.0, "f16": 128.0, "bf16": 128.0, "f64": 2.0},
    90: {"f32": 128.0, "f16": 256.0, "bf16": 256.0, "f64": 64.0},
}


def sm_number(arch) -> int | None:
    """'sm_90a' -> 90, 90 -> 90, '90' -> 90; None when there is no number."""
    if arch is None:
        return None
    if isinstance(arch, (int,)) and not isinstance(arch, bool):
        return int(arch)
    m = re.search(r"(\d+)", str(arch))
    return int(m.group(1)) if m else None


def is_sparse(family: str = "", atom: str = "", ptx: str = "") -> bool:
    """2:4 structured-sparse instruction: mma.sp, or wgmma.mma_async.sp (atoms SM90_SPARSE_*)."""
    if str(family).startswith("mma.sp"):
        return True
    return str(atom).startswith("SM90_SPARSE_") or "wgmma.mma_async.sp." in str(ptx)


def peak_ops_per_clk_sm(arch, a_type: str, family: str = "", atom: str = "", ptx: str = "") -> float | None:
    """Datasheet dense (or, for sparse instructions, dense-equivalent sparse) peak in ops/clk/SM;
    the CUDA-core peak for family cuda_core; None when unknown."""
    sm = sm_number(arch)
    table = CUDA_CORE_FMA_PER_CLK_SM if str(family) == CUDA_CORE_FAMILY else PEAK_FMA_PER_CLK_SM
    fma = table.get(sm, {}).get(str(a_type).lower()) if sm is not None else None
    if fma is None:
        return None
    sparse = 2.0 if is_sparse(family, atom, ptx) else 1.0
    return 2.0 * fma * sparse
