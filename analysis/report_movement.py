"""The data-movement and energy sections of report.md, and their README headline tables. Each
returns Markdown lines; an empty list when its table holds no such rows. A cell whose figure is
invalid reads 'invalid [n]' with the rows' note below the table, never a number."""
from __future__ import annotations

import pandas as pd

from .energy import idle_power, instruction_energy, path_energy, sampling_method
from .figures import figure
from .load import Results
from .markdown import Footnotes, cell, fmt, fmt_ratio, size_text, table, text
from .movement import (BANDWIDTH, PLATEAU_STEP, bandwidth_table, cache_sizes, chase_points, conflict_table,
                       device_levels, instruction_table, launch_table, other_rows, partition_points, plateaus)
from .report_overview import bandwidth_level_lines

CHASE_METHOD = ("One thread follows a random cyclic chain of pointers over the working set (each load's address is "
                "the value the previous load returned), so every load waits for the one before: latency per load "
                "in SM cycles, and in ns at the SM clock measured in the kernel.")


def _with_notes(fn: Footnotes, lines: list[str]) -> list[str]:
    return lines + fn.lines()


def _latency_cells(fn: Footnotes, r) -> list[str]:
    cells = []
    for col, to in (("cycles", "cycles_to"), ("ns", "ns_to")):
        c = fn.cell(r[col], ".1f")
        if r[to] is not None and r[to] == r[to]:
            c = f"{c}–{r[to]:.1f} ({r['latency_sizes']})"
        cells.append(c)
    return cells


# ---- memory hierarchy latency -----------------------------------------------------------------

def _levels_sentence(run: dict, method: str) -> str:
    if method == "detected":
        return (f"run.json gives no L1 and L2 sizes, so the levels are plateaus found in the data: a point more than "
                f"{PLATEAU_STEP:g} × the first latency of the current plateau starts the next one.")
    l1, l2 = cache_sizes(run)
    return (f"Levels by working set against this GPU's sizes in run.json (L1: device.l1_bytes, else the shared "
            f"memory per SM, {size_text(l1)}: L1 and shared memory are one array; L2: device.l2_bytes, "
            f"{size_text(l2)}): L1 up to {size_text(l1)}; L2 up to {size_text(l2 / 2)}, half the L2; past half, hits "
            f"start coming from the far L2 partition; DRAM from {size_text(2 * l2)}, twice the L2 (between the two, "
            f"lines are partly cached: no plateau). A .cg path caches in L2 only: its points in the L1 range are "
            f"L2 hits. Each level's figure is the median over its points.")


def plateau_rows(points: pd.DataFrame, run: dict) -> tuple[list[list[str]], str]:
    df, method = plateaus(points, run)
    rows = [[text(r["series"]), r["level"], f"{size_text(r['smallest'])}–{size_text(r['largest'])}"
             if r["smallest"] != r["largest"] else size_text(r["smallest"]), str(r["points"]),
             fmt(r["cycles"], ".1f"), fmt(r["ns"], ".1f")] for _, r in df.iterrows()]
    return rows, method


PLATEAU_HEADER = ["load path", "level", "working sets", "points", "latency (cycles)", "latency (ns)"]


def _point_table(fn: Footnotes, points: pd.DataFrame) -> str:
    series = list(dict.fromkeys(points["series"]))
    by = {(r["series"], r["size_bytes"]): r for _, r in points.iterrows()}
    header = ["working set"] + [f"{s} {u}" for s in series for u in ("cycles", "ns")]
    rows = []
    for size in sorted(set(points["size_bytes"])):
        cells = [size_text(size)]
        for s in series:
            r = by.get((s, size))
            cells += ["–", "–"] if r is None else [fn.cell(r["cycles"], ".1f"), fn.cell(r["ns"], ".1f")]
        rows.append(cells)
    return table(header, rows)


def memory_latency_section(results: Results, plot_name: str | None) -> list[str]:
    mv = results.table("movement")
    points, part = chase_points(mv), partition_points(mv)
    if points.empty and part.empty:
        return []
    fn = Footnotes()
    out = ["## Memory hierarchy latency", ""]
    if plot_name:
        out += [f"![pointer-chase latency against working set](plots/{plot_name})", ""]
    out += [CHASE_METHOD, ""]
    if len(points):
        rows, method = plateau_rows(points, results.run)
        out += [_levels_sentence(results.run, method), ""]
        if rows:
            out += [table(PLATEAU_HEADER, rows), ""]
        out += ["Every point:", "", _point_table(fn, points), ""]
    if len(part):
        rows = [[r["atom"], r["class"], fn.cell(r["cycles"], ".1f"), fn.cell(r["ns"], ".1f")]
                for _, r in part.iterrows()]
        out += ["L2 partitions: the lines of one buffer split by their hit latency from one SM (near and far "
                "partition), each class chased on its own:", "",
                table(["benchmark", "class", "latency (cycles)", "latency (ns)"], rows), ""]
    return _with_notes(fn, out)


def memory_latency_marks(results: Results) -> dict:
    """The sizes marked on the latency plot: L1, half the L2 and the L2, when run.json has them."""
    l1, l2 = cache_sizes(results.run)
    if device_levels(l1, l2) is None:
        return {}
    return {"L1": l1, "L2/2": l2 / 2, "L2": l2}


# ---- bandwidth --------------------------------------------------------------------------------

BANDWIDTH_INTRO = ("Best valid figure of each benchmark over its sweep (where: `best at`). GB/s: bytes over the "
                   "whole GPU per second of %globaltimer wall time; B/clk/SM: per SM per SM clock (on-chip paths). "
                   "`bound`: the physical ceiling each row was checked against (a row above it is invalid). "
                   "`datasheet`: the figure the benchmark recorded beside its rows (params `datasheet_gbs`), "
                   "from the vendor's datasheet, not a measurement.")


def _value_spec(metric: str) -> str:
    return ".0f" if metric == BANDWIDTH else ".1f"


def bandwidth_rows(fn: Footnotes, df: pd.DataFrame) -> list[list[str]]:
    rows = []
    for _, r in df.iterrows():
        spec = _value_spec(r["metric"])
        rows.append([r["atom"], text(r["variant"]), fn.cell(r["best"], spec), text(r["unit"]), r["at"],
                     fmt(r["bound"], spec), fmt_ratio(r["of_bound"]), fmt(r["datasheet"], ".0f"),
                     fmt_ratio(r["of_datasheet"])])
    return rows


BANDWIDTH_HEADER = ["benchmark", "variant", "best", "unit", "best at", "bound", "best / bound", "datasheet (GB/s)",
                    "best / datasheet"]


def conflict_rows(fn: Footnotes, df: pd.DataFrame, ways: list[int]) -> list[list[str]]:
    return [[r["atom"], text(r["variant"])] + [fn.cell(r[w], ".1f") for w in ways] for _, r in df.iterrows()]


def bandwidth_section(results: Results, best_levels: pd.DataFrame | None = None,
                      levels_plot: str | None = None) -> list[str]:
    """`best_levels`: levels.best_per_level(), shown first with its plot."""
    mv = results.table("movement")
    bw = bandwidth_table(mv)
    conflicts, ways = conflict_table(mv)
    if bw.empty and conflicts.empty:
        return []
    fn = Footnotes()
    out = ["## Bandwidth", ""]
    if best_levels is not None:
        out += bandwidth_level_lines(best_levels, levels_plot)
        out += ["### Every benchmark", ""] if len(best_levels) else []
    if len(bw):
        out += [BANDWIDTH_INTRO, "", table(BANDWIDTH_HEADER, bandwidth_rows(fn, bw)), ""]
    if len(conflicts):
        out += ["### Shared memory: bandwidth against bank-conflict ways", "",
                "Best B/clk/SM at each number of ways a warp's access is spread over one bank (1 = no conflict; "
                "an n-way conflict serialises the access n times).", "",
                table(["benchmark", "variant"] + [f"{w}-way" for w in ways], conflict_rows(fn, conflicts, ways)), ""]
    return _with_notes(fn, out)


# ---- movement instructions, launches, the rest ------------------------------------------------

def movement_instructions_section(results: Results) -> list[str]:
    df = instruction_table(results.table("movement"))
    if df.empty:
        return []
    fn = Footnotes()
    rows = []
    for _, r in df.iterrows():
        lat = _latency_cells(fn, r) if r["has_latency"] else ["–", "–"]
        rates = [fn.cell(r["rate"], ".1f"), fn.cell(r["gbs"], ".0f")] if r["has_rate"] else ["–", "–"]
        rows.append([r["atom"], f"`{r['ptx']}`" if r["ptx"] else "–", text(r["variant"])] + lat + rates + [r["at"]])
    header = ["benchmark", "ptx", "variant", "latency (cycles)", "latency (ns)", "best B/clk/SM", "best GB/s",
              "best rate at"]
    return _with_notes(fn, ["## Data movement instructions", "",
                            "Latency: one dependent chain (the median; over a size sweep, smallest–largest and the "
                            "sizes). Rate: the best valid point with every SM busy.", "", table(header, rows), ""])


def launch_section(results: Results) -> list[str]:
    df = launch_table(results.table("movement"))
    if df.empty:
        return []
    fn = Footnotes()
    rows = [[r["atom"], text(r["params"]), r["metric"], fn.cell(r["figure"], ".2f"), text(r["unit"]),
             fmt(r["cv"], ".3f")] for _, r in df.iterrows()]
    return _with_notes(fn, ["## Launch overhead", "",
                            "What a kernel launch costs beyond the kernel's work (median of the kept samples; cv: "
                            "their coefficient of variation).", "",
                            table(["benchmark", "params", "metric", "value", "unit", "cv"], rows), ""])


def other_movement_section(results: Results) -> list[str]:
    rest = other_rows(results.table("movement"))
    if rest.empty:
        return []
    fn = Footnotes()
    rows = [[atom, text(params), metric, fn.cell(figure(g, metric, "median"), ".4g"), text(g["unit"].iloc[0])]
            for (atom, params, metric), g in rest.groupby(["atom", "params", "metric"], sort=False)]
    return _with_notes(fn, ["## Other movement measurements", "",
                            table(["benchmark", "params", "metric", "median", "unit"], rows), ""])


def movement_sections(results: Results, latency_plot: str | None, best_levels: pd.DataFrame | None = None,
                      levels_plot: str | None = None) -> list[str]:
    return (memory_latency_section(results, latency_plot) + bandwidth_section(results, best_levels, levels_plot)
            + movement_instructions_section(results) + launch_section(results) + other_movement_section(results))


# ---- energy -----------------------------------------------------------------------------------

def _method_text(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_method_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_method_text(v) for v in value)
    return str(value)


def sampling_lines(results: Results) -> list[str]:
    found = sampling_method(results.run)
    if found is None:
        return ["run.json does not record how energy was sampled; each row's params say how it was read.", ""]
    key, method = found
    items = [f"- {cell(k)}: {cell(_method_text(v))}" for k, v in method.items()]
    return [f"How energy was sampled (run.json `{key}`):", ""] + items + [""]


def _family_cell(r) -> str:
    return f"{r['family']} (2:4 sparse)" if r["sparse"] else r["family"]


def instruction_energy_rows(fn: Footnotes, df: pd.DataFrame, full: bool) -> list[list[str]]:
    rows = []
    for _, r in df.iterrows():
        cells = [_family_cell(r), r["type"]] + ([r["atom"]] if full else [])
        cells += [fn.cell(r["pj"], ".2f"), fn.cell(r["pj_above"], ".2f"), fn.cell(r["power"], ".0f")]
        if full:
            cells += [fn.cell(r["rate"], ".0f"), fmt(r["clock_mhz"], ".0f")]
        rows.append(cells)
    return rows


def path_energy_rows(fn: Footnotes, df: pd.DataFrame, full: bool) -> list[list[str]]:
    rows = []
    for _, r in df.iterrows():
        cells = [r["atom"]] + ([f"`{r['ptx']}`" if r["ptx"] else "–"] if full else [])
        cells += [fn.cell(r["pj"], ".1f"), fn.cell(r["pj_above"], ".1f"), fn.cell(r["power"], ".0f")]
        rows.append(cells + ([fmt(r["clock_mhz"], ".0f")] if full else []))
    return rows


def idle_cell(fn: Footnotes, energy: pd.DataFrame) -> str:
    return fn.cell(idle_power(energy), ".1f")


def energy_section(results: Results, plot: str | None = None) -> list[str]:
    energy = results.table("energy")
    if energy.empty:
        return []
    fn = Footnotes()
    instr, paths = instruction_energy(energy), path_energy(energy)
    out = ["## Energy", ""] + ([f"![energy per operation](plots/{plot})", ""] if plot else [])
    out += ["Board energy from NVML (the whole board: GPU, HBM, voltage regulators) over seconds of "
            "steady load at each benchmark's saturating point, per FMA (sparse instructions: dense-equivalent FMA, "
            "the zeros of the 2:4 pattern counted) or per byte moved; `above idle` subtracts the idle power over the "
            "same time. The SM clock is the one measured in the kernels during the load.", "",
            f"Idle board power, measured in the same run: **{idle_cell(fn, energy)} W**.", ""] + sampling_lines(results)
    if len(instr):
        header = ["family", "type", "atom", "pJ/FMA", "pJ/FMA above idle", "board power (W)",
                  "ops/clk/SM during the load", "SM clock (MHz)"]
        out += ["### pJ per FMA", "", table(header, instruction_energy_rows(fn, instr, True)), ""]
    if len(paths):
        header = ["path", "ptx", "pJ/B", "pJ/B above idle", "board power (W)", "SM clock (MHz)"]
        out += ["### pJ per byte", "", table(header, path_energy_rows(fn, paths, True)), ""]
    return _with_notes(fn, out)


# ---- README headline --------------------------------------------------------------------------

def memory_headline(results: Results) -> list[str]:
    points = chase_points(results.table("movement"))
    if points.empty:
        return []
    rows, method = plateau_rows(points, results.run)
    if not rows:
        return []
    how = "levels by working set against the L1 and L2 sizes" if method == "device" else "plateaus found in the data"
    return [f"**Memory hierarchy latency** (pointer chase, median per level; {how}; the curve is in the report):", "",
            table(PLATEAU_HEADER, rows), ""]


def bandwidth_headline(results: Results) -> list[str]:
    bw = bandwidth_table(results.table("movement"))
    bw = bw[bw["metric"] == BANDWIDTH] if len(bw) else bw
    if bw.empty:
        return []
    fn = Footnotes()
    rows = [[r["atom"], text(r["variant"]), fn.cell(r["best"], ".0f"), r["at"], fmt(r["datasheet"], ".0f"),
             fmt_ratio(r["of_datasheet"]), fmt(r["bound"], ".0f"), fmt_ratio(r["of_bound"])] for _, r in bw.iterrows()]
    header = ["benchmark", "variant", "best GB/s", "best at", "datasheet GB/s", "measured / datasheet", "bound GB/s",
              "measured / bound"]
    return _with_notes(fn, ["**Bandwidth** (whole GPU, best per benchmark; the datasheet figure as the benchmark "
                            "recorded it):", "", table(header, rows), ""])


def energy_headline(results: Results) -> list[str]:
    energy = results.table("energy")
    instr, paths = instruction_energy(energy), path_energy(energy)
    if instr.empty and paths.empty:
        return []
    fn = Footnotes()
    out = [f"**Energy** (board energy from NVML at each saturating point; idle board power "
           f"{idle_cell(fn, energy)} W):", ""]
    if len(instr):
        out += [table(["family", "type", "pJ/FMA", "pJ/FMA above idle", "board power (W)"],
                      instruction_energy_rows(fn, instr, False)), ""]
    if len(paths):
        out += [table(["path", "pJ/B", "pJ/B above idle", "board power (W)"], path_energy_rows(fn, paths, False)), ""]
    return _with_notes(fn, out)


def movement_energy_headline(results: Results) -> list[str]:
    return memory_headline(results) + bandwidth_headline(results) + energy_headline(results)
