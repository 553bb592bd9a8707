"""One figure of a group of rows (a table cell): the value from the group's valid rows, or why
there is none (the notes of its invalid or skipped rows), so that a report can show an invalid
measurement as invalid, with its note, and never as a number. Used by the movement and energy
views, which group rows by atom, metric and params."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .load import valid_mask

# Rows that hold no figure of any metric: a failed or timed-out benchmark (invalid) and a point
# that was not run (skipped). They say why the group has no figure of the metric asked for.
FAILED_METRICS = ("error", "timed_out")
SKIPPED_METRIC = "skipped"
NOT_A_NUMBER_NOTE = "value is not a finite positive number"


@dataclass
class Figure:
    value: float | None = None  # from the valid rows (None: none valid)
    row: object = None          # the row the value was taken from (the best one; None for a median)
    invalid: tuple = ()         # no valid row: the notes of the measured rows that are not valid
    skipped: tuple = ()         # nothing measured: the notes of the skipped rows

    @property
    def ok(self) -> bool:
        return self.value is not None


def _notes(rows: pd.DataFrame, non_finite: pd.Series | None = None) -> tuple:
    notes = rows["note"].astype(str)
    if non_finite is not None:  # marked valid, yet not a finite positive number: a writer's bug
        notes = notes.where(~non_finite, NOT_A_NUMBER_NOTE)
    return tuple(dict.fromkeys(n if n.strip() else "no note" for n in notes))


def figure(rows: pd.DataFrame, metric: str, how: str = "max") -> Figure:
    """The figure of `metric` in `rows` (one group: an atom, a variant, a point...): the largest
    (how="max": a rate) or the median (how="median": a latency, a power) of the valid rows. With
    no valid row: the notes of the metric's invalid rows, else of the group's failed rows, else (when
    the group holds nothing but skipped rows) of its skipped rows; else an empty Figure."""
    m = rows[rows["metric"] == metric]
    ok = valid_mask(m)
    valid = m[ok]
    if len(valid):
        if how == "max":
            best = valid.loc[valid["value"].idxmax()]
            return Figure(value=float(best["value"]), row=best)
        return Figure(value=float(np.median(valid["value"].to_numpy(dtype=float))))
    if len(m):
        return Figure(invalid=_notes(m, m["valid"]))
    failed = rows[rows["metric"].isin(FAILED_METRICS)]
    if len(failed):
        return Figure(invalid=_notes(failed))
    skipped = rows[rows["metric"] == SKIPPED_METRIC]
    if len(skipped) and len(skipped) == len(rows):  # the group was not run at all
        return Figure(skipped=_notes(skipped))
    return Figure()


def ratio(num: float | None, den: float | None) -> float | None:
    ok = num is not None and den is not None and num == num and den == den and den > 0
    return float(num) / float(den) if ok else None
