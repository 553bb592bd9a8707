"""Runs lowered contraction programs on the GPU (issue #14): checks each plan against a float64
reference, then times every plan of an expression as a CUDA graph, replays interleaved
round-robin across the plans.

    python3 -m optimizer.contractions.run_suite --programs programs.json --plans plans.json \
        --out DIR [--replays 30] [--filter REGEX] [--max-seconds S]

programs.json: {expression name: {plan name: program}} (program.py's format, from `tcbench
lower`); plans.json: baselines.py's output, whose opt_einsum path drives the reference. Writes
DIR/contractions.csv (one row per expression and plan, rewritten after every expression) and
DIR/run.json (provenance and status). README.md in this folder describes both.

Per expression: operands U(-1, 1) times a power of two per operand (suite.operand_scales) in the
program dtype, from a seed made of --seed and the expression's name; every plan runs once
eagerly and is compared with the reference (pairwise torch.einsum in float64 along the
opt_einsum path, chunked over an output index when the float64 tensors would exceed
--reference-gb); each plan's whole program is captured in one CUDA graph, R runs per graph so
that a replay lasts at least --min-replay-us; two untimed replays per graph; then --replays
rounds, each replaying every plan's graph once, round robin in the order of programs.json
rotated by one plan each round, a CUDA event pair around each replay, all on one stream. Time
per run = replay time / R.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import signal
import sys
import time
import zlib

from . import suite as S
from .files import atomic_write_text
from .program import Executor, ProgramError, math_mode, validate

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ||out - ref||_F / ||ref||_F allowed per dtype. The operands are exact in the dtype, so this is
# the rounding of the intermediates and of the accumulation: about 2^-11 per step for f16 and
# tf32 (10-bit mantissas), 2^-8 for bf16, 2^-24 for f32. The bounds leave room for ~10 steps;
# any wrong index order gives an error near 1. f32 is tight enough that TF32 math (about 1e-3)
# fails it, so a strict-f32 plan is checked to be strict.
ERROR_BOUND = {"f16": 3e-2, "bf16": 6e-2, "tf32": 3e-2, "f32": 1e-5}

COLUMNS = ("expression", "category", "dtype", "plan", "path", "status", "reason", "median_us", "p10_us",
           "p90_us", "replays", "runs_per_replay", "rel_error", "error_bound", "verified", "buffer_mb",
           "sm_clock_mhz", "times_us")


def _gemm_timing():
    """optimizer/measure/gemm_timing.py (a script, not a package): its GPU provenance helpers
    (device, driver, cuBLAS versions, NVML, clock warm-up, git stamp) and CSV writer, so that
    both measurements record the same facts the same way."""
    path = os.path.join(REPO, "optimizer", "measure", "gemm_timing.py")
    spec = importlib.util.spec_from_file_location("gemm_timing", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class InputError(ValueError):
    """programs.json / plans.json do not fit the suite."""


class Terminated(BaseException):
    """SIGTERM: stop, keep the rows so far."""


def check_programs(programs, plans):
    """Validates every program and checks it against the suite entry of its expression."""
    if not isinstance(programs, dict):
        raise InputError("programs JSON: expected {expression: {plan: program}}")
    for name, by_plan in programs.items():
        expr = S.BY_NAME.get(name)
        if expr is None:
            raise InputError(f"programs JSON: {name!r} is not a suite expression")
        if name not in plans or "opt_einsum" not in plans[name]:
            raise InputError(f"plans JSON: no opt_einsum path for {name!r} (the reference needs it)")
        for plan, prog in by_plan.items():
            where = f"{name}/{plan}"
            try:
                validate(prog)
            except ProgramError as e:
                raise InputError(f"{where}: {e}") from None
            if prog["expression"] != expr.expression or prog["dtype"] != expr.dtype:
                raise InputError(f"{where}: program is for {prog['expression']!r} {prog['dtype']}, the suite "
                                 f"has {expr.expression!r} {expr.dtype}")
            if [tuple(i["shape"]) for i in prog["inputs"]] != expr.shapes:
                raise InputError(f"{where}: input shapes differ from the suite's {expr.shapes}")


def plan_path(name, plan, program, plans):
    """The path of a plan as JSON text: the program's own "path" key, else plans.json's."""
    path = program.get("path", plans.get(name, {}).get(plan))
    return "" if path is None else json.dumps(path, separators=(",", ":"))


def program_bytes(program):
    """Bytes an Executor allocates for program (its non-view buffers)."""
    shapes = validate(program)
    eb = S.ELEM_BYTES[program["dtype"]]
    return eb * sum(math.prod(shapes[op["out"]]) for op in program["ops"] if op["op"] != "reshape")


# ---------------------------------------------------------------------------------------------
# Operands and the float64 reference
# ---------------------------------------------------------------------------------------------

def expression_seed(name, base):
    return (base * 1000003 + zlib.crc32(name.encode())) & 0x7FFFFFFF


def make_operands(torch, expr, seed, device, dtype):
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    ops = []
    for shape, scale in zip(expr.shapes, S.operand_scales(expr)):
        x = torch.rand(shape, generator=gen, device=device, dtype=torch.float32)
        ops.append(x.mul_(2).sub_(1).mul_(scale).to(dtype))
    return ops


def reference_chunks(expr, path, budget_bytes):
    """(output index to split, number of chunks) for the float64 reference: the operands and
    intermediates of the path at 8 bytes an element, split along the output index that the most
    of those bytes carry, into as many pieces as keep one piece within budget_bytes (tensors
    without that index count in full in each). A scalar output is never split."""
    tensors = list(expr.inputs) + [result for _, result in S.path_steps(expr, path)]
    f64 = [8 * math.prod(expr.sizes[c] for c in t) for t in tensors]
    need = sum(f64)
    if not expr.output or need <= budget_bytes:
        return None, 1
    carried = {c: sum(b for t, b in zip(tensors, f64) if c in t) for c in expr.output}
    axis = max(expr.output, key=lambda c: (carried[c], expr.sizes[c]))
    # What does not carry the axis is there in every piece; when that alone nearly fills the
    # budget, pieces of half the budget keep the rest bounded rather than splitting to 1s.
    room = max(budget_bytes - (need - carried[axis]), budget_bytes / 2)
    return axis, min(expr.sizes[axis], math.ceil(carried[axis] / room))


def reference_pieces(torch, expr, path, operands, budget_bytes):
    """Yields (output axis position or None, start, length, float64 piece of the output):
    pairwise torch.einsum along path in float64, one chunk of the split index at a time."""
    axis, chunks = reference_chunks(expr, path, budget_bytes)
    extent = expr.sizes[axis] if axis else 1
    step = math.ceil(extent / chunks)
    for start in range(0, extent, step):
        length = min(step, extent - start)
        live = []
        for term, x in zip(expr.inputs, operands):
            if axis and axis in term:
                x = x.narrow(term.index(axis), start, length)
            live.append(x.to(torch.float64))
        for (terms, result), pos in zip(S.path_steps(expr, path), path):
            args = [live[p] for p in pos]
            live = [t for i, t in enumerate(live) if i not in pos]
            live.append(torch.einsum(",".join(terms) + "->" + result, *args))
        final = S.path_steps(expr, path)[-1][1]
        out = torch.einsum(f"{final}->{expr.output}", live[0])
        yield (expr.output.index(axis) if axis else None), start, length, out


def relative_errors(torch, expr, path, operands, outputs, budget_bytes):
    """{plan: ||out - ref||_F / ||ref||_F} (inf when an output is not finite)."""
    diff2 = {p: 0.0 for p in outputs}
    ref2 = 0.0
    for pos, start, length, ref in reference_pieces(torch, expr, path, operands, budget_bytes):
        ref2 += float(torch.sum(ref * ref))
        for plan, out in outputs.items():
            piece = out if pos is None else out.narrow(pos, start, length)
            d = piece.to(torch.float64) - ref
            diff2[plan] += float(torch.sum(d * d))
        del ref
    return {p: (math.sqrt(d / ref2) if ref2 > 0 else math.sqrt(d)) if math.isfinite(d) else math.inf
            for p, d in diff2.items()}


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

def capture(torch, fn, stream, runs):
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.stream(stream):
        g.capture_begin()
        try:
            for _ in range(runs):
                fn()
        finally:
            g.capture_end()
    return g


def replay_ms(torch, g, stream, times):
    """Per-replay times (ms) of `times` back-to-back replays."""
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(times)]
    with torch.cuda.stream(stream):
        for s, e in ev:
            s.record(stream)
            g.replay()
            e.record(stream)
    stream.synchronize()
    return [s.elapsed_time(e) for s, e in ev]


def runs_per_replay(run_us, min_replay_us, max_runs):
    """Runs captured in one graph so that a replay lasts at least min_replay_us."""
    if not run_us > 0:
        return max_runs
    return max(1, min(max_runs, math.ceil(min_replay_us / run_us)))


def round_order(plans, r):
    """The replay order of round r: round robin, starting one plan later each round, so that no
    plan always follows the same one (a plan's predecessor leaves the caches and clocks in a
    state of its own; identical programs measured up to 2.5% apart without the rotation)."""
    k = r % len(plans)
    return plans[k:] + plans[:k]


def interleaved_ms(torch, graphs, stream, rounds, nvml):
    """Per-replay times (ms) per plan: `rounds` rounds, each replaying every graph once
    (round_order), CUDA events around each replay, all on one stream; plus an SM clock read
    while they run."""
    plans = list(graphs)
    ev = {p: [] for p in plans}
    with torch.cuda.stream(stream):
        for r in range(rounds):
            for p in round_order(plans, r):
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record(stream)
                graphs[p].replay()
                e.record(stream)
                ev[p].append((s, e))
    clock = nvml.sm_clock() if nvml else None
    stream.synchronize()
    return {p: [s.elapsed_time(e) for s, e in ev[p]] for p in plans}, clock


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------

class Run:
    def __init__(self, args, programs, plans, gt):
        self.args, self.programs, self.plans, self.gt = args, programs, plans, gt
        self.names = [e.name for e in S.SUITE if e.name in programs and re.search(args.filter, e.name)]
        self.rows, self.t0, self.nvml = [], time.time(), None
        self.meta = {"status": "running", "reason": None, "command": [sys.executable] + sys.argv,
                     "cwd": os.getcwd(), "started": gt.utc_now(), "finished": None, "git": gt.read_git_stamp(),
                     "inputs": {k: {"path": v, "sha256": gt.sha256_file(v)}
                                for k, v in (("programs", args.programs), ("plans", args.plans))},
                     "settings": {k: getattr(args, k) for k in ("replays", "min_replay_us", "max_runs", "seed",
                                                                 "reference_gb", "clock_warmup_s", "max_seconds",
                                                                 "filter", "device")},
                     "error_bounds": ERROR_BOUND, "expressions_selected": self.names}

    def write(self):
        out = self.args.out
        atomic_write_text(os.path.join(out, "contractions.csv"), self.gt.render_csv(COLUMNS, self.rows))
        counts = {}
        for r in self.rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        self.meta["row_counts"] = {"written": len(self.rows), **counts}
        self.meta["elapsed_s"] = round(time.time() - self.t0, 2)
        atomic_write_text(os.path.join(out, "run.json"), json.dumps(self.meta, indent=2, default=str) + "\n")

    def base_row(self, expr, plan):
        return {"expression": expr.name, "category": expr.category, "dtype": expr.dtype, "plan": plan,
                "path": plan_path(expr.name, plan, self.programs[expr.name][plan], self.plans),
                "error_bound": ERROR_BOUND[expr.dtype],
                "buffer_mb": program_bytes(self.programs[expr.name][plan]) / 1e6}

    def fits(self, torch, expr):
        """None, or why the expression does not fit in the free device memory."""
        progs = self.programs[expr.name]
        need = sum(S.ELEM_BYTES[expr.dtype] * math.prod(s) for s in expr.shapes)
        need += sum(program_bytes(p) for p in progs.values()) + self.args.reference_gb * 1.5e9 + (512 << 20)
        free, _ = torch.cuda.mem_get_info()
        free += max(0, torch.cuda.memory_reserved() - torch.cuda.memory_allocated())
        if need > 0.9 * free:
            return f"needs about {need / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free"
        return None

    def measure(self, torch, expr, stream):
        """Rows of one expression: verification of every plan, then the interleaved timing of
        those that ran. Everything runs on `stream`: operands, buffers, eager runs, reference and
        graphs, so that no kernel can overtake the one that writes its input (and the caching
        allocator never hands out memory that another stream still reads)."""
        rows = {p: self.base_row(expr, p) for p in self.programs[expr.name]}
        why = self.fits(torch, expr)
        if why:
            for r in rows.values():
                r.update(status="skipped", reason=why)
            return list(rows.values())
        with torch.cuda.stream(stream), math_mode(torch, expr.dtype):
            tdt = {"f16": torch.float16, "bf16": torch.bfloat16}.get(expr.dtype, torch.float32)
            operands = make_operands(torch, expr, expression_seed(expr.name, self.args.seed), stream.device, tdt)
            executors = self.verify(torch, expr, operands, rows)
            graphs = self.capture_all(torch, executors, stream, rows)
            if graphs:
                self.time(torch, graphs, stream, rows, expr)
            stream.synchronize()
            del graphs, executors, operands
        torch.cuda.empty_cache()
        return list(rows.values())

    def verify(self, torch, expr, operands, rows):
        """Runs every plan once and compares it with the float64 reference; returns the
        executors of the plans that ran."""
        gt, executors, outputs = self.gt, {}, {}
        for plan, prog in self.programs[expr.name].items():
            try:
                ex = Executor(prog, operands, "torch", device=operands[0].device)
                outputs[plan] = ex.run()
                executors[plan] = ex
            except Exception as e:  # noqa: BLE001 - one plan's failure is recorded, the others go on
                rows[plan].update(status="oom" if gt._is_oom(torch, e) else "error", reason=gt._short(e))
                gt._release(torch)
        if outputs:
            errors = relative_errors(torch, expr, self.plans[expr.name]["opt_einsum"], operands, outputs,
                                     self.args.reference_gb * 1e9)
            for plan, err in errors.items():
                rows[plan].update(rel_error=err, verified=err <= ERROR_BOUND[expr.dtype])
        return executors

    def capture_all(self, torch, executors, stream, rows):
        """One graph per plan holding R runs of its program (R from a one-run pilot graph), replayed
        twice untimed."""
        gt, a, graphs = self.gt, self.args, {}
        for plan, ex in executors.items():
            try:
                pilot = capture(torch, ex.run, stream, 1)
                run_us = min(replay_ms(torch, pilot, stream, 3)) * 1000.0
                del pilot
                runs = runs_per_replay(run_us, a.min_replay_us, a.max_runs)
                graphs[plan] = capture(torch, ex.run, stream, runs)
                replay_ms(torch, graphs[plan], stream, 2)
                rows[plan]["runs_per_replay"] = runs
            except Exception as e:  # noqa: BLE001
                rows[plan].update(status="oom" if gt._is_oom(torch, e) else "error",
                                  reason=f"capture: {gt._short(e)}")
                gt._release(torch)
        return graphs

    def time(self, torch, graphs, stream, rows, expr):
        ms, clock = interleaved_ms(torch, graphs, stream, self.args.replays, self.nvml)
        for plan, times in ms.items():
            row = rows[plan]
            per_run = [t * 1000.0 / row["runs_per_replay"] for t in times]
            st = self.gt.summary_stats(per_run)
            row.update(status="ok", median_us=st["median"], p10_us=st["p10"], p90_us=st["p90"], replays=st["n"],
                       sm_clock_mhz=clock, times_us=" ".join(f"{t:.3f}" for t in per_run))
            if not row["verified"]:
                row["reason"] = f"verification failed: error {row['rel_error']:.3g} > {ERROR_BOUND[expr.dtype]:g}"

    def main(self):
        gt, a = self.gt, self.args
        os.makedirs(a.out, exist_ok=True)
        self.write()
        import torch  # noqa: PLC0415
        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device")
        torch.cuda.set_device(a.device)
        dev = torch.device("cuda", a.device)
        env = gt.environment(torch, dev)
        self.nvml = gt.Nvml(env.get("gpu_uuid"))
        self.meta.update(device=env, driver={"nvml": self.nvml.driver(), "cuda": gt.cuda_driver_version(),
                                             "nvidia_smi": gt.nvidia_smi_driver()},
                         nvml_before=self.nvml.snapshot())
        stream = torch.cuda.Stream(device=dev)
        gt._clock_warmup(torch, dev, stream, a.clock_warmup_s)
        self.meta.update(nvml_after_warmup=self.nvml.snapshot(), cublas=gt.cublas_versions())
        self.write()
        print(f"run_suite: {len(self.names)} expressions on {env['gpu_name']}, torch {env['torch']}", flush=True)
        for i, name in enumerate(self.names, 1):
            if a.max_seconds and time.time() - self.t0 > a.max_seconds:
                raise TimeoutError(f"--max-seconds {a.max_seconds} reached after {i - 1} expressions")
            expr = S.BY_NAME[name]
            rows = self.measure(torch, expr, stream)
            self.rows.extend(rows)
            self.write()
            print(f"[{i}/{len(self.names)}] {name}: " + ", ".join(
                f"{r['plan']} {r['median_us']:.1f} us err {r['rel_error']:.2g}" if r.get("status") == "ok"
                else f"{r['plan']} {r['status'].upper()} {r.get('reason', '')}" for r in rows), flush=True)
        self.meta["nvml_after"] = self.nvml.snapshot()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--programs", required=True, help="{expression: {plan: program}} JSON")
    p.add_argument("--plans", required=True, help="baselines.py's plans JSON (reference paths)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--force", action="store_true", help="write into a DIR that already holds a run.json")
    p.add_argument("--replays", type=int, default=30, help="timed replays per plan (default 30)")
    p.add_argument("--min-replay-us", type=float, default=200.0, help="shortest replay (default 200 us)")
    p.add_argument("--max-runs", type=int, default=200, help="most program runs in one graph (default 200)")
    p.add_argument("--seed", type=int, default=14, help="base seed of the operands (default 14)")
    p.add_argument("--reference-gb", type=float, default=4.0,
                   help="float64 memory of one reference chunk (default 4 GB)")
    p.add_argument("--clock-warmup-s", type=float, default=1.0, help="GEMM load before the first expression")
    p.add_argument("--max-seconds", type=float, default=0, help="stop cleanly after this many seconds (0: never)")
    p.add_argument("--filter", default="", metavar="REGEX", help="only expressions whose name matches")
    p.add_argument("--device", type=int, default=0)
    args = p.parse_args(argv)
    if args.replays < 1 or args.max_runs < 1 or args.min_replay_us < 0:
        p.error("--replays and --max-runs must be >= 1, --min-replay-us >= 0")
    return args


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    args = parse_args(argv)
    if os.path.exists(os.path.join(args.out, "run.json")) and not args.force:
        print(f"run_suite: {args.out} already holds a run.json; pass --force to replace it", file=sys.stderr)
        return 7
    try:
        programs, plans = _load_json(args.programs), _load_json(args.plans)
        check_programs(programs, plans)
    except (OSError, ValueError) as e:
        print(f"run_suite: {e}", file=sys.stderr)
        return 3
    run = Run(args, programs, plans, _gemm_timing())

    def on_sigterm(signum, frame):
        raise Terminated()
    signal.signal(signal.SIGTERM, on_sigterm)
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
    except Exception as e:  # noqa: BLE001 - keep the rows so far, say why it stopped
        import traceback  # noqa: PLC0415
        traceback.print_exc()
        run.meta.update(status="partial", reason=run.gt._short(e, 1000))
        rc = 1
    finally:
        run.meta["finished"] = run.gt.utc_now()
        run.write()
    print(f"run_suite: {run.meta['status']}" + (f" ({run.meta['reason']})" if run.meta.get("reason") else "")
          + f"; {len(run.rows)} rows in {args.out}", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
