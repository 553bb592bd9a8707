#!/usr/bin/env python3
"""Measures the GEMM cost model's prediction target (issue #14) on the GPU:

    the median time per call of torch.mm / torch.bmm (out=) -- cuBLAS(Lt) with its own heuristic
    and default workspace -- on contiguous row-major D[b,M,N] = A[b,M,K] . B[b,K,N], the same
    operands on every call, launched back to back inside a CUDA graph (no host gaps).

    python3 optimizer/measure/gemm_timing.py --shapes configs/gemm/calibration.csv \
        --shapes configs/gemm/validation.csv --out DIR [--replays 30] [--kernels]

Writes DIR/gemm_times.csv, DIR/kernels.csv (--kernels) and DIR/run.json; optimizer/measure/
README.md describes every column. torch is imported lazily: the helpers above the "GPU side"
line (shape files, regimes, kernel-name parsing, statistics, atomic writes) need only the
standard library, so the tests import this file on a machine without torch.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------------------------------------
# Shape files
# ---------------------------------------------------------------------------------------------

SHAPE_COLUMNS = ("name", "dtype", "batch", "M", "N", "K", "b_layout", "source")
REQUIRED_COLUMNS = ("name", "dtype", "batch", "M", "N", "K")  # b_layout defaults to kn, source to ""
DTYPES = ("f16", "bf16", "tf32", "f32", "e4m3")
B_LAYOUTS = ("kn", "nk")
# Bytes per element of A, B and D.
ELEM_BYTES = {"f16": (2, 2, 2), "bf16": (2, 2, 2), "tf32": (4, 4, 4), "f32": (4, 4, 4),
              "e4m3": (1, 1, 2)}


class ShapeError(ValueError):
    """A shape file that does not parse or holds an invalid value (message: file:line: field)."""


def _int_field(text, where, field):
    try:
        value = int(text.strip())
    except (ValueError, AttributeError):
        raise ShapeError(f"{where}: {field} must be a positive integer, got {text!r}") from None
    if value < 1:
        raise ShapeError(f"{where}: {field} must be a positive integer, got {text!r}")
    return value


def parse_shapes(text, path="<shapes>"):
    """Rows of an RFC 4180 shape file as dicts (batch/M/N/K as int, b_layout defaulted to 'kn',
    every other column kept as text), plus the header. Raises ShapeError naming file and line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ShapeError(f"{path}: empty file (expected the header {','.join(SHAPE_COLUMNS)})") from None
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ShapeError(f"{path}:1: missing column(s) {', '.join(missing)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ShapeError(f"{path}:1: duplicate column(s) {', '.join(dupes)}")
    rows, names = [], set()
    for line_no, fields in enumerate(reader, start=2):
        if not fields or all(not f.strip() for f in fields):
            continue
        where = f"{path}:{line_no}"
        if len(fields) != len(header):
            raise ShapeError(f"{where}: {len(fields)} fields, header has {len(header)}")
        raw = dict(zip(header, fields))
        row = {k: v.strip() for k, v in raw.items()}
        if not row["name"]:
            raise ShapeError(f"{where}: name is empty")
        if row["name"] in names:
            raise ShapeError(f"{where}: name {row['name']!r} appears twice")
        names.add(row["name"])
        if row["dtype"] not in DTYPES:
            raise ShapeError(f"{where}: dtype {row['dtype']!r} is not one of {', '.join(DTYPES)}")
        for field in ("batch", "M", "N", "K"):
            row[field] = _int_field(row[field], where, field)
        row["b_layout"] = row.get("b_layout", "") or "kn"
        if row["b_layout"] not in B_LAYOUTS:
            raise ShapeError(f"{where}: b_layout {row['b_layout']!r} is not kn or nk")
        row.setdefault("source", "")
        row["_line"] = line_no
        rows.append(row)
    return rows, header


def read_shapes(path):
    """parse_shapes() of a file."""
    with open(path, newline="", encoding="utf-8") as f:
        return parse_shapes(f.read(), path)


def shape_key(row):
    """What makes two rows the same measurement: (dtype, batch, M, N, K, b_layout)."""
    return (row["dtype"], int(row["batch"]), int(row["M"]), int(row["N"]), int(row["K"]),
            row.get("b_layout") or "kn")


# ---------------------------------------------------------------------------------------------
# Regimes: an ideal roofline of the H200 SXM (datasheet figures, dense), used only to label rows
# ---------------------------------------------------------------------------------------------

# Dense peak FLOP/s per dtype (H100/H200 SXM datasheet: 989.4 TFLOP/s f16/bf16, 494.7 tf32,
# 1978.9 fp8, 66.9 fp32 without tensor cores) and HBM3e bandwidth 4.8 TB/s.
H200_PEAK_FLOPS = {"f16": 989.4e12, "bf16": 989.4e12, "tf32": 494.7e12, "f32": 66.9e12,
                   "e4m3": 1978.9e12}
H200_HBM_BYTES_PER_S = 4.8e12
# Below this ideal time a call is dominated by the launch floor and fixed per-kernel costs
# (a cuBLAS call replayed in a graph does not go much below ~3-5 us).
LAUNCH_BOUND_US = 5.0
REGIMES = ("launch", "memory", "compute")


def gemm_flops(row):
    return 2.0 * row["batch"] * row["M"] * row["N"] * row["K"]


def gemm_bytes(row):
    """Bytes of A, B and D each touched once (the DRAM minimum of one call)."""
    ea, eb, ed = ELEM_BYTES[row["dtype"]]
    b, m, n, k = row["batch"], row["M"], row["N"], row["K"]
    return float(b * (m * k * ea + k * n * eb + m * n * ed))


def ideal_times_us(row):
    """(compute time at the dense datasheet peak, DRAM time of gemm_bytes at 4.8 TB/s), in us."""
    t_compute = gemm_flops(row) / H200_PEAK_FLOPS[row["dtype"]] * 1e6
    t_memory = gemm_bytes(row) / H200_HBM_BYTES_PER_S * 1e6
    return t_compute, t_memory


def regime(row):
    """'launch' if the ideal roofline time max(t_compute, t_memory) is under LAUNCH_BOUND_US;
    otherwise 'memory' if t_memory >= t_compute (arithmetic intensity below the ridge point,
    206 FLOP/B for f16/bf16), else 'compute'. A label by construction, not a measurement."""
    t_compute, t_memory = ideal_times_us(row)
    if max(t_compute, t_memory) < LAUNCH_BOUND_US:
        return "launch"
    return "memory" if t_memory >= t_compute else "compute"


def estimate_row_seconds(row, replays, replay_ms=1.0, overhead_s=0.08, efficiency=0.6):
    """Rough wall time of one row (planning only): fixed overhead plus the timed replays, each at
    least replay_ms, with the call taking its ideal time / efficiency."""
    call_ms = max(ideal_times_us(row)) / efficiency / 1000.0
    return overhead_s + (replays + 6) * max(replay_ms, call_ms) / 1000.0


# ---------------------------------------------------------------------------------------------
# Kernel names: what cuBLAS chose
# ---------------------------------------------------------------------------------------------

_RE_NVJET = re.compile(r"nvjet_(?:sm\d+_)?(?P<types>[a-z0-9]+)_(?P<tm>\d+)x(?P<tn>\d+)_(?P<tk>\d+)x(?P<st>\d+)"
                       r"_(?P<cm>\d+)x(?P<cn>\d+)", re.I)
_RE_NVJET_MMA = re.compile(r"nvjet_(?:sm\d+_)?(?P<types>[a-z0-9]+)_mma_(?P<tm>\d+)x(?P<tn>\d+)x(?P<tk>\d+)"
                           r"_(?P<st>\d+)_", re.I)
_RE_TILESIZE = re.compile(r"tilesize(?P<tm>\d+)x(?P<tn>\d+)x(?P<tk>\d+)", re.I)
_RE_CGA = re.compile(r"cgasize(?P<cm>\d+)x(?P<cn>\d+)(?:x(?P<ck>\d+))?", re.I)
_RE_LDG = re.compile(r"_(?P<tm>\d+)x(?P<tn>\d+)_ldg", re.I)
_RE_CUTLASS = re.compile(r"_(?P<tm>\d+)x(?P<tn>\d+)_(?P<tk>\d+)x(?P<st>\d+)_", re.I)
_RE_SGEMM = re.compile(r"gemm_(?P<tm>\d+)x(?P<tn>\d+)(?:_|$)", re.I)
_RE_SPLITK = re.compile(r"split_?k|splitk|segment_k_on", re.I)
_RE_STREAMK = re.compile(r"stream_?k", re.I)
_RE_REDUCE = re.compile(r"reduce|reduction", re.I)
_RE_GEMV = re.compile(r"gemv|gemmk1|dot_kernel", re.I)
_RE_GEMM = re.compile(r"gemm|nvjet|xmma|cutlass|wgmma|s16816|s1688|s884|hmma|imma", re.I)
_RE_COPY = re.compile(r"elementwise|copy_kernel|direct_copy|CatArray|transpose|fill", re.I)


def _family(name):
    low = name.lower()
    for fam in ("nvjet", "xmma", "cutlass", "ampere", "turing", "volta", "hopper", "magma"):
        if fam in low:
            return fam
    if "sgemm" in low or "hgemm" in low:
        return "sgemm"
    return ""


def parse_kernel_name(name):
    """What a cuBLAS/cuBLASLt kernel name says: kind (gemm, gemv, reduce, memset, memcpy, copy,
    other), family (nvjet, xmma, cutlass, ampere, ...), tile_m/tile_n/tile_k and stages as
    written in the name (cuBLAS is column-major: its M is torch's N), cluster ('2x1'), and the
    split-K / stream-K hints. Fields it cannot find are None."""
    out = {"kind": "other", "family": _family(name), "tile_m": None, "tile_n": None, "tile_k": None,
           "stages": None, "cluster": None, "split_k": False, "stream_k": False}
    low = name.lower()
    if low.startswith("memset") or "[memset" in low:
        out["kind"] = "memset"
        return out
    if low.startswith("memcpy") or "[memcpy" in low:
        out["kind"] = "memcpy"
        return out
    out["split_k"] = bool(_RE_SPLITK.search(name))
    out["stream_k"] = bool(_RE_STREAMK.search(name))
    if _RE_REDUCE.search(name) and not _RE_NVJET.search(name) and not _RE_TILESIZE.search(name):
        out["kind"] = "reduce"
        return out
    if _RE_GEMV.search(name):
        out["kind"] = "gemv"
    elif _RE_GEMM.search(name):
        out["kind"] = "gemm"
    elif _RE_COPY.search(name):
        out["kind"] = "copy"
        return out
    else:
        return out

    def put(m, *keys):
        for src, dst in zip(("tm", "tn", "tk", "st"), keys):
            if dst and m.groupdict().get(src) is not None:
                out[dst] = int(m.group(src))

    m = _RE_NVJET.search(name)
    if m:
        put(m, "tile_m", "tile_n", "tile_k", "stages")
        out["cluster"] = f"{m.group('cm')}x{m.group('cn')}"
        return out
    m = _RE_NVJET_MMA.search(name)
    if m:
        put(m, "tile_m", "tile_n", "tile_k", "stages")
        return out
    m = _RE_TILESIZE.search(name)
    if m:
        put(m, "tile_m", "tile_n", "tile_k")
        c = _RE_CGA.search(name)
        if c:
            out["cluster"] = f"{c.group('cm')}x{c.group('cn')}"
        s = re.search(r"_stage(?P<st>\d+)", name, re.I)
        if s:
            out["stages"] = int(s.group("st"))
        return out
    m = _RE_LDG.search(name)
    if m:  # ampere_bf16_s16816gemm_bf16_128x64_ldg8_f2f_stages_64x3_tn
        put(m, "tile_m", "tile_n")
        s = re.search(r"stages_(?P<tk>\d+)x(?P<st>\d+)", name, re.I)
        if s:
            out["tile_k"], out["stages"] = int(s.group("tk")), int(s.group("st"))
        return out
    m = _RE_CUTLASS.search(name)
    if m:  # cutlass_80_tensorop_s16816gemm_f16_256x128_32x3_nn_align8
        put(m, "tile_m", "tile_n", "tile_k", "stages")
        return out
    m = _RE_SGEMM.search(name)
    if m:  # ampere_sgemm_128x64_nn
        put(m, "tile_m", "tile_n")
    return out


def summarize_kernels(names):
    """One call's kernels (launch order) -> the columns of kernels.csv: the main GEMM/GEMV kernel
    and its parsed fields, the reduction kernel if any, whether split-K / stream-K shows, and any
    other kernel (a copy PyTorch inserted, a memset of a workspace)."""
    parsed = [(n, parse_kernel_name(n)) for n in names]
    main = next((p for p in parsed if p[1]["kind"] == "gemm"), None) or \
        next((p for p in parsed if p[1]["kind"] == "gemv"), None)
    reduce = [n for n, p in parsed if p["kind"] == "reduce"]
    main_at = next((i for i, (n, _) in enumerate(parsed) if main is not None and n == main[0]), None)
    others = [n for i, (n, p) in enumerate(parsed) if p["kind"] != "reduce" and i != main_at]
    info = main[1] if main else parse_kernel_name("")
    tile = None
    if info["tile_m"] is not None and info["tile_n"] is not None:
        tile = f"{info['tile_m']}x{info['tile_n']}" + (f"x{info['tile_k']}" if info["tile_k"] is not None else "")
    return {
        "n_kernels": len(names),
        "main_kernel": main[0] if main else "",
        "main_kind": info["kind"] if main else "",
        "family": info["family"] if main else "",
        "tile": tile or "",
        "tile_m": info["tile_m"], "tile_n": info["tile_n"], "tile_k": info["tile_k"],
        "stages": info["stages"], "cluster": info["cluster"] or "",
        "split_k": bool(reduce) or any(p["split_k"] for _, p in parsed),
        "stream_k": any(p["stream_k"] for _, p in parsed),
        "reduction_kernel": " | ".join(reduce),
        "other_kernels": " | ".join(others),
    }


# ---------------------------------------------------------------------------------------------
# Statistics, replay sizing, files
# ---------------------------------------------------------------------------------------------

def percentile(values, q):
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    xs = sorted(values)
    if not xs:
        raise ValueError("percentile of no values")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary_stats(values):
    return {"median": percentile(values, 50), "p10": percentile(values, 10), "p90": percentile(values, 90),
            "min": min(values), "max": max(values), "n": len(values)}


def calls_per_replay(per_call_us, replay_ms, max_calls):
    """Calls in one graph so that a replay lasts at least replay_ms, between 1 and max_calls."""
    if not per_call_us or per_call_us <= 0 or not math.isfinite(per_call_us):
        return max_calls
    return int(max(1, min(max_calls, math.ceil(replay_ms * 1000.0 / per_call_us))))


VERIFY_TOL = {"f16": 5e-3, "bf16": 2e-2, "tf32": 5e-3, "f32": 5e-5, "e4m3": 2e-2}
"""Norm-wise relative error ||d - ref|| / ||ref|| over the sampled entries. f32's bound is tight
enough that TF32 math (error ~3e-4) fails it: the strict path is checked to be strict."""


def row_seed(name, base):
    return (base * 1000003 + zlib.crc32(name.encode())) & 0x7FFFFFFF


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_git_stamp(root=REPO):
    """{'sha', 'dirty', 'how'}: from .tcbench-git ('<sha> <dirty>', written by scripts/stamp_git.sh
    before the tree goes to the GPU machine), else from git, else nulls with the reason."""
    path = os.path.join(root, ".tcbench-git")
    try:
        with open(path) as f:
            parts = f.read().split()
        if parts:
            return {"sha": parts[0], "dirty": (parts[1] == "1") if len(parts) > 1 else None, "how": ".tcbench-git"}
    except OSError:
        pass
    try:
        sha = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        if sha:
            st = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10).stdout
            return {"sha": sha, "dirty": bool(st.strip()), "how": "git"}
    except (OSError, subprocess.SubprocessError):
        pass
    return {"sha": None, "dirty": None, "how": "no .tcbench-git and no git repository"}


def atomic_write_text(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}"
    return str(v)


def render_csv(columns, rows):
    buf = io.StringIO(newline="")
    # RFC 4180 quoting (fields with commas or quotes are quoted, quotes doubled); LF line ends like
    # the repository's other CSV files (Python's csv module reads either).
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def utc_now():
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


DERIVED_COLUMNS = ("shapes_file", "regime", "gflop", "mbytes", "ideal_us")
MEASURE_COLUMNS = ("status", "reason", "median_us", "p10_us", "p90_us", "min_us", "max_us", "replays",
                   "calls_per_replay", "tflops", "gbps", "verified", "verify_err", "verify_tol",
                   "verify_samples", "matches_matmul", "call", "math", "sm_clock_mhz", "wall_s",
                   "gpu", "cublas_version", "driver_version")
KERNEL_COLUMNS = ("shapes_file", "name", "dtype", "batch", "M", "N", "K", "b_layout", "status", "reason",
                  "n_kernels", "main_kernel", "main_kind", "family", "tile", "tile_m", "tile_n", "tile_k",
                  "stages", "cluster", "split_k", "stream_k", "reduction_kernel", "other_kernels",
                  "kernel_names", "kernel_us")


def input_columns(headers):
    """Union of the shape files' columns in order of first appearance; b_layout and source always."""
    cols = []
    for h in headers:
        for c in h:
            if c not in cols:
                cols.append(c)
    for c in ("b_layout", "source"):
        if c not in cols:
            cols.append(c)
    return cols


# ---------------------------------------------------------------------------------------------
# GPU side (torch imported lazily)
# ---------------------------------------------------------------------------------------------

class Skip(Exception):
    """A row this script does not measure, with the reason (status 'skipped')."""


class Terminated(BaseException):
    """SIGTERM arrived: stop, keep the rows so far (status partial)."""


class Fatal(Exception):
    """The CUDA context is no longer usable: stop the run (status partial)."""


def _torch():
    import torch  # noqa: PLC0415 (lazy on purpose)
    return torch


def _dtype_of(torch, name):
    return {"f16": torch.float16, "bf16": torch.bfloat16, "tf32": torch.float32, "f32": torch.float32,
            "e4m3": getattr(torch, "float8_e4m3fn", None)}[name]


class MathMode:
    """Sets TF32 for tf32 rows (allowed) and f32 rows (forbidden) and restores the previous state.
    Uses torch.backends.cuda.matmul.allow_tf32 (the legacy switch, read back after setting);
    falls back to torch.set_float32_matmul_precision where that switch refuses."""

    def __init__(self, torch, dtype):
        self.torch, self.dtype, self.saved, self.how = torch, dtype, None, ""

    def __enter__(self):
        t = self.torch
        if self.dtype not in ("tf32", "f32"):
            return self
        want = self.dtype == "tf32"
        try:
            self.saved = ("allow_tf32", t.backends.cuda.matmul.allow_tf32)
            t.backends.cuda.matmul.allow_tf32 = want
            got = t.backends.cuda.matmul.allow_tf32
            if bool(got) != want:
                raise RuntimeError(f"allow_tf32 reads {got} after setting {want}")
            self.how = f"allow_tf32={want}"
        except Exception as e:  # noqa: BLE001 - any refusal: try the other switch
            try:
                self.saved = ("precision", t.get_float32_matmul_precision())
                t.set_float32_matmul_precision("high" if want else "highest")
                self.how = f"set_float32_matmul_precision({'high' if want else 'highest'}) ({e})"
            except Exception as e2:  # noqa: BLE001
                raise RuntimeError(f"cannot set TF32 mode: {e}; {e2}") from e2
        return self

    def __exit__(self, *exc):
        t = self.torch
        if self.saved is None:
            return False
        kind, value = self.saved
        try:
            if kind == "allow_tf32":
                t.backends.cuda.matmul.allow_tf32 = value
            else:
                t.set_float32_matmul_precision(value)
        except Exception:  # noqa: BLE001 - restoring must not hide the row's own error
            pass
        return False


class Case:
    """The operands of one row and the call that the graph captures."""

    def __init__(self, torch, row, seed, device, sigma=0.5):
        self.torch, self.row = torch, row
        dt, b, m, n, k, lay = row["dtype"], row["batch"], row["M"], row["N"], row["K"], row["b_layout"]
        tdt = _dtype_of(torch, dt)
        if tdt is None:
            raise Skip("this torch has no float8_e4m3fn")
        if dt == "e4m3" and b > 1:
            raise Skip("e4m3: torch._scaled_mm has no batched form")
        if dt == "e4m3" and lay != "nk":
            raise Skip("e4m3: torch._scaled_mm needs B column-major, i.e. b_layout=nk")
        gen = torch.Generator(device=device)
        gen.manual_seed(seed)

        def rnd(shape):
            x = torch.randn(shape, generator=gen, device=device, dtype=torch.float32)
            x.mul_(sigma)
            return x.to(tdt)

        batched = b > 1
        a_shape = (b, m, k) if batched else (m, k)
        b_shape = ((b, n, k) if batched else (n, k)) if lay == "nk" else ((b, k, n) if batched else (k, n))
        self.a = rnd(a_shape)
        self.b_store = rnd(b_shape)
        # B as the K x N operand: the stored tensor itself (kn) or the transposed view of an [N, K]
        # tensor (nk, as F.linear passes its weight); no copy is made.
        self.b = self.b_store.transpose(-1, -2) if lay == "nk" else self.b_store
        out_dtype = torch.bfloat16 if dt == "e4m3" else tdt
        self.d = torch.empty((b, m, n) if batched else (m, n), device=device, dtype=out_dtype)
        self.scale_a = self.scale_b = None
        self.call = ""
        if dt == "e4m3":
            self.scale_a = torch.tensor(0.5, device=device, dtype=torch.float32)
            self.scale_b = torch.tensor(2.0, device=device, dtype=torch.float32)
            self.fn = self._pick_scaled_mm()
        elif batched:
            self.call = "torch.bmm(a, b, out=d)"
            self.fn = lambda: torch.bmm(self.a, self.b, out=self.d)
        else:
            self.call = "torch.mm(a, b, out=d)"
            self.fn = lambda: torch.mm(self.a, self.b, out=self.d)

    def _pick_scaled_mm(self):
        """torch._scaled_mm's signature changed across releases: try the keyword forms (with and
        without out=), then positional scales; the first that returns a bf16 [M, N] result wins."""
        t, a, b, sa, sb, d = self.torch, self.a, self.b, self.scale_a, self.scale_b, self.d
        if not hasattr(t, "_scaled_mm"):
            raise Skip("this torch has no torch._scaled_mm")

        def first(r):
            return r[0] if isinstance(r, (tuple, list)) else r

        attempts = [
            ("torch._scaled_mm(a, b, scale_a=, scale_b=, out_dtype=bf16, out=d)",
             lambda: first(t._scaled_mm(a, b, scale_a=sa, scale_b=sb, out_dtype=t.bfloat16, out=d))),
            ("torch._scaled_mm(a, b, scale_a=, scale_b=, out_dtype=bf16)",
             lambda: first(t._scaled_mm(a, b, scale_a=sa, scale_b=sb, out_dtype=t.bfloat16))),
            ("torch._scaled_mm(a, b, sa, sb, out_dtype=bf16)",
             lambda: first(t._scaled_mm(a, b, sa, sb, out_dtype=t.bfloat16))),
        ]
        errors = []
        for label, fn in attempts:
            try:
                r = fn()
                t.cuda.synchronize()
                if r is None or tuple(r.shape) != tuple(d.shape) or r.dtype != t.bfloat16:
                    errors.append(f"{label}: returned {None if r is None else (tuple(r.shape), r.dtype)}")
                    continue
                self.call = label
                return fn
            except Exception as e:  # noqa: BLE001 - record each form's refusal
                errors.append(f"{label}: {_short(e)}")
                _check_context(t)
        raise Skip("torch._scaled_mm failed in every form: " + " || ".join(errors))

    def output(self):
        """The result of one eager call (out= writes self.d; _scaled_mm without out= returns it)."""
        r = self.fn()
        return r if r is not None else self.d

    def nbytes(self):
        return sum(x.numel() * x.element_size() for x in (self.a, self.b_store, self.d))

    def verify(self, out, samples, seed):
        """Norm-wise relative error of sampled output entries against a float64 reference on the
        GPU (every entry when there are at most `samples`). Returns (ok, err, n, tol)."""
        t, row = self.torch, self.row
        b, m, n = row["batch"], row["M"], row["N"]
        a3 = self.a if self.a.dim() == 3 else self.a.unsqueeze(0)
        b3 = self.b if self.b.dim() == 3 else self.b.unsqueeze(0)   # logical [b, K, N]
        if row["dtype"] == "e4m3":  # gather from float32 copies: indexing kernels may lack float8
            a3, b3 = a3.to(t.float32), b3.to(t.float32)
        d3 = out if out.dim() == 3 else out.unsqueeze(0)
        total = b * m * n
        dev = self.a.device
        if total <= samples:
            idx = t.arange(total, device=dev)
        else:
            g = t.Generator(device="cpu")
            g.manual_seed(seed)
            idx = t.randint(0, total, (samples,), generator=g).to(dev)
        bi, rem = idx // (m * n), idx % (m * n)
        ii, jj = rem // n, rem % n
        ref_parts, got = [], d3[bi, ii, jj].to(t.float64)
        chunk = max(1, (1 << 25) // max(1, row["K"]))  # keep the float64 gather under ~256 MB
        for s in range(0, idx.numel(), chunk):
            sl = slice(s, s + chunk)
            ar = a3[bi[sl], ii[sl], :].to(t.float32).to(t.float64)
            bc = b3[bi[sl], :, jj[sl]].to(t.float32).to(t.float64)
            ref_parts.append((ar * bc).sum(dim=-1))
        ref = t.cat(ref_parts)
        if self.scale_a is not None:
            ref = ref * float(self.scale_a) * float(self.scale_b)
        finite = bool(t.isfinite(got).all())
        denom = float(t.linalg.vector_norm(ref))
        err = float(t.linalg.vector_norm(got - ref)) / denom if denom > 0 else float(t.linalg.vector_norm(got - ref))
        tol = VERIFY_TOL[row["dtype"]]
        return (finite and err <= tol), err, int(idx.numel()), tol

    def matches_matmul(self, out):
        """Whether torch.matmul on the same tensors gives the same bits (None for e4m3)."""
        if self.row["dtype"] == "e4m3":
            return None
        return bool(self.torch.equal(self.torch.matmul(self.a, self.b), out))


def _short(e, limit=300):
    s = f"{type(e).__name__}: {e}".replace("\n", " ").replace("\r", " ")
    return s if len(s) <= limit else s[:limit] + "..."


def _check_context(torch):
    """Raises Fatal when the CUDA context is broken (a sticky error): nothing after it is trusted."""
    try:
        torch.cuda.synchronize()
    except Exception as e:  # noqa: BLE001
        raise Fatal(f"CUDA context unusable after an error: {_short(e)}") from e


def _release(torch):
    """After a failed row: free the cached blocks, then make sure the context still works."""
    try:
        torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001 - _check_context says whether it matters
        pass
    _check_context(torch)


def _is_oom(torch, e):
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(e, oom)) or "out of memory" in str(e).lower()


def _capture(torch, fn, stream, calls):
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.stream(stream):
        g.capture_begin()
        try:
            for _ in range(calls):
                fn()
        except BaseException:
            try:
                g.capture_end()
            except Exception:  # noqa: BLE001 - the capture's own error is the one to report
                pass
            raise
        g.capture_end()
    return g


def _time_replays(torch, g, stream, replays, nvml=None):
    """Per-replay times in ms (CUDA events around each replay, replays back to back), and an SM
    clock reading taken while they run."""
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(replays)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(replays)]
    with torch.cuda.stream(stream):
        for s, e in zip(starts, ends):
            s.record(stream)
            g.replay()
            e.record(stream)
    clock = nvml.sm_clock() if nvml else None
    stream.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)], clock


class Nvml:
    """pynvml readings of the GPU that torch uses (matched by UUID); every method returns None
    when pynvml is missing or refuses."""

    def __init__(self, torch_uuid):
        self.ok, self.h, self.nv, self.error = False, None, None, None
        try:
            import pynvml  # noqa: PLC0415
            pynvml.nvmlInit()
            self.nv = pynvml
            count = pynvml.nvmlDeviceGetCount()
            handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            chosen = None
            for h in handles:
                u = pynvml.nvmlDeviceGetUUID(h)
                u = u.decode() if isinstance(u, bytes) else str(u)
                if torch_uuid and u.lower().replace("gpu-", "").endswith(torch_uuid.lower().replace("gpu-", "")):
                    chosen = h
            if chosen is None and count == 1:
                chosen = handles[0]
            if chosen is None:
                raise RuntimeError(f"no NVML device with UUID {torch_uuid} among {count}")
            self.h, self.ok = chosen, True
        except Exception as e:  # noqa: BLE001
            self.error = _short(e)

    def _call(self, fn, *args):
        if not self.ok:
            return None
        try:
            v = fn(*args)
            return v.decode() if isinstance(v, bytes) else v
        except Exception:  # noqa: BLE001
            return None

    def sm_clock(self):
        return self._call(self.nv.nvmlDeviceGetClockInfo, self.h, self.nv.NVML_CLOCK_SM) if self.ok else None

    def snapshot(self):
        if not self.ok:
            return {"error": self.error}
        nv, h = self.nv, self.h
        reasons_fn = getattr(nv, "nvmlDeviceGetCurrentClocksEventReasons", None) or \
            getattr(nv, "nvmlDeviceGetCurrentClocksThrottleReasons", None)
        power = self._call(nv.nvmlDeviceGetPowerUsage, h)
        limit = self._call(nv.nvmlDeviceGetEnforcedPowerLimit, h)
        reasons = self._call(reasons_fn, h) if reasons_fn else None
        return {
            "time": utc_now(),
            "sm_clock_mhz": self._call(nv.nvmlDeviceGetClockInfo, h, nv.NVML_CLOCK_SM),
            "mem_clock_mhz": self._call(nv.nvmlDeviceGetClockInfo, h, nv.NVML_CLOCK_MEM),
            "max_sm_clock_mhz": self._call(nv.nvmlDeviceGetMaxClockInfo, h, nv.NVML_CLOCK_SM),
            "temperature_c": self._call(nv.nvmlDeviceGetTemperature, h, nv.NVML_TEMPERATURE_GPU),
            "power_w": power / 1000.0 if isinstance(power, (int, float)) else None,
            "power_limit_w": limit / 1000.0 if isinstance(limit, (int, float)) else None,
            "clock_event_reasons": hex(reasons) if isinstance(reasons, int) else None,
        }

    def driver(self):
        if not self.ok:
            return None
        return {"version": self._call(self.nv.nvmlSystemGetDriverVersion),
                "cuda_driver_api": self._call(getattr(self.nv, "nvmlSystemGetCudaDriverVersion_v2", None)
                                              or self.nv.nvmlSystemGetCudaDriverVersion),
                "how": "pynvml"}


def _loaded_libraries(substr):
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1] if line.strip() else ""
                if substr in os.path.basename(p) and p not in paths and os.path.exists(p):
                    paths.append(p)
    except OSError:
        pass
    return paths


def cublas_versions():
    """cuBLAS / cuBLASLt versions of the libraries loaded in this process (call after a matmul):
    cublasLtGetVersion and cublasGetProperty through ctypes, plus the pip package's version.
    Returns what it found and how."""
    import ctypes  # noqa: PLC0415
    out = {"how": []}
    for stem, fn_name in (("libcublasLt", "cublasLtGetVersion"), ("libcublas.", "cublasGetProperty")):
        libs = _loaded_libraries(stem)
        key = "cublasLt" if stem == "libcublasLt" else "cublas"
        out[f"{key}_paths"] = libs
        if not libs:  # no /proc/self/maps: the sonames, only if already loaded (RTLD_NOLOAD)
            libs = [f"{stem.rstrip('.')}.so.{v}" for v in (13, 12, 11)]
        for path in libs:
            try:
                mode = ctypes.RTLD_GLOBAL if os.path.isabs(path) else (getattr(os, "RTLD_NOLOAD", 4) | os.RTLD_LAZY)
                lib = ctypes.CDLL(path, mode=mode)
                if fn_name == "cublasLtGetVersion":
                    f = lib.cublasLtGetVersion
                    f.restype = ctypes.c_size_t
                    v = int(f())
                    out["cublasLt_version_int"] = v
                    out["cublasLt_version"] = f"{v // 10000}.{(v // 100) % 100}.{v % 100}"
                    out["how"].append(f"cublasLtGetVersion() from {path}")
                else:
                    parts = []
                    for prop in (0, 1, 2):  # MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
                        val = ctypes.c_int(0)
                        status = lib.cublasGetProperty(ctypes.c_int(prop), ctypes.byref(val))
                        if status != 0:
                            raise RuntimeError(f"cublasGetProperty({prop}) status {status}")
                        parts.append(val.value)
                    out["cublas_version"] = ".".join(map(str, parts))
                    out["how"].append(f"cublasGetProperty() from {path}")
                break
            except Exception as e:  # noqa: BLE001
                out["how"].append(f"{fn_name} from {path} failed: {_short(e)}")
        if not out[f"{key}_paths"]:
            out["how"].append(f"no {stem}* in /proc/self/maps")
    try:
        from importlib import metadata  # noqa: PLC0415
        for dist in ("nvidia-cublas", "nvidia-cublas-cu13", "nvidia-cublas-cu12"):
            try:
                out[f"pip_{dist}"] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
    except Exception:  # noqa: BLE001
        pass
    return out


def cuda_driver_version():
    import ctypes  # noqa: PLC0415
    try:
        lib = ctypes.CDLL("libcuda.so.1")
        v = ctypes.c_int(0)
        if lib.cuDriverGetVersion(ctypes.byref(v)) == 0:
            return {"cuDriverGetVersion": v.value, "version": f"{v.value // 1000}.{(v.value % 1000) // 10}"}
    except Exception as e:  # noqa: BLE001
        return {"error": _short(e)}
    return None


def nvidia_smi_driver():
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=driver_version,name,uuid", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(torch, device):
    props = torch.cuda.get_device_properties(device)
    info = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "torch_git": getattr(torch.version, "git_version", None),
        "gpu_name": props.name,
        "gpu_uuid": str(getattr(props, "uuid", "")) or None,
        "sm_count": props.multi_processor_count,
        "capability": f"{props.major}.{props.minor}",
        "memory_bytes": props.total_memory,
        "l2_bytes": getattr(props, "L2_cache_size", None),
    }
    for name, fn in (("compiled_cuda_version", "_cuda_getCompiledVersion"),):
        try:
            info[name] = getattr(torch._C, fn)()
        except Exception as e:  # noqa: BLE001
            info[name] = f"unavailable ({_short(e, 80)})"
    flags = {}
    m = torch.backends.cuda.matmul
    for f in ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
        try:
            flags[f] = getattr(m, f)
        except Exception as e:  # noqa: BLE001
            flags[f] = f"unreadable ({_short(e, 80)})"
    try:
        flags["preferred_blas_library"] = str(torch.backends.cuda.preferred_blas_library())
    except Exception as e:  # noqa: BLE001
        flags["preferred_blas_library"] = f"unreadable ({_short(e, 80)})"
    try:
        flags["float32_matmul_precision"] = torch.get_float32_matmul_precision()
    except Exception:  # noqa: BLE001
        pass
    info["matmul_flags_at_start"] = flags
    info["env"] = {k: os.environ.get(k) for k in ("CUBLAS_WORKSPACE_CONFIG", "CUBLASLT_WORKSPACE_SIZE",
                                                  "TORCH_BLAS_PREFER_CUBLASLT", "CUDA_VISIBLE_DEVICES",
                                                  "CUDA_MODULE_LOADING", "CUBLASLT_LOG_LEVEL")
                   if os.environ.get(k) is not None}
    return info


def _kernels_from_trace(path):
    """GPU activities of a chrome trace (kernels, memsets, memcpys) in start order."""
    with open(path) as f:
        data = json.load(f)
    events = data.get("traceEvents", data) if isinstance(data, dict) else data
    acts = []
    for ev in events:
        if not isinstance(ev, dict) or ev.get("ph") != "X":
            continue
        cat = str(ev.get("cat", "")).lower()
        if cat in ("kernel", "gpu_memset", "gpu_memcpy"):
            name = str(ev.get("name", ""))
            if cat == "gpu_memset" and not name.lower().startswith("memset"):
                name = f"[memset] {name}"
            if cat == "gpu_memcpy" and not name.lower().startswith("memcpy"):
                name = f"[memcpy] {name}"
            acts.append((float(ev.get("ts", 0)), name, float(ev.get("dur", 0))))
    acts.sort(key=lambda x: x[0])
    return [(n, d) for _, n, d in acts]


def _kernels_from_events(torch, prof):
    cuda_type = getattr(getattr(torch.autograd, "DeviceType", None), "CUDA", None)
    acts = []
    for ev in prof.events():
        if cuda_type is not None and getattr(ev, "device_type", None) == cuda_type:
            start = getattr(getattr(ev, "time_range", None), "start", 0)
            dur = getattr(ev, "device_time", None) or getattr(ev, "cuda_time", 0) or 0
            acts.append((start, ev.name, float(dur)))
    acts.sort(key=lambda x: x[0])
    return [(n, d) for _, n, d in acts]


def profile_one_call(torch, fn, stream, tmpdir):
    """Kernel names (and durations in us) launched by one eager call, in launch order."""
    from torch.profiler import ProfilerActivity, profile  # noqa: PLC0415
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        with torch.cuda.stream(stream):
            fn()
        torch.cuda.synchronize()
    path = os.path.join(tmpdir, f"trace-{os.getpid()}.json")
    acts = []
    try:
        prof.export_chrome_trace(path)
        acts = _kernels_from_trace(path)
    except Exception:  # noqa: BLE001 - fall back to the event list
        acts = []
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
    if not acts:
        acts = _kernels_from_events(torch, prof)
    return acts


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------

def _gpu_device(torch, index):
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def _clock_warmup(torch, dev, stream, seconds):
    """Bring the clocks up (and load cuBLAS) with back-to-back 4096^3 bf16 GEMMs before the first
    timed row; the first rows would otherwise run at idle clocks."""
    if seconds <= 0:
        return
    x = torch.randn(4096, 4096, device=dev, dtype=torch.bfloat16)
    y = torch.empty_like(x)
    t_end = time.time() + seconds
    with torch.cuda.stream(stream):
        while True:
            for _ in range(20):
                torch.mm(x, x, out=y)
            stream.synchronize()
            if time.time() >= t_end:
                break


class Run:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.rows, self.headers, self.files = [], [], []
        for path in args.shapes:
            rows, header = read_shapes(path)
            base = os.path.basename(path)
            for r in rows:
                r["shapes_file"] = base
            total = len(rows)
            if args.filter:
                rows = [r for r in rows if re.search(args.filter, r["name"])]
            self.rows += rows
            self.headers.append(header)
            self.files.append({"path": path, "sha256": sha256_file(path), "rows_in_file": total,
                               "rows_selected": len(rows)})
        if args.limit:
            self.rows = self.rows[:args.limit]
        self.in_cols = input_columns(self.headers)
        self.results, self.kernels = [], []
        self.meta = {"status": "running", "reason": None, "command": [sys.executable] + sys.argv,
                     "cwd": os.getcwd(), "started": utc_now(), "finished": None,
                     "git": read_git_stamp(), "shape_files": self.files,
                     "settings": {k: getattr(args, k) for k in ("replays", "calls_per_replay", "replay_ms",
                                                                 "max_calls", "warmup_calls", "seed",
                                                                 "verify_samples", "kernels", "clock_warmup_s",
                                                                 "max_seconds", "filter", "limit", "device")},
                     "target": "median time per call of torch.mm / torch.bmm (out=), torch._scaled_mm for e4m3, "
                               "replayed back to back in a CUDA graph; same operands every call",
                     "regime_rule": {"peak_flops": H200_PEAK_FLOPS, "hbm_bytes_per_s": H200_HBM_BYTES_PER_S,
                                     "launch_bound_us": LAUNCH_BOUND_US}}
        self.stamp = {}  # gpu, cublas_version, driver_version: on every row, for merged runs
        self.t0 = time.time()

    # -- files ---------------------------------------------------------------------------------
    def write(self):
        cols = list(self.in_cols) + [c for c in DERIVED_COLUMNS if c not in self.in_cols] + list(MEASURE_COLUMNS)
        atomic_write_text(os.path.join(self.out, "gemm_times.csv"), render_csv(cols, self.results))
        if self.args.kernels:
            atomic_write_text(os.path.join(self.out, "kernels.csv"), render_csv(KERNEL_COLUMNS, self.kernels))
        counts = {}
        for r in self.results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        self.meta["row_counts"] = {"input": len(self.rows), "written": len(self.results), **counts}
        if self.args.kernels:
            self.meta["row_counts"]["kernels_written"] = len(self.kernels)
        self.meta["elapsed_s"] = round(time.time() - self.t0, 2)
        atomic_write_text(os.path.join(self.out, "run.json"), json.dumps(self.meta, indent=2, default=str) + "\n")

    def out_of_time(self):
        return self.args.max_seconds and time.time() - self.t0 > self.args.max_seconds

    # -- one row -------------------------------------------------------------------------------
    def base_result(self, row):
        res = {c: row.get(c, "") for c in self.in_cols}
        res["b_layout"] = row["b_layout"]
        res.update(self.stamp)
        t_c, t_m = ideal_times_us(row)
        res.update({"shapes_file": row["shapes_file"], "regime": regime(row), "gflop": gemm_flops(row) / 1e9,
                    "mbytes": gemm_bytes(row) / 1e6, "ideal_us": max(t_c, t_m)})
        return res

    def measure(self, torch, row, stream):
        a = self.args
        res = {}
        t_start = time.time()
        need = gemm_bytes(row) * 2.2 + (256 << 20)
        free, _ = torch.cuda.mem_get_info()
        free += max(0, torch.cuda.memory_reserved() - torch.cuda.memory_allocated())  # our own cache
        if need > 0.9 * free:
            raise Skip(f"needs about {need / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free")
        with MathMode(torch, row["dtype"]) as mm:
            case = Case(torch, row, row_seed(row["name"], a.seed), stream.device)
            res["call"], res["math"] = case.call, mm.how
            with torch.cuda.stream(stream):
                for _ in range(a.warmup_calls):
                    out = case.output()
            stream.synchronize()
            ok, err, n, tol = case.verify(out, a.verify_samples, a.seed)
            res.update({"verified": ok, "verify_err": err, "verify_tol": tol, "verify_samples": n})
            try:
                res["matches_matmul"] = case.matches_matmul(out)
            except Exception as e:  # noqa: BLE001 - informative only
                res["matches_matmul"] = None
                res["reason"] = f"torch.matmul comparison failed: {_short(e, 120)}"
                _check_context(torch)
            del out
            if a.calls_per_replay:
                calls = a.calls_per_replay
            else:
                pilot_calls = 4
                g = _capture(torch, case.fn, stream, pilot_calls)
                with torch.cuda.stream(stream):
                    g.replay()
                ms, _ = _time_replays(torch, g, stream, 3)
                del g
                calls = calls_per_replay(min(ms) * 1000.0 / pilot_calls, a.replay_ms, a.max_calls)
            g = _capture(torch, case.fn, stream, calls)
            with torch.cuda.stream(stream):
                for _ in range(2):
                    g.replay()
            ms, clock = _time_replays(torch, g, stream, a.replays, self.nvml)
            del g
        per_call_us = [x * 1000.0 / calls for x in ms]
        st = summary_stats(per_call_us)
        res.update({"status": "ok", "median_us": st["median"], "p10_us": st["p10"], "p90_us": st["p90"],
                    "min_us": st["min"], "max_us": st["max"], "replays": st["n"], "calls_per_replay": calls,
                    "tflops": gemm_flops(row) / (st["median"] * 1e-6) / 1e12,
                    "gbps": gemm_bytes(row) / (st["median"] * 1e-6) / 1e9,
                    "sm_clock_mhz": clock, "wall_s": round(time.time() - t_start, 3)})
        if not res.get("verified"):
            res["reason"] = ((res.get("reason") or "") + f" verification failed: err {err:.3g} > tol {tol:g}").strip()
        return res

    def run_row(self, torch, row, stream):
        res = self.base_result(row)
        try:
            res.update(self.measure(torch, row, stream))
        except Skip as e:
            res.update({"status": "skipped", "reason": str(e)})
        except Fatal:
            raise
        except KeyboardInterrupt:
            raise
        except Exception as e:  # noqa: BLE001 - one row's failure is recorded, the run goes on
            if _is_oom(torch, e):
                res.update({"status": "oom", "reason": _short(e)})
            else:
                res.update({"status": "error", "reason": _short(e)})
            _release(torch)
        return res

    def kernel_row(self, torch, row, stream, tmpdir):
        k = {c: row.get(c) for c in ("shapes_file", "name", "dtype", "batch", "M", "N", "K", "b_layout")}
        try:
            with MathMode(torch, row["dtype"]):
                case = Case(torch, row, row_seed(row["name"], self.args.seed), stream.device)
                with torch.cuda.stream(stream):
                    for _ in range(2):
                        case.fn()
                acts = profile_one_call(torch, case.fn, stream, tmpdir)
            names = [n for n, _ in acts]
            if names:
                k.update(summarize_kernels(names))
            k.update({"status": "ok" if names else "error",
                      "reason": "" if names else "the profiler recorded no GPU activity",
                      "kernel_names": " | ".join(names), "kernel_us": " | ".join(f"{d:.2f}" for _, d in acts)})
        except Skip as e:
            k.update({"status": "skipped", "reason": str(e)})
        except (Fatal, KeyboardInterrupt, Terminated):
            raise
        except Exception as e:  # noqa: BLE001
            k.update({"status": "oom" if _is_oom(torch, e) else "error", "reason": _short(e)})
            _release(torch)
        return k

    # -- the whole run ---------------------------------------------------------------------------
    def main(self):
        a = self.args
        os.makedirs(self.out, exist_ok=True)
        self.write()  # status running: a crash before the first row still leaves provenance
        torch = _torch()
        if not torch.cuda.is_available():
            raise Fatal("torch sees no CUDA device")
        dev = _gpu_device(torch, a.device)
        env = environment(torch, dev)
        self.meta["device"] = env
        self.nvml = Nvml(env.get("gpu_uuid"))
        self.meta["driver"] = {"nvml": self.nvml.driver(), "cuda": cuda_driver_version(),
                               "nvidia_smi": nvidia_smi_driver()}
        self.meta["nvml_before"] = self.nvml.snapshot()
        stream = torch.cuda.Stream(device=dev)
        _clock_warmup(torch, dev, stream, a.clock_warmup_s)
        self.meta["nvml_after_warmup"] = self.nvml.snapshot()
        self.meta["cublas"] = cublas_versions()
        cb = self.meta["cublas"]
        drv = (self.meta["driver"].get("nvml") or {}).get("version") or (self.meta["driver"].get("cuda") or {}).get("version")
        self.stamp = {"gpu": env.get("gpu_name"),
                      "cublas_version": cb.get("cublas_version") or cb.get("cublasLt_version") or "",
                      "driver_version": drv or ""}
        self.write()
        est = sum(estimate_row_seconds(r, a.replays, a.replay_ms) for r in self.rows)
        print(f"gemm_timing: {len(self.rows)} rows from {', '.join(f['path'] for f in self.files)}; "
              f"{env['gpu_name']}, torch {env['torch']}, cuBLAS {self.meta['cublas'].get('cublas_version')} "
              f"/ Lt {self.meta['cublas'].get('cublasLt_version')}; estimated {est:.0f} s for timing"
              + (" (+ about 0.05 s a row for --kernels)" if a.kernels else ""), flush=True)
        width = len(str(len(self.rows)))
        for i, row in enumerate(self.rows, 1):
            if self.out_of_time():
                raise TimeoutError(f"--max-seconds {a.max_seconds} reached after {i - 1} rows")
            res = self.run_row(torch, row, stream)
            self.results.append(res)
            self.write()
            shape = f"{row['dtype']} b{row['batch']} {row['M']}x{row['N']}x{row['K']} {row['b_layout']}"
            if res["status"] == "ok":
                print(f"[{i:>{width}}/{len(self.rows)}] {row['name']}  {shape}  median {res['median_us']:.2f} us "
                      f"(p10 {res['p10_us']:.2f}, p90 {res['p90_us']:.2f}) C={res['calls_per_replay']} "
                      f"{res['tflops']:.1f} TFLOP/s {'verified' if res['verified'] else 'NOT VERIFIED'}", flush=True)
            else:
                print(f"[{i:>{width}}/{len(self.rows)}] {row['name']}  {shape}  {res['status'].upper()}: "
                      f"{res['reason']}", flush=True)
        self.meta["nvml_after_timing"] = self.nvml.snapshot()
        if a.kernels:
            tmpdir = tempfile.mkdtemp(prefix="gemm_timing_trace-")
            first_errors, broken = [], None  # the profiler failing on the first 3 rows: stop asking it
            for i, row in enumerate(self.rows, 1):
                if self.out_of_time():
                    raise TimeoutError(f"--max-seconds {a.max_seconds} reached in the kernel pass after {i - 1} rows")
                if broken:
                    k = {c: row.get(c) for c in ("shapes_file", "name", "dtype", "batch", "M", "N", "K", "b_layout")}
                    k.update({"status": "skipped", "reason": broken})
                else:
                    k = self.kernel_row(torch, row, stream, tmpdir)
                    if i <= 3 and k["status"] == "error":
                        first_errors.append(k["reason"])
                        if len(first_errors) == 3:
                            broken = f"the profiler failed on the first 3 rows: {first_errors[0]}"
                            self.meta["kernels_pass"] = broken
                self.kernels.append(k)
                if i % 25 == 0 or i == len(self.rows):
                    self.write()
                print(f"[kernels {i:>{width}}/{len(self.rows)}] {row['name']}  "
                      + (f"{k.get('main_kernel')} tile {k.get('tile') or '?'} split_k={k.get('split_k')}"
                         + (f" + {k['reduction_kernel']}" if k.get("reduction_kernel") else "")
                         if k["status"] == "ok" else f"{k['status'].upper()}: {k['reason']}"), flush=True)
        self.meta["nvml_after"] = self.nvml.snapshot()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", action="append", required=True, metavar="CSV",
                   help="a shape file (name,dtype,batch,M,N,K[,b_layout][,source]); repeat for several")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--force", action="store_true", help="write into a DIR that already holds a run.json")
    p.add_argument("--replays", type=int, default=30, help="timed graph replays per row (default 30)")
    p.add_argument("--calls-per-replay", type=int, default=0, metavar="N",
                   help="calls captured in one graph; 0 (default): enough for a replay of --replay-ms")
    p.add_argument("--replay-ms", type=float, default=1.0, help="target replay length (default 1.0 ms)")
    p.add_argument("--max-calls", type=int, default=500, help="cap on calls per graph (default 500)")
    p.add_argument("--warmup-calls", type=int, default=3, help="eager calls before capture (default 3)")
    p.add_argument("--kernels", action="store_true",
                   help="after the timing pass, profile one call per row and write kernels.csv")
    p.add_argument("--seed", type=int, default=14, help="base seed of the operands (default 14)")
    p.add_argument("--verify-samples", type=int, default=512, help="output entries checked per row (default 512)")
    p.add_argument("--clock-warmup-s", type=float, default=1.0, help="GEMM load before the first row (default 1 s)")
    p.add_argument("--max-seconds", type=float, default=0,
                   help="stop (status partial, rows so far kept) after this many seconds; 0: no limit")
    p.add_argument("--filter", default="", metavar="REGEX", help="only rows whose name matches")
    p.add_argument("--limit", type=int, default=0, help="only the first N rows (after --filter)")
    p.add_argument("--device", type=int, default=0, help="CUDA device index (default 0)")
    args = p.parse_args(argv)
    if args.replays < 1 or args.max_calls < 1 or args.calls_per_replay < 0 or args.warmup_calls < 1:
        p.error("--replays, --max-calls and --warmup-calls must be >= 1, --calls-per-replay >= 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    if os.path.exists(os.path.join(args.out, "run.json")) and not args.force:
        print(f"gemm_timing: {args.out} already holds a run.json; pass --force to replace it", file=sys.stderr)
        return 7
    try:
        run = Run(args)
    except (ShapeError, OSError) as e:
        print(f"gemm_timing: {e}", file=sys.stderr)
        return 3
    def on_sigterm(signum, frame):  # `timeout` and job control send SIGTERM: keep what was measured
        raise Terminated()
    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except (ValueError, OSError):  # not the main thread
        pass
    rc = 0
    try:
        run.main()
        run.meta["status"] = "complete"
    except KeyboardInterrupt:
        run.meta.update(status="partial", reason="interrupted")
        rc = 130
    except Terminated:
        run.meta.update(status="partial", reason="terminated (SIGTERM)")
        rc = 143
    except TimeoutError as e:
        run.meta.update(status="partial", reason=str(e))
        rc = 1
    except Fatal as e:
        run.meta.update(status="partial", reason=str(e))
        rc = 1
    except Exception as e:  # noqa: BLE001 - keep what was measured, say why it stopped
        import traceback  # noqa: PLC0415
        traceback.print_exc()
        run.meta.update(status="partial", reason=_short(e, 1000))
        rc = 1
    finally:
        run.meta["finished"] = utc_now()
        try:
            run.write()
        except Exception as e:  # noqa: BLE001
            print(f"gemm_timing: could not write the results: {e}", file=sys.stderr)
            rc = rc or 1
    bad = [r for r in run.results if r.get("status") == "ok" and not r.get("verified")]
    print(f"gemm_timing: {run.meta['status']}"
          + (f" ({run.meta['reason']})" if run.meta.get("reason") else "")
          + f"; {len(run.results)}/{len(run.rows)} rows written to {args.out}, "
          + ", ".join(f"{k} {v}" for k, v in run.meta.get("row_counts", {}).items() if k not in ("input", "written"))
          + (f"; {len(bad)} ok rows NOT verified" if bad else "")
          + f"; {time.time() - run.t0:.0f} s", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
