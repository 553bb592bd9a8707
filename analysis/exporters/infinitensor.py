"""`tcbench export infinitensor`: InfiniTensor's PerfEngine tuning file for its CUDA MatMul
(GEMM and batched GEMM), exactly as `PerfEngine::loadPerfEngineData` reads it at UPSTREAM_COMMIT,
holding only (cuBLAS algorithm, time) pairs that `tcbench gemm-algos` measured on this GPU by
making InfiniTensor's own tuning calls. Nothing in it is predicted. docs/exporters/infinitensor.md
explains every field.

The file is one JSON token without whitespace (the loader reads it with `ifstream >> string`,
which stops at the first blank), then a newline, as `savePerfEngineData` writes it:

  {"data":[[[[2,90],{"attrs":[90,b,m,n,k,transA,transB,0],"hashType":H,"opType":90}],
            {"data":[algo,time_ms],"type":2}], ...]}

Which measurement becomes a record:
  * per InfiniTensor key (b, m, n, k, transA, transB), the CUBLAS_GEMM_ALGO0..23 row with the
    lowest median time; equal times go to the lower id, as InfiniTensor's tuner (strict `<` in
    id order) keeps them. The CUBLAS_GEMM_DEFAULT reference row is never exported: the tuner does
    not try it.
  * a shape none of whose 24 algorithms ran is left out (InfiniTensor's tuner would have nothing to
    record either: it asserts).
  * the key holds no data type, so an f16 and an f32 measurement of one shape would claim the same
    record, and InfiniTensor would replay that algorithm and time for both types: such a folder is
    refused (naming the shapes) rather than exporting one type's time as the other's.
  * a folder in which any measured output missed the CPU's product, or whose run did not finish,
    is refused.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..load import data_file, read_csv_rows, read_run_json

FILES = ("perf_engine.json",)
UPSTREAM_REPOSITORY = "https://github.com/InfiniTensor/InfiniTensor"
UPSTREAM_COMMIT = "5cb7c1fc9d01e53ace9013667295307f13907e7a"
# Enumerations at UPSTREAM_COMMIT: Device::CUDA (include/core/runtime.h), OpType::MatMul
# (include/core/op_type.h; it has moved between releases), MatmulCublasPerfRecordObj's "type"
# (src/kernels/cuda/matmul.cc), ActType::None (the exported GEMMs have no fused activation).
DEVICE_CUDA = 2
OP_MATMUL = 90
RECORD_MATMUL_CUBLAS = 2
ACT_NONE = 0
HASH_MODULUS = 2147483647         # include/core/hash.h
INFINITENSOR_ALGOS = range(0, 24)  # the ids its tuner tries: CUBLAS_GEMM_ALGO0..23
INT32_MAX = 2**31 - 1              # attrs are a vector<int>

GEMM_DIR = "gemm_algos"            # <results>/gemm_algos/, written by `tcbench gemm-algos --out`
CSV_NAME = "gemm_algos.csv"
RUN_JSON = "gemm_algos_run.json"
# The columns of InfiniTensor's key, with the values each may take.
KEY_COLUMNS = {"b": (1, INT32_MAX), "m": (1, INT32_MAX), "n": (1, INT32_MAX), "k": (1, INT32_MAX),
               "trans_a": (0, 1), "trans_b": (0, 1)}
NEEDED_COLUMNS = ("name", "dtype", *KEY_COLUMNS, "algo", "status", "time_ms_median", "verified")


# ---- InfiniTensor's key -------------------------------------------------------------------------

def hash_append(a: int, b: int) -> int:
    """hashAppend (include/core/hash.h), in uint64 arithmetic; the operands stay below 2^31, so
    nothing wraps."""
    return (a * 10000019 + b * 10000079) % HASH_MODULUS


def hash_vector(values) -> int:
    h = 0
    for v in values:
        h = hash_append(h, v)
    return h


def op_perf_key(b: int, m: int, n: int, k: int, trans_a: int, trans_b: int) -> dict:
    """OperatorObj::getOpPerfKey() of a MatmulObj: its workload vector (MatmulObj::
    getWorkloadVector) and the hash over the op type and that vector (src/core/operator.cc)."""
    attrs = [OP_MATMUL, b, m, n, k, trans_a, trans_b, ACT_NONE]
    return {"attrs": attrs, "hashType": hash_append(hash_append(0, OP_MATMUL), hash_vector(attrs)),
            "opType": OP_MATMUL}


def entry(key: dict, algo: int, time_ms: float) -> list:
    """One std::map element as nlohmann serialises it: [[KernelAttrs, OpPerfKey], PerfRecord]."""
    return [[[DEVICE_CUDA, OP_MATMUL], key], {"data": [algo, time_ms], "type": RECORD_MATMUL_CUBLAS}]


def map_order(e: list) -> tuple:
    """std::map's order of the keys: KernelAttrs (equal here), then OpPerfKey::operator< (hash,
    op type, attrs length, attrs), so that the bytes are those savePerfEngineData would write."""
    key = e[0][1]
    return key["hashType"], key["opType"], len(key["attrs"]), key["attrs"]


def perf_engine_text(entries: list) -> str:
    """The file: compact JSON with sorted object keys (nlohmann's objects are std::maps), newline."""
    return json.dumps({"data": sorted(entries, key=map_order)}, separators=(",", ":"), sort_keys=True,
                      allow_nan=False) + "\n"


# ---- the measurements ---------------------------------------------------------------------------

def _refuse(problem: str):
    raise ValueError(f"export infinitensor: {problem}")


def _whole(row: dict, column: str, path: Path, low: int, high: int) -> int:
    """row[column] as an int in [low, high]; refused (naming the file and shape) otherwise."""
    text = row[column].strip()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        _refuse(f"{path}: shape {row['name']!r}: {column} {text!r} is not a whole number from {low} to {high}")
    return value


def _time_ms(row: dict, path: Path) -> float:
    try:
        t = float(row["time_ms_median"])
    except ValueError:
        t = math.nan
    if not (math.isfinite(t) and t > 0):
        _refuse(f"{path}: shape {row['name']!r}, algo {row['algo']}: time_ms_median {row['time_ms_median']!r} "
                f"is not a positive number of milliseconds")
    return t


def read_measurements(results_dir, device_name: str) -> tuple[list, Path]:
    """The rows of <results_dir>/gemm_algos/gemm_algos.csv as dicts, after the checks that make them
    exportable: a finished run (gemm_algos_run.json) on the table's GPU, no damaged row."""
    if results_dir is None:
        _refuse("needs the results folder (its gemm_algos/ holds the measured GEMMs); a cost_table.json "
                "without its results folder has none")
    folder = Path(results_dir) / GEMM_DIR
    problems: list = []
    csv_path = data_file(folder, CSV_NAME, problems)
    if csv_path is None:
        _refuse(f"{folder / CSV_NAME} not found: measure first with "
                f"`tcbench gemm-algos --out {folder}`")
    run = read_run_json(folder / RUN_JSON, problems)
    header, rows = read_csv_rows(csv_path, problems)
    if problems:
        _refuse("; ".join(problems))
    measured_on = (run.get("device") or {}).get("name")
    if measured_on != device_name:
        _refuse(f"{folder / RUN_JSON}: measured on {measured_on!r}, but the cost table is of {device_name!r}")
    missing = [c for c in NEEDED_COLUMNS if c not in header]
    if missing:
        _refuse(f"{csv_path}: missing columns {', '.join(missing)}")
    return [dict(zip(header, fields)) for fields in rows], csv_path


def check_verified(rows: list, path: Path) -> None:
    """Every measured output (the reference row's too) matched the CPU's product."""
    bad = [f"{r['name']} algo {r['algo']}" for r in rows if r["status"] == "measured" and r["verified"] != "true"]
    if bad:
        _refuse(f"{path}: the output of {len(bad)} measured call(s) differs from the exact product "
                f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}): these are not valid measurements")


def fastest_per_key(rows: list, path: Path) -> dict:
    """{InfiniTensor key tuple: (algo, median ms)} of the fastest measured ALGO0..23 (ties: lower id)."""
    best: dict = {}
    dtypes: dict = {}
    for r in rows:
        key = tuple(_whole(r, c, path, *bounds) for c, bounds in KEY_COLUMNS.items())
        dtypes.setdefault(key, set()).add(r["dtype"])
        algo = _whole(r, "algo", path, -1, INT32_MAX) if r["status"] == "measured" else None
        if algo in INFINITENSOR_ALGOS:
            candidate = (_time_ms(r, path), algo)
            best[key] = min(best.get(key, candidate), candidate)
    mixed = sorted(k for k, d in dtypes.items() if len(d) > 1)
    if mixed:
        shown = ", ".join("b={} m={} n={} k={} transA={} transB={}".format(*k) for k in mixed[:3])
        _refuse(f"{path}: {len(mixed)} shape(s) measured in more than one dtype ({shown}); InfiniTensor's key has "
                f"no dtype, so one record would serve both: measure each shape in one dtype")
    return {k: (algo, t) for k, (t, algo) in best.items()}


def render(table: dict, results_dir=None) -> dict:
    """{"perf_engine.json": text} from <results_dir>/gemm_algos/ (the table gives the GPU's name)."""
    rows, path = read_measurements(results_dir, table["device"]["name"])
    check_verified(rows, path)
    chosen = fastest_per_key(rows, path)
    if not chosen:
        _refuse(f"{path}: no shape has a measured CUBLAS_GEMM_ALGO0..23 call")
    entries = [entry(op_perf_key(*key), algo, t) for key, (algo, t) in chosen.items()]
    return {"perf_engine.json": perf_engine_text(entries)}
