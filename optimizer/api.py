"""The optimizer core from Python: the same answers as the C++ API (optimizer/core/planner.hpp,
gemm_model.hpp) and the CLI, because it is the CLI (`tcbench predict|optimize --json`).

    from optimizer.api import optimize, predict_gemm
    plan = optimize("ab,bc,cd->ad", [(4096, 64), (64, 4096), (4096, 64)], "f16",
                    cost_table="results/nvidia-h100-80gb-hbm3/cost_table.json")
    plan["path"]               # opt_einsum.contract(expr, *ops, optimize=plan["path"]) accepts it
    plan["predicted_total_us"], plan["steps"], plan["runners_up"], plan["program"]
    predict_gemm(4096, 4096, 4096, "bf16", cost_table=...)["predicted_us"]

Errors: OptimizerError with tcbench's message (it names the file, line, field or operand).
The binary: $TCB_TCBENCH, else build/tcbench in this repository, else `tcbench` on PATH.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class OptimizerError(ValueError):
    """tcbench refused the input (exit 2) or failed; the message is its own."""


def _binary():
    for candidate in (os.environ.get("TCB_TCBENCH"), os.path.join(REPO, "build", "tcbench"), shutil.which("tcbench")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise OptimizerError("tcbench binary not found: build it (scripts/test.sh) or set TCB_TCBENCH")


def _run(args):
    done = subprocess.run([_binary(), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise OptimizerError(done.stderr.strip() or f"tcbench exited {done.returncode}")
    return json.loads(done.stdout)


def _shapes(shapes):
    return ",".join("x".join(str(int(d)) for d in s) if len(s) else "()" for s in shapes)


def optimize(expression, shapes, dtype, cost_table, error_budget=None, memory_limit=None, path=None,
             model_error=None):
    """The plan `tcbench optimize --json` prints (path, steps, predicted_total_us,
    predicted_rel_error, program, runners_up, decision); with `path`, that path priced instead."""
    args = ["optimize", expression, "--shapes", _shapes(shapes), "--dtype", dtype, "--cost-table",
            os.fspath(cost_table), "--json"]
    if error_budget is not None:
        args += ["--error-budget", repr(float(error_budget))]
    if memory_limit is not None:
        args += ["--memory-limit", str(memory_limit)]
    if model_error is not None:
        args += ["--model-error", repr(float(model_error))]
    if path is not None:
        args += ["--path", json.dumps([list(p) for p in path])]
    return _run(args)


def predict_gemm(m, n, k, dtype, cost_table, batch=1, b_layout="kn"):
    """`tcbench predict --json` for one GEMM: predicted_us, predicted_us_uncalibrated, the
    implementation assumed and the model's terms."""
    return _run(["predict", "--cost-table", os.fspath(cost_table), "--op", "gemm", "--m", str(m), "--n", str(n),
                 "--k", str(k), "--batch", str(batch), "--dtype", dtype, "--b-layout", b_layout, "--json"])
