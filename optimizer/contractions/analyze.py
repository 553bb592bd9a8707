"""Compares our plans with the baselines from run_suite.py's contractions.csv (issue #14).

    python3 -m optimizer.contractions.analyze --csv DIR/contractions.csv --out DIR \
        [--predictions predicted.json] [--ours tcbench] [--resamples 2000] [--seed 0]

Per expression and baseline: the time ratio ours / baseline (medians over replays; > 1 means
ours is slower) with a 95% bootstrap confidence interval (each plan's replays resampled with
replacement, independently; percentile interval of the ratio of medians). Verdict: 'identical'
when both paths contract the same operand groups in the same order (ties, whatever was
measured), 'slower' when the interval's lower bound exceeds --margin (1.03), 'faster' when its
upper bound is below 1 / margin, else 'same'. Geometric-mean speedup (baseline / ours) over all
expressions and over those whose paths differ. With --predictions ({expression: {plan:
predicted_us}}), Kendall's tau-b between predicted and measured medians over each expression's
plans. Writes DIR/contractions.md, DIR/contractions_summary.csv and DIR/speedups.png; the same
inputs give the same files (fixed seeds, no dates).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import sys
import zlib

from .files import atomic_write_text
from .suite import path_groups

BASELINES = ("opt_einsum", "cotengra", "naive")
SUMMARY_COLUMNS = ("expression", "category", "dtype", "baseline", "ours_us", "baseline_us", "ratio",
                   "ci_low", "ci_high", "speedup", "verdict", "same_tree", "ours_predicted_us",
                   "baseline_predicted_us")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

def read_rows(path):
    """{expression: {plan: row}} of the rows that ran and passed verification, with 'times' (a
    list of floats) and 'groups' (the path canonicalised, None without a path); and the list of
    rows left out, with why."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kept, dropped = {}, []
    for r in rows:
        if r["status"] != "ok" or r["verified"] != "true":
            dropped.append((r["expression"], r["plan"], r["reason"] or r["status"]))
            continue
        r["times"] = [float(t) for t in r["times_us"].split()]
        r["groups"] = canonical(json.loads(r["path"])) if r["path"] else None
        kept.setdefault(r["expression"], {})[r["plan"]] = r
    return kept, dropped


def canonical(path):
    """A path as the sequence of the sets of original operand ids each step joins: position lists
    depend on the order earlier results were appended, the groups do not."""
    n = 1 + sum(len(step) - 1 for step in path)
    return path_groups(n, path)


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------

def median(xs):
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def bootstrap_ratio_ci(ours, base, resamples, seed, level=0.95):
    """Percentile interval of median(ours*) / median(base*) over `resamples` bootstrap draws,
    each sample resampled with replacement on its own."""
    import numpy as np  # noqa: PLC0415
    rng = np.random.default_rng(seed)
    a, b = np.asarray(ours, float), np.asarray(base, float)
    ma = np.median(a[rng.integers(0, a.size, (resamples, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, (resamples, b.size))], axis=1)
    lo, hi = np.percentile(ma / mb, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def kendall_tau_b(x, y):
    """Kendall's tau-b of two equally long sequences (ties in either count as neither concordant
    nor discordant, and shrink the denominator); None when either sequence is constant."""
    n = len(x)
    conc = disc = ties_x = ties_y = 0
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                ties_x += 1
                ties_y += 1
            elif dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                conc += 1
            else:
                disc += 1
    pairs = n * (n - 1) // 2
    denom = math.sqrt((pairs - ties_x) * (pairs - ties_y))
    return (conc - disc) / denom if denom > 0 else None


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _seed(base, *parts):
    """A seed per comparison, so that adding an expression leaves the others' intervals alone."""
    return (base * 1000003 + zlib.crc32("/".join(parts).encode())) & 0x7FFFFFFF


# ---------------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------------

def compare(by_expr, ours, baselines, predictions, resamples, seed, margin):
    """Summary rows, one per expression and baseline that both ran."""
    out = []
    for name, plans in by_expr.items():
        if ours not in plans:
            continue
        mine = plans[ours]
        pred = predictions.get(name, {})
        for base in baselines:
            if base not in plans:
                continue
            other = plans[base]
            t_ours, t_base = median(mine["times"]), median(other["times"])
            lo, hi = bootstrap_ratio_ci(mine["times"], other["times"], resamples, _seed(seed, name, base))
            same_seq = mine["groups"] is not None and mine["groups"] == other["groups"]
            same_tree = mine["groups"] is not None and other["groups"] is not None and \
                set(mine["groups"]) == set(other["groups"])
            verdict = ("identical" if same_seq else "slower" if lo > margin
                       else "faster" if hi < 1 / margin else "same")
            out.append({"expression": name, "category": mine["category"], "dtype": mine["dtype"],
                        "baseline": base, "ours_us": t_ours, "baseline_us": t_base, "ratio": t_ours / t_base,
                        "ci_low": lo, "ci_high": hi, "speedup": t_base / t_ours, "verdict": verdict,
                        "same_tree": same_tree, "ours_predicted_us": pred.get(ours),
                        "baseline_predicted_us": pred.get(base)})
    return out


def geomeans(summary, baselines):
    """{baseline: {'all': .., 'differing': .., counts}} of the speedups baseline / ours."""
    res = {}
    for base in baselines:
        rows = [r for r in summary if r["baseline"] == base]
        differ = [r for r in rows if r["verdict"] != "identical"]
        res[base] = {"n": len(rows), "n_differing": len(differ),
                     "all": geomean([r["speedup"] for r in rows]),
                     "differing": geomean([r["speedup"] for r in differ]),
                     **{v: sum(r["verdict"] == v for r in rows) for v in ("faster", "same", "slower", "identical")}}
    return res


def taus(by_expr, predictions):
    """{expression: (tau_b, plans compared)} over the plans with a prediction and a time."""
    res = {}
    for name, plans in by_expr.items():
        common = [p for p in plans if p in predictions.get(name, {})]
        if len(common) >= 2:
            tau = kendall_tau_b([predictions[name][p] for p in common], [median(plans[p]["times"]) for p in common])
            res[name] = (tau, common)
    return res


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------

def _fmt(x, spec=".3g"):
    return "" if x is None else format(x, spec)


def summary_csv(summary):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for r in summary:
        w.writerow([("true" if r[c] else "false") if isinstance(r[c], bool)
                    else _fmt(r[c], ".6g") if isinstance(r[c], float) else ("" if r[c] is None else r[c])
                    for c in SUMMARY_COLUMNS])
    return buf.getvalue()


def report(csv_path, ours, baselines, summary, means, tau, dropped, args):
    with open(csv_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    lines = [f"# Contraction plans: {ours} against {', '.join(baselines)}", "",
             f"Input `{os.path.basename(csv_path)}` (sha256 {sha[:16]}); ratio = time of {ours} / time of the "
             f"baseline (medians over replays; < 1: {ours} faster); 95% bootstrap interval, {args.resamples} "
             f"resamples, seed {args.seed}; slower / faster when the interval lies above {args.margin:g} / "
             f"below {1 / args.margin:.4g}; identical paths count as ties.", "",
             "| baseline | expressions | geo-mean speedup | paths differ | geo-mean speedup where they differ "
             "| faster | same | slower | identical |", "|---|---|---|---|---|---|---|---|---|"]
    for base, m in means.items():
        lines.append(f"| {base} | {m['n']} | {_fmt(m['all'])} | {m['n_differing']} | {_fmt(m['differing'])} "
                     f"| {m['faster']} | {m['same']} | {m['slower']} | {m['identical']} |")
    lines += ["", f"| expression | dtype | {ours} (us) | " + " | ".join(f"vs {b}" for b in baselines) + " |",
              "|---|---|---|" + "---|" * len(baselines)]
    by_expr = {}
    for r in summary:
        by_expr.setdefault(r["expression"], {})[r["baseline"]] = r
    for name, cmp in by_expr.items():
        first = next(iter(cmp.values()))
        cells = [f"{_fmt(c['ratio'])} [{_fmt(c['ci_low'])}, {_fmt(c['ci_high'])}] {c['verdict']}"
                 if (c := cmp.get(b)) else "" for b in baselines]
        lines.append(f"| {name} | {first['dtype']} | {_fmt(first['ours_us'], '.1f')} | " + " | ".join(cells) + " |")
    if tau:
        vals = [t for t, _ in tau.values() if t is not None]
        lines += ["", f"Kendall tau-b, predicted against measured, over each expression's plans "
                      f"(mean {_fmt(sum(vals) / len(vals) if vals else None)} over {len(vals)} expressions):", "",
                  "| expression | tau-b | plans |", "|---|---|---|"]
        lines += [f"| {n} | {_fmt(t)} | {', '.join(p)} |" for n, (t, p) in tau.items()]
    if dropped:
        lines += ["", "Rows left out (did not run or failed verification):", ""]
        lines += [f"- {e} / {p}: {why}" for e, p, why in dropped]
    return "\n".join(lines) + "\n"


def plot(summary, baselines, ours, path):
    """Speedup baseline / ours per expression with its 95% interval, one marker per baseline."""
    import matplotlib  # noqa: PLC0415
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    names = list(dict.fromkeys(r["expression"] for r in summary))
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(names) + 1.5))
    for k, base in enumerate(baselines):
        rows = [(i, r) for i, n in enumerate(names) for r in summary if r["expression"] == n and r["baseline"] == base]
        if not rows:
            continue
        ys = [i + (k - (len(baselines) - 1) / 2) * 0.22 for i, _ in rows]
        sp = [r["speedup"] for _, r in rows]
        # The speedup interval is the ratio interval inverted.
        err = [[s - 1 / r["ci_high"] for s, (_, r) in zip(sp, rows)],
               [1 / r["ci_low"] - s for s, (_, r) in zip(sp, rows)]]
        ax.errorbar(sp, ys, xerr=err, fmt="o", ms=3, capsize=2, label=f"vs {base}")
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"speedup of {ours} (baseline time / {ours} time), 95% bootstrap interval")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description="Our contraction plans against the baselines (issue #14).")
    p.add_argument("--csv", required=True, help="run_suite.py's contractions.csv")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--predictions", help="{expression: {plan: predicted_us}} JSON")
    p.add_argument("--ours", default="tcbench", help="the plan to compare (default tcbench)")
    p.add_argument("--baselines", default=",".join(BASELINES), help="comma-separated plan names")
    p.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--margin", type=float, default=1.03, help="ratio beyond which a plan is slower")
    args = p.parse_args(argv)
    if args.resamples < 2000:
        p.error("--resamples must be at least 2000")
    baselines = tuple(b for b in args.baselines.split(",") if b)
    predictions = {}
    if args.predictions:
        with open(args.predictions, encoding="utf-8") as f:
            predictions = json.load(f)
    by_expr, dropped = read_rows(args.csv)
    summary = compare(by_expr, args.ours, baselines, predictions, args.resamples, args.seed, args.margin)
    means = geomeans(summary, baselines)
    os.makedirs(args.out, exist_ok=True)
    atomic_write_text(os.path.join(args.out, "contractions_summary.csv"), summary_csv(summary))
    atomic_write_text(os.path.join(args.out, "contractions.md"),
                      report(args.csv, args.ours, baselines, summary, means, taus(by_expr, predictions), dropped, args))
    if summary:
        plot(summary, baselines, args.ours, os.path.join(args.out, "speedups.png"))
    print(f"analyze: {len(summary)} comparisons of {len({r['expression'] for r in summary})} expressions "
          f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
