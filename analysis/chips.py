"""Several chips of one GPU model (docs/multi_gpu.md): finding their results folders, checking
that they are one model, their valid rows side by side, each row's spread across the chips, and
the chips whose rows fall outside the spread of the others by more than the recorded noise.

A chip is one `tcbench run` folder (run.json + its tables), named by run.json's device.uuid;
`tcbench run --devices` writes them as <base>/<gpu-slug>/<uuid>/, but any folders will do
(results copied from anywhere). The spread of a row over the chips where it is valid: median,
min, max and CV = sample standard deviation / mean (0 for one chip)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .compare import KEY, NOISE_FLOOR, NOISE_K, valid_rows, within_run_noise
from .load import TABLES, Results, data_file, load_results

# A chip folder holds run.json or a results table; its subfolders (solo/, energy/) are not chips.
# A folder that is neither is searched this deep for chip folders (<base>/<gpu-slug>/<uuid>/).
SEARCH_DEPTH = 3
CHIPS_CSV, SPREAD_CSV = "chips.csv", "spread.csv"
# A chip stands out when at least this fraction of its compared rows (and at least one) is flagged.
CHIP_FRACTION = 0.01


class InputError(ValueError):
    """Input that cannot be merged or compared as it is (a missing run.json, a run.json without
    the device's name or UUID): the message names the file and the field. Exit 3."""


class UsageError(ValueError):
    """Folders that do not make the set of chips asked for (exit 2, usage)."""


class ModelMixError(UsageError):
    """Folders of different GPU models (or sweeps that cannot be compared) given together: the
    message lists each kind with its folders."""


@dataclass
class Chip:
    label: str        # short and unique: the UUID's first block, "#2" on a second run of one chip
    uuid: str
    results: Results

    @property
    def folder(self) -> Path:
        return self.results.path

    def member(self) -> dict:
        """This chip as the merged run.json and cost table list it."""
        r = self.results
        return {"label": self.label, "uuid": self.uuid, "folder": str(self.folder), "host": str(r.run_get("host")),
                "pci_bus_id": str(r.run_get("device", "pci_bus_id")), "date_utc": str(r.run_get("date_utc")),
                "git_sha": r.git_sha, "status": str(r.run_get("status"))}


# ---- finding and loading ---------------------------------------------------------------------

def _is_chip_folder(path: Path) -> bool:
    return (path / "run.json").is_file() or any(data_file(path, f"{t}.csv") for t in TABLES)


def _skipped(path: Path) -> bool:
    """Hidden (staging) folders, partial runs and node summaries are not chips."""
    return path.name.startswith(".") or ".partial" in path.name or path.name == "nodes"


def find_chip_folders(paths) -> list[Path]:
    """Each path that is a results folder, else the results folders under it (SEARCH_DEPTH), in
    name order. InputError naming the path when it has none."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            raise InputError(f"{p}: no such folder" if not p.exists() else f"{p}: not a folder")
        level, chips = [p], []
        for _ in range(SEARCH_DEPTH + 1):
            chips += [d for d in level if _is_chip_folder(d)]
            level = sorted(c for d in level if not _is_chip_folder(d) for c in d.iterdir()
                           if c.is_dir() and not _skipped(c))
        if not chips:
            raise InputError(f"{p}: neither a results folder (run.json, instructions.csv) nor a folder of them")
        found += chips
    return found


def _identity(results: Results) -> tuple[str, str]:
    """(device name, uuid) from run.json; InputError naming the file and field when missing."""
    run_json = results.path / "run.json"
    if not results.run:
        raise InputError(f"{run_json}: not found or empty: the chip (device.uuid) and GPU model (device.name) "
                         f"behind {results.path} are unknown")
    for field in ("name", "uuid"):
        if results.run_get("device", field) == "unknown":
            raise InputError(f"{run_json}: field device.{field} is missing or empty")
    return results.device_name, str(results.run_get("device", "uuid"))


def _model_key(results: Results) -> tuple:
    """What must agree for rows to be comparable: the model, its SM count (a MIG slice is another
    kind of GPU) and the operand data the rows were timed on."""
    return results.device_name, results.sm_count, results.data_mode


def check_one_model(loaded: list[Results]) -> None:
    kinds: dict = {}
    for r in loaded:
        kinds.setdefault(_model_key(r), []).append(str(r.path))
    if len(kinds) > 1:
        lines = [f"  {name} ({sms} SMs, data {data}): {', '.join(folders)}" for (name, sms, data), folders in kinds.items()]
        raise ModelMixError("the folders hold more than one GPU model (or operand data): merge and compare the chips "
                            "of one model at a time\n" + "\n".join(lines))


def load_chips(paths) -> list[Chip]:
    """Every chip folder under `paths`, loaded, checked to be one model, labelled."""
    loaded = [load_results(f) for f in find_chip_folders(paths)]
    ids = [_identity(r) for r in loaded]
    check_one_model(loaded)
    chips, seen = [], {}
    for r, (_, uuid) in zip(loaded, ids):
        seen[uuid] = seen.get(uuid, 0) + 1
        short = uuid.split("-")[1] if uuid.count("-") >= 1 else uuid
        chips.append(Chip(short + (f"#{seen[uuid]}" if seen[uuid] > 1 else ""), uuid, r))
    return chips


def repeated_chips(chips: list[Chip]) -> list[str]:
    """UUIDs that appear in more than one folder: their spread is run-to-run, not chip-to-chip."""
    uuids = [c.uuid for c in chips]
    return sorted({u for u in uuids if uuids.count(u) > 1})


# ---- rows side by side -----------------------------------------------------------------------

CHIP_COLUMNS = KEY + ["unit", "chip", "value", "noise"]


def chip_rows(chips: list[Chip]) -> pd.DataFrame:
    """The valid rows of every chip (every table): KEY, unit, chip (label), value, noise (the
    row's within-run spread, as compare reads it)."""
    frames = []
    for c in chips:
        rows = valid_rows(c.results)
        frames.append(rows.assign(chip=c.label, noise=within_run_noise(rows))[CHIP_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHIP_COLUMNS)


SPREAD_COLUMNS = KEY + ["unit", "chips", "median", "min", "max", "cv", "noise", "lowest_chip", "highest_chip"]


def spread(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per measurement: how many chips have it valid, the median, min and max of their
    values, CV (sample std / mean; 0 for one chip), the median of their noises, and which chips
    gave the lowest and the highest value."""
    if rows.empty:
        return pd.DataFrame(columns=SPREAD_COLUMNS)
    g = rows.groupby(KEY, sort=False, dropna=False)
    out = g.agg(unit=("unit", "first"), chips=("chip", "size"), median=("value", "median"), min=("value", "min"),
                max=("value", "max"), mean=("value", "mean"), std=("value", "std"), noise=("noise", "median"))
    out["cv"] = (out["std"].fillna(0.0) / out["mean"]).where(out["chips"] > 1, 0.0)
    out["lowest_chip"] = rows.loc[g["value"].idxmin(), "chip"].to_numpy()
    out["highest_chip"] = rows.loc[g["value"].idxmax(), "chip"].to_numpy()
    return out.reset_index()[SPREAD_COLUMNS]


# ---- outliers ----------------------------------------------------------------------------------

OUTLIER_COLUMNS = KEY + ["unit", "chip", "value", "others", "others_min", "others_median", "others_max",
                         "outside", "noise", "limit", "flagged"]


def _others(values: np.ndarray, noises: np.ndarray, i: int) -> tuple:
    rest = np.delete(values, i)
    return rest.min(), float(np.median(rest)), rest.max(), float(np.median(np.delete(noises, i)))


def outliers(rows: pd.DataFrame, k: float = NOISE_K, floor: float = NOISE_FLOOR) -> pd.DataFrame:
    """Every (chip, row) valid on it and on at least one other chip: how far its value lies
    outside the range of the other chips' values (relative to the nearer bound; 0 inside), and
    whether that exceeds max(k x sqrt(noise_chip^2 + noise_others^2), floor), noise_others
    being the median of the other chips' noises."""
    out = []
    for key, g in rows.groupby(KEY, sort=False, dropna=False):
        if len(g) < 2:
            continue
        values, noises = g["value"].to_numpy(float), g["noise"].to_numpy(float)
        for i, (chip, unit) in enumerate(zip(g["chip"], g["unit"])):
            lo, med, hi, other_noise = _others(values, noises, i)
            v = values[i]
            outside = v / hi - 1 if v > hi else 1 - v / lo if v < lo else 0.0
            noise = math.hypot(noises[i], other_noise)
            limit = max(k * noise, floor)
            out.append(list(key) + [unit, chip, v, len(g) - 1, lo, med, hi, outside, noise, limit, outside > limit])
    return pd.DataFrame(out, columns=OUTLIER_COLUMNS)


def chip_verdicts(flags: pd.DataFrame, labels: list[str], fraction: float = CHIP_FRACTION) -> pd.DataFrame:
    """Per chip: rows compared, rows flagged (below / above the others), the median of value /
    others' median over its flagged rows, and whether it stands out (flagged rows >= max(1,
    fraction x compared))."""
    rows = []
    for label in labels:
        mine = flags[flags["chip"] == label]
        hit = mine[mine["flagged"]]
        below = int((hit["value"] < hit["others_min"]).sum())
        ratio = float((hit["value"] / hit["others_median"]).median()) if len(hit) else float("nan")
        stands_out = len(hit) > 0 and len(hit) >= fraction * len(mine)
        rows.append([label, len(mine), len(hit), below, len(hit) - below, ratio, stands_out])
    return pd.DataFrame(rows, columns=["chip", "compared", "flagged", "below", "above", "flagged_ratio", "outlier"])
