#!/usr/bin/env python3
"""NVIDIA's analytic GEMM model, nvMatmulHeuristics (PyPI nvidia-matmul-heuristics), as a baseline
for the GEMM cost model (issue #14): for every row of a shape file (configs/gemm/*.csv format) its
top-1 kernel configuration for a predefined GPU (default the H200 SXM) and its runtime estimate for
that configuration. Runs on the CPU; no GPU, no torch.

    python3 optimizer/validate/nvmmh_baseline.py --shapes configs/gemm/validation.csv \
        --out results/nvidia-h200/gemm/nvmmh_validation.csv \
        [--cost-table results/nvidia-h200/cost_table.json | --launch-floor-us US]

Writes OUT (the input columns in input order, then nvmmh_us, nvmmh_plus_launch_us,
nvmmh_static_us, nvmmh_config, nvmmh_precision, nvmmh_layout, nvmmh_status, nvmmh_reason) and a
JSON sidecar next to it (OUT with .json: the package version, the query settings, the command,
date and git commit). optimizer/validate/README.md explains the query (GPU, precision strings,
layout mapping, batch). Both files are written atomically and the CSV is deterministic.

Exit codes: 0 written (some rows may be 'unsupported' or 'error', see nvmmh_status), 2 bad input
(shape file, cost table, arguments), 4 nvMatmulHeuristics not importable or not loadable.
"""
from __future__ import annotations

import argparse
import ctypes
import datetime as _dt
import importlib.util
import json
import math
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_COST_TABLE = os.path.join("results", "nvidia-h200", "cost_table.json")
PACKAGE = "nvidia-matmul-heuristics"


def _load_gemm_timing():
    """optimizer/measure/gemm_timing.py (stdlib only at import): the shape-file parser, atomic
    writes, CSV rendering and the git stamp are the measurement's own."""
    name = "tcbench_gemm_timing"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "optimizer", "measure", "gemm_timing.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


gt = _load_gemm_timing()

# ---------------------------------------------------------------------------------------------
# The mapping from a tcbench shape row to an nvMatmulHeuristics problem
# ---------------------------------------------------------------------------------------------

# Precision strings (nvMatmulHeuristics.h, "Supported precisions"). Three letters: A&B type,
# compute type, C&D type; five letters: A, B, C, compute, D. H f16, T bf16, S f32, F "tensor
# cores with TF32 compute precision", Q e4m3.
PRECISION = {
    "f16": "HSH",     # f16 A, B, D; fp32 accumulation (torch.mm on f16 tensors)
    "bf16": "TST",    # bf16 A, B, D; fp32 accumulation
    "tf32": "SFS",    # fp32 in memory, TF32 tensor-core math, fp32 D (allow_tf32 = True)
    "f32": "SSS",     # strict fp32 (allow_tf32 = False): fp32 compute, no TF32
    "e4m3": "QQTST",  # e4m3 A and B, bf16 C, fp32 compute, bf16 D (torch._scaled_mm out_dtype=bf16)
}

# Our D[b,M,N] = A[b,M,K] . B with every matrix row-major; nvMatmulHeuristics has row-major layout
# codes, whose "N"/"T" say whether A / B is transposed while loading (NN_ROW_MAJOR: A [M,K] and
# B [K,N] row-major; NT_ROW_MAJOR: B stored [N,K] and read transposed). Its problem's M is the
# output's height and N its width in every layout, so M and N pass through unchanged. The
# column-major equivalent (cuBLAS's view: D^T[N,M] = B^T . A^T) would be NN_COL_MAJOR for kn and
# TN_COL_MAJOR for nk with M and N swapped; the README says why the row-major form is used.
LAYOUT = {"kn": "NN_ROW_MAJOR", "nk": "NT_ROW_MAJOR"}
LAYOUT_CODE = {"NN_ROW_MAJOR": 0, "NT_ROW_MAJOR": 1, "TN_ROW_MAJOR": 2, "TT_ROW_MAJOR": 3,
               "NN_COL_MAJOR": 4, "NT_COL_MAJOR": 5, "TN_COL_MAJOR": 6, "TT_COL_MAJOR": 7}
COL_MAJOR_EQUIVALENT = {"kn": "NN_COL_MAJOR", "nk": "TN_COL_MAJOR"}  # with M and N swapped

STATUS_NAMES = {0: "ERROR", 1: "SUCCESS", 2: "PROFILE_NOT_ENTIRELY_LOADED", 3: "INVALID_INPUT",
                4: "INVALID_ENUM_INPUT", 5: "INVALID_DESCRIPTOR", 6: "DRIVER_ALREADY_INITIALIZED",
                7: "UNSUPPORTED_FEATURE", 8: "MISSING_RUNTIME_DISCOVERY_PROFILE", 9: "EXECUTION_FAILED",
                10: "BUFFER_TOO_SMALL", 11: "INVALID_HANDLE"}
METRIC_STATIC_LATENCIES_S = 8  # NVMMH_METRIC_STATIC_LATENCIES_S: launch, split-k, ... inside the estimate
UINT32_MAX = 0xFFFFFFFF
NVMMH_COLUMNS = ("nvmmh_us", "nvmmh_plus_launch_us", "nvmmh_static_us", "nvmmh_config", "nvmmh_precision",
                 "nvmmh_layout", "nvmmh_status", "nvmmh_reason")


class InputError(ValueError):
    """Bad input (shape file, cost table, arguments): exit code 2."""


class Unavailable(RuntimeError):
    """nvMatmulHeuristics cannot be imported or loaded: exit code 4."""


def query_spec(row):
    """(precision, layout name, M, N, K, batch) of a shape row, or (None, ..., reason) when the
    library has no matching precision or cannot take the sizes. Pure; no library needed."""
    dtype, lay = row["dtype"], row.get("b_layout") or "kn"
    m, n, k, b = int(row["M"]), int(row["N"]), int(row["K"]), int(row["batch"])
    prec = PRECISION.get(dtype)
    if prec is None:
        return None, None, m, n, k, b, f"nvMatmulHeuristics has no precision string for dtype {dtype!r}"
    layout = LAYOUT.get(lay)
    if layout is None:
        return prec, None, m, n, k, b, f"b_layout {lay!r} has no nvMatmulHeuristics layout"
    too_big = [f for f, v in (("M", m), ("N", n), ("K", k), ("batch", b)) if v > UINT32_MAX]
    if too_big:
        return prec, layout, m, n, k, b, f"{', '.join(too_big)} exceed the library's uint32 fields"
    return prec, layout, m, n, k, b, ""


def config_string(cfg):
    """The top-1 configuration, compactly: CTA and warp tiles (M x N x K), the MMA instruction
    shape, split-K factor, load stages, thread-block cluster, grid swizzle, CTA order."""
    return (f"cta={cfg.cta[0]}x{cfg.cta[1]}x{cfg.cta[2]};warp={cfg.warp[0]}x{cfg.warp[1]}x{cfg.warp[2]};"
            f"instr={cfg.instr[0]}x{cfg.instr[1]}x{cfg.instr[2]};split_k={cfg.splitK};stages={cfg.loadStages};"
            f"cluster={cfg.cluster[0]}x{cfg.cluster[1]};swizzle={cfg.gridSwizzle};"
            f"cta_order={'col' if cfg.ctaOrder else 'row'}")


# ---------------------------------------------------------------------------------------------
# The library (ctypes on the wheel's libnvMatmulHeuristics.so.0, the structs of its wrapper)
# ---------------------------------------------------------------------------------------------

def package_version():
    try:
        from importlib.metadata import version  # noqa: PLC0415
        return version(PACKAGE)
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return None


def import_wrapper():
    """The installed nvMatmulHeuristics Python module, or raise Unavailable with the reason."""
    try:
        import nvMatmulHeuristics  # noqa: PLC0415
        from nvMatmulHeuristics import nvMatmulHeuristics as wrapper  # noqa: PLC0415
    except Exception as e:  # noqa: BLE001 - ImportError, or the wrapper failing at import
        raise Unavailable(f"cannot import nvMatmulHeuristics (pip install {PACKAGE}): {e}") from None
    return nvMatmulHeuristics, wrapper


class Nvmmh:
    """One nvMatmulHeuristics handle with a predefined-GPU hardware descriptor.

    Calls (nvMatmulHeuristics.h): nvMatmulHeuristicsSetCudaDriverPath (unless allow_cuda: a path
    that does not exist, so the library never loads the CUDA driver and the answer depends on the
    descriptor alone), nvMatmulHeuristicsCreate, nvMatmulHeuristicsHardwareDescriptorCreate and
    ...SetPredefinedGpu, nvMatmulHeuristicsBackendCreate (for the silicon metric), optionally
    nvMatmulHeuristicsLoadInternalDiscoverySet per (precision, layout), then per row
    nvMatmulHeuristicsGetGemmConfig (top 1), nvMatmulHeuristicsEstimateRuntime on that
    configuration and nvMatmulHeuristicsEstimateSiliconMetricEx(NVMMH_METRIC_STATIC_LATENCIES_S).

    The handle is never destroyed: in 0.1.0.27 nvMatmulHeuristicsDestroy after a query, or a
    query on the NULL handle followed by interpreter exit, ends in a segmentation fault. A handle
    left alive is reclaimed with the process."""

    _alive = []  # keep handles (and the library) referenced until exit

    def __init__(self, gpu="H200_SXM", target="GENERIC", allow_cuda=False, lib_path=None):
        pkg, w = import_wrapper()
        self.wrapper = w
        self.gpu_name, self.target_name = gpu, target
        try:
            self.gpu_value = int(w.NvMatmulHeuristicsNvidiaGpu[gpu])
        except KeyError:
            raise InputError(f"--gpu {gpu!r} is not one of {', '.join(g.name for g in w.NvMatmulHeuristicsNvidiaGpu if g.name != 'END')}") from None
        try:
            self.target_value = int(w.NvMatmulHeuristicsTarget[target])
        except KeyError:
            raise InputError(f"--target {target!r} is not one of {', '.join(t.name for t in w.NvMatmulHeuristicsTarget if t.name != 'END')}") from None
        self.lib_path = os.path.realpath(lib_path or w.WHEEL_LIB_PATH_)
        try:
            lib = ctypes.CDLL(self.lib_path, mode=ctypes.RTLD_GLOBAL)
        except OSError as e:
            raise Unavailable(f"cannot load {self.lib_path}: {e}") from None
        self.lib = lib
        self.Problem = w.NvMatmulHeuristicsInterface.nvmmhMatmulProblem
        self.Config = w.NvMatmulHeuristicsInterface.nvmmhKernelConfiguration
        P, C, vp = ctypes.POINTER(self.Problem), ctypes.POINTER(self.Config), ctypes.c_void_p
        sig = {
            "nvMatmulHeuristicsGetVersionMajor": (ctypes.c_uint, []),
            "nvMatmulHeuristicsGetVersionMinor": (ctypes.c_uint, []),
            "nvMatmulHeuristicsGetVersionPatch": (ctypes.c_uint, []),
            "nvMatmulHeuristicsGetVersionString": (ctypes.c_uint, [ctypes.c_char_p, ctypes.c_uint]),
            "nvMatmulHeuristicsSetCudaDriverPath": (ctypes.c_int, [vp, ctypes.c_char_p]),
            "nvMatmulHeuristicsCreate": (ctypes.c_int, [ctypes.POINTER(vp)]),
            "nvMatmulHeuristicsHardwareDescriptorCreate": (ctypes.c_int, [ctypes.POINTER(vp)]),
            "nvMatmulHeuristicsHardwareDescriptorSetPredefinedGpu": (ctypes.c_int, [vp, ctypes.c_uint]),
            "nvMatmulHeuristicsBackendCreate": (ctypes.c_int, [ctypes.POINTER(vp), ctypes.c_int]),
            "nvMatmulHeuristicsLoadInternalDiscoverySet": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, vp]),
            "nvMatmulHeuristicsGetGemmConfig": (ctypes.c_uint, [vp, ctypes.c_char_p, ctypes.c_uint, ctypes.c_int, P, C, ctypes.c_uint, vp]),
            "nvMatmulHeuristicsEstimateRuntime": (ctypes.c_double, [vp, ctypes.c_char_p, ctypes.c_int, P, C, vp]),
            "nvMatmulHeuristicsEstimateSiliconMetricEx": (ctypes.c_double, [vp, ctypes.c_char_p, vp, P, C, ctypes.c_int, vp]),
            "nvMatmulHeuristicsGetLastErrorLog": (ctypes.c_uint, [vp, ctypes.c_char_p, ctypes.c_uint]),
            "nvMatmulHeuristicsGetStatusString": (ctypes.c_char_p, [ctypes.c_int]),
        }
        for name, (res, args) in sig.items():
            try:
                f = getattr(lib, name)
            except AttributeError:
                raise Unavailable(f"{self.lib_path} has no symbol {name}") from None
            f.restype, f.argtypes = res, args
        self.lib_version = f"{lib.nvMatmulHeuristicsGetVersionMajor()}.{lib.nvMatmulHeuristicsGetVersionMinor()}." \
                           f"{lib.nvMatmulHeuristicsGetVersionPatch()}"
        buf = ctypes.create_string_buffer(256)
        lib.nvMatmulHeuristicsGetVersionString(buf, 256)
        self.lib_version_string = buf.value.decode(errors="replace")
        self.package_version = package_version()
        self.allow_cuda = allow_cuda
        if not allow_cuda:
            self._check("nvMatmulHeuristicsSetCudaDriverPath",
                        lib.nvMatmulHeuristicsSetCudaDriverPath(None, b"/nonexistent/tcbench-no-cuda/libcuda.so.1"))
        self.handle = ctypes.c_void_p()
        self._check("nvMatmulHeuristicsCreate", lib.nvMatmulHeuristicsCreate(ctypes.byref(self.handle)))
        self.hw = ctypes.c_void_p()
        self._check("nvMatmulHeuristicsHardwareDescriptorCreate",
                    lib.nvMatmulHeuristicsHardwareDescriptorCreate(ctypes.byref(self.hw)))
        self._check("nvMatmulHeuristicsHardwareDescriptorSetPredefinedGpu",
                    lib.nvMatmulHeuristicsHardwareDescriptorSetPredefinedGpu(self.hw, self.gpu_value))
        self.backend = ctypes.c_void_p()
        self._check("nvMatmulHeuristicsBackendCreate",
                    lib.nvMatmulHeuristicsBackendCreate(ctypes.byref(self.backend), self.target_value))
        self.discovery = {}
        Nvmmh._alive.append(self)

    def _check(self, what, status):
        if status != 1:
            raise Unavailable(f"{what} returned {status} ({STATUS_NAMES.get(status, '?')})")

    def status_name(self, status):
        return STATUS_NAMES.get(status, f"status {status}")

    def last_error(self):
        buf = ctypes.create_string_buffer(4096)
        self.lib.nvMatmulHeuristicsGetLastErrorLog(self.handle, buf, 4096)
        return buf.value.decode(errors="replace").strip()

    def load_discovery(self, precision, layout):
        """nvMatmulHeuristicsLoadInternalDiscoverySet for (precision, layout): the library's own
        silicon data where it has some. Returns and records the status name."""
        key = f"{precision}/{layout}"
        if key not in self.discovery:
            st = self.lib.nvMatmulHeuristicsLoadInternalDiscoverySet(self.handle, precision.encode(), self.target_value,
                                                                     LAYOUT_CODE[layout], self.hw)
            self.discovery[key] = self.status_name(st)
        return self.discovery[key]

    def query(self, precision, layout, m, n, k, batch):
        """Top-1 configuration and its estimate: {'status': ok|unsupported|error, 'us',
        'static_us', 'config', 'reason'}."""
        prob = self.Problem(m, n, k, batch, LAYOUT_CODE[layout])
        out = (self.Config * 1)()
        count = self.lib.nvMatmulHeuristicsGetGemmConfig(self.handle, precision.encode(), 0, self.target_value,
                                                         ctypes.byref(prob), out, 1, self.hw)
        if count == 0:
            log = self.last_error()
            return {"status": "unsupported", "us": None, "static_us": None, "config": "",
                    "reason": f"nvMatmulHeuristicsGetGemmConfig({precision}, {layout}) returned no configuration"
                              + (f": {log}" if log else "")}
        if count > 1:  # an invalid precision string comes back as a count above the one requested
            log = self.last_error()
            return {"status": "unsupported", "us": None, "static_us": None, "config": "",
                    "reason": f"nvMatmulHeuristicsGetGemmConfig({precision}, {layout}) returned {count} for 1 "
                              f"requested (it does not accept this precision/layout)" + (f": {log}" if log else "")}
        cfg = out[0]
        t = self.lib.nvMatmulHeuristicsEstimateRuntime(self.handle, precision.encode(), self.target_value,
                                                       ctypes.byref(prob), ctypes.byref(cfg), self.hw)
        st = self.lib.nvMatmulHeuristicsEstimateSiliconMetricEx(self.handle, precision.encode(), self.backend,
                                                                ctypes.byref(prob), ctypes.byref(cfg),
                                                                METRIC_STATIC_LATENCIES_S, self.hw)
        if not (math.isfinite(t) and t > 0):
            return {"status": "error", "us": None, "static_us": None, "config": config_string(cfg),
                    "reason": f"nvMatmulHeuristicsEstimateRuntime returned {t!r}"}
        return {"status": "ok", "us": t * 1e6, "static_us": st * 1e6 if math.isfinite(st) and st > 0 else None,
                "config": config_string(cfg), "reason": ""}


# ---------------------------------------------------------------------------------------------
# Rows, files
# ---------------------------------------------------------------------------------------------

def launch_floor_from_cost_table(path):
    """movement.launch.graph_kernel_time_us of a cost table (loaded and validated by
    analysis.cost_table_load)."""
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    from analysis.cost_table_load import CostTableError, load_cost_table  # noqa: PLC0415
    try:
        table = load_cost_table(path)
    except (OSError, CostTableError) as e:
        raise InputError(f"{path}: {e}") from None
    v = table.movement.launch.graph_kernel_time_us
    if v is None or not math.isfinite(v) or v < 0:
        raise InputError(f"{path}: movement.launch.graph_kernel_time_us is {v!r}; pass --launch-floor-us")
    return float(v)


def baseline_rows(rows, nv, launch_floor_us, load_discovery=True):
    """Each shape row with the NVMMH_COLUMNS added (deterministic: the discovery sets needed are
    loaded first, in sorted order, then the rows are queried in input order)."""
    specs = [query_spec(r) for r in rows]
    if load_discovery and nv is not None:
        for prec, layout in sorted({(s[0], s[1]) for s in specs if s[0] and s[1] and not s[6]}):
            nv.load_discovery(prec, layout)
    out = []
    for r, (prec, layout, m, n, k, b, why) in zip(rows, specs):
        o = dict(r)
        o.update({"nvmmh_precision": prec or "", "nvmmh_layout": layout or ""})
        if why:
            res = {"status": "unsupported", "us": None, "static_us": None, "config": "", "reason": why}
        else:
            res = nv.query(prec, layout, m, n, k, b)
        o.update({"nvmmh_us": res["us"], "nvmmh_static_us": res["static_us"], "nvmmh_config": res["config"],
                  "nvmmh_status": res["status"], "nvmmh_reason": res["reason"],
                  "nvmmh_plus_launch_us": (res["us"] + launch_floor_us) if res["us"] is not None else None})
        out.append(o)
    return out


def _fmt(v):
    """Floats with 9 significant digits (the estimates are deterministic: exact enough to compare
    runs), everything else as gemm_timing's render_csv writes it."""
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:.9g}"
    return v


def git_head():
    stamp = gt.read_git_stamp(REPO)
    return {"sha": stamp.get("sha"), "dirty": stamp.get("dirty"), "how": stamp.get("how")}


def sidecar_path(out):
    root, ext = os.path.splitext(out)
    return (root if ext.lower() == ".csv" else out) + ".json"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", required=True, metavar="CSV", help="shape file (configs/gemm/*.csv format)")
    p.add_argument("--out", required=True, metavar="CSV", help="output CSV (its .json sidecar is written beside it)")
    p.add_argument("--cost-table", default=None, metavar="JSON",
                   help=f"launch floor = its movement.launch.graph_kernel_time_us (default {DEFAULT_COST_TABLE})")
    p.add_argument("--launch-floor-us", type=float, default=None, metavar="US",
                   help="launch floor added in nvmmh_plus_launch_us (overrides --cost-table)")
    p.add_argument("--gpu", default="H200_SXM", help="nvMatmulHeuristics predefined GPU (default H200_SXM = 9003)")
    p.add_argument("--target", default="GENERIC", help="nvMatmulHeuristics target (default GENERIC)")
    p.add_argument("--no-discovery", action="store_true", help="do not call nvMatmulHeuristicsLoadInternalDiscoverySet")
    p.add_argument("--allow-cuda", action="store_true",
                   help="let the library load the CUDA driver (default: never, so the descriptor alone decides)")
    return p.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        if args.launch_floor_us is not None:
            if not (math.isfinite(args.launch_floor_us) and args.launch_floor_us >= 0):
                raise InputError(f"--launch-floor-us must be a finite number >= 0, got {args.launch_floor_us}")
            floor, floor_source = args.launch_floor_us, "--launch-floor-us"
        else:
            ct = args.cost_table or os.path.join(REPO, DEFAULT_COST_TABLE)
            floor = launch_floor_from_cost_table(ct)
            floor_source = f"{os.path.relpath(ct, REPO) if os.path.isabs(ct) else ct}: movement.launch.graph_kernel_time_us"
        try:
            rows, header = gt.read_shapes(args.shapes)
        except OSError as e:
            raise InputError(f"{args.shapes}: {e.strerror or e}") from None
        except gt.ShapeError as e:
            raise InputError(str(e)) from None
        nv = Nvmmh(gpu=args.gpu, target=args.target, allow_cuda=args.allow_cuda)
    except InputError as e:
        print(f"nvmmh_baseline: error: {e}", file=sys.stderr)
        return 2
    except Unavailable as e:
        print(f"nvmmh_baseline: error: {e}", file=sys.stderr)
        return 4

    out_rows = baseline_rows(rows, nv, floor, load_discovery=not args.no_discovery)
    columns = gt.input_columns([header]) + list(NVMMH_COLUMNS)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    gt.atomic_write_text(args.out, gt.render_csv(columns, [{c: _fmt(r.get(c)) for c in columns} for r in out_rows]))

    counts = {}
    for r in out_rows:
        counts[r["nvmmh_status"]] = counts.get(r["nvmmh_status"], 0) + 1
    statics = sorted({round(r["nvmmh_static_us"], 6) for r in out_rows if r["nvmmh_static_us"] is not None})
    script = os.path.relpath(os.path.abspath(__file__), REPO)
    side = {
        "tool": "optimizer/validate/nvmmh_baseline.py",
        "package": PACKAGE,
        "package_version": nv.package_version,
        "library": {"path": nv.lib_path, "sha256": gt.sha256_file(nv.lib_path), "version": nv.lib_version,
                    "version_string": nv.lib_version_string},
        "query": {
            "gpu": {"name": f"NVMMH_NVGPU_{nv.gpu_name}", "value": nv.gpu_value,
                    "how": "nvMatmulHeuristicsHardwareDescriptorSetPredefinedGpu"},
            "target": {"name": f"NVMMH_TARGET_{nv.target_name}", "value": nv.target_value},
            "flags": "NVMMH_FLAG_NONE",
            "configurations_requested": 1,
            "estimate": "nvMatmulHeuristicsEstimateRuntime of the top-1 configuration (seconds -> us)",
            "static_latency": "nvMatmulHeuristicsEstimateSiliconMetricEx(NVMMH_METRIC_STATIC_LATENCIES_S): the part "
                              "of the estimate that is fixed latency (launch, split-k); nvmmh_us already includes it",
            "static_latency_us_values": statics,
            "precision": PRECISION,
            "layout": {k: {"name": f"NVMMH_MATMUL_LAYOUT_{v}", "value": LAYOUT_CODE[v]} for k, v in LAYOUT.items()},
            "problem": "M, N, K as in the shape file (M = output height, N = width), batchSize = batch",
            "cuda_driver": "allowed" if nv.allow_cuda else "never loaded (nvMatmulHeuristicsSetCudaDriverPath to a "
                                                           "path that does not exist)",
            "internal_discovery_sets": dict(sorted(nv.discovery.items())) if not args.no_discovery else "not loaded",
        },
        "launch_floor_us": floor,
        "launch_floor_source": floor_source,
        "shapes": {"path": os.path.relpath(os.path.abspath(args.shapes), REPO), "sha256": gt.sha256_file(args.shapes),
                   "rows": len(rows)},
        "rows_by_status": dict(sorted(counts.items())),
        "unsupported": [{"name": r["name"], "status": r["nvmmh_status"], "reason": r["nvmmh_reason"]}
                        for r in out_rows if r["nvmmh_status"] != "ok"],
        "command": " ".join(shlex.quote(a) for a in ["python3", script] + list(argv)),
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git": git_head(),
        "python": sys.version.split()[0],
    }
    gt.atomic_write_text(sidecar_path(args.out), json.dumps(side, indent=1, sort_keys=False) + "\n")
    print(f"nvmmh_baseline: {len(out_rows)} rows -> {args.out} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
          f"{nv.package_version or '?'} {side['query']['gpu']['name']} {side['query']['target']['name']}, "
          f"launch floor {floor:g} us")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
