"""Markdown building blocks shared by report.md and the README headline."""
from __future__ import annotations

import math
from pathlib import Path

from .load import Results


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt(v, spec: str, empty: str = "–") -> str:
    return empty if missing(v) else format(v, spec)


def text(v, empty: str = "–") -> str:
    return empty if missing(v) or v == "" else str(v)


def fmt_ratio(v) -> str:
    return fmt(v, ".2f") + ("×" if not missing(v) else "")


def cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def tflops_at_clock(tflops, clock_mhz) -> str:
    s = fmt(tflops, ".1f")
    return f"{s} @ {clock_mhz:.0f} MHz" if s != "–" and not missing(clock_mhz) else s


def point(w, i) -> str:
    return "–" if missing(w) else f"{int(w)}×{int(i)}"


def native_cell(label: str) -> str:
    return {"native": "yes", "emulated": "**no** (emulated)", "unknown": "unknown", "n/a": "–"}.get(label, label)


def display_path(path: Path) -> str:
    """The results folder as a reader of the repository names it: relative to the working
    directory when inside it, else results/<slug> (or results/<gpu>/<sub> for a sub-sweep)."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        parent = path.parent.name
        if parent and parent != "results" and path.parent.parent.name == "results":
            return f"results/{parent}/{path.name}"
        return f"results/{path.name}"


def source_line(results: Results) -> str:
    dirty = " (dirty)" if results.git_dirty else ""
    return (f"Source: `{display_path(results.path)}/run.json` — {results.device_name}, {results.date}, "
            f"git {results.git_sha}{dirty}")


def format_duration(seconds: float | None) -> str:
    if missing(seconds):
        return "unknown"
    s = float(seconds)
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {s % 60:.0f} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"


def wall_time_line(results: Results) -> str:
    """'Sweep wall time: 4.6 s (`results/x`); 12 min 3 s (`results/x/hopper`).' from each run.json."""
    parts = [f"{format_duration(r.wall_seconds)} (`{display_path(r.path)}`)" for r in results.folders]
    return "Sweep wall time: " + "; ".join(parts) + "."


def problems_block(problems: list) -> list[str]:
    """The warning at the top of a report whose numbers may not be a whole run; [] when none."""
    if not problems:
        return []
    out = ["> **Warning: incomplete or untrusted data.** The numbers below may not be a whole, finished run; "
           "do not quote them as one.", ">"]
    out += ["> - " + str(p).replace("\n", " ") for p in problems]
    return out + [""]


def size_text(nbytes) -> str:
    """A byte count as a reader says it: 16 KiB, 1 MiB, 2 GiB, 228 KiB, 1.5 MiB, 96 B."""
    if missing(nbytes):
        return "–"
    n = float(nbytes)
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= unit:
            return f"{n / unit:.4g} {name}"
    return f"{n:.0f} B"


class Footnotes:
    """Cells without a number, said so: an invalid figure reads 'invalid [n]' (a skipped one
    'skipped [n]') and its notes follow the table as '[n] note'. One per table or section."""

    def __init__(self) -> None:
        self._notes: list[str] = []

    def _ref(self, notes: tuple) -> int:
        text = "; ".join(notes)
        if text not in self._notes:
            self._notes.append(text)
        return self._notes.index(text) + 1

    def cell(self, f, spec: str) -> str:
        """`f`: a figures.Figure."""
        if f.value is not None:
            return format(f.value, spec)
        if f.invalid:
            return f"**invalid** [{self._ref(f.invalid)}]"
        if f.skipped:
            return f"skipped [{self._ref(f.skipped)}]"
        return "–"

    def lines(self) -> list[str]:
        """The notes as Markdown lines (then a blank line); [] when no cell needed one."""
        if not self._notes:
            return []
        notes = [f"[{i}] {cell(n)}" for i, n in enumerate(self._notes, 1)]
        return ["  \n".join(notes), ""]
