"""`tcbench export llm-viewer`: this GPU as a hardware entry of LLM-Viewer's table
(hardwares/hardware_params.py: `hardware_params = {name: {"bandwidth": bytes/s, "FP16": OP/s,
"INT8": OP/s, "INT4": OP/s, "onchip_buffer": bytes, "memory_capacity": bytes, "category": ...}}`),
the roofline its analyzer reads: it takes "bandwidth", the peak of the tier the quantization's bit
widths fall in (INT4 up to 4 bits, INT8 up to 8, else FP16; an absent tier falls back to the next)
and "onchip_buffer" (flash-attention's tile size). Upstream's entries quote datasheets (dense =
sparse / 2); this one holds what tcbench measured, dense, each peak at the SM clock the chip held
while that instruction ran. docs/exporters/llm_viewer.md explains each value."""
from __future__ import annotations

import json
import re

from .python_tables import (comment, dram_bandwidth_gbs, dram_source, fastest_dense, no_peak_text, peak_source,
                            provenance_text)

FILES = ("hardware_params.py",)
UPSTREAM_COMMIT = "df2cba903282463b2fd8a7231f744be74dd4020b"
ENTRY_SUFFIX = "tcbench"  # keeps the measured entry apart from upstream's datasheet one
# "cloud": the LLM viewer lists it (its VLA viewer lists "edge"); the analyzer ignores it.
CATEGORY = "cloud"

# The peak keys and the matmul each stands for: (A, B, accumulator). LLM kernels accumulate
# floating point in f32 and integers in s32.
PEAK_KEYS = (
    ("FP16", ("f16", "f16", "f32")),
    ("INT8", ("s8", "s8", "s32")),
    ("INT4", ("s4", "s4", "s32")),
)
REQUIRED_PEAK = "FP16"  # the tier the analyzer falls back to: an entry needs it
# Measured peaks no key of upstream's reads, listed in a comment for the reader.
UNREAD_PEAKS = (("f16", "f16", "f16"), ("bf16", "bf16", "f32"), ("e4m3", "e4m3", "f32"),
                ("e5m2", "e5m2", "f32"), ("tf32", "tf32", "f32"), ("f64", "f64", "f64"))
INDENT = 8  # the entry's keys inside hardware_params = {name: {...}}


def entry_name(device_name: str) -> str:
    """'NVIDIA H200' -> 'nvidia_H200_tcbench', in the style of upstream's keys (nvidia_H100_SXM)."""
    vendor, *model = device_name.split()
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join([vendor.lower(), *model, ENTRY_SUFFIX]))


def scaled_literal(x: float, exponent: int) -> str:
    """x * 10**exponent as upstream writes it (4639.4e9); the table's 6 significant digits stay."""
    text = f"{x:g}"
    return f"{text}e{exponent}" if "e" not in text else repr(x * 10 ** exponent)


def key_lines(key: str, value: str, source: str) -> list:
    return comment(source, INDENT) + [f"{' ' * INDENT}{json.dumps(key)}: {value},"]


def peak_lines(table: dict, key: str, types: tuple) -> list:
    row = fastest_dense(table["instructions"], types)
    if row is None:
        if key == REQUIRED_PEAK:
            raise ValueError(f"llm-viewer: {no_peak_text(types)}, and LLM-Viewer needs {key} (the tier "
                             f"every other one falls back to)")
        return comment(f"{key}: not written, {no_peak_text(types)} (the analyzer falls back to the next wider "
                       f"tier).", INDENT)
    return key_lines(key, scaled_literal(row["tflops"], 12),
                     peak_source(row, table["device"]["sm_count"]) + "; OP/s")


def onchip_buffer_lines(device: dict) -> list:
    per_sm = device["shared_memory_per_sm_bytes"]
    if per_sm is None:
        raise ValueError("llm-viewer: device.shared_memory_per_sm_bytes is unknown, and LLM-Viewer needs an "
                         "onchip_buffer")
    return key_lines("onchip_buffer", str(device["sm_count"] * per_sm),
                     f"device.sm_count {device['sm_count']} x device.shared_memory_per_sm_bytes {per_sm}: the "
                     f"shared memory flash-attention tiles live in (upstream's entries hold the register files, "
                     f"which tcbench does not record; both size flash-attention's tile the same, head_size rows)")


def entry_lines(table: dict) -> list:
    device = table["device"]
    bandwidth = scaled_literal(dram_bandwidth_gbs(table, "llm-viewer"), 9)
    return ([f"    {json.dumps(entry_name(device['name']))}: {{"]
            + key_lines("bandwidth", bandwidth, dram_source(table) + "; bytes/s")
            + [line for key, types in PEAK_KEYS for line in peak_lines(table, key, types)]
            + onchip_buffer_lines(device)
            + key_lines("memory_capacity", str(device["memory_bytes"]), "device.memory_bytes, bytes")
            + key_lines("category", json.dumps(CATEGORY), "the LLM viewer lists 'cloud' hardware")
            + ["    },"])


def unread_peak_lines(table: dict) -> list:
    rows = [row for row in (fastest_dense(table["instructions"], t) for t in UNREAD_PEAKS) if row]
    sources = [peak_source(row, table["device"]["sm_count"]) for row in rows]
    return comment("Measured too, read by no key upstream (its analyzer takes INT8 for FP8 as well): "
                   + "; ".join(sources) + ".", 4) if rows else []


def header_lines(table: dict) -> list:
    return (comment(provenance_text(table, "LLM-Viewer hardware entry"))
            + comment(f"Format of hahnyuan/LLM-Viewer {UPSTREAM_COMMIT} (hardwares/hardware_params.py): add the "
                      f"entry to its hardware_params dict, or run this file and update that dict with its "
                      f"hardware_params; see docs/exporters/llm_viewer.md.")
            + comment("Every figure is measured: peaks are dense (no 2:4 sparsity), each at the SM clock the "
                      "chip held while that instruction ran; bandwidth and peaks per second, sizes in bytes."))


def params_text(table: dict) -> str:
    lines = (header_lines(table) + ["", "hardware_params = {"] + unread_peak_lines(table)
             + entry_lines(table) + ["}"])
    return "\n".join(lines) + "\n"


def render(table: dict, results_dir=None) -> dict:
    """{file name: text}; `results_dir` is not needed (everything comes from the table)."""
    return {"hardware_params.py": params_text(table)}
