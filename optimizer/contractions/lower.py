"""A plain reference lowering of a contraction path into the program format of program.py:
for each pairwise step, sum away the indices that only one operand has and nothing later needs,
lay each operand out as [batch, free, contracted] (or its transpose, which the gemm takes as a
transposed view; any other layout gets a permute), one (batched) gemm, and a final permute to
the output's index order.

It is not the optimizer's lowering (`tcbench lower`): it exists so that the executor, the suite
and run_suite.py can be checked without it (the tests run every suite expression through it on
the numpy backend), and as a second lowering to compare `tcbench lower` against.

    python3 -m optimizer.contractions.lower --plans plans.json --out programs.json
"""
from __future__ import annotations

import argparse
import math
import re
import sys

from . import suite as S
from .files import write_json

BASELINE_PLANS = ("opt_einsum", "cotengra", "naive")


class _Builder:
    def __init__(self, expr):
        self.expr, self.ops = expr, []
        self.next_id = len(expr.inputs)

    def _new(self, op):
        op["out"] = self.next_id
        self.next_id += 1
        self.ops.append(op)
        return op["out"]

    def shape(self, idx):
        return [self.expr.sizes[c] for c in idx]

    def sum_away(self, buf, idx, keep):
        """buf (indices idx) with the indices not in keep summed away."""
        axes = [i for i, c in enumerate(idx) if c not in keep]
        if not axes:
            return buf, idx
        return self._new({"op": "sum", "in": buf, "axes": axes}), "".join(c for c in idx if c in keep)

    def layout(self, buf, idx, plain, transposed):
        """(buffer, trans flag) holding idx in the order `plain`, or `transposed` read as a
        transposed view; a permute to `plain` when idx is in neither order."""
        if idx == plain:
            return buf, False
        if idx == transposed:
            return buf, True
        return self._new({"op": "permute", "in": buf, "perm": [idx.index(c) for c in plain]}), False

    def size(self, idx):
        return math.prod(self.expr.sizes[c] for c in idx)

    def permuted(self, ia, ib, needed):
        """Elements that a gemm with ia as A and ib as B has to permute first."""
        batch, contracted, free_a, free_b = _roles(ia, ib, needed)
        cost = 0 if ia in (batch + free_a + contracted, batch + contracted + free_a) else self.size(ia)
        return cost + (0 if ib in (batch + contracted + free_b, batch + free_b + contracted) else self.size(ib))

    def step(self, left, right, needed):
        """Contracts two (buffer, indices) pairs; the result keeps the indices in needed. The
        operand order that permutes fewer elements decides which one is A (the path's on a tie)."""
        (a, ia), (b, ib) = left, right
        a, ia = self.sum_away(a, ia, set(ib) | needed)
        b, ib = self.sum_away(b, ib, set(ia) | needed)
        if self.permuted(ib, ia, needed) < self.permuted(ia, ib, needed):
            (a, ia), (b, ib) = (b, ib), (a, ia)
        batch, contracted, free_a, free_b = _roles(ia, ib, needed)
        a, a_trans = self.layout(a, ia, batch + free_a + contracted, batch + contracted + free_a)
        b, b_trans = self.layout(b, ib, batch + contracted + free_b, batch + free_b + contracted)
        out_idx = batch + free_a + free_b
        out = self._new({"op": "gemm", "a": a, "b": b, "batch": self.size(batch), "m": self.size(free_a),
                         "n": self.size(free_b), "k": self.size(contracted), "a_trans": a_trans,
                         "b_trans": b_trans, "out_shape": self.shape(out_idx)})
        return out, out_idx


def _roles(ia, ib, needed):
    """(batch, contracted, free in A, free in B) indices of a gemm of ia and ib, in ia's order
    (B's batch and contracted indices must follow A's)."""
    batch = "".join(c for c in ia if c in ib and c in needed)
    contracted = "".join(c for c in ia if c in ib and c not in needed)
    return batch, contracted, "".join(c for c in ia if c not in ib), "".join(c for c in ib if c not in ia)


def lower(expr, path):
    """The program of expr contracted along path (opt_einsum's convention)."""
    bld = _Builder(expr)
    live = list(enumerate(expr.inputs))
    for pos in path:
        if len(pos) != 2:
            raise ValueError(f"{expr.name}: this lowering takes pairwise steps only, got {list(pos)}")
        rest = [t for i, t in enumerate(live) if i not in pos]
        needed = set(expr.output).union(*(idx for _, idx in rest))
        live = rest + [bld.step(live[pos[0]], live[pos[1]], needed)]
    (buf, idx), = live
    if idx != expr.output:
        buf = bld._new({"op": "permute", "in": buf, "perm": [idx.index(c) for c in expr.output]})
    return {"expression": expr.expression, "dtype": expr.dtype,
            "inputs": [{"id": i, "shape": list(s)} for i, s in enumerate(expr.shapes)],
            "ops": bld.ops, "output": buf, "output_shape": list(expr.output_shape),
            "path": [list(p) for p in path]}


def main(argv=None):
    p = argparse.ArgumentParser(description="Reference lowering of the baseline plans into programs.")
    p.add_argument("--plans", required=True, help="plans JSON from optimizer.contractions.baselines")
    p.add_argument("--out", required=True, help="programs JSON to write: {expression: {plan: program}}")
    p.add_argument("--filter", default="", metavar="REGEX", help="only expressions whose name matches")
    args = p.parse_args(argv)
    import json  # noqa: PLC0415
    with open(args.plans, encoding="utf-8") as f:
        plans = json.load(f)
    programs = {name: {plan: lower(S.BY_NAME[name], entry[plan]) for plan in BASELINE_PLANS}
                for name, entry in plans.items() if re.search(args.filter, name)}
    write_json(args.out, programs)
    print(f"lower: {len(programs)} expressions x {len(BASELINE_PLANS)} plans written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
