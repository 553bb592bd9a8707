"""`tcbench export inductor`: PyTorch Inductor's device entry for this GPU, measured, as a Python
snippet that registers it.

Inductor's runtime estimates and its profile analysis read a table of devices
(torch/_inductor/analysis/device_info.py: `DeviceInfo(tops, dram_bw_gbs, dram_gb)` keyed by
`torch.cuda.get_device_name()`, `tops` in TFLOP/s per `torch.dtype` plus the key "torch.tf32").
Upstream's entries quote datasheets; this one holds what tcbench measured: per dtype the fastest
dense tensor-core instruction of that matmul's operand types, at the SM clock the chip held while
it ran, and the measured DRAM bandwidth. The snippet needs torch and nothing of tcbench; importing
it registers the entry (through `register_device_info` where torch has it, else straight into
`_device_mapping`, the only way older torch offers). docs/exporters/inductor.md explains each value."""
from __future__ import annotations

import json

from .python_tables import (comment, dram_bandwidth_gbs, dram_source, fastest_dense, figure_text, no_peak_text,
                            peak_source, provenance_text)

FILES = ("inductor_device_info.py",)
# The format is pinned at torch 2.15.0 (its wheel's torch.version.git_version) and checked against
# an older commit too, from before register_device_info, whose lookup is by the exact name.
UPSTREAM_COMMIT = "d0f2af8b66b20da4baa50644c0cd3f887a2eae2e"
UPSTREAM_OLDER_COMMIT = "00604d0f7e9adbfb6a6ef06f375007945118044d"

# The `tops` keys written (as Python source) and the matmul each stands for: (A, B, accumulator).
# PyTorch's floating-point matmuls accumulate in f32 (cuBLAS's compute type), torch._int_mm in s32.
# torch.float32 (strict, TF32 off) is the CUDA-core FFMA (family cuda_core): no tensor-core path
# takes f32 operands. With it present, upstream's datasheet_tops(float32, is_tf32=True) takes the
# tf32 key; without it, it answers None either way (it checks the dtype first).
TOPS_KEYS = (
    ("torch.float64", ("f64", "f64", "f64")),
    ("torch.float32", ("f32", "f32", "f32")),
    ('"torch.tf32"', ("tf32", "tf32", "f32")),
    ("torch.bfloat16", ("bf16", "bf16", "f32")),
    ("torch.float16", ("f16", "f16", "f32")),
    ("torch.float8_e4m3fn", ("e4m3", "e4m3", "f32")),
    ("torch.float8_e5m2", ("e5m2", "e5m2", "f32")),
    ("torch.int8", ("s8", "s8", "s32")),
)
# Keys upstream's entries have that are never written, and why.
NOT_WRITTEN = (
    ("torch.float8_e4m3fnuz, torch.float8_e5m2fnuz", "AMD's FP8 encodings, which no NVIDIA instruction takes"),
    ("torch.float8_e8m0fnu", "a block-scale format, not an operand type of these instructions"),
)
GIB = 2 ** 30
INDENT = 8  # the tops entries' indentation inside DeviceInfo(tops={...})


def tops_entry_lines(table: dict, key: str, types: tuple) -> list:
    row = fastest_dense(table["instructions"], types)
    if row is None:
        return comment(f"{key}: not written, {no_peak_text(types)}.", INDENT)
    return comment(peak_source(row, table["device"]["sm_count"]), INDENT) + [
        f"{' ' * INDENT}{key}: {figure_text(row['tflops'])},"]


def tops_lines(table: dict) -> list:
    written = [line for key, types in TOPS_KEYS for line in tops_entry_lines(table, key, types)]
    skipped = [line for key, why in NOT_WRITTEN for line in comment(f"{key}: not written: {why}.", INDENT)]
    return written + skipped


def dram_gb(device: dict) -> float:
    """GiB, as upstream's figures are (80 for the H100 80GB, whose HBM is 80 GiB); nothing in torch
    2.15 reads it."""
    return device["memory_bytes"] / GIB


def device_info_lines(table: dict) -> list:
    device = table["device"]
    return (["MEASURED = device_info.DeviceInfo(", "    tops={"] + tops_lines(table) + ["    },"]
            + comment(dram_source(table) + "; 1e9 bytes/s, as upstream's figures.", 4)
            + [f"    dram_bw_gbs={figure_text(dram_bandwidth_gbs(table, 'inductor'))},"]
            + comment(f"device.memory_bytes {device['memory_bytes']} / 2**30 (GiB, as upstream's figures are).", 4)
            + [f"    dram_gb={dram_gb(device):.6g},", ")"])


REGISTER_FUNCTION = '''


def register(name=DEVICE_NAME, info=MEASURED):
    """Makes lookup_device_info(name) answer `info`."""
    if hasattr(device_info, "register_device_info"):
        # torch 2.15 and later: keyed by the upper-cased name, which is what lookup asks for.
        device_info.register_device_info(name, info)
        return
    # Older torch has no registration function; some look names up as given, some upper-cased.
    for key in dict.fromkeys((name, name.upper())):
        device_info._device_mapping[key] = info


register()
'''


def header_lines(table: dict) -> list:
    name = table["device"]["name"]
    return (comment(provenance_text(table, "PyTorch Inductor device entry"))
            + comment(f"Importing or running this file registers it in torch._inductor.analysis.device_info "
                      f"under torch.cuda.get_device_name() = {name!r}, replacing any datasheet entry of that "
                      f"name; do it before Inductor's first estimate (it caches them). Format of pytorch/pytorch "
                      f"{UPSTREAM_COMMIT} (torch 2.15.0), also read by older torch; see "
                      f"docs/exporters/inductor.md.")
            + comment("Every figure is measured: TFLOP/s (TOPS for int8) of dense instructions, no 2:4 sparsity "
                      "(so tops_sparsity_factor keeps its default 1), each at the SM clock the chip held while "
                      "that instruction ran."))


def snippet_text(table: dict) -> str:
    lines = (header_lines(table)
             + ["", "import torch", "from torch._inductor.analysis import device_info", "",
                f"DEVICE_NAME = {json.dumps(table['device']['name'])}", ""]
             + device_info_lines(table))
    return "\n".join(lines) + REGISTER_FUNCTION


def render(table: dict, results_dir=None) -> dict:
    """{file name: text}; `results_dir` is not needed (everything comes from the table)."""
    return {"inductor_device_info.py": snippet_text(table)}
