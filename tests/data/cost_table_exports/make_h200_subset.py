"""Writes h200_subset.json, the cost-table fixture of the framework exporters' tests (inductor,
llm-viewer), from the H200's full cost table:

    python3 tests/data/cost_table_exports/make_h200_subset.py results/nvidia-h200/cost_table.json

It keeps the instructions in ATOMS (the fastest dense one of every precision the exporters write,
and the faster rows each must pass over: sparse, another accumulator, unsigned, emulated), and
everything else of the table but the numerics paths, which no exporter of these reads. The
exporters give the same files for the subset as for the full table."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ATOMS = (
    "SM90_16x8x16_F64F64F64F64_TN",          # f64: the fastest (mma.sync DMMA)
    "SM80_8x8x4_F64F64F64F64_TN",            # f64: slower
    "SM90_64x136x8_F32TF32TF32_SS",          # tf32: the fastest dense
    "SM90_SPARSE_64x176x16_F32TF32TF32_RS",  # tf32: faster, but 2:4 sparse
    "SM90_64x152x16_F32BF16BF16_RS",         # bf16: the fastest
    "SM80_16x8x16_F32BF16BF16F32_TN",        # bf16: slower (mma.sync)
    "SM90_64x144x16_F32F16F16_RS",           # f16 -> f32: the fastest dense
    "SM90_64x256x16_F16F16F16_RS",           # f16 -> f16: faster, another accumulator
    "SM90_SPARSE_64x168x32_F32F16F16_RS",    # f16 -> f32: faster, but 2:4 sparse
    "SM90_64x144x32_F32E4M3E4M3_RS",         # e4m3 -> f32: the fastest
    "SM90_64x224x32_F16E4M3E4M3_RS",         # e4m3 -> f16: faster, another accumulator
    "SM90_64x176x32_F32E5M2E5M2_RS",         # e5m2 -> f32: the fastest
    "SM90_64x80x32_S32S8S8_SS",              # s8: the fastest
    "SM90_64x112x32_S32U8U8_SS",             # u8: faster, unsigned
    "SM80_16x8x64_S32S4S4S32_TN",            # s4: emulated (no tensor-core opcode on sm_90)
)
FIXTURE = Path(__file__).with_name("h200_subset.json")


def subset(table: dict) -> dict:
    by_atom = {i["atom"]: i for i in table["instructions"]}
    missing = [a for a in ATOMS if a not in by_atom]
    if missing:
        raise SystemExit(f"not in the table: {', '.join(missing)}")
    numerics = dict(table["numerics"], paths=[])
    return dict(table, instructions=[by_atom[a] for a in ATOMS], numerics=numerics)


if __name__ == "__main__":
    full = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    FIXTURE.write_text(json.dumps(subset(full), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(FIXTURE)
