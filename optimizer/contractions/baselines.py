"""The baseline contraction paths of every suite expression (issue #14):

    opt_einsum  FLOP-optimal: optimize='optimal' (up to 8 operands) and 'dp', the one with fewer
                FLOPs (see below); 'dp' alone above 8 operands
    cotengra    HyperOptimizer(minimize='flops') with a fixed seed, serial, its tree converted
                to a path
    naive       left to right, ((op0 op1) op2) ...

    python3 -m optimizer.contractions.baselines --out plans.json [--filter REGEX]

Writes {expression name: {"opt_einsum": path, "cotengra": path, "naive": path,
"opt_einsum_flops": .., "cotengra_flops": .., "naive_flops": .., "opt_einsum_method": ..}} and
a provenance file next to it (<out minus .json>.meta.json). Paths follow opt_einsum's
convention (a list of operand-position lists; contracted operands leave the list, the result
is appended); FLOPs are opt_einsum's count for that path (2 m n k for a GEMM), so the three
plans are counted alike. Every path is checked by handing it back to opt_einsum.contract_path.

Why both 'optimal' and 'dp': opt_einsum 3.4.0's 'optimal' caches a pair's result indices by the
pair alone, which is wrong when an index is shared by three or more operands (a hyperedge): the
result then depends on which other operands remain (dgasmith/opt_einsum#167, #254, open). On
such expressions 'optimal' can return a path with many times the FLOPs of 'dp', which is exact
when outer products are not needed.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import random
import re
import sys
import time

from . import suite as S
from .files import write_json

OPTIMAL_MAX_OPERANDS = 8
# cotengra's hyper-optimizer: the methods that need no optional package (kahypar, igraph and
# the like are absent here), a fixed seed for its parameter sampler, and no process pool, so
# that the trials run in one order and the result is reproducible.
COTENGRA_METHODS = ("greedy", "labels")
COTENGRA_REPEATS = 128
COTENGRA_SEED = 0


def _oe():
    import opt_einsum  # noqa: PLC0415 - only the path finders need it
    return opt_einsum


def check_path(expr, path):
    """opt_einsum's FLOP count of a path; raises if opt_einsum does not accept the path."""
    _, info = _oe().contract_path(expr.expression, *expr.shapes, shapes=True, optimize=path)
    return int(info.opt_cost)


def _as_lists(path):
    return [sorted(int(p) for p in step) for step in path]


def opt_einsum_path(expr):
    """(path, method, {method: flops}): the lower-FLOP of 'optimal' and 'dp' (ties: 'optimal')."""
    methods = ("optimal", "dp") if len(expr.inputs) <= OPTIMAL_MAX_OPERANDS else ("dp",)
    found = {}
    for m in methods:
        path, info = _oe().contract_path(expr.expression, *expr.shapes, shapes=True, optimize=m)
        found[m] = (_as_lists(path), int(info.opt_cost))
    best = min(methods, key=lambda m: found[m][1])
    return found[best][0], best, {m: f for m, (_, f) in found.items()}


def ssa_to_linear(ssa_path, n_inputs):
    """A path in static single assignment form (ids 0..n-1 the operands, n, n+1, ... the results
    in order) to opt_einsum's positional form."""
    live = list(range(n_inputs))
    path = []
    for k, step in enumerate(ssa_path):
        path.append(sorted(live.index(i) for i in step))
        live = [i for i in live if i not in step] + [n_inputs + k]
    return path


def cotengra_path(expr, repeats=COTENGRA_REPEATS, seed=COTENGRA_SEED):
    import cotengra  # noqa: PLC0415
    opt = cotengra.HyperOptimizer(methods=list(COTENGRA_METHODS), minimize="flops",
                                  max_repeats=repeats, parallel=False, seed=seed,
                                  on_trial_error="raise", progbar=False)
    # cotengra's `seed` reaches only its parameter sampler: the greedy trials (temperature, size
    # jitter) and the label-propagation shuffles draw from the global `random` module, so seed
    # that too for the search (and put it back after). Integer indices: cotengra iterates over
    # sets of indices, and the order of a set of strings changes with PYTHONHASHSEED.
    state = random.getstate()
    random.seed(seed)
    try:
        tree = opt.search([tuple(map(ord, t)) for t in expr.inputs], tuple(map(ord, expr.output)),
                          {ord(c): d for c, d in expr.sizes.items()})
    finally:
        random.setstate(state)
    return ssa_to_linear(tree.get_ssa_path(), len(expr.inputs))


def plan_entry(expr, repeats=COTENGRA_REPEATS):
    oe_path, method, candidates = opt_einsum_path(expr)
    paths = {"opt_einsum": oe_path, "cotengra": cotengra_path(expr, repeats),
             "naive": S.naive_path(len(expr.inputs))}
    entry = dict(paths)
    for plan, path in paths.items():
        entry[f"{plan}_flops"] = check_path(expr, path)
    entry["opt_einsum_method"] = method
    entry["opt_einsum_candidates_flops"] = candidates
    return entry


def versions():
    import cotengra  # noqa: PLC0415
    return {"opt_einsum": _oe().__version__, "cotengra": cotengra.__version__,
            "python": sys.version.split()[0]}


def meta_path(out):
    return (out[:-5] if out.endswith(".json") else out) + ".meta.json"


def main(argv=None):
    p = argparse.ArgumentParser(description="Baseline contraction paths of the suite (issue #14).")
    p.add_argument("--out", required=True, help="plans JSON to write")
    p.add_argument("--filter", default="", metavar="REGEX", help="only expressions whose name matches")
    p.add_argument("--repeats", type=int, default=COTENGRA_REPEATS, help="cotengra trials (default 128)")
    args = p.parse_args(argv)
    exprs = [e for e in S.SUITE if re.search(args.filter, e.name)]
    plans, t0 = {}, time.time()
    for e in exprs:
        t = time.time()
        plans[e.name] = entry = plan_entry(e, args.repeats)
        print(f"{e.name:24s} flops naive {entry['naive_flops']:.3g}  opt_einsum "
              f"{entry['opt_einsum_flops']:.3g} ({entry['opt_einsum_method']})  cotengra "
              f"{entry['cotengra_flops']:.3g}  {time.time() - t:.1f} s", flush=True)
    write_json(args.out, plans)
    write_json(meta_path(args.out), {
        "command": [sys.executable, "-m", "optimizer.contractions.baselines"] + (argv or sys.argv[1:]),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(), "expressions": len(plans),
        "cotengra": {"methods": COTENGRA_METHODS, "max_repeats": args.repeats, "seed": COTENGRA_SEED,
                     "minimize": "flops", "parallel": False},
        "opt_einsum": {"optimal_max_operands": OPTIMAL_MAX_OPERANDS}, "seconds": round(time.time() - t0, 1)})
    print(f"baselines: {len(plans)} expressions written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
