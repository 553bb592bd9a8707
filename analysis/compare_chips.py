"""`compare MERGED` or `compare CHIP CHIP CHIP…` (or `--chips`): which chips of one GPU model
stand out (docs/multi_gpu.md). Each row valid on a chip and on at least one other is checked
against the range of the other chips' values (chips.outliers): it is flagged when it lies
outside that range by more than max(k x noise, floor). A chip stands out when at least one row,
and at least the given fraction of its compared rows, is flagged. With two chips each is the
other's only reference, so both are flagged alike: three or more single one out."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .chips import (CHIP_COLUMNS, CHIP_FRACTION, CHIPS_CSV, Chip, InputError, UsageError, chip_rows, chip_verdicts,
                    find_chip_folders, load_chips, outliers)
from .compare import NOISE_FLOOR, NOISE_K, point_text
from .load import read_csv_rows
from .markdown import table
from .output import check_file_target, prepare_out_folder, write_text_atomic
from .report_csv import csv_text

CHIPS_MD, CHIPS_OUT_CSV = "compare_chips.md", "compare_chips.csv"
ROWS_LISTED = 100


def is_merged_folder(path) -> bool:
    return (Path(path) / CHIPS_CSV).is_file()


def is_chip_set(path) -> bool:
    """A merged folder, or a folder holding two or more chip folders: what one folder may be."""
    try:
        return is_merged_folder(path) or len(find_chip_folders([path])) >= 2
    except InputError:
        return False


def rows_of_merged(folder) -> tuple[pd.DataFrame, list[str], list]:
    """chips.csv of a merged folder: the chips' rows, their labels in order, and problems."""
    problems: list = []
    path = Path(folder) / CHIPS_CSV
    header, rows = read_csv_rows(path, problems)
    df = pd.DataFrame(rows, columns=header)
    missing = [c for c in CHIP_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(missing)}")
    for c in ("warps_per_sm", "ilp", "size_bytes"):
        df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype(int)
    df["params"] = df["params"].fillna("")
    for c in ("value", "noise"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    bad = df[~(df["value"] > 0) | df["noise"].isna()]
    if len(bad):  # header is line 1: row i of the frame is line i + 2
        raise InputError(f"{path}: line {int(bad.index[0]) + 2}: field value or noise is not a number "
                         f"(value > 0, noise >= 0)")
    return df, list(dict.fromkeys(df["chip"])), problems


def _source(folders) -> tuple[pd.DataFrame, list[str], list, str]:
    if len(folders) == 1 and is_merged_folder(folders[0]):
        rows, labels, problems = rows_of_merged(folders[0])
        return rows, labels, problems, f"`{folders[0]}` ({CHIPS_CSV})"
    if len(find_chip_folders(folders)) < 2:
        raise UsageError(f"{', '.join(map(str, folders))}: one results folder; compare takes two (A B), or the chips "
                         f"of one model: a merged folder (with {CHIPS_CSV}), a folder of chip folders, or several")
    chips: list[Chip] = load_chips(folders)
    problems = [p for c in chips for p in c.results.problems]
    return chip_rows(chips), [c.label for c in chips], problems, ", ".join(f"`{c.folder}` ({c.label})" for c in chips)


def chips_markdown(source: str, verdicts: pd.DataFrame, flags: pd.DataFrame, k: float, floor: float,
                   fraction: float) -> str:
    n_out = int(verdicts["outlier"].sum())
    lines = ["# tcbench compare: chips of one GPU model", "", f"Chips from {source}.", "",
             f"A row of a chip is flagged when its value lies outside the range (min..max) of the other chips' values "
             f"by more than max({k:g} × √(noise_chip² + noise_others²), {100 * floor:g}%), noise being the recorded "
             f"within-run spread (iqr / median). A chip stands out when ≥ 1 row and ≥ {100 * fraction:g}% of its "
             f"compared rows are flagged.", "",
             f"**{n_out} of {len(verdicts)} chips stand out.**" if n_out else
             f"**No chip stands out** ({len(verdicts)} chips).", "",
             table(["chip", "rows compared", "flagged", "below the others", "above the others",
                    "median value / others' median (flagged rows)", "stands out"],
                   [[r["chip"], str(r["compared"]), str(r["flagged"]), str(r["below"]), str(r["above"]),
                     "–" if math.isnan(r["flagged_ratio"]) else f"{r['flagged_ratio']:.4f}",
                     "**yes**" if r["outlier"] else "no"] for _, r in verdicts.iterrows()]), ""]
    hit = flags[flags["flagged"]].assign(_m=lambda d: -d["outside"]).sort_values("_m", kind="stable")
    if len(hit):
        more = f" (the first {ROWS_LISTED} of {len(hit)}; {CHIPS_OUT_CSV} has every row)" if len(hit) > ROWS_LISTED else ""
        lines += [f"## Flagged rows, farthest outside first{more}", "",
                  table(["chip", "family", "atom", "metric", "point", "value", "others min", "others max", "unit",
                         "outside", "limit"],
                        [[r["chip"], r["family"], r["atom"], r["metric"], point_text(r), f"{r['value']:.4g}",
                          f"{r['others_min']:.4g}", f"{r['others_max']:.4g}", str(r["unit"]),
                          f"{100 * r['outside']:.2f}%", f"{100 * r['limit']:.2f}%"]
                         for _, r in hit.head(ROWS_LISTED).iterrows()]), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_compare_chips(folders, out_dir=".", k: float = NOISE_K, floor: float = NOISE_FLOOR,
                        fraction: float = CHIP_FRACTION) -> dict:
    """Writes compare_chips.md and compare_chips.csv into out_dir; returns paths, counts, problems."""
    if not all(math.isfinite(x) and x >= 0 for x in (k, floor, fraction)):
        raise ValueError(f"--k ({k:g}), --threshold ({floor:g}) and --chip-fraction ({fraction:g}) must be finite "
                         f"and not negative")
    rows, labels, problems, source = _source(folders)
    flags = outliers(rows, k, floor)
    if flags.empty:
        raise ValueError(f"no measurement is valid on two chips of {source}: nothing to compare")
    verdicts = chip_verdicts(flags, labels, fraction)
    out = prepare_out_folder(out_dir)
    paths = [out / CHIPS_MD, out / CHIPS_OUT_CSV]
    for p in paths:
        check_file_target(p)
    write_text_atomic(paths[1], csv_text(flags))
    write_text_atomic(paths[0], chips_markdown(source, verdicts, flags, k, floor, fraction))
    return {"paths": paths, "chips": len(labels), "outliers": [r["chip"] for _, r in verdicts.iterrows() if r["outlier"]],
            "flagged": int(flags["flagged"].sum()), "compared": len(flags), "problems": problems}
