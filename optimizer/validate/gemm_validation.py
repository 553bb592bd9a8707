#!/usr/bin/env python3
"""Validates the GEMM cost model (issue #14) against measured cuBLAS times, beside two baselines.

    python3 optimizer/validate/gemm_validation.py --measured gemm_times.csv --predicted pred.csv \
        --nvmmh nvmmh_validation.csv --cost-table cost_table.json --out DIR

--measured: optimizer/measure/gemm_timing.py's gemm_times.csv; only rows with status ok whose
shapes_file is the validation set (--shapes-file, default "validation") are used, and median_us
is the target. --predicted: `tcbench predict` on the same validation shapes (input columns,
predicted_us, predicted_us_uncalibrated). --nvmmh: optimizer/validate/nvmmh_baseline.py's CSV.
--cost-table: the table the naive roofline is computed from. Rows are joined by name; a name
whose dtype/batch/M/N/K/b_layout differ between files is an input error.

Predictors: tcbench calibrated (predicted_us), tcbench uncalibrated (predicted_us_uncalibrated),
the naive roofline, nvMatmulHeuristics' top-1 estimate (nvmmh_us) and that estimate plus the
launch floor (nvmmh_plus_launch_us). Error per row |pred - meas| / meas; MAPE, P50, P90, max and
bias overall, per dtype and per regime (the measured CSV's regime column). The acceptance checks
of issue #14 are printed PASS/FAIL line by line (README.md lists them), then the calibrated
model's 10 worst rows.

Writes DIR/gemm_validation.md, DIR/gemm_validation.csv (per row: every prediction and its
error), DIR/gemm_validation_summary.json and DIR/plots/*.png (predicted vs measured per
predictor, error CDF), all atomically (temporary file + rename).

Exit codes: 0 every acceptance check passes, 1 some check fails (the outputs are written),
2 bad input (a file that does not parse: the message names file, line and field).
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
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

DTYPES = ("f16", "bf16", "tf32", "f32", "e4m3")
REGIMES = ("launch", "memory", "compute")
B_LAYOUTS = ("kn", "nk")
# Bytes per element of A, B and D (optimizer/measure/gemm_timing.py's ELEM_BYTES).
ELEM_BYTES = {"f16": (2, 2, 2), "bf16": (2, 2, 2), "tf32": (4, 4, 4), "f32": (4, 4, 4), "e4m3": (1, 1, 2)}
# The cost table's instruction A type per dtype, and the families whose best dense rate is the
# roofline's peak. f32 (strict) runs on the CUDA cores: the FFMA atom of family cuda_core.
TENSOR_A_TYPE = {"f16": "f16", "bf16": "bf16", "tf32": "tf32", "e4m3": "e4m3"}
TENSOR_FAMILIES = ("wgmma", "mma.sync")
SHAPE_FIELDS = ("dtype", "batch", "M", "N", "K", "b_layout")

# (key, label, column in the joined row, part of the acceptance)
PREDICTORS = (
    ("calibrated", "tcbench calibrated", "predicted_us"),
    ("uncalibrated", "tcbench uncalibrated", "predicted_us_uncalibrated"),
    ("roofline", "naive roofline", "roofline_us"),
    ("nvmmh", "nvMatmulHeuristics top-1", "nvmmh_us"),
    ("nvmmh_launch", "nvMatmulHeuristics + launch floor", "nvmmh_plus_launch_us"),
)
# Informational only (not in the acceptance): nvMatmulHeuristics' estimate with its own fixed
# latency (NVMMH_METRIC_STATIC_LATENCIES_S, 10 us in 0.1.0.27) replaced by the table's launch floor.
INFO_PREDICTORS = (
    ("nvmmh_restatic", "nvMatmulHeuristics − its static latency + launch floor", "nvmmh_restatic_us"),
)
REGIME_COLORS = {"launch": "#1f77b4", "memory": "#ff7f0e", "compute": "#2ca02c"}
PREDICTOR_STYLES = {"calibrated": ("#d62728", "-"), "uncalibrated": ("#9467bd", "-"), "roofline": ("#7f7f7f", "--"),
                    "nvmmh": ("#17becf", "-."), "nvmmh_launch": ("#bcbd22", ":"), "nvmmh_restatic": ("#8c564b", ":")}

# Acceptance thresholds (issue #14).
MAPE_MAX_PCT = 10.0
P90_MAX_PCT = 25.0
REGIME_MAPE_MAX_PCT = 15.0
UNCAL_VS_ROOFLINE = 0.75


class InputError(ValueError):
    """Bad input: exit code 2. The message names the file, line and field."""


# ---------------------------------------------------------------------------------------------
# Reading CSV files
# ---------------------------------------------------------------------------------------------

def read_csv(path, required, label):
    """(header, rows) of an RFC 4180 file; each row a dict of stripped strings with '_line' (the
    physical line its record starts on) and '_file'. Missing or duplicate columns, ragged rows,
    empty or duplicate names raise InputError naming the file and line."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read the {label} file: {e.strerror or e}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: empty file (the {label} file needs the columns {', '.join(required)})") from None
    except csv.Error as e:
        raise InputError(f"{path}:1: {e}") from None
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}:1: duplicate column(s) {', '.join(dupes)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}:1: the {label} file lacks the column(s) {', '.join(missing)}")
    rows, seen = [], {}
    line = reader.line_num + 1
    while True:
        start = line
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise InputError(f"{path}:{start}: {e}") from None
        line = reader.line_num + 1
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise InputError(f"{path}:{start}: {len(fields)} fields, the header has {len(header)}")
        row = {h: v.strip() for h, v in zip(header, fields)}
        if not row.get("name"):
            raise InputError(f"{path}:{start}: field name: empty")
        if row["name"] in seen:
            raise InputError(f"{path}:{start}: field name: {row['name']!r} appears twice (first on line {seen[row['name']]})")
        seen[row["name"]] = start
        row["_line"], row["_file"] = start, path
        rows.append(row)
    return header, rows


def _where(row, field):
    return f"{row['_file']}:{row['_line']}: field {field}"


def pos_int(row, field):
    text = row.get(field, "")
    try:
        v = int(text)
    except ValueError:
        raise InputError(f"{_where(row, field)}: expected a positive integer, got {text!r}") from None
    if v < 1:
        raise InputError(f"{_where(row, field)}: expected a positive integer, got {text!r}")
    return v


def pos_float(row, field, optional=False):
    """A finite number > 0; '' gives None when optional."""
    text = row.get(field, "")
    if text == "" and optional:
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{_where(row, field)}: expected a positive number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{_where(row, field)}: expected a finite positive number, got {text!r}")
    return v


def choice(row, field, allowed, default=None):
    text = row.get(field, "")
    if text == "" and default is not None:
        return default
    if text not in allowed:
        raise InputError(f"{_where(row, field)}: {text!r} is not one of {', '.join(allowed)}")
    return text


def shape_of(row):
    return {"dtype": choice(row, "dtype", DTYPES), "batch": pos_int(row, "batch"), "M": pos_int(row, "M"),
            "N": pos_int(row, "N"), "K": pos_int(row, "K"), "b_layout": choice(row, "b_layout", B_LAYOUTS, "kn")}


def check_same_shape(meas, other_row):
    """A joined row must describe the same GEMM as the measured one (fields it has)."""
    for f in SHAPE_FIELDS:
        if f not in other_row or (other_row[f] == "" and f == "b_layout"):
            continue
        theirs = other_row[f] if f in ("dtype", "b_layout") else pos_int(other_row, f)
        if theirs != meas[f]:
            raise InputError(f"{_where(other_row, f)}: {theirs!r} for {other_row['name']!r}, but the measured file "
                             f"({meas['_file']}:{meas['_line']}) has {meas[f]!r}")


def selects_shapes_file(value, wanted):
    """shapes_file 'validation.csv' (gemm_timing writes the basename) matches 'validation'."""
    base = os.path.basename(value)
    return value == wanted or base == wanted or os.path.splitext(base)[0] == wanted


def read_measured(path, shapes_file="validation"):
    required = ("name", "dtype", "batch", "M", "N", "K", "shapes_file", "regime", "status", "median_us")
    _, rows = read_csv(path, required, "measured (gemm_times.csv)")
    out, skipped = [], {"not_ok": 0, "other_shapes_file": 0}
    for r in rows:
        if not selects_shapes_file(r["shapes_file"], shapes_file):
            skipped["other_shapes_file"] += 1
            continue
        if r["status"] != "ok":
            skipped["not_ok"] += 1
            continue
        m = shape_of(r)
        m.update({"name": r["name"], "regime": choice(r, "regime", REGIMES), "measured_us": pos_float(r, "median_us"),
                  "verified": r.get("verified", ""), "source": r.get("source", ""), "_line": r["_line"], "_file": path})
        out.append(m)
    if not out:
        raise InputError(f"{path}: no row with status ok and shapes_file {shapes_file!r} "
                         f"({skipped['other_shapes_file']} rows of other shape files, {skipped['not_ok']} not ok)")
    return out, skipped


def read_predicted(path):
    _, rows = read_csv(path, ("name", "predicted_us", "predicted_us_uncalibrated"), "predicted (tcbench predict)")
    return {r["name"]: r for r in rows}


def read_nvmmh(path):
    _, rows = read_csv(path, ("name", "nvmmh_us", "nvmmh_plus_launch_us", "nvmmh_status"), "nvMatmulHeuristics")
    return {r["name"]: r for r in rows}


# ---------------------------------------------------------------------------------------------
# The naive roofline from the cost table
# ---------------------------------------------------------------------------------------------

def roofline_params(table):
    """{'peak_tflops': {dtype: value or None}, 'peak_atom': {...}, 'skip': {dtype: reason},
    'dram_gbs', 'launch_us', 'problems': [...]} from a CostTable (analysis.cost_table_load)."""
    peaks, atoms, skip = {}, {}, {}
    for dt in DTYPES:
        if dt == "f32":
            cands = [i for i in table.instructions
                     if i.family == "cuda_core" and i.types.a == "f32" and not i.sparse and i.tflops is not None
                     and ("FFMA" in i.atom.upper() or any("FFMA" in op.upper() for op in i.sass_opcodes))]
            what = "a cuda_core FFMA instruction with A type f32"
        else:
            cands = [i for i in table.instructions
                     if i.family in TENSOR_FAMILIES and i.types.a == TENSOR_A_TYPE[dt] and not i.sparse
                     and i.tflops is not None]
            what = f"a dense {'/'.join(TENSOR_FAMILIES)} instruction with A type {TENSOR_A_TYPE[dt]} and a measured rate"
        if cands:
            best = max(cands, key=lambda i: (i.tflops, i.atom))
            peaks[dt], atoms[dt] = best.tflops, best.atom
        else:
            peaks[dt], atoms[dt] = None, None
            skip[dt] = f"the cost table has no {what}"
    dram = table.movement.levels.get("dram")
    dram_gbs = dram.bandwidth_gbs if dram is not None else None
    launch = table.movement.launch.graph_kernel_time_us
    problems = []
    if dram_gbs is None or not dram_gbs > 0:
        problems.append("the cost table has no movement.levels.dram.bandwidth_gbs")
    if launch is None or not launch >= 0:
        problems.append("the cost table has no movement.launch.graph_kernel_time_us")
    return {"peak_tflops": peaks, "peak_atom": atoms, "skip": skip, "dram_gbs": dram_gbs, "launch_us": launch,
            "problems": problems}


def roofline_us(row, params):
    """(t_us, bound, reason): max(2·b·M·N·K / peak, (A+B+D bytes) / dram_bw) + launch floor, or
    (None, '', reason) when the table lacks a figure."""
    if params["problems"]:
        return None, "", "; ".join(params["problems"])
    dt = row["dtype"]
    peak = params["peak_tflops"].get(dt)
    if peak is None:
        return None, "", params["skip"].get(dt, f"no peak for dtype {dt}")
    b, m, n, k = row["batch"], row["M"], row["N"], row["K"]
    ea, eb, ed = ELEM_BYTES[dt]
    flops = 2.0 * b * m * n * k
    nbytes = float(b * (m * k * ea + k * n * eb + m * n * ed))
    t_c = flops / (peak * 1e12) * 1e6
    t_m = nbytes / (params["dram_gbs"] * 1e9) * 1e6
    return max(t_c, t_m) + params["launch_us"], ("compute" if t_c >= t_m else "memory"), ""


# ---------------------------------------------------------------------------------------------
# Metrics
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


def rel_error(pred, meas):
    """|pred - meas| / meas."""
    return abs(pred - meas) / meas


def metrics(pairs):
    """pairs: (predicted, measured). n, MAPE, P50, P90, max (all % of the measured time) and the
    bias (mean signed error, %); None-valued when there are no pairs."""
    if not pairs:
        return {"n": 0, "mape_pct": None, "p50_pct": None, "p90_pct": None, "max_pct": None, "bias_pct": None}
    errs = [rel_error(p, m) for p, m in pairs]
    signed = [(p - m) / m for p, m in pairs]
    return {"n": len(errs), "mape_pct": 100.0 * sum(errs) / len(errs), "p50_pct": 100.0 * percentile(errs, 50),
            "p90_pct": 100.0 * percentile(errs, 90), "max_pct": 100.0 * max(errs),
            "bias_pct": 100.0 * sum(signed) / len(signed)}


def pairs_of(rows, col, where=None):
    return [(r[col], r["measured_us"]) for r in rows
            if r.get(col) is not None and (where is None or where(r))]


def summarize(rows, predictors):
    """Per predictor: overall, per dtype and per regime metrics (each on the rows it predicts)."""
    out = {}
    for key, _label, col in predictors:
        out[key] = {
            "overall": metrics(pairs_of(rows, col)),
            "by_dtype": {dt: metrics(pairs_of(rows, col, lambda r, d=dt: r["dtype"] == d))
                         for dt in DTYPES if any(r["dtype"] == dt for r in rows)},
            "by_regime": {rg: metrics(pairs_of(rows, col, lambda r, g=rg: r["regime"] == g))
                          for rg in REGIMES if any(r["regime"] == rg for r in rows)},
        }
    return out


def common_mape(rows, cols):
    """MAPE of each column on the rows where every column in cols has a value: ({col: mape}, n)."""
    common = [r for r in rows if all(r.get(c) is not None for c in cols)]
    return {c: metrics(pairs_of(common, c))["mape_pct"] for c in cols}, len(common)


def acceptance(rows, summary):
    """The issue #14 checks: list of {id, check, value, threshold, n, status (PASS/FAIL), note}."""
    checks = []

    def add(cid, text, value, threshold, n, ok, note=""):
        status = "FAIL" if value is None or n == 0 else ("PASS" if ok else "FAIL")
        if value is None or n == 0:
            note = (note + "; " if note else "") + "no rows to check"
        checks.append({"id": cid, "check": text, "value": value, "threshold": threshold, "n": n, "status": status,
                       "note": note})

    n_all = len(rows)
    for key, col in (("calibrated", "predicted_us"), ("uncalibrated", "predicted_us_uncalibrated")):
        n = sum(1 for r in rows if r.get(col) is not None)
        add(f"{key}_coverage", f"tcbench {key} predicts every measured row", n, n_all, n, n == n_all,
            "" if n == n_all else f"{n_all - n} measured rows have no {col}")
    cal = summary["calibrated"]["overall"]
    add("calibrated_mape", f"calibrated MAPE <= {MAPE_MAX_PCT:g}%", cal["mape_pct"], MAPE_MAX_PCT, cal["n"],
        cal["mape_pct"] is not None and cal["mape_pct"] <= MAPE_MAX_PCT)
    add("calibrated_p90", f"calibrated P90 error <= {P90_MAX_PCT:g}%", cal["p90_pct"], P90_MAX_PCT, cal["n"],
        cal["p90_pct"] is not None and cal["p90_pct"] <= P90_MAX_PCT)
    for rg in REGIMES:
        m = summary["calibrated"]["by_regime"].get(rg, metrics([]))
        add(f"calibrated_mape_{rg}", f"calibrated MAPE <= {REGIME_MAPE_MAX_PCT:g}% in the {rg} regime", m["mape_pct"],
            REGIME_MAPE_MAX_PCT, m["n"], m["mape_pct"] is not None and m["mape_pct"] <= REGIME_MAPE_MAX_PCT)
    mp, n = common_mape(rows, ("predicted_us_uncalibrated", "roofline_us"))
    u, rf = mp["predicted_us_uncalibrated"], mp["roofline_us"]
    add("uncalibrated_vs_roofline", f"uncalibrated MAPE <= {UNCAL_VS_ROOFLINE:g} x naive roofline MAPE",
        u, None if rf is None else UNCAL_VS_ROOFLINE * rf, n, u is not None and rf is not None and u <= UNCAL_VS_ROOFLINE * rf,
        f"on the {n} rows both predict" + (f"; roofline MAPE {rf:.2f}%" if rf is not None else ""))
    for key, col in (("calibrated", "predicted_us"), ("uncalibrated", "predicted_us_uncalibrated")):
        for nk, ncol, nlabel in (("nvmmh", "nvmmh_us", "nvMatmulHeuristics top-1"),
                                 ("nvmmh_launch", "nvmmh_plus_launch_us", "nvMatmulHeuristics + launch floor")):
            mp, n = common_mape(rows, (col, ncol))
            a, b = mp[col], mp[ncol]
            add(f"{key}_vs_{nk}", f"{key} MAPE < {nlabel} MAPE", a, b, n, a is not None and b is not None and a < b,
                f"on the {n} rows both predict")
    return checks


# ---------------------------------------------------------------------------------------------
# Joining
# ---------------------------------------------------------------------------------------------

def join(measured, predicted, nvmmh, params):
    """One dict per measured row with every prediction (None where a predictor has none) and the
    reason it has none. Shape mismatches between files raise InputError."""
    rows, unmatched = [], {"predicted_missing": [], "nvmmh_missing": []}
    for m in measured:
        r = dict(m)
        p = predicted.get(m["name"])
        if p is not None:
            check_same_shape(m, p)
            r["predicted_us"] = pos_float(p, "predicted_us", optional=True)
            r["predicted_us_uncalibrated"] = pos_float(p, "predicted_us_uncalibrated", optional=True)
        else:
            r["predicted_us"] = r["predicted_us_uncalibrated"] = None
            unmatched["predicted_missing"].append(m["name"])
        n = nvmmh.get(m["name"]) if nvmmh is not None else None
        r["nvmmh_us"] = r["nvmmh_plus_launch_us"] = r["nvmmh_restatic_us"] = None
        r["nvmmh_status"], r["nvmmh_reason"], r["nvmmh_config"] = "", "", ""
        if n is not None:
            check_same_shape(m, n)
            r["nvmmh_status"], r["nvmmh_reason"], r["nvmmh_config"] = n["nvmmh_status"], n.get("nvmmh_reason", ""), \
                n.get("nvmmh_config", "")
            if n["nvmmh_status"] == "ok":
                r["nvmmh_us"] = pos_float(n, "nvmmh_us")
                r["nvmmh_plus_launch_us"] = pos_float(n, "nvmmh_plus_launch_us")
                static = pos_float(n, "nvmmh_static_us", optional=True) if "nvmmh_static_us" in n else None
                if static is not None and params["launch_us"] is not None:
                    r["nvmmh_restatic_us"] = max(r["nvmmh_us"] - static, 0.0) + params["launch_us"]
        elif nvmmh is not None:
            r["nvmmh_status"], r["nvmmh_reason"] = "missing", "no row of this name in the nvMatmulHeuristics file"
            unmatched["nvmmh_missing"].append(m["name"])
        t, bound, why = roofline_us(m, params)
        r["roofline_us"], r["roofline_bound"], r["roofline_reason"] = t, bound, why
        rows.append(r)
    return rows, unmatched


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------

def atomic_write_bytes(path, data):
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def _num(v, digits=6):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}g}" if math.isfinite(v) else ""
    return str(v)


def row_csv(rows, predictors):
    cols = ["name", "dtype", "batch", "M", "N", "K", "b_layout", "regime", "measured_us"]
    for key, _l, col in predictors:
        cols += [f"{key}_us", f"{key}_rel_err"]
    cols += ["roofline_bound", "roofline_reason", "nvmmh_status", "nvmmh_reason", "nvmmh_config"]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        vals = {c: r.get(c) for c in ("name", "dtype", "batch", "M", "N", "K", "b_layout", "regime", "measured_us",
                                      "roofline_bound", "roofline_reason", "nvmmh_status", "nvmmh_reason", "nvmmh_config")}
        for key, _l, col in predictors:
            v = r.get(col)
            vals[f"{key}_us"] = v
            vals[f"{key}_rel_err"] = rel_error(v, r["measured_us"]) if v is not None else None
        w.writerow([_num(vals[c]) for c in cols])
    return buf.getvalue()


def _pct(v):
    return "—" if v is None else f"{v:.1f}%"


def worst_rows(rows, col="predicted_us", n=10):
    have = [r for r in rows if r.get(col) is not None]
    have.sort(key=lambda r: (-rel_error(r[col], r["measured_us"]), r["name"]))
    return have[:n]


def markdown(ctx):
    rows, summary, checks, preds = ctx["rows"], ctx["summary"], ctx["checks"], ctx["predictors"]
    L = []
    L.append("# GEMM cost model validation (issue #14)\n")
    L.append(f"Measured: `{ctx['inputs']['measured']['path']}` — {len(rows)} rows with status ok from the "
             f"`{ctx['shapes_file']}` shape set (target `median_us`). Predicted: `{ctx['inputs']['predicted']['path']}`. "
             f"nvMatmulHeuristics: `{ctx['inputs']['nvmmh']['path'] if ctx['inputs'].get('nvmmh') else '—'}`. "
             f"Cost table: `{ctx['inputs']['cost_table']['path']}`.\n")
    L.append("Error per row: |predicted − measured| / measured. MAPE: its mean; P90: its 90th percentile "
             "(linear interpolation). Each predictor is scored on the rows it predicts (n); the comparisons "
             "between predictors use the rows both predict.\n")
    L.append("## Acceptance\n")
    L.append("| check | value | threshold | rows | result | note |")
    L.append("|---|---:|---:|---:|---|---|")
    for c in checks:
        is_cov = c["id"].endswith("_coverage")
        val = str(c["value"]) if is_cov else _pct(c["value"])
        thr = str(c["threshold"]) if is_cov else _pct(c["threshold"])
        L.append(f"| {c['check']} | {val} | {thr} | {c['n']} | **{c['status']}** | {c['note']} |")
    L.append(f"\nOverall: **{'PASS' if all(c['status'] == 'PASS' for c in checks) else 'FAIL'}**\n")
    L.append("## All rows\n")
    L.append("| predictor | n | MAPE | P50 | P90 | max | bias |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for key, label, _c in preds:
        m = summary[key]["overall"]
        info = " (informational)" if key in ctx["info_keys"] else ""
        L.append(f"| {label}{info} | {m['n']} | {_pct(m['mape_pct'])} | {_pct(m['p50_pct'])} | {_pct(m['p90_pct'])} | "
                 f"{_pct(m['max_pct'])} | {_pct(m['bias_pct'])} |")
    for group, title, keys in (("by_dtype", "dtype", DTYPES), ("by_regime", "regime", REGIMES)):
        present = [k for k in keys if any(k in summary[p][group] for p, _l, _c in preds)]
        L.append(f"\n## Per {title}: MAPE / P90 (n)\n")
        L.append(f"| predictor | " + " | ".join(present) + " |")
        L.append("|---|" + "---:|" * len(present))
        for key, label, _c in preds:
            cells = []
            for k in present:
                m = summary[key][group].get(k)
                cells.append("—" if not m or not m["n"] else f"{m['mape_pct']:.1f}% / {m['p90_pct']:.1f}% ({m['n']})")
            L.append(f"| {label} | " + " | ".join(cells) + " |")
    L.append("\n## Worst 10 rows of the calibrated model\n")
    L.append("| name | dtype | batch×M×N×K | B | regime | measured µs | calibrated µs | error | uncalibrated µs | roofline µs | nvMMH µs |")
    L.append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for r in ctx["worst"]:
        L.append(f"| {r['name']} | {r['dtype']} | {r['batch']}×{r['M']}×{r['N']}×{r['K']} | {r['b_layout']} | {r['regime']} | "
                 f"{r['measured_us']:.3f} | {r['predicted_us']:.3f} | {100 * rel_error(r['predicted_us'], r['measured_us']):.1f}% | "
                 f"{_num(r.get('predicted_us_uncalibrated'), 5)} | {_num(r.get('roofline_us'), 5)} | {_num(r.get('nvmmh_us'), 5)} |")
    if not ctx["worst"]:
        L.append("| (no calibrated predictions) | | | | | | | | | | |")
    p = ctx["roofline"]
    L.append("\n## The naive roofline\n")
    L.append(f"t = max(2·b·M·N·K / peak, (A + B + D bytes) / {_num(p['dram_gbs'])} GB/s) + {_num(p['launch_us'])} µs "
             "(movement.levels.dram.bandwidth_gbs, movement.launch.graph_kernel_time_us). Peaks (best dense measured "
             "rate of the dtype's A type, families wgmma / mma.sync; f32: the cuda_core FFMA atom):\n")
    L.append("| dtype | peak TFLOP/s | atom |")
    L.append("|---|---:|---|")
    for dt in DTYPES:
        L.append(f"| {dt} | {_num(p['peak_tflops'][dt])} | {p['peak_atom'][dt] or p['skip'].get(dt, '')} |")
    skipped = [r for r in rows if r.get("roofline_us") is None]
    if skipped:
        L.append(f"\n{len(skipped)} rows have no roofline: " + "; ".join(sorted({r['roofline_reason'] for r in skipped})) + ".\n")
    nv_bad = [r for r in rows if r.get("nvmmh_us") is None]
    L.append("\n## nvMatmulHeuristics\n")
    if ctx.get("nvmmh_sidecar"):
        s = ctx["nvmmh_sidecar"]
        q = s.get("query", {})
        L.append(f"Package {s.get('package')} {s.get('package_version')}, GPU {q.get('gpu', {}).get('name')}, "
                 f"target {q.get('target', {}).get('name')}, precisions {q.get('precision')}, launch floor "
                 f"{s.get('launch_floor_us')} µs; its estimate already holds a fixed latency of "
                 f"{q.get('static_latency_us_values')} µs (NVMMH_METRIC_STATIC_LATENCIES_S).\n")
    if nv_bad:
        L.append(f"{len(nv_bad)} measured rows have no estimate:\n")
        for r in nv_bad:
            L.append(f"- {r['name']}: {r['nvmmh_status'] or 'no file'} — {r['nvmmh_reason']}")
    else:
        L.append("Every measured row has an estimate.")
    L.append("\n## Plots\n")
    for key, label, _c in preds:
        L.append(f"- [{label}: predicted vs measured](plots/scatter_{key}.png)")
    L.append("- [error CDF](plots/error_cdf.png)\n")
    return "\n".join(L) + "\n"


def _savefig(fig, path):
    import matplotlib.pyplot as plt  # noqa: PLC0415
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plots(rows, summary, predictors, out_dir):
    """Deterministic small PNGs (Agg, no timestamps): one predicted-vs-measured log-log scatter per
    predictor, coloured by regime with the y = x line, and one error CDF with every predictor."""
    import matplotlib  # noqa: PLC0415
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    matplotlib.rcParams.update({"font.size": 8})
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for key, label, col in predictors:
        fig, ax = plt.subplots(figsize=(4, 4))
        have = [r for r in rows if r.get(col) is not None]
        vals = [r["measured_us"] for r in have] + [r[col] for r in have]
        for rg in REGIMES:
            pts = [r for r in have if r["regime"] == rg]
            if pts:
                ax.scatter([r["measured_us"] for r in pts], [r[col] for r in pts], s=10, c=REGIME_COLORS[rg],
                           label=f"{rg} ({len(pts)})", alpha=0.8, linewidths=0)
        if vals:
            lo, hi = min(vals) / 1.5, max(vals) * 1.5
            ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="y = x")
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("measured µs (median)")
        ax.set_ylabel("predicted µs")
        m = summary[key]["overall"]
        ax.set_title(f"{label}\nMAPE {_pct(m['mape_pct'])}, P90 {_pct(m['p90_pct'])}, n = {m['n']}", fontsize=8)
        ax.legend(loc="upper left", fontsize=7)
        ax.grid(True, which="both", lw=0.3, alpha=0.5)
        fig.tight_layout()
        path = os.path.join(out_dir, f"scatter_{key}.png")
        _savefig(fig, path)
        written.append(path)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for key, label, col in predictors:
        errs = sorted(100.0 * rel_error(r[col], r["measured_us"]) for r in rows if r.get(col) is not None)
        if not errs:
            continue
        color, ls = PREDICTOR_STYLES.get(key, ("black", "-"))
        xs = [max(e, 0.01) for e in errs]
        ys = [(i + 1) / len(errs) for i in range(len(errs))]
        ax.step(xs, ys, where="post", color=color, ls=ls, lw=1.2, label=f"{label} (n={len(errs)})")
    ax.set_xscale("log")
    ax.set_xlabel("|predicted − measured| / measured, % (log)")
    ax.set_ylabel("fraction of rows")
    ax.set_ylim(0, 1.02)
    ax.axvline(MAPE_MAX_PCT, color="black", lw=0.5, ls=":")
    ax.axvline(P90_MAX_PCT, color="black", lw=0.5, ls=":")
    ax.axhline(0.9, color="black", lw=0.5, ls=":")
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(loc="upper left", fontsize=6)
    ax.set_title("error CDF", fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "error_cdf.png")
    _savefig(fig, path)
    written.append(path)
    return written


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git():
    import subprocess  # noqa: PLC0415
    try:
        sha = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return {"sha": sha or None, "dirty": bool(dirty) if sha else None}
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def load_table(path):
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    from analysis.cost_table_load import CostTableError, load_cost_table  # noqa: PLC0415
    try:
        return load_cost_table(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read the cost table: {e.strerror or e}") from None
    except CostTableError as e:
        raise InputError(str(e) if path in str(e) else f"{path}: {e}") from None


def validate(measured_path, predicted_path, nvmmh_path, cost_table_path, shapes_file="validation", table=None):
    """Everything but the writing: the context markdown() and the writers use."""
    measured, skipped = read_measured(measured_path, shapes_file)
    predicted = read_predicted(predicted_path)
    nvmmh = read_nvmmh(nvmmh_path) if nvmmh_path else None
    table = table if table is not None else load_table(cost_table_path)
    params = roofline_params(table)
    rows, unmatched = join(measured, predicted, nvmmh, params)
    preds = list(PREDICTORS)
    info_keys = set()
    if any(r.get("nvmmh_restatic_us") is not None for r in rows):
        preds += list(INFO_PREDICTORS)
        info_keys = {k for k, _l, _c in INFO_PREDICTORS}
    summary = summarize(rows, preds)
    checks = acceptance(rows, summary)
    sidecar = None
    if nvmmh_path:
        side = os.path.splitext(nvmmh_path)[0] + ".json"
        try:
            with open(side, encoding="utf-8") as f:
                sidecar = json.load(f)
        except (OSError, ValueError):
            sidecar = None
    inputs = {"measured": {"path": measured_path, "sha256": _sha256(measured_path)},
              "predicted": {"path": predicted_path, "sha256": _sha256(predicted_path)},
              "cost_table": {"path": cost_table_path, "sha256": _sha256(cost_table_path) if cost_table_path else None}}
    if nvmmh_path:
        inputs["nvmmh"] = {"path": nvmmh_path, "sha256": _sha256(nvmmh_path)}
    return {"rows": rows, "summary": summary, "checks": checks, "predictors": preds, "info_keys": info_keys,
            "roofline": params, "skipped": skipped, "unmatched": unmatched, "inputs": inputs, "shapes_file": shapes_file,
            "nvmmh_sidecar": sidecar, "worst": worst_rows(rows),
            "predicted_extra": sorted(set(predicted) - {r["name"] for r in rows})}


def summary_json(ctx, argv):
    def clean(x):
        if isinstance(x, float):
            return x if math.isfinite(x) else None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x
    rows = ctx["rows"]
    doc = {
        "tool": "optimizer/validate/gemm_validation.py",
        "command": " ".join(shlex.quote(a) for a in ["python3", "optimizer/validate/gemm_validation.py"] + list(argv)),
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git": _git(),
        "inputs": ctx["inputs"],
        "shapes_file": ctx["shapes_file"],
        "rows": {"measured_ok": len(rows), "skipped_not_ok": ctx["skipped"]["not_ok"],
                 "skipped_other_shapes_file": ctx["skipped"]["other_shapes_file"],
                 "without_prediction": ctx["unmatched"]["predicted_missing"],
                 "without_nvmmh_row": ctx["unmatched"]["nvmmh_missing"],
                 "predicted_not_measured": len(ctx["predicted_extra"]),
                 "by_dtype": {dt: sum(r["dtype"] == dt for r in rows) for dt in DTYPES},
                 "by_regime": {rg: sum(r["regime"] == rg for r in rows) for rg in REGIMES}},
        "error": "|predicted - measured| / measured; *_pct values are percent of the measured time",
        "predictors": {k: {"label": l, "column": c, "informational": k in ctx["info_keys"]} for k, l, c in ctx["predictors"]},
        "metrics": ctx["summary"],
        "acceptance": ctx["checks"],
        "pass": all(c["status"] == "PASS" for c in ctx["checks"]),
        "roofline": {k: ctx["roofline"][k] for k in ("peak_tflops", "peak_atom", "skip", "dram_gbs", "launch_us", "problems")},
        "worst_calibrated": [{"name": r["name"], "dtype": r["dtype"], "batch": r["batch"], "M": r["M"], "N": r["N"],
                              "K": r["K"], "b_layout": r["b_layout"], "regime": r["regime"], "measured_us": r["measured_us"],
                              "predicted_us": r["predicted_us"],
                              "rel_err": rel_error(r["predicted_us"], r["measured_us"])} for r in ctx["worst"]],
        "nvmmh_without_estimate": [{"name": r["name"], "status": r["nvmmh_status"], "reason": r["nvmmh_reason"]}
                                   for r in rows if r.get("nvmmh_us") is None],
        "nvmmh_sidecar": {k: ctx["nvmmh_sidecar"].get(k) for k in ("package", "package_version", "query", "launch_floor_us")}
        if ctx["nvmmh_sidecar"] else None,
    }
    return json.dumps(clean(doc), indent=1) + "\n"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--measured", required=True, metavar="CSV", help="gemm_times.csv (optimizer/measure/gemm_timing.py)")
    p.add_argument("--predicted", required=True, metavar="CSV", help="tcbench predict output on the validation shapes")
    p.add_argument("--nvmmh", default=None, metavar="CSV", help="optimizer/validate/nvmmh_baseline.py output")
    p.add_argument("--cost-table", required=True, metavar="JSON", help="cost_table.json (the roofline's figures)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--shapes-file", default="validation",
                   help="use measured rows whose shapes_file is this (name or stem; default validation)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    return p.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    try:
        ctx = validate(args.measured, args.predicted, args.nvmmh, args.cost_table, args.shapes_file)
    except InputError as e:
        print(f"gemm_validation: error: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    atomic_write_text(os.path.join(args.out, "gemm_validation.csv"), row_csv(ctx["rows"], ctx["predictors"]))
    atomic_write_text(os.path.join(args.out, "gemm_validation_summary.json"), summary_json(ctx, argv))
    if not args.no_plots:
        plots(ctx["rows"], ctx["summary"], ctx["predictors"], os.path.join(args.out, "plots"))
    atomic_write_text(os.path.join(args.out, "gemm_validation.md"), markdown(ctx))

    rows = ctx["rows"]
    print(f"gemm_validation: {len(rows)} measured validation rows (status ok); outputs in {args.out}")
    for key, label, _c in ctx["predictors"]:
        m = ctx["summary"][key]["overall"]
        print(f"  {label:<58} n={m['n']:<4} MAPE {_pct(m['mape_pct']):>8}  P90 {_pct(m['p90_pct']):>8}")
    print("acceptance:")
    for c in ctx["checks"]:
        is_cov = c["id"].endswith("_coverage")
        val = str(c["value"]) if is_cov else _pct(c["value"])
        thr = str(c["threshold"]) if is_cov else _pct(c["threshold"])
        print(f"  {c['status']}  {c['check']}: {val} (threshold {thr}, {c['n']} rows)" + (f" — {c['note']}" if c["note"] else ""))
    ok = all(c["status"] == "PASS" for c in ctx["checks"])
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    print("worst 10 rows of the calibrated model:")
    for r in ctx["worst"]:
        print(f"  {100 * rel_error(r['predicted_us'], r['measured_us']):7.1f}%  {r['name']}  {r['dtype']} "
              f"{r['batch']}x{r['M']}x{r['N']}x{r['K']} {r['b_layout']} [{r['regime']}]  measured {r['measured_us']:.3f} us, "
              f"predicted {r['predicted_us']:.3f} us")
    if not ctx["worst"]:
        print("  (no calibrated predictions)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
