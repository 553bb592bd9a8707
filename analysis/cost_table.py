"""The cost table (cost_table.json): what each measured instruction and data path of one GPU
costs, built only from a results folder (schema: cost_table.schema.json; fields explained in
docs/cost_table.md).

    python3 -m analysis export cost-table results/<gpu-slug> [-o FILE]

A results folder holds the default sweep (run.json, instructions.csv, movement.csv) and, when
they were run, these subfolders and files, each read when present and named in the provenance:
  energy/          the energy sweep (configs/energy.yaml): idle power, pJ/FMA, pJ/B
  hopper/          the every-N wgmma sweep: its atoms join those of the default sweep
  stability/*/     repeated default sweeps: run-to-run noise per instruction
  numerics.csv     `tcbench numerics`: the fitted numerics model per path

Only measured figures are written; a datasheet figure appears only under a key that starts
with `datasheet_`. The table is deterministic: the same folder gives the same bytes (no clock
is read, numbers are rounded to 6 significant digits, lists are in the CSVs' order)."""
from __future__ import annotations

import hashlib
import math
import subprocess
from pathlib import Path

import pandas as pd

from .energy import idle_power, instruction_energy, path_energy, sampling_method
from .load import Results, json_get, load_results, merge_results, valid_mask
from .movement import (BANDWIDTH, LATENCY, LAUNCH_METRICS, RATE, bandwidth_table, chase_points,
                       instruction_table, launch_table, plateaus)
from .numerics import load_numerics
from .stability import spreads
from .summary import atom_summary, saturation_point

SCHEMA_VERSION = 1
KIND = "tcbench-cost-table"
ENERGY_DIR, HOPPER_DIR, STABILITY_DIR = "energy", "hopper", "stability"
NUMERICS_CSV = "numerics.csv"
# reach_100: the fewest warps x ILP within the run-to-run noise floor of the best rate (the
# stability runs put the spread of repeated sweeps under 0.5%, docs/cost_table.md).
FULL_FRACTION = 0.995
REACH_90_FRACTION = 0.9
# An SM has four sub-partitions, each with its own tensor unit and scheduler (Volta..Hopper):
# the interval between two instructions of one unit at the SM's peak rate is 4 x (ops per
# instruction) / (ops per clock per SM).
ISSUING_UNITS_PER_SM = 4
SIGNIFICANT_DIGITS = 6
# The instruction families of the cost table (cost_table.schema.json's enum): the tensor-core ones
# and the CUDA-core FMAs (families/cuda_core), the baseline a strict-fp32 plan runs on.
COST_TABLE_FAMILIES = ("mma.sync", "mma.sp", "wmma", "wgmma", "cuda_core")


def num(v) -> float | None:
    """A finite number rounded to SIGNIFICANT_DIGITS (a stable text form), else None."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return float(f"{f:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(f) else None


def fig(f) -> float | None:
    """The value of an analysis Figure (None when it has none)."""
    return num(f.value) if f is not None and f.ok else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- sources ---------------------------------------------------------------------------------

class Sources:
    """The folders and files a table is built from, found under one results folder."""

    def __init__(self, folder):
        self.root = Path(folder)
        self.main = load_results(self.root)
        # The energy table: the folder's own (a sweep that ran the energy family with the rest),
        # else the energy sweep's subfolder.
        own = self.main if "energy" in self.main.tables else None
        self.energy = own or self._optional(self.root / ENERGY_DIR)
        self.hopper = self._optional(self.root / HOPPER_DIR)
        stab = sorted(p for p in (self.root / STABILITY_DIR).glob("*/") if p.is_dir())
        self.stability_runs = [r for r in (self._optional(p) for p in stab) if r is not None]
        has_numerics = any((self.root / f"{NUMERICS_CSV}{z}").exists() for z in ("", ".gz"))
        self.numerics = load_numerics(self.root) if has_numerics else None

    @staticmethod
    def _optional(path: Path) -> Results | None:
        return load_results(path) if path.is_dir() and (path / "run.json").exists() else None

    @property
    def instructions(self) -> Results:
        """The default sweep, then the atoms only the every-N sweep has."""
        return merge_results([self.main, self.hopper]) if self.hopper else self.main

    def runs(self) -> list[tuple[Path, Results]]:
        out = [(self.root, self.main)]
        subfolders = ((ENERGY_DIR, self.energy), (HOPPER_DIR, self.hopper))
        out += [(self.root / d, r) for d, r in subfolders if r is not None and r is not self.main]
        return out

    def problems(self) -> list[str]:
        found = [p for _, r in self.runs() for p in r.problems]
        return found + (list(self.numerics.problems) if self.numerics else [])

    def run_files(self) -> list[tuple[Path, dict]]:
        files = [(d / "run.json", r.run) for d, r in self.runs()]
        if self.numerics is not None and (self.root / "numerics_run.json").exists():
            files.append((self.root / "numerics_run.json", self.numerics.run))
        return files

    def data_files(self) -> list[Path]:
        names = ("instructions", "movement", "energy", "numerics")
        found = [d / f"{n}.csv{z}" for d, _ in self.runs() for n in names for z in ("", ".gz")]
        found += [self.root / f"{NUMERICS_CSV}{z}" for z in ("", ".gz")]
        return sorted({f for f in found if f.exists()})


def _git_describe() -> str:
    try:
        out = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def provenance(src: Sources, exported_with: str | None = None) -> dict:
    sources = []
    for path, run in src.run_files():
        sources.append({"file": path.relative_to(src.root).as_posix(), "sha256": sha256(path),
                        "git_sha": str(json_get(run, "git", "sha")),
                        "git_dirty": json_get(run, "git", "dirty", default=None),
                        "command": str(json_get(run, "command")),
                        "date_utc": str(json_get(run, "date_utc")), "status": str(json_get(run, "status"))})
    dates = sorted(s["date_utc"] for s in sources if s["date_utc"] != "unknown") or ["unknown"]
    return {"tool": "tcbench", "tool_version": str(src.main.run_get("tool", "version")),
            "exported_with_git_sha": exported_with or _git_describe(), "results_folder": src.root.name,
            "measured_from_utc": dates[0], "measured_to_utc": dates[-1], "sources": sources,
            "data_files": [{"file": f.relative_to(src.root).as_posix(), "sha256": sha256(f)}
                           for f in src.data_files()]}


# ---- device and conditions -------------------------------------------------------------------

def _int_or_none(v):
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def device(results: Results, summary: pd.DataFrame) -> dict:
    run = results.run
    dev = lambda *k, default=None: json_get(run, "device", *k, default=default)  # noqa: E731
    sm = _int_or_none(dev("sm")) or 0
    # The clock each instruction held at its best (full-load) point: the chip under load.
    clocks = summary["clock_mhz"].dropna().astype(float)
    clock = {"median": num(clocks.median()), "min": num(clocks.min()), "max": num(clocks.max()),
             "samples": int(len(clocks))} if len(clocks) else None
    if clock is None:
        raise ValueError(f"{results.path / 'instructions.csv'}: no valid throughput row, so no SM clock under load")
    mem = json_get(run, "nvml_at_start", "mem_clock_mhz", default=None)
    return {"name": str(dev("name", default="unknown")), "uuid": str(dev("uuid", default="unknown")),
            "arch": str(dev("arch", default=f"sm_{sm}")), "compute_capability": f"{sm // 10}.{sm % 10}",
            "sm_count": results.sm_count or 0, "l2_bytes": _int_or_none(dev("l2_bytes")) or 0,
            "memory_bytes": _int_or_none(dev("global_mem_bytes")) or 0,
            "memory_bus_width_bits": _int_or_none(dev("mem_bus_width_bits")),
            "shared_memory_per_sm_bytes": _int_or_none(dev("shared_mem_per_sm_bytes")),
            "sm_clock_mhz_under_load": clock, "sm_clock_mhz_max": num(dev("nvml_max_sm_clock_mhz")),
            "memory_clock_mhz": num(mem), "datasheet_dram_gbs": _datasheet_dram(results)}


def _datasheet_dram(results: Results) -> float | None:
    rows = results.table("movement")
    params = rows["params"].astype(str).str.extract(r"datasheet_gbs=([0-9.]+)")[0].dropna()
    return num(params.iloc[0]) if len(params) else None


L2_STATE = ("instruction sweeps keep operands in registers and shared memory (no L2 traffic); each movement "
            "path states its own: L2 paths read a footprint resident in L2 after a warm-up pass, DRAM paths a "
            "footprint several times the L2 (lines=warm|cold in the chase's params)")


def conditions(src: Sources) -> dict:
    run = src.main.run
    reasons = {}
    for path, r in src.run_files():
        for when in ("start", "end"):
            v = json_get(r, f"nvml_at_{when}", "clock_event_reasons", default=None)
            if v is not None:
                reasons[f"{path.relative_to(src.root).as_posix()} at {when}"] = str(v)
    return {"driver_version": str(json_get(run, "device", "driver_version")),
            "cuda_runtime_version": _int_or_none(json_get(run, "device", "cuda_runtime_version", default=0)) or 0,
            "cuda_driver_api_version": _int_or_none(json_get(run, "device", "cuda_driver_api_version", default=0)) or 0,
            "power_limit_w": num(json_get(run, "device", "power_limit_w", default=None)),
            "clock_event_reasons": reasons, "data_pattern": src.main.data_mode, "l2_state": L2_STATE,
            "repetitions": _int_or_none(json_get(run, "config", "repetitions", default=0)) or 0,
            "clock_tolerance": num(json_get(run, "config", "clock_tolerance", default=0)) or 0.0,
            "sweep_config": str(json_get(run, "config", "source"))}


# ---- instructions ----------------------------------------------------------------------------

def _point(w, i) -> dict | None:
    return None if w is None or i is None or pd.isna(w) or pd.isna(i) else {"warps_per_sm": int(w), "ilp": int(i)}


def _noise(src: Sources) -> tuple[dict, int]:
    """atom -> run-to-run spread of its latency over the stability runs and this sweep."""
    runs = src.stability_runs + [src.main]
    if len(runs) < 2:
        return {}, 0
    s = spreads(runs)
    lat = s[s["metric"] == LATENCY]
    return dict(zip(lat["atom"], lat["spread"])), len(runs)


def _reach_full(ops_rows: pd.DataFrame) -> dict | None:
    return _point(*(saturation_point(ops_rows, FULL_FRACTION) or (None, None)))


def _issue_interval(s) -> tuple[float | None, str | None]:
    if s["issue_interval"] is not None and not pd.isna(s["issue_interval"]):
        return num(s["issue_interval"]), "measured"
    if s["best_ops"] is None or pd.isna(s["best_ops"]) or not s["best_ops"]:
        return None, None
    ops_per_instruction = 2.0 * int(s["m"]) * int(s["n"]) * int(s["k"])
    return num(ISSUING_UNITS_PER_SM * ops_per_instruction / float(s["best_ops"])), "from_peak_rate"


def _energy_by_atom(src: Sources) -> dict:
    if src.energy is None:
        return {}
    out = {}
    for _, e in instruction_energy(src.energy.table("energy")).iterrows():
        if e["pj"].ok:
            out[e["atom"]] = {"pj_per_fma": fig(e["pj"]), "pj_per_fma_above_idle": fig(e["pj_above"]),
                              "power_w": fig(e["power"]), "sm_clock_mhz": num(e["clock_mhz"]),
                              "ops_per_clk_sm": fig(e["rate"])}
    return out


def _instruction(s, rows: pd.DataFrame, noise: dict, runs: int, energy: dict) -> dict:
    valid = rows[valid_mask(rows)]
    ops = valid[valid["metric"] == "ops_per_clk_sm"]
    interval, interval_source = _issue_interval(s)
    cv = valid["cv"].astype(float)
    return {
        "atom": s["atom"], "ptx": s["ptx"], "family": s["family"], "arch": s["arch"],
        "shape": {"m": int(s["m"]), "n": int(s["n"]), "k": int(s["k"])},
        "types": {"a": s["a_type"], "b": s["b_type"], "c": s["c_type"], "d": s["d_type"]},
        "sparse": bool(s["sparse"]), "operand_source": s["source"] if s["source"] in ("SS", "RS") else None,
        "native": {"native": True, "emulated": False}.get(s["native_label"]),
        "sass_opcodes": [o for o in str(s["sass"] or "").split(";") if o],
        "verified": s["verified"] == "yes",
        "latency_cycles": num(s["latency"]), "issue_interval_cycles": interval,
        "issue_interval_source": interval_source, "ops_per_clk_sm": num(s["best_ops"]),
        "peak_at": _point(s["best_warps"], s["best_ilp"]), "reach_90": _point(s["sat_warps"], s["sat_ilp"]),
        "reach_100": _reach_full(ops), "tflops": num(s["tflops"]), "tflops_sm_clock_mhz": num(s["clock_mhz"]),
        "datasheet_ops_per_clk_sm": num(s["peak"]),
        "noise": {"run_to_run": num(noise.get(s["atom"])), "runs": runs if s["atom"] in noise else 0,
                  "within_run_cv": num(cv.median()) if len(cv) else None},
        "energy": energy.get(s["atom"]),
    }


def instructions(src: Sources) -> tuple[list[dict], pd.DataFrame]:
    """One entry per atom with a valid latency or rate, in the sweep's order; and the summary."""
    results = src.instructions
    summary = atom_summary(results)
    measured = summary[summary["latency"].notna() | summary["best_ops"].notna()]
    # The families cost_table.schema.json (and costtable/'s loader) know.
    measured = measured[measured["family"].isin(COST_TABLE_FAMILIES)]
    noise, runs = _noise(src)
    energy = _energy_by_atom(src)
    groups = dict(tuple(results.rows.groupby("atom", sort=False)))
    entries = [_instruction(s, groups[s["atom"]], noise, runs, energy) for _, s in measured.iterrows()]
    return entries, measured


# ---- movement --------------------------------------------------------------------------------

def _gbs_from_rate(rate_fig, sm_count: int | None) -> float | None:
    """A per-SM rate (B/clk/SM) as GB/s of the whole GPU at the clock measured at that point."""
    if rate_fig is None or not rate_fig.ok or rate_fig.row is None or not sm_count:
        return None
    clock = float(rate_fig.row["sm_clock_mhz"])
    return num(rate_fig.value * sm_count * clock * 1e6 / 1e9) if clock > 0 else None


def _sass(movement: pd.DataFrame, atom: str) -> list[str]:
    ops = movement.loc[movement["atom"] == atom, "sass_opcodes"].astype(str)
    first = next((o for o in ops if o and o != "nan"), "")
    return [o for o in first.split(";") if o]


def paths(results: Results) -> list[dict]:
    """One entry per (benchmark, variant) of the movement table other than the chase and launches."""
    movement = results.table("movement")
    if movement.empty:
        return []
    lat = instruction_table(movement).set_index(["atom", "variant"])
    bw = bandwidth_table(movement)
    out = []
    keys = list(dict.fromkeys(list(lat.index) + list(zip(bw["atom"], bw["variant"]))))
    for atom, var in keys:
        li = lat.loc[(atom, var)] if (atom, var) in lat.index else None
        b = bw[(bw["atom"] == atom) & (bw["variant"] == var)]
        rate_row = b[b["metric"] == RATE]
        gbs_row = b[b["metric"] == BANDWIDTH]
        best = (gbs_row if len(gbs_row) else rate_row)
        best = best.iloc[0] if len(best) else None
        rate = rate_row.iloc[0]["best"] if len(rate_row) else None
        gbs = fig(gbs_row.iloc[0]["best"]) if len(gbs_row) else _gbs_from_rate(rate, results.sm_count)
        out.append({
            "atom": atom, "ptx": str(li["ptx"] if li is not None else best["ptx"]), "variant": var,
            "latency_cycles": fig(li["cycles"]) if li is not None else None,
            "latency_ns": fig(li["ns"]) if li is not None else None,
            "latency_cycles_max": num(li["cycles_to"]) if li is not None else None,
            "bytes_per_clk_sm": fig(rate), "bandwidth_gbs": gbs,
            "bound": num(best["bound"]) if best is not None else None,
            "bound_unit": str(best["unit"]) if best is not None else None,
            "fraction_of_bound": num(best["of_bound"]) if best is not None else None,
            "datasheet_gbs": num(best["datasheet"]) if best is not None else None,
            "best_at": str(best["at"]) if best is not None else (str(li["at"]) if li is not None else "–"),
            "sass_opcodes": _sass(movement, atom)})
    return [p for p in out if any(p[k] is not None for k in ("latency_cycles", "bytes_per_clk_sm", "bandwidth_gbs"))]


def chase(results: Results) -> list[dict]:
    movement = results.table("movement")
    if movement.empty:
        return []
    table, _ = plateaus(chase_points(movement), results.run)
    return [{"series": r["series"], "level": r["level"], "smallest_bytes": int(r["smallest"]),
             "largest_bytes": int(r["largest"]), "points": int(r["points"]), "latency_cycles": num(r["cycles"]),
             "latency_ns": num(r["ns"])} for _, r in table.iterrows()]


def launch(results: Results) -> dict:
    movement = results.table("movement")
    figs = {m: None for m in LAUNCH_METRICS}
    if not movement.empty:
        for _, r in launch_table(movement).iterrows():
            figs[r["metric"]] = figs[r["metric"]] or fig(r["figure"])
    return {"stream_launch_overhead_us": figs["launch_overhead_us"], "graph_kernel_time_us": figs["kernel_time_us"]}


# Which benchmark feeds which level's summary (docs/cost_table.md): the latency from a movement
# path or from a pointer-chase plateau, the rate from the best of the listed paths. A path is
# (atom, params it must carry); the levels are the table's vocabulary, the atoms tcbench's.
LEVEL_SOURCES = {
    "shared": {"latency": ("path", "smem.load.b32", ""),
               "rate": [("smem.load.b32", ""), ("smem.load.b64", ""), ("smem.load.b128", "")]},
    "l1": {"latency": ("chase", "ld.global.ca", "L1"), "rate": [("cp.async.ca.16", "src=l1")]},
    "l2": {"latency": ("chase", "ld.global.ca", "L2"), "rate": [("l2.read", "counts=read")]},
    "l2_far": {"latency": ("chase", "ld.global.ca", "L2, past half its size"), "rate": []},
    "dram": {"latency": ("chase", "ld.global.ca", "DRAM"), "rate": [("dram.read", "counts=read")]},
    "dsmem": {"latency": ("path", "dsmem.load", "target=remote"), "rate": [("dsmem.load", "")]},
}


def _carries(variant: str, wanted: str) -> bool:
    have = set(filter(None, variant.split(";")))
    return set(filter(None, wanted.split(";"))) <= have


def _find_paths(paths_: list[dict], atom: str, wanted: str) -> list[dict]:
    return [p for p in paths_ if p["atom"] == atom and _carries(p["variant"], wanted)]


def _name(atom: str, variant: str) -> str:
    return f"{atom} ({variant})" if variant else atom


def _level(spec: dict, paths_: list[dict], by_chase: dict) -> dict | None:
    kind, a, b = spec["latency"]
    found = _find_paths(paths_, a, b) if kind == "path" else [by_chase[(a, b)]] if (a, b) in by_chase else []
    lat = next((x for x in found if x["latency_cycles"] is not None), None)
    rates = [p for atom, wanted in spec["rate"] for p in _find_paths(paths_, atom, wanted)
             if p["bandwidth_gbs"] is not None]
    best = max(rates, key=lambda p: p["bandwidth_gbs"], default=None)
    if lat is None and best is None:
        return None
    sources = [_name(lat.get("atom", a), lat.get("variant", b)) if kind == "path" else f"{a} ({b})"] if lat else []
    sources += [_name(best["atom"], best["variant"])] if best else []
    level = {"latency_cycles": lat["latency_cycles"] if lat else None, "latency_ns": lat["latency_ns"] if lat else None,
             "bandwidth_gbs": best["bandwidth_gbs"] if best else None,
             "bytes_per_clk_sm": best["bytes_per_clk_sm"] if best else None, "sources": sources}
    if best and best["datasheet_gbs"] is not None:
        level["datasheet_gbs"] = best["datasheet_gbs"]
    return level


def movement(results: Results) -> dict:
    p, c = paths(results), chase(results)
    by_chase = {(x["series"], x["level"]): x for x in c}
    levels = {name: lv for name, spec in LEVEL_SOURCES.items() if (lv := _level(spec, p, by_chase))}
    return {"levels": levels, "paths": p, "chase": c, "launch": launch(results)}


# ---- numerics and energy ---------------------------------------------------------------------

def numerics(src: Sources) -> dict:
    n = src.numerics
    if n is None:
        return {"source": None, "paths": []}
    derived, validation = n.kind("derived"), n.kind("validation")
    out = []
    for atom, g in derived.groupby("atom", sort=False):
        first = g.iloc[0]
        v = validation[validation["atom"] == atom]
        val = None
        if len(v):
            cases, mism = pd.to_numeric(v["cases"], errors="coerce"), pd.to_numeric(v["mismatches"], errors="coerce")
            if cases.notna().all() and mism.notna().all():
                val = {"cases": int(cases.sum()), "mismatches": int(mism.sum())}
        out.append({"atom": atom, "ptx": first["ptx"], "family": first["family"],
                    "types": {"a": first["a_type"], "b": first["b_type"], "c": first["c_type"], "d": first["d_type"]},
                    "model_preset": n.preset, "parameters": dict(zip(g["property"], g["preset_value"])),
                    "measured": dict(zip(g["property"], g["value"])),
                    "undetermined": [p for p, s in zip(g["property"], g["status"]) if s == "undetermined"],
                    "validation": val})
    name = next((f for f in (f"{NUMERICS_CSV}.gz", NUMERICS_CSV) if (src.root / f).exists()), NUMERICS_CSV)
    return {"source": name, "paths": out}


def energy(src: Sources) -> dict:
    if src.energy is None:
        return {"idle_power_w": None, "method": None, "paths": []}
    table = src.energy.table("energy")
    method = sampling_method(src.energy.run)
    paths_ = [{"atom": r["atom"], "ptx": str(r["ptx"]), "pj_per_byte": fig(r["pj"]),
               "pj_per_byte_above_idle": fig(r["pj_above"]), "power_w": fig(r["power"]),
               "sm_clock_mhz": num(r["clock_mhz"])} for _, r in path_energy(table).iterrows() if r["pj"].ok]
    return {"idle_power_w": fig(idle_power(table)),
            "method": str(method[1].get("source", method[0])) if method else None, "paths": paths_}


# ---- the table -------------------------------------------------------------------------------

def build_cost_table(folder, exported_with: str | None = None) -> dict:
    """The cost table of one results folder (a dict matching cost_table.schema.json). Raises
    ValueError naming the file when the folder's data cannot be trusted (an incomplete run...)."""
    src = Sources(folder)
    problems = src.problems()
    if problems:
        raise ValueError("the results cannot make a cost table:\n  " + "\n  ".join(problems))
    entries, summary = instructions(src)
    return {"schema_version": SCHEMA_VERSION, "kind": KIND,
            "provenance": provenance(src, exported_with), "device": device(src.main, summary),
            "conditions": conditions(src), "instructions": entries, "movement": movement(src.main),
            "numerics": numerics(src), "energy": energy(src)}

