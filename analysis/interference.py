"""`interference NODE_DIR`: did sweeping every GPU of a node at once change what each measured?
(docs/multi_gpu.md). Reads the node summary that `tcbench run --devices all --interference`
wrote (<base>/nodes/<host>/node.json: each GPU swept alone, then all at once) and, per GPU,
compares the solo run (A) with the concurrent one (B) row by row with compare's noise rule, and
sets beside it what could explain a change: the SM clock the rows were measured at, NVML's power,
temperature and clock-event reasons at the start and end, and the host side (the worker's CPU time
and involuntary context switches, the load average, CPUs per worker). Writes interference.md and
interference.csv (every compared row, with the GPU's UUID) into the node folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .chips import InputError
from .compare import CSV_COLUMNS as COMPARE_COLUMNS
from .compare import NOISE_FLOOR, NOISE_K, compare_rows, load_side, point_text
from .load import json_get, read_text
from .markdown import table
from .output import check_file_target, write_text_atomic
from .report_csv import csv_text

NODE_JSON, INTERFERENCE_MD, INTERFERENCE_CSV = "node.json", "interference.md", "interference.csv"
# The issue's bar: N GPUs at once take at most 1.2x the wall time of one alone.
WALL_RATIO_BAR = 1.2
ROWS_LISTED = 10


def read_node(node_dir: Path) -> dict:
    path = node_dir / NODE_JSON
    if not path.is_file():
        raise InputError(f"{path}: not found (the node folder of `tcbench run --devices ... --interference`)")
    try:
        node = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})")
    if not isinstance(node, dict) or node.get("kind") != "node" or not isinstance(node.get("phases"), list):
        raise InputError(f"{path}: field kind/phases: not a node summary of tcbench run --devices")
    return node


def _phase_workers(node: dict, name: str) -> dict:
    """uuid -> the worker entry of the phase(s) called `name`."""
    return {w["uuid"]: w for p in node["phases"] if p.get("name") == name for w in p.get("workers", [])}


def _phase_of(node: dict, uuid: str, name: str) -> dict:
    return next((p for p in node["phases"] if p.get("name") == name
                 and any(w.get("uuid") == uuid for w in p.get("workers", []))), {})


def _clock(side) -> float:
    rows = side.results.all_rows()
    v = rows.loc[rows["sm_clock_mhz"] > 0, "sm_clock_mhz"] if len(rows) else pd.Series(dtype=float)
    return float(v.median()) if len(v) else float("nan")


def _nvml(side, when: str, field: str):
    return json_get(side.results.run, f"nvml_at_{when}", field, default="–")


def gpu_comparison(base: Path, node: dict, uuid: str, k: float, floor: float) -> dict:
    solo, conc = _phase_workers(node, "solo").get(uuid), _phase_workers(node, "concurrent").get(uuid)
    if not solo or not conc or not solo.get("folder") or not conc.get("folder"):
        raise InputError(f"node.json: GPU {uuid} lacks a solo or a concurrent run (field phases[].workers[].folder)")
    a, b = load_side(base / solo["folder"]), load_side(base / conc["folder"])
    m = compare_rows(a, b, k, floor)
    proc = lambda w, f: json_get(w, "process", f, default=float("nan"))  # noqa: E731
    return {"uuid": uuid, "rows": m.assign(uuid=uuid), "compared": len(m), "differ": int(m["differs"].sum()),
            "median_ratio": float(np.median(m["ratio"])) if len(m) else float("nan"),
            "clock": (_clock(a), _clock(b)),
            "power": tuple(_nvml(s, "end", "power_w") for s in (a, b)),
            "temperature": tuple(_nvml(s, "end", "temperature_c") for s in (a, b)),
            "reasons": tuple(_nvml(s, "end", "clock_event_reasons") for s in (a, b)),
            "cpu": tuple(proc(w, "cpu_user_seconds") + proc(w, "cpu_system_seconds") for w in (solo, conc)),
            "nivcsw": tuple(proc(w, "involuntary_context_switches") for w in (solo, conc)),
            "wall": tuple(proc(w, "wall_seconds") for w in (solo, conc)),
            "loadavg": tuple(json_get(_phase_of(node, uuid, n), "loadavg_at_end", default=None) for n in ("solo", "concurrent")),
            "problems": list(a.results.problems) + list(b.results.problems)}


def _fmt(v, spec=".1f") -> str:
    return format(v, spec) if isinstance(v, (int, float)) and np.isfinite(v) else str(v)


def _verdict(g: dict) -> str:
    if g["differ"] == 0:
        return "no row changed beyond its noise"
    return f"**{g['differ']} of {g['compared']} rows changed** (median B/A {g['median_ratio']:.4f})"


def interference_markdown(node: dict, gpus: list[dict], k: float, floor: float) -> str:
    host = node.get("host", {})
    workers = len(gpus)
    conc_wall = next((p.get("wall_seconds") for p in node["phases"] if p.get("name") == "concurrent"), None)
    solo_walls = [p.get("wall_seconds") for p in node["phases"] if p.get("name") == "solo"]
    lines = ["# Interference: each GPU alone (A) vs all GPUs at once (B)", "",
             f"Node {host.get('hostname', '?')}: {workers} GPU(s), {host.get('cpus_online', '?')} CPUs online; "
             f"git {json_get(node, 'git', 'sha')[:12]}, command `{node.get('command', '?')}`.", "",
             f"Rows are compared as `tcbench compare` does: B differs from A when |B/A − 1| > max({k:g} × "
             f"√(noise_A² + noise_B²), {100 * floor:g}%).", ""]
    if conc_wall and solo_walls:
        ratio = conc_wall / max(solo_walls)
        lines += [f"Wall time: all {workers} at once {conc_wall:.1f} s; the longest alone {max(solo_walls):.1f} s; "
                  f"ratio {ratio:.2f} ({'within' if ratio <= WALL_RATIO_BAR else '**over**'} the "
                  f"{WALL_RATIO_BAR:g}× bar).", ""]
    lines += [table(["GPU", "verdict", "SM clock A → B (MHz, median of rows)", "power at end A → B (W)",
                     "temperature at end A → B (°C)", "clock events at end A → B", "worker CPU s A → B",
                     "involuntary ctx switches A → B", "load average at end A → B"],
                    [[g["uuid"], _verdict(g), f"{_fmt(g['clock'][0])} → {_fmt(g['clock'][1])}",
                      f"{_fmt(g['power'][0])} → {_fmt(g['power'][1])}",
                      f"{_fmt(g['temperature'][0], '')} → {_fmt(g['temperature'][1], '')}",
                      f"{g['reasons'][0]} → {g['reasons'][1]}", f"{_fmt(g['cpu'][0])} → {_fmt(g['cpu'][1])}",
                      f"{_fmt(g['nivcsw'][0], '.0f')} → {_fmt(g['nivcsw'][1], '.0f')}",
                      f"{g['loadavg'][0]} → {g['loadavg'][1]}"] for g in gpus]), "",
              "Power, temperature and clock events are NVML's readings when each sweep ended; the SM clock is the one "
              "measured in the kernels of every row. More involuntary context switches or CPU time in B, with a load "
              "average above the CPUs per worker, point at host CPU contention; a lower SM clock in B at power or "
              "thermal events, at the board.", ""]
    for g in gpus:
        d = g["rows"][g["rows"]["differs"]]
        if len(d):
            d = d.assign(_m=-(d["ratio"] - 1).abs()).sort_values("_m", kind="stable").head(ROWS_LISTED)
            lines += [f"## {g['uuid']}: the rows that changed most", "",
                      table(["family", "atom", "metric", "point", "alone", "concurrent", "B/A", "limit"],
                            [[r["family"], r["atom"], r["metric"], point_text(r), f"{r['value_a']:.4g}",
                              f"{r['value_b']:.4g}", f"{r['ratio']:.4f}", f"{100 * r['limit']:.2f}%"]
                             for _, r in d.iterrows()]), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_interference(node_dir, k: float = NOISE_K, floor: float = NOISE_FLOOR) -> dict:
    node_dir = Path(node_dir)
    node = read_node(node_dir)
    if not _phase_workers(node, "solo"):
        raise InputError(f"{node_dir / NODE_JSON}: field phases: no solo sweep (run with --interference)")
    base = node_dir.parent.parent  # <base>/nodes/<host>/: the layout survives copying the whole base
    gpus = [gpu_comparison(base, node, g["uuid"], k, floor) for g in node.get("gpus", [])]
    paths = [node_dir / INTERFERENCE_MD, node_dir / INTERFERENCE_CSV]
    for p in paths:
        check_file_target(p)
    rows = pd.concat([g["rows"] for g in gpus], ignore_index=True) if gpus else pd.DataFrame()
    write_text_atomic(paths[1], csv_text(rows[["uuid"] + COMPARE_COLUMNS]) if len(rows) else "uuid\n")
    write_text_atomic(paths[0], interference_markdown(node, gpus, k, floor))
    return {"paths": paths, "gpus": len(gpus), "changed": sum(g["differ"] > 0 for g in gpus),
            "problems": [p for g in gpus for p in g["problems"]]}
