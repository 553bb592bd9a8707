"""`tcbench export accel-sim`: the gpgpusim.config and trace.config fragments Accel-Sim's tuner
(accel-sim-framework util/tuner: its microbenchmarks print `-option value` lines, tuner.py pastes
them into config_template/) would write from this GPU's measurements, in the tuner's conventions:

  * every latency in SM cycles, with the core, interconnect and L2 clock domains at the SM clock;
  * -gpgpu_l2_rop_latency = L2 hit - L1 hit latency (l2_lat.cu), -dram_latency = DRAM - L2
    (mem_lat.cu): GPGPU-Sim adds them up along a miss's path;
  * the tensor unit's latency and initiation interval from f16 x f16 -> f32 (config_tensor.cu),
    per SASS HMMA instruction, on the specialized unit upstream's opcode maps send
    HMMA/IMMA/DMMA/BMMA to (SPECIALIZED_UNIT_3, "TENSOR").

Only option names that upstream's parser registers are written (it exits on any other; the list
is tests/data/accel_sim/registered_options.txt, made from the commits in UPSTREAM_COMMITS). A
figure without an option (wgmma, TMA, DSMEM, the other tensor opcodes, bandwidths, energy...) is
listed in a comment block at the end of the file it belongs to; docs/exporters/accel_sim.md
explains every line. Values are whole numbers (upstream reads them with %u), rounded half up; the
tuner truncates, which costs one cycle whenever a median lands just under an integer."""
from __future__ import annotations

import math
import statistics
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ..cost_table import ISSUING_UNITS_PER_SM

FILES = ("gpgpusim.config", "trace.config")
UPSTREAM_COMMITS = {
    "accel-sim/accel-sim-framework": "73f9fac68a1a717750da54d2d867c7524b47b4c3",
    "accel-sim/gpgpu-sim_distribution": "667834cfe5214523edd7769aeab77f91b7137686",
}
TENSOR_UNIT = 3          # -specialized_unit_3 / -trace_opcode_latency_initiation_spec_op_3
TENSOR_UNIT_NAME = "TENSOR"
# The tuner's DRAM clock is memoryClockRate x 2 / ratio, ratio 2 for HBM and 4 for GDDR
# (GPU_Microbenchmark/hw_def/common/common.h). An HBM stack is 1024 bits wide; no GDDR board
# has a bus that wide, so the bus width tells the two apart.
HBM_MIN_BUS_BITS = 1024
DRAM_FREQ_RATIO = {"HBM": 2, "GDDR": 4}
# The PTX wmma shape config_tensor.cu times (its latency feeds the PTX-mode tensor options).
TUNER_WMMA_SHAPE = (16, 16, 16)
COMMENT_WIDTH = 100


@dataclass(frozen=True)
class Option:
    """One `-name value` line and the measured figures behind it (written as a comment above
    it); value None: not written, `source` says which figure is missing."""
    name: str
    value: Optional[str]
    source: str


# ---- reading the table ------------------------------------------------------------------------

def measured(table: dict, key: str):
    """The figure at a dotted key ("movement.levels.l1.latency_cycles"), None when absent."""
    node = table
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def whole(x: float) -> int:
    """Rounded half up (Python's round() rounds half to even)."""
    return int(math.floor(x + 0.5))


def num_text(x) -> str:
    """A figure as the table holds it (6 significant digits at most)."""
    return "n/a" if x is None else f"{x:g}"


def missing(name: str, *keys: str) -> Option:
    return Option(name, None, "not measured (" + ", ".join(keys) + " is null)")


def opcode_base(opcodes: list) -> str:
    return opcodes[0].split(".")[0] if opcodes else "?"


def timed(rows: Iterable[dict]) -> list:
    """Instructions with both a latency and an issue interval."""
    return [i for i in rows if i["latency_cycles"] is not None and i["issue_interval_cycles"] is not None]


def f16_f32_dense_native(rows: Iterable[dict], family: str) -> list:
    """The tuner's tensor case (tensor_lat<half, float>): f16 inputs, f32 accumulator, dense,
    executed by a tensor-core opcode of its own."""
    return [i for i in timed(rows) if i["family"] == family and not i["sparse"] and i["native"]
            and i["types"]["a"] == "f16" and i["types"]["c"] == "f32"]


def hmma_reference(instructions: list) -> Optional[dict]:
    """The fastest f16 -> f32 mma.sync: the HMMA that wmma m16n16k16 compiles to (two of them on
    sm_80+), i.e. the per-HMMA figure config_tensor.cu divides its wmma latency down to."""
    rows = f16_f32_dense_native(instructions, "mma.sync")
    return max(rows, key=lambda i: (i["ops_per_clk_sm"] or 0.0, i["atom"]), default=None)


def wmma_reference(instructions: list) -> Optional[dict]:
    rows = [i for i in f16_f32_dense_native(instructions, "wmma")
            if (i["shape"]["m"], i["shape"]["n"], i["shape"]["k"]) == TUNER_WMMA_SHAPE]
    return min(rows, key=lambda i: i["atom"], default=None)


def latency_and_interval(row: dict) -> tuple:
    """Whole cycles, as the pipeline needs them: interval >= 1 and latency >= interval (a unit
    starts an instruction at stage latency - interval, which must not be negative)."""
    interval = max(1, whole(row["issue_interval_cycles"]))
    return max(interval, whole(row["latency_cycles"])), interval


def instruction_source(row: dict) -> str:
    return (f"{row['atom']} ({row['ptx']}, SASS {' '.join(row['sass_opcodes'])}): latency_cycles "
            f"{num_text(row['latency_cycles'])}, issue_interval_cycles {num_text(row['issue_interval_cycles'])} "
            f"({row['issue_interval_source']})")


# ---- gpgpusim.config --------------------------------------------------------------------------

def cycles_option(table: dict, name: str, key: str, why: str) -> Option:
    v = measured(table, key)
    return missing(name, key) if v is None else Option(name, str(whole(v)), f"{key} = {num_text(v)}; {why}")


def difference_option(table: dict, name: str, key: str, minus_key: str, why: str) -> Option:
    a, b = measured(table, key), measured(table, minus_key)
    if a is None or b is None:
        return missing(name, key, minus_key)
    arithmetic = f"{key} {num_text(a)} - {minus_key} {num_text(b)} = {num_text(a - b)}"
    return Option(name, str(whole(a - b)), f"{arithmetic}; {why}")


def memory_latency_options(table: dict) -> list:
    return [
        cycles_option(table, "-gpgpu_l1_latency", "movement.levels.l1.latency_cycles",
                      "L1 hit latency (pointer chase over an L1-resident footprint, as l1_lat.cu)"),
        cycles_option(table, "-gpgpu_smem_latency", "movement.levels.shared.latency_cycles",
                      "shared-memory load latency (as shared_lat.cu)"),
        difference_option(table, "-gpgpu_l2_rop_latency", "movement.levels.l2.latency_cycles",
                          "movement.levels.l1.latency_cycles",
                          "what an L2 hit adds to an L1 hit (l2_lat.cu: lat2 - lat1)"),
        difference_option(table, "-dram_latency", "movement.levels.dram.latency_cycles",
                          "movement.levels.l2.latency_cycles",
                          "what a DRAM access adds to an L2 hit (mem_lat.cu: lat_mem - lat2)"),
    ]


def dram_kind(device: dict) -> Optional[str]:
    bits = device.get("memory_bus_width_bits")
    return None if bits is None else ("HBM" if bits >= HBM_MIN_BUS_BITS else "GDDR")


def clock_domains_option(device: dict) -> Option:
    name = "-gpgpu_clock_domains"
    sm, memory, kind = device["sm_clock_mhz_under_load"]["median"], device.get("memory_clock_mhz"), dram_kind(device)
    if memory is None or kind is None:
        return missing(name, "device.memory_clock_mhz or device.memory_bus_width_bits")
    dram = memory * 2 / DRAM_FREQ_RATIO[kind]
    return Option(name, f"{sm:.1f}:{sm:.1f}:{sm:.1f}:{dram:.1f}",
                  f"core:interconnect:L2 = device.sm_clock_mhz_under_load.median {num_text(sm)} MHz (the clock every "
                  f"cycle figure here was counted in); DRAM = device.memory_clock_mhz {num_text(memory)} MHz (NVML) "
                  f"x 2 / {DRAM_FREQ_RATIO[kind]} ({kind}, device.memory_bus_width_bits "
                  f"{device['memory_bus_width_bits']}; system_config.cu's formula)")


def device_options(device: dict) -> list:
    major, _, minor = device["compute_capability"].partition(".")
    why = f"device.compute_capability {device['compute_capability']} (system_config.cu)"
    return [
        Option("-gpgpu_n_clusters", str(device["sm_count"]),
               f"device.sm_count = {device['sm_count']}, one SM per cluster (system_config.cu)"),
        Option("-gpgpu_n_cores_per_cluster", "1", "one SM per cluster, as system_config.cu writes it"),
        Option("-gpgpu_compute_capability_major", major, why),
        Option("-gpgpu_compute_capability_minor", minor, why),
        clock_domains_option(device),
    ]


def launch_option(table: dict) -> Option:
    name, key = "-gpgpu_kernel_launch_latency", "movement.launch.graph_kernel_time_us"
    us, mhz = measured(table, key), measured(table, "device.sm_clock_mhz_under_load.median")
    if us is None:
        return missing(name, key)
    return Option(name, str(whole(us * mhz)),
                  f"{key} {num_text(us)} us x {num_text(mhz)} MHz = {num_text(us * mhz)} SM cycles: the "
                  f"device-side cost of one empty kernel back to back; GPGPU-Sim holds each kernel's first CTA "
                  f"that long (kernel_lat.cu measures it with events around one launch)")


def ptx_tensor_options(instructions: list) -> list:
    """PTX mode's tensor latency and interval are per wmma instruction (config_tensor.cu writes
    its wmma latency undivided here); trace mode ignores them."""
    row = wmma_reference(instructions)
    if row is None:
        return [missing(n, "a native f16 -> f32 wmma m16n16k16") for n in
                ("-ptx_opcode_latency_tesnor", "-ptx_opcode_initiation_tensor")]
    latency, interval = latency_and_interval(row)
    source = instruction_source(row) + "; PTX mode only (wmma.mma on the tensor-core units)"
    # "tesnor" is upstream's spelling of the registered name.
    return [Option("-ptx_opcode_latency_tesnor", str(latency), source),
            Option("-ptx_opcode_initiation_tensor", str(interval), source)]


def gpgpusim_options(table: dict) -> list:
    return (device_options(table["device"]) + memory_latency_options(table) + [launch_option(table)]
            + ptx_tensor_options(table["instructions"]))


# ---- trace.config -----------------------------------------------------------------------------

def tensor_unit_options(instructions: list) -> list:
    unit_name = f"-specialized_unit_{TENSOR_UNIT}"
    unit_timing_name = f"-trace_opcode_latency_initiation_spec_op_{TENSOR_UNIT}"
    class_timing_name = "-trace_opcode_latency_initiation_tensor"
    row = hmma_reference(instructions)
    if row is None:
        return [missing(n, "a native f16 -> f32 mma.sync") for n in (unit_name, unit_timing_name, class_timing_name)]
    latency, interval = latency_and_interval(row)
    units = ISSUING_UNITS_PER_SM
    source = instruction_source(row)
    return [
        Option(unit_name, f"1,{units},{latency},{units},{units},{TENSOR_UNIT_NAME}",
               f"enabled, {units} units (one per SM sub-partition, the count behind issue_interval_cycles), "
               f"pipeline depth = the latency below, {units},{units} operand-collector ports as config_tensor.cu "
               f"writes; the unit upstream's opcode maps send HMMA, IMMA, DMMA and BMMA to"),
        Option(unit_timing_name, f"{latency},{interval}", f"latency,interval of {source}"),
        Option(class_timing_name, f"{latency},{interval}",
               f"the same figures for the TENSOR_CORE_OP class, which config_tensor.cu also writes (no SASS "
               f"opcode maps to it from Volta on; the specialized unit above is what times HMMA)"),
    ]


# ---- figures with no option -------------------------------------------------------------------

def median_pair(rows: list) -> tuple:
    return (statistics.median(i["latency_cycles"] for i in rows),
            statistics.median(i["issue_interval_cycles"] for i in rows))


def grouped(rows: Iterable[dict], key: Callable) -> dict:
    groups: dict = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return dict(sorted(groups.items()))


def other_tensor_opcodes(instructions: list) -> list:
    """Every other native mma.sync / mma.sp SASS opcode: upstream's unit 3 has one latency and
    interval for all of them."""
    reference = hmma_reference(instructions)
    emitted = reference["sass_opcodes"] if reference else []
    rows = [i for i in timed(instructions) if i["family"] in ("mma.sync", "mma.sp") and i["native"]
            and len(i["sass_opcodes"]) == 1 and i["sass_opcodes"] != emitted]
    lines = ["Tensor opcodes sharing the TENSOR unit's single latency,interval (median over atoms, cycles):"]
    for opcode, group in grouped(rows, lambda i: i["sass_opcodes"][0]).items():
        latency, interval = median_pair(group)
        lines.append(f"  {opcode}: latency {num_text(latency)}, interval {num_text(interval)}")
    return lines if len(lines) > 1 else []


def wgmma_group_key(row: dict) -> tuple:
    return opcode_base(row["sass_opcodes"]), "sparse" if row["sparse"] else "dense", row["operand_source"] or "?"


def wgmma_summary(instructions: list) -> list:
    """wgmma at its largest N per opcode, sparsity and operand source (median over types)."""
    rows = [i for i in timed(instructions) if i["family"] == "wgmma"]
    if not rows:
        return []
    lines = ["wgmma: no option at these commits (no sm_90 opcode map; a later upstream hopper_opcode.h",
             "maps HGMMA/QGMMA to a no-op, a later one still to unit 5 with latencies compiled in).",
             "Largest N per opcode, median over types, cycles:"]
    for (base, sparsity, source), group in grouped(rows, wgmma_group_key).items():
        n = max(i["shape"]["n"] for i in group)
        latency, interval = median_pair([i for i in group if i["shape"]["n"] == n])
        lines.append(f"  {base} {sparsity} {source} m64n{n}: "
                     f"latency {num_text(latency)}, interval {num_text(interval)}")
    return lines + wgmma_n_curve(rows)


def wgmma_n_curve(rows: list) -> list:
    """latency/interval against N for dense f16 -> f32 SS (median over the atoms of one N): what
    upstream's later GMMA table is keyed by."""
    ss = [i for i in rows if not i["sparse"] and i["operand_source"] == "SS" and i["types"]["a"] == "f16"
          and i["types"]["c"] == "f32"]
    points = [f"{n}:{num_text(lat)}/{num_text(ii)}" for n, (lat, ii) in
              ((n, median_pair(group)) for n, group in grouped(ss, lambda i: i["shape"]["n"]).items())]
    return ["Dense f16 -> f32 SS, N:latency/interval: " + " ".join(points)] if points else []


def trace_unplaced(table: dict) -> list:
    return other_tensor_opcodes(table["instructions"]) + wgmma_summary(table["instructions"])


# Movement paths whose cost no option carries, by atom prefix, and why.
UNPLACED_PATHS = (
    ("tma.", "bulk / tensor-map copies (UBLKCP, UTMALDG): no TMA model at these commits"),
    ("cp.async.", "LDGSTS is simulated as a load through L1 and L2; its own latency is no option"),
    ("stmatrix.", "STSM: no sm_90 opcode map here, a later one makes it a no-op"),
    ("dsmem.", "distributed shared memory: no cluster / DSMEM model"),
)


def figures_text(latency, bandwidth) -> str:
    parts = ([] if latency is None else [f"latency {num_text(latency)} cycles"]) + \
            ([] if bandwidth is None else [f"{num_text(bandwidth)} GB/s"])
    return ", ".join(parts) or "no figure"


def path_line(path: dict) -> str:
    where = f" [{path['variant']}]" if path["variant"] else ""
    return f"  {path['atom']}{where}: " + figures_text(path["latency_cycles"], path["bandwidth_gbs"])


def unplaced_paths(paths: list) -> list:
    lines = []
    for prefix, why in UNPLACED_PATHS:
        chosen = sorted((p for p in paths if p["atom"].startswith(prefix)),
                        key=lambda p: (p["atom"], p["variant"]))
        if chosen:
            lines += [f"{prefix}* ({why}):"] + [path_line(p) for p in chosen]
    return lines


def level_lines(levels: dict) -> list:
    """Bandwidths (GPGPU-Sim's come from its structure: banks, ports, channels, clocks) and the
    latencies no option takes (the far L2 half; DSMEM)."""
    lines = ["Memory levels (bandwidth is no option; GPGPU-Sim's follows from its structure):"]
    for name in sorted(levels):
        level = levels[name]
        lines.append(f"  {name}: " + figures_text(level["latency_cycles"], level["bandwidth_gbs"]))
    return lines


def energy_lines(energy: dict, instructions: list) -> list:
    paths = sorted(energy["paths"], key=lambda p: p["atom"])
    per_byte = ", ".join(f"{p['atom']} {num_text(p['pj_per_byte'])}" for p in paths) or "none"
    with_energy = sum(1 for i in instructions if i["energy"] is not None)
    return [f"Energy (AccelWattch reads its own XML model, no option takes these): idle "
            f"{num_text(energy['idle_power_w'])} W; pJ/byte: {per_byte}; pJ/FMA for {with_energy} instructions"]


def gpgpusim_unplaced(table: dict) -> list:
    movement = table["movement"]
    return (level_lines(movement["levels"]) + unplaced_paths(movement["paths"])
            + [f"Host launch overhead: movement.launch.stream_launch_overhead_us "
               f"{num_text(movement['launch']['stream_launch_overhead_us'])} us (no host model)"]
            + energy_lines(table["energy"], table["instructions"])
            + [f"Numerics: bit-exact models of {len(table['numerics']['paths'])} paths (a timing simulator has none)"])


# ---- the files --------------------------------------------------------------------------------

def comment(words: str) -> list:
    return ["# " + line for line in textwrap.wrap(words, COMMENT_WIDTH - 2, break_on_hyphens=False)] or ["#"]


def header(table: dict, file_name: str) -> list:
    device, provenance = table["device"], table["provenance"]
    pins = "; ".join(f"{repo} @ {sha}" for repo, sha in sorted(UPSTREAM_COMMITS.items()))
    return (comment(f"Accel-Sim {file_name} fragment for {device['name']} ({device['arch']}), written by tcbench "
                    f"{provenance['tool_version']} (exporter at {provenance['exported_with_git_sha']}) from "
                    f"{provenance['results_folder']}, measured {provenance['measured_from_utc']} .. "
                    f"{provenance['measured_to_utc']}.")
            + comment(f"Append it to the tested config's {file_name} (a later option wins) or pass it as a "
                      f"further -config. Every name is registered at {pins} "
                      f"(docs/exporters/accel_sim.md). Cycles are SM cycles.")
            + [""])


def option_lines(option: Option) -> list:
    if option.value is None:
        return comment(f"{option.name}: left to the tested config, {option.source}")
    return comment(option.source) + [f"{option.name} {option.value}"]


def unplaced_block(lines: list) -> list:
    if not lines:
        return []
    wrapped = [w for line in lines for w in textwrap.wrap(
        line, COMMENT_WIDTH, initial_indent="#   ", subsequent_indent="#       ", break_on_hyphens=False)]
    return ["", "# Measured, but no option at the pinned commits takes it:"] + wrapped


def config_text(table: dict, file_name: str, options: list, unplaced: list) -> str:
    body = [line for option in options for line in option_lines(option) + [""]]
    return "\n".join(header(table, file_name) + body[:-1] + unplaced_block(unplaced)) + "\n"


def render(table: dict, results_dir=None) -> dict:
    """{file name: text}; `results_dir` is not needed (everything comes from the table)."""
    return {
        "gpgpusim.config": config_text(table, "gpgpusim.config", gpgpusim_options(table), gpgpusim_unplaced(table)),
        "trace.config": config_text(table, "trace.config", tensor_unit_options(table["instructions"]),
                                    trace_unplaced(table)),
    }
