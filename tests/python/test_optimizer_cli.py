"""`tcbench predict`, `tcbench optimize` and `tcbench calibrate` (issue #14) on the committed H100
cost table, without a GPU: outputs in the documented formats, paths opt_einsum accepts that
compute the expression, the C++ lowering equal to lower.py's, the predicted rounding error
against an emulation of the rounding, and every bad input refused with exit 2, a message naming
what is wrong, and no output file. Skips, saying why, when build/tcbench (TCB_TCBENCH) is absent.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
TCBENCH = Path(os.environ.get("TCB_TCBENCH") or REPO / "build" / "tcbench")
TABLE = REPO / "results" / "nvidia-h100-80gb-hbm3" / "cost_table.json"
MEASURED = REPO / "results" / "nvidia-h100-80gb-hbm3" / "gemm" / "gemm_times.csv"

pytestmark = pytest.mark.skipif(not (TCBENCH.is_file() and os.access(TCBENCH, os.X_OK)),
                                reason=f"{TCBENCH} is not built (scripts/test.sh builds it)")


def run(*args, check=True):
    done = subprocess.run([str(TCBENCH), *map(str, args)], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"tcbench {' '.join(map(str, args))} exited {done.returncode}: {done.stderr}")
    return done


def optimize_json(expr, shapes, dtype, *extra):
    return json.loads(run("optimize", expr, "--shapes", shapes, "--dtype", dtype, "--cost-table", TABLE,
                          "--json", *extra).stdout)


# ---- predict ------------------------------------------------------------------------------------

def test_predict_one_gemm_text_and_json():
    text = run("predict", "--cost-table", TABLE, "--op", "gemm", "--m", 4096, "--n", 4096, "--k", 4096,
               "--dtype", "bf16").stdout
    assert " us" in text and "bf16 1x4096x4096x4096" in text
    j = json.loads(run("predict", "--cost-table", TABLE, "--m", 1, "--n", 4096, "--k", 4096, "--dtype", "f16",
                       "--batch", 4, "--b-layout", "nk", "--json").stdout)
    assert j["calibrated"] is True and j["batch"] == 4 and j["b_layout"] == "nk"
    assert j["predicted_us"] > 0 and j["predicted_us_uncalibrated"] > 0
    assert j["implementation"] and j["bound"] in ("launch", "latency", "compute", "mma latency", "l2 stream",
                                                       "memory")
    assert set(j["terms_us"]) == {"launch", "fill", "mainloop", "memory", "epilogue", "reduction"}


def test_predict_csv_keeps_columns_and_rows_in_order(tmp_path):
    src = tmp_path / "shapes.csv"
    src.write_text('note,K,N,M,batch,dtype,b_layout\n"x, y",4096,4096,1,1,bf16,nk\nz,64,64,64,8,f16,\n')
    out = tmp_path / "pred.csv"
    run("predict", "--cost-table", TABLE, "--in", src, "--out", out)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["note", "K", "N", "M", "batch", "dtype", "b_layout", "predicted_us",
                       "predicted_us_uncalibrated"]
    assert [r[0] for r in rows[1:]] == ["x, y", "z"]
    assert all(float(r[7]) > 0 and float(r[8]) > 0 for r in rows[1:])


@pytest.mark.parametrize("body,where", [
    ("dtype,batch,M,N,K\nbf16,1,64,64,64\nfp8,1,64,64,64\n", ":3: dtype:"),
    ("dtype,batch,M,N,K\nbf16,1,64,-1,64\n", ":2: N:"),
    ("dtype,batch,M,N,K\nbf16,1,64,64\n", ":2: row:"),
    ("dtype,batch,M,N\nbf16,1,64,64\n", "required column 'K'"),
])
def test_predict_csv_bad_row_exit_2_and_no_output(tmp_path, body, where):
    src = tmp_path / "shapes.csv"
    src.write_text(body)
    out = tmp_path / "pred.csv"
    done = run("predict", "--cost-table", TABLE, "--in", src, "--out", out, check=False)
    assert done.returncode == 2, done.stderr
    assert str(src) + where in done.stderr or where in done.stderr
    assert not out.exists() and not list(tmp_path.glob("pred.csv*"))


def test_predict_e4m3_needs_column_major_b():
    done = run("predict", "--cost-table", TABLE, "--m", 16, "--n", 4096, "--k", 4096, "--dtype", "e4m3", check=False)
    assert done.returncode == 2 and "--b-layout nk" in done.stderr
    ok = run("predict", "--cost-table", TABLE, "--m", 16, "--n", 4096, "--k", 4096, "--dtype", "e4m3",
             "--b-layout", "nk")
    assert "e4m3" in ok.stdout


def test_malformed_cost_table_named(tmp_path):
    bad = tmp_path / "table.json"
    bad.write_text('{"schema_version": 1, "kind": "tcbench-cost-table"')
    done = run("predict", "--cost-table", bad, "--m", 8, "--n", 8, "--k", 8, "--dtype", "f16", check=False)
    assert done.returncode == 2 and str(bad) in done.stderr
    done = run("optimize", "ij,jk->ik", "--shapes", "8x8,8x8", "--dtype", "f16", "--cost-table", bad, check=False)
    assert done.returncode == 2 and str(bad) in done.stderr


# ---- optimize -----------------------------------------------------------------------------------

def test_optimize_json_fields_and_path_opt_einsum_accepts():
    oe = pytest.importorskip("opt_einsum")
    expr, shapes = "ab,bc,cd,de->ae", [(16, 64), (64, 8), (8, 64), (64, 16)]
    j = optimize_json(expr, ",".join("x".join(map(str, s)) for s in shapes), "f32")
    assert len(j["steps"]) == len(j["path"])
    for s in j["steps"]:
        assert {"equation", "kernel", "dtype", "m", "n", "k", "batch", "predicted_us"} <= set(s)
    total = sum(s["predicted_us"] for s in j["steps"]) + j["final_permute_us"] + j["conversion_us"]
    assert j["predicted_total_us"] == pytest.approx(total)
    assert 0 < j["predicted_rel_error"] < 1e-5  # strict f32
    assert j["decision"] and isinstance(j["runners_up"], list)
    rng = np.random.default_rng(1)
    ops = [rng.uniform(-1, 1, s) for s in shapes]
    got = oe.contract(expr, *ops, optimize=[tuple(p) for p in j["path"]])
    np.testing.assert_allclose(got, np.einsum(expr, *ops), rtol=1e-10, atol=1e-10)


def test_program_executes_to_the_einsum():
    from optimizer.contractions.program import Executor  # numpy backend
    expr, shapes = "iaj,jkb,bc->aikc", [(4, 5, 6), (6, 7, 3), (3, 2)]
    j = optimize_json(expr, ",".join("x".join(map(str, s)) for s in shapes), "f32")
    rng = np.random.default_rng(2)
    ops = [rng.uniform(-1, 1, s) for s in shapes]
    out = Executor(j["program"], ops, backend="numpy").run()
    np.testing.assert_allclose(np.asarray(out), np.einsum(expr, *ops), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("args,needle", [
    (("ij,jk", "--shapes", "2x3,3x4", "--dtype", "f16"), "'->'"),
    (("ij,jk->ik", "--shapes", "2x3", "--dtype", "f16"), "2 operands but --shapes gives 1"),
    (("ij,jk->ik", "--shapes", "2x3,4x4", "--dtype", "f16"), "index 'j'"),
    (("ij,jk->ik", "--shapes", "2xq,3x4", "--dtype", "f16"), "shape 1"),
    (("ij,jk->ik", "--shapes", "2x3,3x4", "--dtype", "f64"), "--dtype 'f64'"),
    (("ij,jk->ik", "--shapes", "2x3,3x4", "--dtype", "e4m3"), "contractions are planned in"),
    (("ij,jk->ik", "--shapes", "2x3,3x4", "--dtype", "f16", "--memory-limit", "lots"), "--memory-limit 'lots'"),
    (("ij,jk->ik", "--shapes", "2x3,3x4", "--dtype", "f16", "--path", "[[0, 2]]"), "position 2"),
    (("ij,jk->ik", "--shapes", "2x3,3x4", "--dtype", "f16", "--error-budget", "-1"), "--error-budget"),
])
def test_optimize_refusals(args, needle):
    done = run("optimize", *args, "--cost-table", TABLE, check=False)
    assert done.returncode == 2, done.stderr
    assert needle in done.stderr


def test_python_api_gives_the_cli_answer(monkeypatch):
    monkeypatch.setenv("TCB_TCBENCH", str(TCBENCH))
    from optimizer import api
    plan = api.optimize("ab,bc,cd->ad", [(512, 64), (64, 512), (512, 64)], "bf16", cost_table=TABLE)
    assert plan == optimize_json("ab,bc,cd->ad", "512x64,64x512,512x64", "bf16")
    with pytest.raises(api.OptimizerError, match="index 'b'"):
        api.optimize("ab,bc->ac", [(2, 3), (4, 5)], "f16", cost_table=TABLE)
    p = api.predict_gemm(4096, 4096, 4096, "f16", cost_table=TABLE)
    assert p["predicted_us"] > 0


def test_cpp_lowering_equals_lower_py_on_the_suite():
    from optimizer.contractions import lower as L, suite as S
    plans = json.loads((REPO / "optimizer" / "contractions" / "data" / "plans.json").read_text())
    checked = 0
    for expr in S.SUITE[::3]:  # every third expression: ~35 calls
        shapes = ",".join("x".join(map(str, s)) if s else "()" for s in expr.shapes)
        for plan in ("opt_einsum", "naive"):
            path = plans[expr.name][plan]
            j = optimize_json(expr.expression, shapes, expr.dtype, "--path", json.dumps(path))
            ref = L.lower(expr, path)
            assert j["program"]["ops"] == ref["ops"], (expr.name, plan)
            assert j["program"]["output"] == ref["output"]
            checked += 1
    assert checked >= 20


# ---- the predicted rounding error against an emulation ------------------------------------------

def _round(x, bits):
    """Round-to-nearest-even of float64 values to `bits` fraction bits (fp32's exponent range)."""
    m, e = np.frexp(x)
    scale = 2.0 ** (bits + 1)
    return np.ldexp(np.round(m * scale) / scale, e)


@pytest.mark.parametrize("dtype,bits", [("f16", 10), ("bf16", 7)])
def test_predicted_error_matches_emulated_rounding(dtype, bits):
    """A chain computed as the plan does it: operands exact in the dtype, fp32 accumulation
    (negligible here), every intermediate and the result rounded to the dtype."""
    expr, shapes = "ab,bc,cd->ad", [(256, 256), (256, 256), (256, 256)]
    j = optimize_json(expr, "256x256,256x256,256x256", dtype, "--path", "[[0, 1], [0, 1]]")
    rng = np.random.default_rng(3)
    a, b, c = (_round(rng.uniform(-1, 1, s), bits) for s in shapes)
    exact = a @ b @ c
    got = _round(_round(a @ b, bits) @ c, bits)
    measured = np.linalg.norm(got - exact) / np.linalg.norm(exact)
    assert measured / 2 < j["predicted_rel_error"] < measured * 2, (measured, j["predicted_rel_error"])


def test_predicted_error_of_tf32_math_for_f32_operands():
    expr = "ab,bc->ac"
    j = optimize_json(expr, "512x512,512x512", "f32", "--error-budget", "1e-2")
    rng = np.random.default_rng(4)
    a, b = rng.uniform(-1, 1, (512, 512)), rng.uniform(-1, 1, (512, 512))
    measured = {"tf32": np.linalg.norm(_round(a, 10) @ _round(b, 10) - a @ b) / np.linalg.norm(a @ b),
                "bf16": np.linalg.norm(_round(_round(a, 7) @ _round(b, 7), 7) - a @ b) / np.linalg.norm(a @ b)}
    plans = [j] + j["runners_up"]
    for p in plans:
        if p["dtype"] in measured:
            assert measured[p["dtype"]] / 2 < p["predicted_rel_error"] < measured[p["dtype"]] * 2, p["dtype"]


# ---- calibrate ----------------------------------------------------------------------------------

def test_calibrate_fits_the_discovery_rows_only(tmp_path):
    out = tmp_path / "table.json"
    done = run("calibrate", "--cost-table", TABLE, "--measured", MEASURED, "--out", out)
    section = json.loads(out.read_text())["calibration"]
    assert section["kind"] == "tcbench-gemm-calibration"
    assert section["fit"]["rows"] == sum(1 for r in csv.DictReader(open(MEASURED)) if r["name"].startswith("cal_"))
    assert section["validation"]["rows"] > 0
    assert section["fit"]["mape"] < section["fit"]["mape_uncalibrated"]
    assert len(section["parameters"]) == 7
    assert "held-out rows" in done.stdout


def test_calibrate_bad_measurements_leave_nothing(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("dtype,batch,M,N,K,median_us,status\nbf16,1,64,64,64,fast,ok\n")
    out = tmp_path / "table.json"
    done = run("calibrate", "--cost-table", TABLE, "--measured", bad, "--out", out, check=False)
    assert done.returncode == 2 and ":2: median_us:" in done.stderr
    assert not out.exists() and not list(tmp_path.glob("table.json*"))
