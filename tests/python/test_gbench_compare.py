"""benchmark.json against Google Benchmark's own tools/compare.py (issue #11 item 17): a faster
GPU (higher throughput, shorter latency) must read as an improvement (negative change), and an
invalid row must stay in the file as an errored run without being diffed against a measured one.

The two files come from tcbench's C++ writer (gbench_json): the GoogleTest
Writers.GbenchJsonCompareInputs writes them into $TCB_GBENCH_OUT_DIR. compare.py is vendored in
tests/data/gbench_compare/ (see its README). Environment: TCB_TESTS_BIN names the tcbench_tests
binary (default: build/tests/tcbench_tests, else the newest build*/tests/tcbench_tests)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPARE = REPO / "tests" / "data" / "gbench_compare" / "compare.py"
GTEST = "Writers.GbenchJsonCompareInputs"


def tcbench_tests_binary() -> Path | None:
    env = os.environ.get("TCB_TESTS_BIN")
    if env:
        return Path(env)
    default = REPO / "build" / "tests" / "tcbench_tests"
    if default.is_file():
        return default
    found = sorted(REPO.glob("build*/tests/tcbench_tests"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def missing_prerequisite() -> str | None:
    for mod in ("numpy", "scipy"):
        if importlib.util.find_spec(mod) is None:
            return f"compare.py needs {mod} (tests/data/gbench_compare/requirements.txt): pip install {mod}"
    b = tcbench_tests_binary()
    if b is None or not b.is_file():
        return (f"{b or 'build/tests/tcbench_tests'} not built (cmake --preset default && cmake --build build; "
                f"or set TCB_TESTS_BIN)")
    return None


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    why = missing_prerequisite()
    if why:
        pytest.skip(why)
    out = tmp_path_factory.mktemp("gbench")
    p = subprocess.run([str(tcbench_tests_binary()), f"--gtest_filter={GTEST}"], capture_output=True, text=True,
                       env=dict(os.environ, TCB_GBENCH_OUT_DIR=str(out)))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "[  PASSED  ] 1 test" in p.stdout, f"{GTEST} did not run:\n{p.stdout}"
    return out / "baseline.json", out / "contender.json"


def compare(old: Path, new: Path, tmp_path: Path, *flags) -> dict:
    """compare.py's own diff (--dump_to_json), by benchmark name."""
    dump = tmp_path / f"diff_{old.stem}_{new.stem}.json"
    p = subprocess.run([sys.executable, str(COMPARE), "--no-color", "--dump_to_json", str(dump), "benchmarks",
                        str(old), str(new), *flags], capture_output=True, text=True, cwd=COMPARE.parent)
    assert p.returncode == 0, p.stdout + p.stderr
    return {d["name"]: d for d in json.loads(dump.read_text())}


def change(diff: dict, name: str) -> float:
    (m,) = diff[name]["measurements"]
    assert m["time"] == pytest.approx(m["cpu"])
    return m["time"]


LATENCY = "mma.sync/A/latency_cycles/warps:1/ilp:1"
OPS = "mma.sync/A/ops_per_clk_sm/warps:4/ilp:1"
TFLOPS = "mma.sync/A/tflops/warps:4/ilp:1"
INVALID = "mma.sync/B/ops_per_clk_sm/warps:8/ilp:2"


def test_faster_gpu_reads_as_improvement(pair, tmp_path):
    base, cont = pair
    diff = compare(base, cont, tmp_path)
    # contender: clock 1800 vs 1500 MHz, 1.25x ops/clk/SM and TFLOP/s, latency 32 vs 40 cycles
    assert change(diff, OPS) == pytest.approx(1500 / (1800 * 1.25) - 1)   # -0.333
    assert change(diff, TFLOPS) == pytest.approx(1 / 1.25 - 1)            # -0.2
    assert change(diff, LATENCY) == pytest.approx((32 / 1800) / (40 / 1500) - 1)
    assert all(change(diff, n) < 0 for n in (OPS, TFLOPS, LATENCY))
    # The other way round, the same runs read as a slowdown.
    back = compare(cont, base, tmp_path)
    assert all(change(back, n) > 0 for n in (OPS, TFLOPS, LATENCY))


def test_invalid_row_kept_but_not_diffed(pair, tmp_path):
    base, cont = pair
    rows = {b["name"]: b for b in json.loads(cont.read_text())["benchmarks"]}
    assert rows[INVALID]["error_occurred"] is True
    assert rows[INVALID]["error_message"] == "timed output check failed"
    diff = compare(base, cont, tmp_path)
    assert INVALID not in diff  # a 0 time would read as a 100% speed-up
    assert "OVERALL_GEOMEAN" not in diff  # compare.py's own rule: no geomean over an errored run


def test_geomean_of_measured_rows(pair, tmp_path):
    base, cont = pair
    diff = compare(base, cont, tmp_path, "--benchmark_filter=mma.sync/A/")
    assert change(diff, "OVERALL_GEOMEAN") < 0
