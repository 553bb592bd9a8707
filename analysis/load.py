"""Loading one results folder: results/<gpu-slug>/{run.json, <table>.csv[.gz] for each table of
TABLES present (instructions, movement, energy)}.

Nothing here hides an incomplete run: a CSV whose last line is cut, rows with the wrong number
of fields, a run.json that is missing, empty, not "complete" or records an error each become a
`problem` (a sentence naming the file) that the report shows at its top and that makes the
command exit non-zero. A file that cannot be read at all raises ValueError naming the file
(for JSON, with line and column)."""
from __future__ import annotations

import csv
import gzip
import io
import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# The results schema, defined once in results_schema.json (next to this file, installed with the
# package) and compiled into the C++ writer (harness/io/result_row.cpp): the columns of every table
# (instructions.csv, movement.csv, energy.csv) in order with their types, the metrics with their
# units, the run.json status values.
SCHEMA_PATH = Path(__file__).with_name("results_schema.json")
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SCHEMA_VERSION = SCHEMA["schema_version"]
_COLUMNS = SCHEMA["instructions_csv"]["columns"]
CSV_COLUMNS = [c["name"] for c in _COLUMNS]
INT_COLUMNS = [c["name"] for c in _COLUMNS if c["type"] == "int"]
FLOAT_COLUMNS = [c["name"] for c in _COLUMNS if c["type"] == "float"]
BOOL_COLUMNS = [c["name"] for c in _COLUMNS if c["type"] == "bool"]
# The tables `tcbench run` writes, one CSV each with the schema's columns (a benchmark names its
# table; run.json's "tables" lists those a run wrote). Results.rows is the instructions table.
TABLES = ("instructions", "movement", "energy")
# Columns added to the schema after results were first committed: a file written before them
# lacks them, and each row gets the value the writer gives a row without that axis (0, "").
LATER_COLUMNS = ("size_bytes", "params", "bound")
_EMPTY_BY_TYPE = {"int": "0", "float": "0", "string": "", "bool": "false"}
METRICS = tuple(m["name"] for m in SCHEMA["metrics"])
METRIC_UNITS = {m["name"]: m["unit"] for m in SCHEMA["metrics"]}
# Rows that carry no measurement at all (the atom or point was not run).
NOT_MEASURED = ("skipped",)
# One measurement: merging folders keeps the first folder's row for each of these keys.
POINT_KEY = ["family", "atom", "metric", "warps_per_sm", "ilp", "size_bytes", "params"]
# The only run.json status whose numbers are a whole run ("running" and "partial", whatever its
# partial_reason, are not).
COMPLETE_STATUS = SCHEMA["run_json"]["complete_status"]


def measured_mask(rows: pd.DataFrame) -> pd.Series:
    return ~rows["metric"].isin(NOT_MEASURED)


def valid_mask(rows: pd.DataFrame) -> pd.Series:
    """Rows that count: measured, verified and plausible (valid), with a finite positive value (no
    latency, rate or throughput can be zero or negative; such a row is a writer's bug, not data)."""
    values = rows["value"].to_numpy(dtype=float)
    sane = pd.Series(np.isfinite(values) & (values > 0), index=rows.index)
    return measured_mask(rows) & rows["valid"] & (rows["metric"] != "error") & sane


def parse_params(text) -> dict:
    """The params column ("width=128;ways=4") as {"width": "128", "ways": "4"}; a piece without
    '=' becomes a key with the value ""."""
    out = {}
    for piece in str(text or "").split(";"):
        if piece.strip():
            key, _, value = piece.partition("=")
            out[key.strip()] = value.strip()
    return out


def json_get(node, *keys, default="unknown"):
    """node[k0][k1]...; `default` when a key is missing or the value is empty."""
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return default
        node = node[k]
    return default if node in (None, "") else node


class RunJson:
    """run.json-style provenance access for a class with a `run` dict."""
    run: dict

    # run.json fields, tolerant of older or partial files.
    def run_get(self, *keys, default="unknown"):
        return json_get(self.run, *keys, default=default)

    @property
    def device_name(self) -> str:
        return str(self.run_get("device", "name"))


@dataclass
class Results(RunJson):
    path: Path
    rows: pd.DataFrame                     # every row of instructions.csv, typed (empty when absent)
    run: dict = field(default_factory=dict)  # run.json, {} when absent
    parts: list = field(default_factory=list)  # the folders merged into this one (merge_results)
    problems: list = field(default_factory=list)  # why these numbers may not be a whole run (each names its file)
    tables: dict = field(default_factory=dict)  # table name -> its rows, for each table file present

    def table(self, name: str) -> pd.DataFrame:
        """The rows of one table (TABLES); an empty frame with the schema's columns when absent."""
        if name == "instructions":
            return self.rows
        return self.tables[name] if name in self.tables else empty_table()

    def all_rows(self) -> pd.DataFrame:
        """Every table's rows, instructions first, with a column `table` naming each row's table."""
        frames = [self.table(t).assign(table=t) for t in TABLES if len(self.table(t))]
        return pd.concat(frames, ignore_index=True) if frames else empty_table().assign(table="")

    @property
    def folders(self) -> list["Results"]:
        """The results folders behind these rows: itself, or the merged ones in order."""
        return self.parts or [self]

    @property
    def slug(self) -> str:
        return self.path.name

    @property
    def valid(self) -> pd.DataFrame:
        """Measured rows that passed verification and the plausibility guard (finite values)."""
        return self.rows[valid_mask(self.rows)]

    @property
    def skipped(self) -> pd.DataFrame:
        return self.rows[~measured_mask(self.rows)]

    @property
    def invalid(self) -> pd.DataFrame:
        r = self.rows
        return r[measured_mask(r) & ~valid_mask(r)]

    @property
    def date(self) -> str:
        d = self.run_get("date")
        return str(self.run_get("date_utc") if d == "unknown" else d)

    @property
    def git_sha(self) -> str:
        return str(self.run_get("git", "sha"))

    @property
    def git_dirty(self) -> bool:
        return self.run_get("git", "dirty", default=False) is True

    @property
    def sm_count(self) -> int | None:
        v = self.run_get("device", "sm_count", default=None)
        return int(v) if isinstance(v, (int, float)) and v > 0 else None

    @property
    def wall_seconds(self) -> float | None:
        v = self.run_get("wall_seconds", default=None)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        return float(v) if ok else None

    @property
    def data_mode(self) -> str:
        """Operand data of the timed launches (random | exact | zeros), 'unknown' when unrecorded."""
        return str(self.run_get("config", "data"))


def _to_bool(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(("true", "1", "yes"))


# ---- files -----------------------------------------------------------------------------------

def data_file(folder: Path, name: str, problems: list | None = None) -> Path | None:
    """folder/name, else folder/name.gz (committed results may be gzipped), else None. Both at once
    is ambiguous (which is current?): the plain one is read and, given `problems`, that is said."""
    found = [p for p in (folder / name, folder / (name + ".gz")) if p.is_file()]
    if len(found) == 2 and problems is not None:
        problems.append(f"{found[0]} and {found[1]} both exist: read {found[0].name}; remove the stale one")
    return found[0] if found else None


def read_text(path: Path) -> str:
    """A text file, gunzipped when it ends in .gz; ValueError naming the file when unreadable."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
                return f.read()
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except IsADirectoryError:
        raise ValueError(f"{path}: is a directory, expected a file")
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError; a cut gzip, EOFError
        raise ValueError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e or type(e).__name__}")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text (byte {e.start})")


def read_csv_rows(path: Path, problems: list) -> tuple[list, list]:
    """(header, rows) of a CSV written row by row (harness/io/writers.cpp: every row ends in a line
    feed). A last line without its line feed was cut by an interrupted write, and a row whose
    field count differs from the header's is damaged: both are left out, each with a problem
    naming the file and line. A file without a header line raises ValueError."""
    text = read_text(path)
    if not text.strip():
        raise ValueError(f"{path}: empty file (no header line)")
    lines = text.splitlines(keepends=True)
    if not text.endswith(("\n", "\r")):
        problems.append(f"{path}: line {len(lines)} is cut off (no line end): the file was truncated, "
                        f"probably by an interrupted run; that row is left out")
        text = "".join(lines[:-1])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        rows, bad = [], []
        for fields in reader:
            if not fields:
                continue
            if len(fields) == len(header):
                rows.append(fields)
            else:
                bad.append(reader.line_num)
    except StopIteration:
        raise ValueError(f"{path}: line 1 (the header) is cut off")
    except csv.Error as e:
        raise ValueError(f"{path}: line {reader.line_num}: not readable as CSV: {e}")
    if bad:
        shown = ", ".join(str(n) for n in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        problems.append(f"{path}: {len(bad)} row(s) with a number of fields other than the header's "
                        f"{len(header)} (line {shown}): left out")
    return header, rows


def read_table(csv_path: Path, problems: list | None = None) -> pd.DataFrame:
    """One table's CSV (instructions.csv, movement.csv, energy.csv: the same columns), typed. A
    file from before LATER_COLUMNS existed loads with their empty values; any other missing
    column raises ValueError naming the file."""
    problems = [] if problems is None else problems
    header, rows = read_csv_rows(Path(csv_path), problems)
    df = pd.DataFrame(rows, columns=header, dtype=str)
    missing = [c for c in CSV_COLUMNS if c not in df.columns and c not in LATER_COLUMNS]
    if missing:
        raise ValueError(f"{csv_path}: missing columns {', '.join(missing)}")
    return _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """`df` (every field a string) with the schema's types; LATER_COLUMNS it lacks added empty."""
    for c in _COLUMNS:
        if c["name"] not in df.columns:
            df[c["name"]] = _EMPTY_BY_TYPE[c["type"]]
    for c in INT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype(int)
    for c in FLOAT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in BOOL_COLUMNS:
        df[c] = _to_bool(df[c])
    return df


def empty_table() -> pd.DataFrame:
    """A table without rows: the schema's columns and types."""
    return _typed(pd.DataFrame(columns=CSV_COLUMNS, dtype=str))


def read_run_json(path: Path, problems: list) -> dict:
    """run.json (or numerics_run.json) as a dict. Missing, empty, not finished or recording an
    error: a problem naming the file (the numbers are then not known to be a whole run). Not
    JSON, or not a JSON object: ValueError naming the file, line and column."""
    if not path.exists():
        problems.append(f"{path} not found: nothing says which device, code and settings made these numbers, "
                        f"nor whether the run finished")
        return {}
    text = read_text(path)
    if not text.strip():
        problems.append(f"{path} is empty: the run that wrote it did not finish writing it")
        return {}
    try:
        run = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})")
    if not isinstance(run, dict):
        raise ValueError(f"{path}: expected a JSON object, found {type(run).__name__}")
    status = run.get("status")
    if status is None:
        problems.append(f"{path} has no \"status\": whether the run finished is not recorded")
    elif status != COMPLETE_STATUS:
        problems.append(f"{path}: status is {json.dumps(status)}, not \"{COMPLETE_STATUS}\": the run did not "
                        f"finish, so rows may be missing")
    if run.get("error") not in (None, ""):
        problems.append(f"{path} records an error: {run['error']}")
    return run


def _listed_tables(run: dict, path: Path, present: dict, problems: list) -> None:
    """run.json's "tables" (when it has them) against the table files present: a listed table
    without its file, a file the run did not write and a table this analysis does not know are
    each a problem."""
    listed = run.get("tables")
    if not isinstance(listed, list):
        return
    for name in listed:
        if name not in TABLES:
            problems.append(f"{path / 'run.json'} lists a table {json.dumps(name)} that this analysis does not "
                            f"know (it reads {', '.join(TABLES)}): its rows are not reported")
        elif name not in present:
            problems.append(f"{path / 'run.json'} lists the table {name}, but neither {path / (name + '.csv')} nor "
                            f"{name}.csv.gz exists: its rows are missing")
    for name, file in present.items():
        if name not in listed:
            problems.append(f"{file} is not among the tables run.json lists ({', '.join(map(str, listed)) or 'none'}): "
                            f"it was not written by the run that run.json describes")


def load_results(results_dir) -> Results:
    """Reads results/<slug>/run.json (expected) and every table of TABLES present as
    <table>.csv or <table>.csv.gz (at least one is required)."""
    path = Path(results_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such results folder" if not path.exists() else
                                f"{path}: not a folder (expected results/<gpu-slug>/)")
    problems: list = []
    files = {t: f for t in TABLES if (f := data_file(path, f"{t}.csv", problems)) is not None}
    if not files:
        others = ", ".join(f"{t}.csv" for t in TABLES[1:])
        raise FileNotFoundError(f"{path / 'instructions.csv'} not found (nor instructions.csv.gz, nor {others} "
                                f"or their .gz; run `tcbench run` first)")
    run = read_run_json(path / "run.json", problems)
    _listed_tables(run, path, files, problems)
    tables = {t: read_table(f, problems) for t, f in files.items()}
    if not any(measured_mask(rows).any() for rows in tables.values()):
        shown = ", ".join(str(f) for f in files.values())
        problems.append(f"{shown}: no measured row (an empty sweep): nothing here can be reported")
    for t in TABLES:
        partial = path / f"{t}.csv.partial"
        if partial.exists():
            problems.append(f"{partial} exists: a run writing into this folder was cut off before it finished")
    rows = tables.pop("instructions", None)
    results = Results(path=path, rows=empty_table() if rows is None else rows, run=run, problems=problems,
                      tables=tables)
    for t in TABLES:  # which operand data each row was timed on, kept through merges
        if t == "instructions" or t in tables:
            results.table(t)["data"] = results.data_mode
    return results


def _merge_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Every row of the first frame, then the rows of each later one whose measurement
    (POINT_KEY) no earlier frame has."""
    seen: set = set()
    kept = []
    for rows in frames:
        keys = pd.MultiIndex.from_frame(rows[POINT_KEY])
        kept.append(rows[~keys.isin(list(seen))] if seen else rows)
        seen.update(keys)
    return pd.concat(kept, ignore_index=True)


def merge_results(parts: list[Results]) -> Results:
    """One Results from several folders (e.g. the default sweep and the hopper N sweep): table by
    table, every row of the first folder, then the rows of each later folder whose measurement
    (POINT_KEY) no earlier folder has. run.json is the first folder's; `parts` keeps them all."""
    if not parts:
        raise ValueError("no results folders given")
    if len(parts) == 1:
        return parts[0]
    rows = _merge_rows([p.rows for p in parts])
    tables = {t: _merge_rows([p.tables[t] for p in parts if t in p.tables])
              for t in TABLES if any(t in p.tables for p in parts)}
    problems = [q for p in parts for q in p.problems]
    return Results(path=parts[0].path, rows=rows, run=parts[0].run, parts=list(parts), problems=problems,
                   tables=tables)


def load_many(results_dirs) -> Results:
    return merge_results([load_results(d) for d in results_dirs])


# Sweeps run apart into a subfolder named for their table: the energy sweep (configs/energy.yaml)
# writes results/<gpu>/energy/. A report or comparison of the folder reads such a subfolder too
# when the folder has no table of that name itself.
COMPANION_TABLES = ("energy",)


def with_companions(results_dirs) -> list[Path]:
    """`results_dirs`, then each COMPANION_TABLES subfolder of the first that holds the table the
    first lacks (and that was not given already)."""
    dirs = [Path(d) for d in results_dirs]
    given = {d.resolve() for d in dirs}
    first = dirs[0]
    extra = [first / t for t in COMPANION_TABLES
             if data_file(first, f"{t}.csv") is None and data_file(first / t, f"{t}.csv") is not None
             and (first / t).resolve() not in given]
    return dirs + extra
