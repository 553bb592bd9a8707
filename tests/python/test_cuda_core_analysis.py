"""The CUDA-core family (families/cuda_core) in the analysis: its rows are rated against the
CUDA-core peak, not the tensor peak of the same type, and the cost table leaves them out (its
schema's family enum and costtable/'s loader know only the MMA families)."""
from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from analysis.cost_table import build_cost_table
from analysis.load import load_results
from analysis.peaks import peak_ops_per_clk_sm
from analysis.summary import atom_summary

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "results" / "nvidia-h200"
SCHEMA = json.loads((ROOT / "analysis" / "cost_table.schema.json").read_text())


def test_cuda_core_peaks_are_the_cuda_core_table():
    assert peak_ops_per_clk_sm("sm_90", "f32", "cuda_core") == 256
    assert peak_ops_per_clk_sm("sm_90", "f16", "cuda_core") == 512
    assert peak_ops_per_clk_sm("sm_90", "bf16", "cuda_core") == 512
    assert peak_ops_per_clk_sm("sm_90", "f64", "cuda_core") == 128
    assert peak_ops_per_clk_sm("sm_80", "f32", "cuda_core") == 128
    assert peak_ops_per_clk_sm("sm_80", "bf16", "cuda_core") == 256
    assert peak_ops_per_clk_sm("sm_100", "f32", "cuda_core") is None
    # The tensor peaks are unchanged.
    assert peak_ops_per_clk_sm("sm_90", "f32", "mma.sync") == 2048
    assert peak_ops_per_clk_sm("sm_90a", "f16") == 4096


def _cuda_core_lines(header: list[str], template: dict) -> list[str]:
    """Three rows of SM70_FFMA_F32 in the writer's format (bools as true/false)."""
    lines = []
    for metric, unit, value, w, ilp, bound in (("latency_cycles", "cycles", "4.2", 1, 1, "0"),
                                              ("ops_per_clk_sm", "ops/clk/SM", "250", 64, 8, "256"),
                                              ("tflops", "TFLOP/s", "65", 64, 8, "67")):
        r = dict(template)
        r.update({"family": "cuda_core", "ptx": "fma.rn.f32", "atom": "SM70_FFMA_F32", "m": "32", "n": "1",
                  "k": "1", "a_type": "f32", "b_type": "f32", "c_type": "f32", "d_type": "f32", "metric": metric,
                  "unit": unit, "value": value, "median": value, "warps_per_sm": str(w), "ilp": str(ilp),
                  "bound": bound, "native": "true", "sass_opcodes": "FFMA", "verified": "true", "valid": "true",
                  "note": ""})
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([r[c] for c in header])
        lines.append(buf.getvalue())
    return lines


@pytest.fixture(scope="module")
def with_cuda_core(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cuda_core") / "nvidia-h200"
    shutil.copytree(COMMITTED, folder)
    path = folder / "instructions.csv.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    records = list(csv.reader(io.StringIO(text)))
    header = records[0]
    template = next(dict(zip(header, r)) for r in records[1:] if r[header.index("metric")] == "ops_per_clk_sm")
    text = text if text.endswith("\n") else text + "\n"
    path.write_bytes(gzip.compress((text + "".join(_cuda_core_lines(header, template))).encode()))
    return folder


def test_the_summary_rates_cuda_core_against_its_own_peak(with_cuda_core):
    s = atom_summary(load_results(with_cuda_core))
    ffma = s[s["family"] == "cuda_core"].iloc[0]
    assert ffma["peak"] == 256
    assert ffma["pct_peak"] == pytest.approx(100 * 250 / 256)
    assert ffma["latency"] == pytest.approx(4.2)


def test_the_cost_table_holds_cuda_core_and_stays_valid(with_cuda_core):
    table = build_cost_table(with_cuda_core, exported_with="test")
    v = jsonschema.Draft202012Validator(SCHEMA)
    assert [e.message for e in v.iter_errors(table)] == []
    assert table["instructions"]
    ffma = [e for e in table["instructions"] if e["family"] == "cuda_core"]
    assert ffma and all(e["issue_interval_source"] == "from_peak_rate" for e in ffma if e["ops_per_clk_sm"])
