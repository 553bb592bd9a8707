"""Loading a cost table (cost_table.json, written by `tcbench export cost-table`) into typed,
frozen dataclasses that mirror cost_table.schema.json one to one (same names, units in the names,
None where the schema allows null or leaves the field out; the C++ structs of
include/tcbench/cost_table.hpp are the same). docs/cost_table.md explains every field.

    from analysis.cost_table_load import load_cost_table
    table = load_cost_table("results/nvidia-h200/cost_table.json")
    print(table.device.name, table.level("dram").bandwidth_gbs, table.best_dense_tflops("f16"))

The table is validated against the schema before anything is read (cost_table_validate); any
problem raises CostTableError (a ValueError) naming the file, the field and what is wrong.
Nothing is guessed or defaulted."""
from __future__ import annotations

import collections.abc
import dataclasses
import json
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple, Union

from .cost_table_validate import SCHEMA, SCHEMA_VERSION, CostTableError, validate_cost_table

__all__ = ["load_cost_table", "parse_cost_table", "cost_table_from_dict", "validate_cost_table",
           "CostTableError", "CostTable", "SCHEMA_VERSION", "MEMORY_LEVEL_NAMES"]

# The names movement.levels may use (the schema's propertyNames).
MEMORY_LEVEL_NAMES: Tuple[str, ...] = tuple(
    SCHEMA["$defs"]["movement"]["properties"]["levels"]["propertyNames"]["enum"])


# ---- shared pieces ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Range:
    """A measured quantity over many samples."""
    median: float
    min: float
    max: float
    samples: int


@dataclass(frozen=True)
class ChipSpread:
    """One figure over the chips of a merged table (tcbench merge): the median, min and max of the
    figure each chip's own table gives, and CV = sample standard deviation / mean."""
    median: float
    min: float
    max: float
    cv: float
    chips: int


@dataclass(frozen=True)
class ChipMember:
    label: str
    uuid: str
    host: str
    date_utc: str
    git_sha: str


@dataclass(frozen=True)
class Chips:
    """The chips a merged table was made from."""
    count: int
    model: str
    members: Tuple[ChipMember, ...]


@dataclass(frozen=True)
class LaunchPoint:
    """Schema "point": resident warps per SM and independent instructions in flight per warp."""
    warps_per_sm: int
    ilp: int


@dataclass(frozen=True)
class Shape:
    m: int
    n: int
    k: int


@dataclass(frozen=True)
class OperandTypes:
    a: str
    b: str
    c: str
    d: str


# ---- provenance, device, conditions -------------------------------------------------------------
@dataclass(frozen=True)
class SourceFile:
    file: str
    sha256: str
    git_sha: str
    git_dirty: Optional[bool]  # may be absent
    command: str
    date_utc: str
    status: str


@dataclass(frozen=True)
class DataFile:
    file: str
    sha256: str


@dataclass(frozen=True)
class Provenance:
    tool: str
    tool_version: str
    exported_with_git_sha: str
    results_folder: str
    measured_from_utc: str
    measured_to_utc: str
    sources: Tuple[SourceFile, ...]
    data_files: Tuple[DataFile, ...]


@dataclass(frozen=True)
class Device:
    name: str
    uuid: str
    arch: str
    compute_capability: str
    sm_count: int
    l2_bytes: int
    memory_bytes: int
    memory_bus_width_bits: Optional[int]
    shared_memory_per_sm_bytes: Optional[int]
    sm_clock_mhz_under_load: Range
    sm_clock_mhz_max: Optional[float]
    memory_clock_mhz: Optional[float]
    datasheet_dram_gbs: Optional[float]


@dataclass(frozen=True)
class Conditions:
    driver_version: str
    cuda_runtime_version: int
    cuda_driver_api_version: int
    power_limit_w: Optional[float]
    clock_event_reasons: Mapping[str, str]
    data_pattern: str
    l2_state: str
    repetitions: int
    clock_tolerance: float
    sweep_config: str


# ---- instructions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class InstructionNoise:
    run_to_run: Optional[float]
    runs: int
    within_run_cv: Optional[float]


@dataclass(frozen=True)
class InstructionEnergy:
    pj_per_fma: float
    pj_per_fma_above_idle: Optional[float]
    power_w: Optional[float]
    sm_clock_mhz: Optional[float]
    ops_per_clk_sm: Optional[float]


@dataclass(frozen=True)
class Instruction:
    atom: str
    ptx: str
    family: str
    arch: str
    shape: Shape
    types: OperandTypes
    sparse: bool
    operand_source: Optional[str]
    native: Optional[bool]
    sass_opcodes: Tuple[str, ...]
    verified: bool
    latency_cycles: Optional[float]
    issue_interval_cycles: Optional[float]
    issue_interval_source: Optional[str]
    ops_per_clk_sm: Optional[float]
    peak_at: Optional[LaunchPoint]
    reach_90: Optional[LaunchPoint]
    reach_100: Optional[LaunchPoint]
    tflops: Optional[float]
    tflops_sm_clock_mhz: Optional[float]
    datasheet_ops_per_clk_sm: Optional[float]
    noise: InstructionNoise
    energy: Optional[InstructionEnergy]
    across_chips: Optional[Mapping[str, ChipSpread]]  # merged tables only: figure name -> its spread


# ---- data movement ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemoryLevel:
    latency_cycles: Optional[float]
    latency_ns: Optional[float]
    bandwidth_gbs: Optional[float]
    bytes_per_clk_sm: Optional[float]
    datasheet_gbs: Optional[float]  # may be absent
    sources: Tuple[str, ...]
    across_chips: Optional[Mapping[str, ChipSpread]]  # merged tables only


@dataclass(frozen=True)
class MovementPath:
    atom: str
    ptx: str
    variant: str
    latency_cycles: Optional[float]
    latency_ns: Optional[float]
    latency_cycles_max: Optional[float]
    bytes_per_clk_sm: Optional[float]
    bandwidth_gbs: Optional[float]
    bound: Optional[float]
    bound_unit: Optional[str]
    fraction_of_bound: Optional[float]
    datasheet_gbs: Optional[float]
    best_at: str
    sass_opcodes: Tuple[str, ...]


@dataclass(frozen=True)
class ChaseLevel:
    series: str
    level: str
    smallest_bytes: int
    largest_bytes: int
    points: int
    latency_cycles: Optional[float]
    latency_ns: Optional[float]


@dataclass(frozen=True)
class LaunchCost:
    stream_launch_overhead_us: Optional[float]
    graph_kernel_time_us: Optional[float]


@dataclass(frozen=True)
class Movement:
    levels: Mapping[str, MemoryLevel]
    paths: Tuple[MovementPath, ...]
    chase: Tuple[ChaseLevel, ...]
    launch: LaunchCost


# ---- numerics and energy ------------------------------------------------------------------------
@dataclass(frozen=True)
class NumericsValidation:
    cases: int
    mismatches: int


@dataclass(frozen=True)
class NumericsPath:
    atom: str
    ptx: str
    family: str
    types: Mapping[str, str]  # a, b, c, d always; the schema allows more
    model_preset: str
    parameters: Mapping[str, str]
    measured: Mapping[str, str]
    undetermined: Tuple[str, ...]
    validation: Optional[NumericsValidation]


@dataclass(frozen=True)
class Numerics:
    source: Optional[str]
    paths: Tuple[NumericsPath, ...]


@dataclass(frozen=True)
class EnergyPath:
    atom: str
    ptx: str
    pj_per_byte: float
    pj_per_byte_above_idle: Optional[float]
    power_w: Optional[float]
    sm_clock_mhz: Optional[float]


@dataclass(frozen=True)
class Energy:
    idle_power_w: Optional[float]
    method: Optional[str]
    paths: Tuple[EnergyPath, ...]


# ---- the table ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostTable:
    schema_version: int
    kind: str
    provenance: Provenance
    device: Device
    conditions: Conditions
    instructions: Tuple[Instruction, ...]
    movement: Movement
    numerics: Numerics
    energy: Energy
    calibration: Optional[Mapping[str, Any]]  # `tcbench calibrate`'s object as stored; absent until one ran
    chips: Optional[Chips]  # a table merged from several chips (tcbench merge); None otherwise

    def find_instruction(self, atom: str) -> Optional[Instruction]:
        """The instruction with this atom name, or None."""
        return next((i for i in self.instructions if i.atom == atom), None)

    def find_instructions(self, family: Optional[str] = None, a_type: Optional[str] = None) -> Tuple[Instruction, ...]:
        """The instructions of a family ("wgmma") and A type ("f16"); None matches all."""
        return tuple(i for i in self.instructions
                     if (family is None or i.family == family) and (a_type is None or i.types.a == a_type))

    def best_dense_tflops(self, a_type: str) -> Optional[float]:
        """The highest measured TFLOP/s (TOPS) of a dense instruction with this A type, or None."""
        rates = [i.tflops for i in self.find_instructions(a_type=a_type) if not i.sparse and i.tflops is not None]
        return max(rates, default=None)

    def level(self, name: str) -> Optional[MemoryLevel]:
        """The summary of a memory level, or None when the table has none. A name outside
        MEMORY_LEVEL_NAMES raises ValueError: a typo is not "absent"."""
        if name not in MEMORY_LEVEL_NAMES:
            raise ValueError(f"no memory level {name!r} in the cost table schema ({', '.join(MEMORY_LEVEL_NAMES)})")
        return self.movement.levels.get(name)


# ---- loading ------------------------------------------------------------------------------------
def load_cost_table(path: Union[str, Path]) -> CostTable:
    """Reads and validates a table; raises CostTableError naming path."""
    return _build(CostTable, read_cost_table_document(path))


def read_cost_table_document(path: Union[str, Path]) -> dict:
    """The table as parsed JSON, validated (for code that transforms it, e.g. the exporters)."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise CostTableError(source, "", f"cannot open the file ({e.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CostTableError(source, "", f"malformed JSON: not UTF-8 text ({e.reason} at byte {e.start})") from None
    doc = _parse_json(text, source)
    validate_cost_table(doc, source)
    return doc


def parse_cost_table(text: str, source_name: str) -> CostTable:
    """The same from JSON text; source_name names it in errors."""
    return cost_table_from_dict(_parse_json(text, source_name), source_name)


def _parse_json(text: str, source_name: str) -> Any:
    def refuse_constant(name: str) -> None:  # json accepts NaN and Infinity; JSON does not
        raise CostTableError(source_name, "", f"malformed JSON: {name} is not a JSON number")
    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as e:
        raise CostTableError(source_name, f"line {e.lineno}, column {e.colno}", f"malformed JSON: {e.msg}") from None


def cost_table_from_dict(doc: Any, source_name: str) -> CostTable:
    """A parsed JSON document, validated, as a CostTable."""
    validate_cost_table(doc, source_name)
    return _build(CostTable, doc)


@lru_cache(maxsize=None)
def _field_hints(cls: type) -> Tuple[Tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _build(hint: Any, value: Any) -> Any:
    """value (valid by the schema) as the type hint says: dataclass, Optional, Tuple[X, ...],
    Mapping[str, X], or a scalar (int() for integers, which JSON Schema lets be written 3.0).
    A key the schema lets be absent (only Optional fields) becomes None."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return hint(**{name: _build(sub, value.get(name)) for name, sub in _field_hints(hint)})
    if origin is Union:  # Optional[X]
        return None if value is None else _build(args[0], value)
    if origin is tuple:
        return tuple(_build(args[0], v) for v in value)
    if origin is collections.abc.Mapping:
        return MappingProxyType({k: _build(args[1], v) for k, v in value.items()})
    if hint is Any:
        return value
    return hint(value)  # int, float, str, bool
