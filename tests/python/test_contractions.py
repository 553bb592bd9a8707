"""optimizer/contractions (issue #14): the program format and its numpy executor, the suite, the
baseline paths, the reference lowering, run_suite's pure helpers and the analysis. No GPU and no
torch needed.

opt_einsum and cotengra are optional here: CI may lack them, so the tests that need them skip
with the reason (both are installed on the development machine, where they run).
"""
from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from optimizer.contractions import analyze as A  # noqa: E402
from optimizer.contractions import lower as L  # noqa: E402
from optimizer.contractions import program as P  # noqa: E402
from optimizer.contractions import run_suite as R  # noqa: E402
from optimizer.contractions import suite as S  # noqa: E402

DATA = REPO / "optimizer" / "contractions" / "data"
HAVE_OE = importlib.util.find_spec("opt_einsum") is not None
HAVE_CTG = importlib.util.find_spec("cotengra") is not None
needs_oe = pytest.mark.skipif(not HAVE_OE, reason="opt_einsum is not installed (pip install opt_einsum)")
needs_ctg = pytest.mark.skipif(not (HAVE_OE and HAVE_CTG),
                               reason="opt_einsum and cotengra are not both installed")


@pytest.fixture(scope="module")
def plans():
    return json.loads((DATA / "plans.json").read_text())


def small(expr):
    """The expression with every extent cut to 2..4, for exact CPU checks."""
    return replace(expr, sizes={c: 2 + (ord(c) % 3) for c in expr.sizes})


# ---- program validation ------------------------------------------------------------------------

def chain_program():
    """'abx,cb,dc->ad': x summed away alone, B stored [c, b] (a transposed gemm operand), C
    stored [d, c] and permuted, then a reshape of the result to [a, d] through [a*d]."""
    return {"expression": "abx,cb,dc->ad", "dtype": "f16",
            "inputs": [{"id": 0, "shape": [3, 4, 5]}, {"id": 1, "shape": [6, 4]}, {"id": 2, "shape": [7, 6]}],
            "ops": [{"op": "sum", "in": 0, "out": 3, "axes": [2]},
                    {"op": "gemm", "a": 3, "b": 1, "out": 4, "batch": 1, "m": 3, "n": 6, "k": 4,
                     "a_trans": False, "b_trans": True, "out_shape": [3, 6]},
                    {"op": "permute", "in": 2, "out": 5, "perm": [1, 0]},
                    {"op": "gemm", "a": 4, "b": 5, "out": 6, "batch": 1, "m": 3, "n": 7, "k": 6,
                     "a_trans": False, "b_trans": False, "out_shape": [21]},
                    {"op": "reshape", "in": 6, "out": 7, "shape": [3, 7]}],
            "output": 7, "output_shape": [3, 7]}


def batched_program():
    """'zki,zkj->zij' as a batched gemm with A stored [z, k, i] (transposed view)."""
    return {"expression": "zki,zkj->zij", "dtype": "bf16",
            "inputs": [{"id": 0, "shape": [4, 5, 3]}, {"id": 1, "shape": [4, 5, 2]}],
            "ops": [{"op": "gemm", "a": 0, "b": 1, "out": 2, "batch": 4, "m": 3, "n": 2, "k": 5,
                     "a_trans": True, "b_trans": False, "out_shape": [4, 3, 2]}],
            "output": 2, "output_shape": [4, 3, 2]}


def broken(edit):
    p = chain_program()
    edit(p)
    return p


@pytest.mark.parametrize("edit, message", [
    (lambda p: p["ops"][1].update(a=9), "op 1 (gemm), field 'a': buffer 9 is not defined"),
    (lambda p: p["ops"][0].update(**{"in": 4}), "op 0 (sum), field 'in': buffer 4 is not defined"),
    (lambda p: p["ops"][2].update(perm=[0, 0]), "op 2 (permute), field 'perm': [0, 0] is not a permutation of 0..1"),
    (lambda p: p["ops"][2].update(perm=[1, 0, 2]), "op 2 (permute), field 'perm': [1, 0, 2] is not a permutation"),
    (lambda p: p["ops"][4].update(shape=[3, 8]), "op 4 (reshape), field 'shape': [3, 8] has 24 elements, buffer 6 has 21"),
    (lambda p: p["ops"][1].update(m=4), "op 1 (gemm), field 'a': buffer 3 has 12 elements (shape [3, 4]), batch*m*k = 16"),
    (lambda p: p["ops"][3].update(k=5), "op 3 (gemm), field 'a': buffer 4 has 18 elements"),
    (lambda p: p["ops"][1].update(out_shape=[3, 7]), "op 1 (gemm), field 'out_shape': [3, 7] has 21 elements, batch*m*n = 18"),
    (lambda p: p["ops"][0].update(axes=[3]), "op 0 (sum), field 'axes': [3] must be distinct axes in 0..2"),
    (lambda p: p["ops"][2].update(out=4), "op 2 (permute), field 'out': buffer 4 is already defined"),
    (lambda p: p["ops"][1].update(b_trans="yes"), "op 1 (gemm), field 'b_trans': expected true or false"),
    (lambda p: p["ops"][1].pop("k"), "op 1 (gemm): missing field(s) 'k'"),
    (lambda p: p["ops"][0].update(op="einsum"), "op 0, field 'op': 'einsum' is not one of"),
    (lambda p: p["inputs"][1].update(id=2), "input 1, field 'id': expected 1"),
    (lambda p: p.update(output_shape=[7, 3]), "program, field 'output_shape': [7, 3] differs from buffer 7's shape [3, 7]"),
    (lambda p: p.update(dtype="f8"), "program, field 'dtype': 'f8' is not one of"),
])
def test_validation_names_op_and_field(edit, message):
    with pytest.raises(P.ProgramError) as e:
        P.validate(broken(edit))
    assert message in str(e.value)


def test_valid_programs_give_buffer_shapes():
    shapes = P.validate(chain_program())
    assert shapes[3] == (3, 4) and shapes[4] == (3, 6) and shapes[5] == (6, 7) and shapes[7] == (3, 7)
    assert P.validate(batched_program())[2] == (4, 3, 2)
    assert P.load_program(json.dumps(chain_program()))["output"] == 7


# ---- the numpy backend ---------------------------------------------------------------------------

def operands(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s) for s in shapes]


def test_numpy_chain_with_permute_sum_and_transposed_gemm():
    a, b, c = operands([(3, 4, 5), (6, 4), (7, 6)])
    out = P.run_program(chain_program(), [a, b, c])
    np.testing.assert_allclose(out, np.einsum("abx,cb,dc->ad", a, b, c), rtol=1e-12, atol=1e-12)


def test_numpy_batched_transposed_gemm():
    x, y = operands([(4, 5, 3), (4, 5, 2)])
    np.testing.assert_allclose(P.run_program(batched_program(), [x, y]), np.einsum("zki,zkj->zij", x, y),
                               rtol=1e-12, atol=1e-12)


def test_executor_preallocates_and_reruns_in_place():
    ops = operands([(3, 4, 5), (6, 4), (7, 6)])
    ex = P.Executor(chain_program(), ops, "numpy", float_dtype="float32")
    first = ex.run()
    again = ex.run()
    assert again is first or np.shares_memory(again, first)  # the same buffer, as a graph needs
    assert first.dtype == np.float32
    assert ex.nbytes() == 4 * (12 + 18 + 42 + 21)  # sum, gemm, permute, gemm; the reshape is a view


def test_executor_refuses_wrong_operands():
    with pytest.raises(P.ProgramError, match="operand 1 has shape"):
        P.Executor(chain_program(), operands([(3, 4, 5), (4, 6), (7, 6)]))
    with pytest.raises(P.ProgramError, match="takes 3 operands"):
        P.Executor(chain_program(), operands([(3, 4, 5)]))


# ---- the suite -----------------------------------------------------------------------------------

def test_suite_expressions_are_well_formed():
    names = [e.name for e in S.SUITE]
    assert len(names) == len(set(names)) >= 24
    for e in S.SUITE:
        assert "->" in e.expression and "..." not in e.expression, e.name
        assert e.dtype in S.DTYPES and e.source and e.category, e.name
        for term in e.inputs:
            assert term.isalpha() and len(set(term)) == len(term), f"{e.name}: {term} repeats an index"
        assert len(set(e.output)) == len(e.output) and set(e.output) <= set("".join(e.inputs)), e.name
        assert set(e.sizes) == set("".join(e.inputs)), f"{e.name}: sizes do not match the subscripts"
        assert [len(s) for s in e.shapes] == [len(t) for t in e.inputs]
        assert all(isinstance(d, int) and d >= 1 for d in e.sizes.values())


def test_suite_coverage():
    n_ops = [len(e.inputs) for e in S.SUITE]
    assert sum(n >= 8 for n in n_ops) >= 3 and 10 in n_ops
    cats = {e.category for e in S.SUITE}
    assert {"mlp", "attention", "tensor_network", "tucker", "cp", "bilinear", "opt_einsum"} <= cats
    dtypes = [e.dtype for e in S.SUITE]
    assert dtypes.count("f16") + dtypes.count("bf16") > len(dtypes) / 2
    assert "tf32" in dtypes and "f32" in dtypes


def test_suite_json_is_current():
    assert json.loads((DATA / "suite.json").read_text()) == [e.as_json() for e in S.SUITE]


def test_plans_cover_the_suite(plans):
    assert list(plans) == [e.name for e in S.SUITE]


@pytest.mark.parametrize("name", [e.name for e in S.SUITE])
def test_baseline_plans_within_the_time_window_and_memory(name, plans):
    """Every baseline plan's planning-roofline estimate lies in 0.05-50 ms and the naive plan's
    operands plus intermediates stay under 20 GB."""
    e = S.BY_NAME[name]
    for plan in L.BASELINE_PLANS:
        lo, hi = S.estimate_path_us(e, plans[name][plan])
        assert S.MIN_PLAN_US <= lo and hi <= S.MAX_PLAN_US, (plan, lo, hi)
    assert S.path_bytes(e, plans[name]["naive"]) < S.MAX_NAIVE_BYTES


def test_naive_path_is_left_to_right():
    assert S.naive_path(2) == [[0, 1]]
    groups = S.path_groups(5, S.naive_path(5))
    assert groups == [frozenset(range(k + 1)) for k in range(1, 5)]


def test_path_groups_and_errors():
    assert S.path_groups(4, [[0, 1], [0, 1], [0, 1]]) == [{0, 1}, {2, 3}, {0, 1, 2, 3}]
    with pytest.raises(ValueError, match="does not fit"):
        S.path_groups(3, [[0, 3], [0, 1]])
    with pytest.raises(ValueError, match="leaves 2 operands"):
        S.path_groups(3, [[0, 1]])


def test_operand_scales_are_powers_of_two():
    e = S.Expression("t", "t", "ij,jk->ik", {"i": 8, "j": 64, "k": 8}, "f16", "test")
    # sqrt(3) * 64^(-1/4) = 0.61 -> 2^-1 for both; no scaling of free indices
    assert S.operand_scales(e) == [0.5, 0.5]
    for expr in S.SUITE:
        for s in S.operand_scales(expr):
            assert math.log2(s) == round(math.log2(s))


def test_scaled_operands_keep_outputs_near_unit_size(plans):
    """The scales keep the output's RMS within a factor 100 of 1 (f16 would otherwise overflow
    on the larger networks); checked on extents cut to 10."""
    for expr in S.SUITE:
        e = replace(expr, sizes={c: min(d, 10) for c, d in expr.sizes.items()})
        rng = np.random.default_rng(1)
        ops = [rng.uniform(-1, 1, s) * k for s, k in zip(e.shapes, S.operand_scales(e))]
        out = P.run_program(L.lower(e, plans[e.name]["opt_einsum"]), ops)
        rms = float(np.sqrt(np.mean(np.square(out))))
        assert 1e-2 < rms < 1e2, (e.name, rms)


# ---- baselines (opt_einsum, cotengra) ----------------------------------------------------------

@needs_oe
@pytest.mark.parametrize("name", [e.name for e in S.SUITE])
def test_opt_einsum_accepts_every_baseline_path(name, plans):
    import opt_einsum as oe
    e = S.BY_NAME[name]
    for plan in L.BASELINE_PLANS:
        _, info = oe.contract_path(e.expression, *e.shapes, shapes=True, optimize=plans[name][plan])
        assert int(info.opt_cost) == plans[name][f"{plan}_flops"]
        assert sum(S.step_flops(t, r, e.sizes) for t, r in S.path_steps(e, plans[name][plan])) == int(info.opt_cost)
    assert plans[name]["opt_einsum_flops"] <= plans[name]["naive_flops"]
    assert plans[name]["opt_einsum_flops"] == min(plans[name]["opt_einsum_candidates_flops"].values())


def test_ssa_to_linear():
    from optimizer.contractions.baselines import ssa_to_linear
    # ((0 2) (1 3)): ssa ids 4 = (0, 2), 5 = (1, 3), 6 = (4, 5)
    assert ssa_to_linear([(0, 2), (1, 3), (4, 5)], 4) == [[0, 2], [0, 1], [0, 1]]
    assert S.path_groups(4, ssa_to_linear([(0, 2), (1, 3), (4, 5)], 4)) == [{0, 2}, {1, 3}, {0, 1, 2, 3}]


@needs_ctg
def test_plans_json_is_current_and_cotengra_deterministic(plans):
    """A fresh search gives data/plans.json again (cotengra seeded), also in a process with another
    PYTHONHASHSEED."""
    from optimizer.contractions import baselines as B
    for name in ("peps_3x3", "mpo_expectation", "attn_block", "oe_complex7b"):
        fresh = B.plan_entry(S.BY_NAME[name])
        assert fresh == plans[name], name
    code = ("import json; from optimizer.contractions import baselines as B, suite as S; "
            "print(json.dumps(B.cotengra_path(S.BY_NAME['peps_4x4'])))")
    for seed in ("1", "4242"):
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        assert json.loads(out.stdout) == plans["peps_4x4"]["cotengra"]


@needs_ctg
def test_baselines_cli(tmp_path, plans):
    out = tmp_path / "plans.json"
    subprocess.run([sys.executable, "-m", "optimizer.contractions.baselines", "--out", str(out),
                    "--filter", "^mlp3_decode$"], cwd=REPO, check=True, capture_output=True)
    assert json.loads(out.read_text()) == {"mlp3_decode": plans["mlp3_decode"]}
    meta = json.loads((tmp_path / "plans.meta.json").read_text())
    assert meta["cotengra"]["seed"] == 0 and meta["versions"]["cotengra"]


# ---- the reference lowering, run on the numpy backend ------------------------------------------

@pytest.mark.parametrize("name", [e.name for e in S.SUITE])
def test_lowered_baselines_match_einsum(name, plans):
    e = small(S.BY_NAME[name])
    ops = operands(e.shapes, seed=3)
    ref = np.einsum(e.expression, *ops, optimize="greedy")
    for plan in L.BASELINE_PLANS:
        prog = L.lower(e, plans[name][plan])
        P.validate(prog)
        np.testing.assert_allclose(P.run_program(prog, ops), ref, rtol=1e-10, atol=1e-10, err_msg=plan)


def test_lowering_uses_transposed_views_and_sums():
    e = S.Expression("t", "t", "abx,cb,dc->ad", {"a": 3, "b": 4, "x": 5, "c": 6, "d": 7}, "f16", "test")
    prog = L.lower(e, [[0, 1], [0, 1]])
    kinds = [op["op"] for op in prog["ops"]]
    # x summed alone; B stored [c, b] read as a transposed view; step 2 takes (dc, ac) in the path's
    # order, so ac is the transposed B and the [d, a] result is permuted to the output's order
    assert kinds == ["sum", "gemm", "gemm", "permute"]
    assert prog["ops"][1]["b_trans"] and not prog["ops"][2]["a_trans"] and prog["ops"][2]["b_trans"]
    assert prog["ops"][3]["perm"] == [1, 0]


# ---- run_suite's pure helpers ------------------------------------------------------------------

def test_runs_per_replay():
    assert R.runs_per_replay(50.0, 200.0, 200) == 4
    assert R.runs_per_replay(300.0, 200.0, 200) == 1
    assert R.runs_per_replay(0.1, 200.0, 200) == 200
    assert R.runs_per_replay(0.0, 200.0, 50) == 50


def test_reference_chunks(plans):
    e = S.BY_NAME["attn_decode"]
    assert R.reference_chunks(e, plans[e.name]["opt_einsum"], 1e12) == (None, 1)
    axis, chunks = R.reference_chunks(e, plans[e.name]["opt_einsum"], 4e9)
    assert axis == "b" and 1 < chunks <= e.sizes["b"]  # b is in every tensor: splitting it shrinks all
    scalar = S.BY_NAME["mpo_expectation"]
    assert R.reference_chunks(scalar, plans[scalar.name]["opt_einsum"], 1.0) == (None, 1)


class _T(np.ndarray):
    """Just enough of a torch tensor (narrow, to) on numpy for the reference's CPU test."""

    def narrow(self, dim, start, length):
        return _t(np.take(np.asarray(self), range(start, start + length), axis=dim))

    def to(self, dtype):
        return _t(np.asarray(self, dtype=dtype))


def _t(x):
    return np.asarray(x).view(_T)


FAKE_TORCH = type("FakeTorch", (), {"float64": np.float64, "sum": staticmethod(lambda x: np.sum(np.asarray(x))),
                                    "einsum": staticmethod(lambda eq, *xs: _t(np.einsum(eq, *map(np.asarray, xs))))})


@pytest.mark.parametrize("name, fraction", [("attn_tiny_heads", 2.0), ("attn_tiny_heads", 0.3),
                                            ("tucker3", 0.3), ("mpo_expectation", 0.3)])
def test_chunked_reference_and_errors(name, fraction, plans):
    """The float64 reference, split into pieces or not, gives the exact output: the error of the
    exact output is ~0, of a perturbed one the perturbation's size, of a non-finite one inf."""
    e = small(S.BY_NAME[name])
    ops = [_t(x) for x in operands(e.shapes, seed=5)]
    exact = np.einsum(e.expression, *map(np.asarray, ops))
    # a budget of `fraction` of the path's float64 bytes
    budget = fraction * 8 * S.path_bytes(e, plans[name]["opt_einsum"]) / S.ELEM_BYTES[e.dtype]
    axis, chunks = R.reference_chunks(e, plans[name]["opt_einsum"], budget)
    assert (chunks > 1) == (fraction < 1 and bool(e.output))
    bad = np.array(exact, dtype=float)
    bad.reshape(-1)[0] = np.inf
    errs = R.relative_errors(FAKE_TORCH, e, plans[name]["opt_einsum"], ops,
                             {"exact": _t(exact), "scaled": _t(exact * 1.01), "bad": _t(bad)}, budget)
    assert errs["exact"] < 1e-12 and errs["scaled"] == pytest.approx(0.01) and errs["bad"] == math.inf


def test_check_programs(plans):
    e = S.BY_NAME["mlp3_decode"]
    good = {e.name: {"naive": L.lower(e, plans[e.name]["naive"])}}
    R.check_programs(good, plans)
    other = L.lower(replace(e, sizes={**e.sizes, "b": 32}), plans[e.name]["naive"])
    with pytest.raises(R.InputError, match="input shapes differ"):
        R.check_programs({e.name: {"naive": other}}, plans)
    bad = json.loads(json.dumps(good))
    bad[e.name]["naive"]["ops"][0]["a"] = 99
    with pytest.raises(R.InputError, match=r"mlp3_decode/naive: op 0 \(gemm\), field 'a'"):
        R.check_programs(bad, plans)
    wrong_dtype = L.lower(replace(e, dtype="bf16"), plans[e.name]["naive"])
    with pytest.raises(R.InputError, match="the suite has 'bi,ij,jk,kl->bl' f16"):
        R.check_programs({e.name: {"naive": wrong_dtype}}, plans)
    with pytest.raises(R.InputError, match="not a suite expression"):
        R.check_programs({"nope": {}}, plans)
    assert R.program_bytes(chain_program()) == 2 * (12 + 18 + 42 + 21)  # f16; the reshape is a view


def test_plan_path_prefers_the_programs_own():
    prog = {"path": [[0, 1], [0, 1]]}
    assert R.plan_path("x", "tcbench", prog, {}) == "[[0,1],[0,1]]"
    assert R.plan_path("x", "naive", {}, {"x": {"naive": [[0, 1]]}}) == "[[0,1]]"
    assert R.plan_path("x", "tcbench", {}, {}) == ""


# ---- analysis ----------------------------------------------------------------------------------

def test_kendall_tau_b():
    assert A.kendall_tau_b([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert A.kendall_tau_b([1, 2, 3, 4], [40, 30, 20, 10]) == -1.0
    assert A.kendall_tau_b([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(5 / math.sqrt(5 * 6))
    assert A.kendall_tau_b([1, 1, 1], [1, 2, 3]) is None


def test_bootstrap_interval_of_constant_samples_is_exact():
    assert A.bootstrap_ratio_ci([100.0] * 30, [200.0] * 30, 2000, 0) == (0.5, 0.5)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=R.COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in R.COLUMNS})


def row(expr, plan, times, path, status="ok", verified="true"):
    return {"expression": expr, "category": "c", "dtype": "f16", "plan": plan, "status": status,
            "verified": verified, "path": json.dumps(path), "times_us": " ".join(f"{t:.3f}" for t in times),
            "reason": "" if status == "ok" else "boom"}


def noisy(center, n=30, seed=0):
    rng = np.random.default_rng(seed)
    return list(center * (1 + 0.01 * rng.standard_normal(n)))


@pytest.fixture()
def synthetic(tmp_path):
    """e1: ours 2x faster than opt_einsum, identical to cotengra (but measured 10% slower: still
    a tie), 4x faster than naive. e2: ours 10% slower than opt_einsum, 120/110 faster than
    cotengra; naive did not run."""
    p3 = [[0, 1], [0, 1]]
    left = [[1, 2], [0, 1]]
    rows = [row("e1", "tcbench", noisy(100), left), row("e1", "opt_einsum", noisy(200, seed=1), p3),
            row("e1", "cotengra", noisy(110, seed=2), [[1, 2], [0, 1]]), row("e1", "naive", noisy(400, seed=3), p3),
            row("e2", "tcbench", noisy(110, seed=4), left), row("e2", "opt_einsum", noisy(100, seed=5), p3),
            row("e2", "cotengra", noisy(120, seed=6), p3), row("e2", "naive", [], p3, status="error")]
    path = tmp_path / "contractions.csv"
    write_csv(path, rows)
    return path


def test_analysis_on_synthetic_csv(synthetic):
    by_expr, dropped = A.read_rows(synthetic)
    assert dropped == [("e2", "naive", "boom")]
    summary = A.compare(by_expr, "tcbench", A.BASELINES, {}, 2000, 0, 1.03)
    got = {(r["expression"], r["baseline"]): r for r in summary}
    assert got["e1", "opt_einsum"]["ratio"] == pytest.approx(0.5, rel=0.02)
    assert got["e1", "opt_einsum"]["verdict"] == "faster"
    assert got["e1", "opt_einsum"]["ci_low"] < 0.5 * 1.02 and got["e1", "opt_einsum"]["ci_high"] > 0.5 * 0.98
    assert got["e1", "cotengra"]["verdict"] == "identical"
    assert got["e1", "naive"]["speedup"] == pytest.approx(4, rel=0.02)
    assert got["e2", "opt_einsum"]["verdict"] == "slower" and got["e2", "opt_einsum"]["ci_low"] > 1.03
    assert ("e2", "naive") not in got
    means = A.geomeans(summary, A.BASELINES)
    assert means["opt_einsum"]["all"] == pytest.approx(math.sqrt(2 / 1.1), rel=0.02)
    assert means["cotengra"]["n_differing"] == 1 and means["cotengra"]["identical"] == 1
    assert means["cotengra"]["differing"] == pytest.approx(120 / 110, rel=0.02)


def test_analysis_tau_and_outputs_are_deterministic(synthetic, tmp_path):
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"e1": {"tcbench": 1, "opt_einsum": 2, "cotengra": 1.5, "naive": 4},
                                "e2": {"tcbench": 1, "opt_einsum": 2, "cotengra": 3}}))
    by_expr, _ = A.read_rows(synthetic)
    tau = A.taus(by_expr, json.loads(pred.read_text()))
    assert tau["e1"][0] == 1.0  # predicted order = measured order
    # predicted 1 < 2 < 3, measured 110 > 100 < 120: one discordant pair of three
    assert tau["e2"][0] == pytest.approx(1 / 3) and tau["e2"][1] == ["tcbench", "opt_einsum", "cotengra"]
    outs = []
    for k in range(2):
        out = tmp_path / f"a{k}"
        assert A.main(["--csv", str(synthetic), "--out", str(out), "--predictions", str(pred)]) == 0
        outs.append({f: (out / f).read_bytes() for f in ("contractions.md", "contractions_summary.csv", "speedups.png")})
    assert outs[0] == outs[1]
    md = outs[0]["contractions.md"].decode()
    assert "| e1 | f16 |" in md and "identical" in md and "e2 / naive: boom" in md and "tau-b" in md
