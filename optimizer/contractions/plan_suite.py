"""Plans every suite expression with `tcbench optimize` and lowers every plan, ours and the
baselines', through the same C++ lowering (`tcbench optimize --path`), so the executor runs them
all by the same rules (issue #14). Needs no GPU.

    python3 -m optimizer.contractions.plan_suite --cost-table results/<gpu>/cost_table.json \
        --plans optimizer/contractions/data/plans.json --out DIR [--tcbench build/tcbench]

Writes DIR/programs.json ({expression: {plan: program}}, run_suite.py's input) and
DIR/predictions.json ({expression: {plan: {path, predicted_total_us, flops, ...}}, "decision", ...})
and DIR/predicted_us.json ({expression: {plan: predicted_us}}, analyze.py's --predictions):
the plans are "tcbench" (the optimizer's choice), "opt_einsum", "cotengra", "naive" and up to
--runners-up of the optimizer's runners-up ("alt1", ...), timed too so that the model's ranking
of an expression's candidate plans can be scored (Kendall tau) against the measurements. An
expression whose dtype the cost table cannot price (strict f32 without an FFMA rate) is skipped,
with tcbench's reason in predictions.json's "skipped".
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from . import suite as S
from .files import write_json
from .run_suite import _gemm_timing  # the GPU scripts' provenance helpers, read_git_stamp among them

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASELINES = ("opt_einsum", "cotengra", "naive")


class CannotPrice(RuntimeError):
    """The cost table lacks the rate of the expression's dtype (e.g. no FFMA for strict f32)."""


def shapes_arg(expr):
    return ",".join("x".join(str(d) for d in s) if s else "()" for s in expr.shapes)


def optimize(tcbench, table, expr, path=None, model_error=None):
    cmd = [tcbench, "optimize", expr.expression, "--shapes", shapes_arg(expr), "--dtype", expr.dtype,
           "--cost-table", table, "--json"]
    if path is not None:
        cmd += ["--path", json.dumps(path)]
    if model_error is not None:
        cmd += ["--model-error", str(model_error)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode == 2 and "cannot be predicted from it" in done.stderr:
        raise CannotPrice(done.stderr.strip())
    if done.returncode != 0:
        raise RuntimeError(f"{expr.name}: {' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def summary(plan):
    keys = ("path", "dtype", "predicted_total_us", "predicted_rel_error", "flops", "largest_buffer_bytes")
    out = {k: plan[k] for k in keys}
    out["steps"] = [{k: s[k] for k in ("equation", "kernel", "batch", "m", "n", "k", "predicted_us")}
                    for s in plan["steps"]]
    return out


def plan_expression(tcbench, table, expr, baseline_paths, runners_up):
    ours = optimize(tcbench, table, expr)
    programs = {"tcbench": ours["program"]}
    predictions = {"tcbench": summary(ours), "decision": ours["decision"], "model_error": ours["model_error"]}
    for name in BASELINES:
        plan = optimize(tcbench, table, expr, path=baseline_paths[name])
        programs[name] = plan["program"]
        predictions[name] = summary(plan)
    for i, alt in enumerate(ours["runners_up"][:runners_up], start=1):
        plan = optimize(tcbench, table, expr, path=alt["path"])
        programs[f"alt{i}"] = plan["program"]
        predictions[f"alt{i}"] = summary(plan)
        predictions[f"alt{i}"]["why"] = alt["why"]
    return programs, predictions


def main(argv=None):
    p = argparse.ArgumentParser(description="Plan and lower every suite expression with tcbench optimize.")
    p.add_argument("--cost-table", required=True)
    p.add_argument("--plans", default=os.path.join(REPO, "optimizer", "contractions", "data", "plans.json"),
                   help="baselines.py's plans JSON")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--tcbench", default=os.path.join(REPO, "build", "tcbench"))
    p.add_argument("--runners-up", type=int, default=2, help="runners-up to lower and time too (default 2)")
    p.add_argument("--filter", default="", help="only expressions whose name contains this")
    args = p.parse_args(argv)
    with open(args.plans, encoding="utf-8") as f:
        plans = json.load(f)
    programs, predictions, skipped = {}, {}, {}
    for expr in S.SUITE:
        if args.filter not in expr.name:
            continue
        if expr.name not in plans:
            print(f"plan_suite: {args.plans} has no baseline plans for {expr.name}", file=sys.stderr)
            return 2
        try:
            programs[expr.name], predictions[expr.name] = plan_expression(
                args.tcbench, args.cost_table, expr, plans[expr.name], args.runners_up)
        except CannotPrice as e:
            skipped[expr.name] = str(e)
            print(f"plan_suite: {expr.name} skipped: {e}", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "programs.json"), programs)
    write_json(os.path.join(args.out, "predictions.json"),
               {"cost_table": os.path.relpath(os.path.abspath(args.cost_table), REPO),
                "command": [sys.executable, "-m", "optimizer.contractions.plan_suite"] + (argv or sys.argv[1:]),
                "git": _gemm_timing().read_git_stamp(), "expressions": predictions, "skipped": skipped})
    write_json(os.path.join(args.out, "predicted_us.json"),
               {name: {plan: v["predicted_total_us"] for plan, v in e.items() if isinstance(v, dict)}
                for name, e in predictions.items()})
    differ = sum(1 for name in programs if programs[name]["tcbench"]["ops"] != programs[name]["opt_einsum"]["ops"])
    print(f"plan_suite: {len(programs)} expressions planned; the tcbench program differs from opt_einsum's on {differ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
