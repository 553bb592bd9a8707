"""What an atom is, read off its CSV fields and name: type combination, shape, wgmma variant."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .plots import safe_name

# Reading order of input types in every per-type table (then the second input, then the
# accumulator).
TYPE_ORDER = ("f16", "bf16", "tf32", "f32", "e4m3", "e5m2", "s8", "u8", "s4", "u4", "b1", "f64")

# SM90_[SPARSE_]64x{N}x{K}_{D}{A}{B}_{SS|RS}[_ANDPOPC][_SWNONE|_SW32|_SW64] (scripts/gen_wgmma.py,
# families/mma/kernels/wgmma_chain.cuh TCB_WGMMA_REGISTER_SWIZZLE appends the swizzle suffix).
_WGMMA_NAME = re.compile(
    r"^SM90_(?P<sparse>SPARSE_)?(?P<m>\d+)x(?P<n>\d+)x(?P<k>\d+)_(?P<types>[A-Z0-9]+)_(?P<src>SS|RS)"
    r"(?P<bitop>_ANDPOPC)?(?P<sw>_SW(?:NONE|32|64|128))?$")
SWIZZLE_BYTES = {None: 128, "_SWNONE": 0, "_SW32": 32, "_SW64": 64, "_SW128": 128}


@dataclass(frozen=True)
class WgmmaName:
    sparse: bool
    n: int
    k: int
    source: str     # "SS" (A and B from shared memory) or "RS" (A from registers)
    swizzle: int    # shared-memory swizzle in bytes, 0 = none; 128 for the plain name
    base_atom: str  # the name without the swizzle suffix: the same instruction


def parse_wgmma_name(atom: str) -> WgmmaName | None:
    m = _WGMMA_NAME.match(str(atom))
    if not m:
        return None
    sw = m.group("sw")
    base = str(atom)[: len(str(atom)) - len(sw)] if sw else str(atom)
    return WgmmaName(sparse=bool(m.group("sparse")), n=int(m.group("n")), k=int(m.group("k")),
                     source=m.group("src"), swizzle=SWIZZLE_BYTES[sw], base_atom=base)


def bit_op(ptx: str) -> str:
    """'and' / 'xor' for the b1 population-count forms, '' otherwise."""
    for op in ("xor", "and"):
        if str(ptx).endswith(f".{op}.popc"):
            return op
    return ""


def type_label(row) -> str:
    a, b, d = row["a_type"], row["b_type"], row["d_type"]
    s = f"{a}→{d}" if a == b else f"{a}×{b}→{d}"
    op = bit_op(row.get("ptx", ""))
    return f"{s} ({op})" if op else s


def type_slug(label: str) -> str:
    """File-name form of a type label: 'e4m3×e5m2→f32' -> 'e4m3_e5m2_f32'."""
    return safe_name(label)


def _order(t: str) -> int:
    return TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER)


def type_sort_key(row) -> int:
    """One integer per type combination, increasing in TYPE_ORDER (a, then b, then d, then bit op)."""
    span = len(TYPE_ORDER) + 1
    rank = (_order(row["a_type"]) * span + _order(row["b_type"])) * span + _order(row["d_type"])
    return rank * 3 + ("", "and", "xor").index(bit_op(row.get("ptx", "")))


def shape_label(m, n, k) -> str:
    return f"m{int(m)}n{int(n)}k{int(k)}"
