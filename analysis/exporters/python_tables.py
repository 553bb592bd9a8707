"""What the exporters that write a Python table for a framework (inductor, llm-viewer) share: the
measured peak a framework's "peak FLOP/s of precision P" stands for, with the words saying where it
came from, and the comment and header lines around it."""
from __future__ import annotations

import textwrap
from typing import Iterable, Optional

COMMENT_WIDTH = 100


def operand_types(row: dict) -> tuple:
    """(A, B, accumulator) of an instruction: what a precision is matched on."""
    return row["types"]["a"], row["types"]["b"], row["types"]["c"]


def types_text(types: tuple) -> str:
    a, b, c = types
    return f"{a} x {b} -> {c}"


def dense_tensor_core_rows(instructions: Iterable[dict], types: tuple) -> list:
    """Measured dense instructions of these operand types that their native unit executes (a
    tensor-core opcode; for family cuda_core the FMA pipe): a 2:4 sparse rate is not what a dense
    matmul gets, and an MMA whose SASS holds no tensor-core opcode (native false) is emulated on the
    ordinary pipes (native null: SASS not inspected)."""
    return [i for i in instructions if operand_types(i) == types and not i["sparse"]
            and i["native"] is not False and i["tflops"] is not None]


def fastest_dense(instructions: Iterable[dict], types: tuple) -> Optional[dict]:
    """The dense tensor-core instruction of these types with the highest measured TFLOP/s, or None;
    ties go to the atom name, so that the choice does not depend on the order of the table."""
    return max(dense_tensor_core_rows(instructions, types), key=lambda i: (i["tflops"], i["atom"]), default=None)


def no_peak_text(types: tuple) -> str:
    """Why a precision has no peak: nothing of it measured, or only sparse or emulated instructions."""
    return f"no measured dense {types_text(types)} instruction runs natively (tensor cores or the FMA pipe)"


def figure_text(x) -> str:
    """A figure as the table holds it (6 significant digits at most)."""
    return "n/a" if x is None else f"{x:g}"


def rate_unit(types: tuple) -> str:
    """The table's tflops are TOPS for integer matmuls (s32 accumulator)."""
    return "TOPS" if types[2] == "s32" else "TFLOP/s"


def peak_source(row: dict, sm_count: int) -> str:
    """Where a peak comes from: tflops = ops_per_clk_sm x SMs x the SM clock measured while that
    instruction ran (the clock the chip held under that load, not the boost clock)."""
    types = operand_types(row)
    return (f"{row['atom']} ({row['family']}, {types_text(types)}): "
            f"{figure_text(row['ops_per_clk_sm'])} ops/clk/SM x {sm_count} SMs at "
            f"{figure_text(row['tflops_sm_clock_mhz'])} MHz = {figure_text(row['tflops'])} {rate_unit(types)}, dense")


def dram_bandwidth_gbs(table: dict, exporter: str) -> float:
    """The measured DRAM bandwidth (GB/s, 1e9 bytes/s, whole GPU); every roofline needs one, so a
    table without it cannot be exported."""
    level = table["movement"]["levels"].get("dram")
    if level is None or level["bandwidth_gbs"] is None:
        raise ValueError(f"{exporter}: movement.levels.dram.bandwidth_gbs is not measured, and the consumer's "
                         f"entry cannot be written without a DRAM bandwidth")
    return level["bandwidth_gbs"]


def dram_source(table: dict) -> str:
    level, device = table["movement"]["levels"]["dram"], table["device"]
    return (f"movement.levels.dram.bandwidth_gbs = {figure_text(level['bandwidth_gbs'])} GB/s measured "
            f"({'; '.join(level['sources'])}); datasheet {figure_text(device['datasheet_dram_gbs'])} GB/s")


def comment(words: str, indent: int = 0) -> list:
    """`words` as '#' lines of at most COMMENT_WIDTH characters, indented by `indent` spaces."""
    prefix = " " * indent + "# "
    return textwrap.wrap(words, COMMENT_WIDTH, initial_indent=prefix, subsequent_indent=prefix,
                         break_on_hyphens=False, break_long_words=False) or [prefix.rstrip()]


def provenance_text(table: dict, what: str) -> str:
    device, provenance = table["device"], table["provenance"]
    return (f"{what} for {device['name']} ({device['arch']}, {device['sm_count']} SMs), written by tcbench "
            f"{provenance['tool_version']} (exporter at {provenance['exported_with_git_sha']}) from "
            f"{provenance['results_folder']}, measured {provenance['measured_from_utc']} .. "
            f"{provenance['measured_to_utc']}.")
