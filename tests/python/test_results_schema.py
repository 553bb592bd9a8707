"""analysis/results_schema.json is the one definition of the results schema (issue #12 item 1):
analysis/load.py takes its constants from it, it ships with `pip install ./analysis`, and an
instructions.csv written by the C++ writer (the GoogleTest ResultsSchema.WriterSample writes one
row per schema metric into $TCB_SCHEMA_OUT_DIR) loads with the types the schema gives.

Environment: TCB_TESTS_BIN names the tcbench_tests binary (default: the first of build/ and then
the newest build*/ whose tests/tcbench_tests has ResultsSchema.WriterSample); the C++ part skips,
saying why, when none is built."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis import load  # noqa: E402
from analysis.load import load_results  # noqa: E402

SCHEMA_FILE = REPO / "analysis" / "results_schema.json"
GTEST = "ResultsSchema.WriterSample"


def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_load_constants_come_from_the_schema_file():
    s = schema()
    cols = s["instructions_csv"]["columns"]
    assert load.SCHEMA_PATH.resolve() == SCHEMA_FILE.resolve()
    assert load.SCHEMA == s
    assert load.SCHEMA_VERSION == s["schema_version"]
    assert load.CSV_COLUMNS == [c["name"] for c in cols]
    for kind, names in (("int", load.INT_COLUMNS), ("float", load.FLOAT_COLUMNS), ("bool", load.BOOL_COLUMNS)):
        assert names == [c["name"] for c in cols if c["type"] == kind], kind
        assert names, kind
    assert load.METRICS == tuple(m["name"] for m in s["metrics"])
    assert load.METRIC_UNITS == {m["name"]: m["unit"] for m in s["metrics"]}
    assert load.COMPLETE_STATUS == s["run_json"]["complete_status"] == "complete"
    assert set(load.NOT_MEASURED) <= set(load.METRICS)


def test_schema_is_well_formed():
    s = schema()
    assert isinstance(s["schema_version"], int) and s["schema_version"] >= 1
    cols = s["instructions_csv"]["columns"]
    assert len({c["name"] for c in cols}) == len(cols)
    assert {c["type"] for c in cols} <= {"string", "int", "float", "bool"}
    units = {u["name"] for u in s["units"]}
    assert len({m["name"] for m in s["metrics"]}) == len(s["metrics"])
    for m in s["metrics"]:
        assert m["unit"] in units, m
        assert m["description"].strip(), m
    for c in cols:
        assert c["description"].strip(), c
    assert s["run_json"]["complete_status"] in {x["name"] for x in s["run_json"]["status"]}
    # The metrics the analysis looks up by name are in the schema.
    wmma = {m["work"] for m in s["metrics"] if "work" in m}
    assert wmma == {"load_a", "load_b", "load_c", "store_d"}
    for w in wmma:
        assert {f"{w}_latency_cycles", f"{w}_bytes_per_clk_sm"} <= set(load.METRICS)


def test_pyproject_ships_the_schema():
    text = (REPO / "analysis" / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        assert "results_schema.json" in text
        return
    data = tomllib.loads(text)
    assert "results_schema.json" in data["tool"]["setuptools"]["package-data"]["analysis"]


def _candidates() -> list[Path]:
    env = os.environ.get("TCB_TESTS_BIN")
    if env:
        return [Path(env)]
    default = REPO / "build" / "tests" / "tcbench_tests"
    found = sorted(REPO.glob("build*/tests/tcbench_tests"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p for p in [default] + found if p.is_file()]


def tcbench_tests_binary() -> Path | None:
    """The first tcbench_tests that has ResultsSchema.WriterSample (older builds do not)."""
    for b in _candidates():
        p = subprocess.run([str(b), f"--gtest_filter={GTEST}", "--gtest_list_tests"], capture_output=True, text=True)
        if p.returncode == 0 and "WriterSample" in p.stdout:
            return b
    return None


@pytest.fixture(scope="module")
def cpp_folder(tmp_path_factory):
    binary = tcbench_tests_binary()
    if binary is None:
        pytest.skip("no tcbench_tests with ResultsSchema.WriterSample built (cmake --preset default && "
                    "cmake --build build; or set TCB_TESTS_BIN)")
    out = tmp_path_factory.mktemp("schema") / "gpu"
    out.mkdir()
    p = subprocess.run([str(binary), f"--gtest_filter={GTEST}"], capture_output=True, text=True,
                       env=dict(os.environ, TCB_SCHEMA_OUT_DIR=str(out)))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "[  PASSED  ] 1 test" in p.stdout, f"{GTEST} did not run:\n{p.stdout}"
    (out / "run.json").write_text(json.dumps({"schema_version": schema()["schema_version"],
                                              "status": load.COMPLETE_STATUS}))
    return out


def test_csv_written_by_the_cpp_writer_loads(cpp_folder):
    header = (cpp_folder / "instructions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == load.CSV_COLUMNS

    r = load_results(cpp_folder)
    assert r.problems == []
    rows = r.rows
    assert list(rows.columns)[:len(load.CSV_COLUMNS)] == load.CSV_COLUMNS  # then load's own "data"
    assert list(rows["metric"]) == list(load.METRICS)  # one row per schema metric, in order
    assert list(rows["unit"].fillna("")) == [load.METRIC_UNITS[m] for m in load.METRICS]
    for c in load.INT_COLUMNS:
        assert pd.api.types.is_integer_dtype(rows[c]), c
    for c in load.FLOAT_COLUMNS:
        assert pd.api.types.is_float_dtype(rows[c]), c
        assert rows[c].notna().all(), c
    for c in load.BOOL_COLUMNS:
        assert pd.api.types.is_bool_dtype(rows[c]), c

    measured = rows[rows["unit"].fillna("") != ""]
    assert len(measured) > 0
    assert measured["valid"].all() and measured["verified"].all()
    assert list(measured["value"]) == pytest.approx([100.25 + i for i in measured.index])
    assert (measured["samples"] == 7).all() and (measured["sm_clock_mhz"] == 1755.0).all()
    assert (rows["native"]).all()
    unmeasured = rows[rows["unit"].fillna("") == ""]
    assert set(unmeasured["metric"]) == {m for m, u in load.METRIC_UNITS.items() if u == ""}
    assert (unmeasured["note"] == 'why, with a comma and "quotes"').all()
    # The report's split: skipped rows are not measured; error and timed_out rows are invalid.
    assert set(r.skipped["metric"]) == {"skipped"}
    assert {"error", "timed_out"} <= set(r.invalid["metric"])
    assert len(r.valid) == len(measured)


def test_docs_page_names_every_column_metric_and_status():
    page = (REPO / "docs" / "results_schema.md").read_text(encoding="utf-8")
    assert "analysis/results_schema.json" in page
    s = schema()
    names = ([c["name"] for c in s["instructions_csv"]["columns"]] + [m["name"] for m in s["metrics"]]
             + [u["name"] for u in s["units"] if u["name"]]
             + [x["name"] for x in s["run_json"]["status"] + s["run_json"]["partial_reason"]])
    missing = [n for n in names if n not in page]
    assert not missing, f"docs/results_schema.md does not mention {missing}"
