"""The llm-viewer exporter (analysis/exporters/llm_viewer.py, issue #13), tested against the
consumer's format at the pinned upstream commit (docs/exporters/llm_viewer.md):

  * the entry has the keys, units and value types of upstream's own entries
    (tests/data/llm_viewer/hardware_params.py), its figures within 2x of upstream's H100 (same
    chip generation: a unit slip would be 1000x);
  * upstream's roofline (roofline_model.py) and per-op costs (op_handlers.py) run on it the way
    the analyzer does: a decode projection is memory-bound at the measured bandwidth, a prefill one
    compute-bound at the measured FP16 peak, flash-attention's tile comes out as with upstream's
    H100 entry;
  * the figures: fastest dense tensor-core instruction per tier, INT4 left out where nothing runs
    it natively, what an entry cannot do without refused;
  * the output for the H200 subset fixture is the committed one, and does not depend on the order
    of the table.

Regenerate the expected file after an intended change:  python3 tests/python/test_export_llm_viewer.py"""
from __future__ import annotations

import copy
import math
import random
import runpy
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis import export  # noqa: E402
from analysis.exporters import llm_viewer  # noqa: E402
from export_upstream import DATA, FIXTURE, fixture, load_module, rows_by_atom, write_rendered  # noqa: E402

UPSTREAM = DATA / "llm_viewer"
EXPECTED = UPSTREAM / "expected"
ENTRY = "nvidia_H200_tcbench"
UPSTREAM_H100 = "nvidia_H100"  # same generation: the magnitudes' yardstick
FP16_ATOM, INT8_ATOM = "SM90_64x144x16_F32F16F16_RS", "SM90_64x80x32_S32S8S8_SS"
# A Llama-2-7B-sized layer: hidden 4096, 32 heads of 128, fp16 weights and activations.
HIDDEN, HEADS, HEAD_SIZE, FP16_BYTES = 4096, 32, 128, 2


def upstream_params() -> dict:
    return runpy.run_path(str(UPSTREAM / "hardware_params.py"))["hardware_params"]


def exported_params(table: dict, folder: Path) -> dict:
    return runpy.run_path(str(write_rendered(llm_viewer, table, folder)))["hardware_params"]


@pytest.fixture
def entry(tmp_path) -> dict:
    params = exported_params(fixture(), tmp_path)
    assert list(params) == [ENTRY]
    return params[ENTRY]


@pytest.fixture
def upstream_code(monkeypatch):
    """Upstream's roofline_model and op_handlers modules."""
    return (load_module("roofline_model", UPSTREAM / "roofline_model.py", monkeypatch),
            load_module("op_handlers", UPSTREAM / "op_handlers.py", monkeypatch))


def test_files_are_the_declared_ones():
    assert set(llm_viewer.render(fixture())) == set(llm_viewer.FILES)


def test_tcbench_export_writes_them(tmp_path):
    written = export.export("llm-viewer", FIXTURE, tmp_path)
    assert [path.name for path in written] == list(llm_viewer.FILES)
    assert written[0].read_text(encoding="utf-8") == llm_viewer.render(fixture())[llm_viewer.FILES[0]]


# ---- upstream's format --------------------------------------------------------------------------

def test_entry_has_the_keys_of_upstreams_hopper_entry(entry):
    """Hopper has no INT4 tensor cores: upstream's H100 has no INT4 key, and neither has the H200."""
    assert set(entry) == set(upstream_params()[UPSTREAM_H100])


def test_every_key_is_one_upstream_uses_and_none_every_entry_has_is_missing(entry):
    entries = list(upstream_params().values())
    assert set(entry) <= set().union(*entries)
    assert set.intersection(*(set(e) for e in entries)) <= set(entry)


def test_values_have_upstreams_types_and_categories(entry):
    categories = {e["category"] for e in upstream_params().values()}
    assert entry["category"] in categories
    for key in set(entry) - {"category"}:
        assert isinstance(entry[key], (int, float)) and entry[key] > 0, key


@pytest.mark.parametrize("key", ["bandwidth", "FP16", "INT8", "onchip_buffer", "memory_capacity"])
def test_magnitudes_are_within_2x_of_upstreams_h100(entry, key):
    ratio = entry[key] / upstream_params()[UPSTREAM_H100][key]
    assert 0.5 <= ratio <= 2, (key, ratio)


def test_units_are_bytes_per_second_and_ops_per_second(entry):
    rows = rows_by_atom(fixture())
    assert entry["bandwidth"] == pytest.approx(fixture()["movement"]["levels"]["dram"]["bandwidth_gbs"] * 1e9)
    assert entry["FP16"] == pytest.approx(rows[FP16_ATOM]["tflops"] * 1e12)
    assert entry["INT8"] == pytest.approx(rows[INT8_ATOM]["tflops"] * 1e12)
    assert entry["memory_capacity"] == fixture()["device"]["memory_bytes"]


# ---- upstream's analysis on the entry -----------------------------------------------------------

def op_context(op_handlers, onchip_buffer):
    return op_handlers.OpContext(batchsize=1, a_byte=FP16_BYTES, w_byte=FP16_BYTES, kv_byte=FP16_BYTES,
                                 hidden_size=HIDDEN, num_attention_heads=HEADS, num_key_value_heads=HEADS,
                                 head_size=HEAD_SIZE, onchip_buffer=onchip_buffer)


def projection(upstream_code, entry, q_seqlen) -> dict:
    """An attention output projection (hidden x hidden) costed as ModelAnalyzer does with w_bit =
    a_bit = 16, i.e. against the FP16 peak."""
    roofline_model, op_handlers = upstream_code
    cost = op_handlers.linear(op_context(op_handlers, entry["onchip_buffer"]), q_seqlen, q_seqlen,
                              ic=HIDDEN, oc=HIDDEN, is_kv_proj=False)
    return roofline_model.evaluate_op(**cost, bandwidth=entry["bandwidth"], max_OPS=entry["FP16"])


def test_decode_projection_is_memory_bound_at_the_measured_bandwidth(upstream_code, entry):
    result = projection(upstream_code, entry, q_seqlen=1)
    assert result["bound"] == "memory"
    assert result["inference_time"] == pytest.approx(result["memory_access"] / entry["bandwidth"])


def test_prefill_projection_is_compute_bound_at_the_measured_peak(upstream_code, entry):
    result = projection(upstream_code, entry, q_seqlen=4096)
    assert result["bound"] == "compute"
    assert result["inference_time"] == pytest.approx(result["OPs"] / entry["FP16"])


def test_flash_attention_tile_is_the_same_as_with_upstreams_register_file_figure(upstream_code, entry):
    """onchip_buffer only sizes flash-attention's tile, min(buffer / (kv bytes x head size), head
    size) rows: shared memory and register files both give head_size rows."""
    _, op_handlers = upstream_code
    ours, theirs = (op_handlers.fused_attention(op_context(op_handlers, buffer), 4096, 4096)
                    for buffer in (entry["onchip_buffer"], upstream_params()[UPSTREAM_H100]["onchip_buffer"]))
    assert ours == theirs
    assert ours["load_kv_cache"] == math.ceil(4096 / HEAD_SIZE) * 4096 * HEAD_SIZE * HEADS * FP16_BYTES * 2


# ---- the figures --------------------------------------------------------------------------------

def test_entry_name_follows_upstreams_style():
    assert llm_viewer.entry_name("NVIDIA H200") == ENTRY
    assert llm_viewer.entry_name("NVIDIA H100 80GB HBM3") == "nvidia_H100_80GB_HBM3_tcbench"


def test_figures_are_written_as_upstream_writes_them():
    assert llm_viewer.scaled_literal(4639.4, 9) == "4639.4e9"
    # a figure whose short form has an exponent of its own still gives a valid literal
    assert float(llm_viewer.scaled_literal(1234567.0, 12)) == pytest.approx(1234567.0e12)


def test_int4_is_written_when_an_instruction_runs_it_natively(tmp_path):
    table = fixture()
    for row in table["instructions"]:
        row["native"] = True if row["types"]["a"] == "s4" else row["native"]
    s4 = next(i for i in table["instructions"] if i["types"]["a"] == "s4")
    assert exported_params(table, tmp_path)[ENTRY]["INT4"] == pytest.approx(s4["tflops"] * 1e12)


def test_a_missing_int8_tier_is_left_out(tmp_path):
    table = fixture()
    table["instructions"] = [i for i in table["instructions"] if i["types"]["a"] != "s8"]
    assert "INT8" not in exported_params(table, tmp_path)[ENTRY]


@pytest.mark.parametrize("change, field", [
    (lambda t: t["device"].update(shared_memory_per_sm_bytes=None), "shared_memory_per_sm_bytes"),
    (lambda t: t["movement"]["levels"]["dram"].update(bandwidth_gbs=None), "dram.bandwidth_gbs"),
    (lambda t: t.update(instructions=[i for i in t["instructions"] if i["types"]["a"] != "f16"]), "FP16"),
])
def test_an_entry_upstream_cannot_use_is_refused(change, field):
    table = fixture()
    change(table)
    with pytest.raises(ValueError, match=field):
        llm_viewer.render(table)


def test_output_is_deterministic_and_independent_of_input_order():
    table = fixture()
    shuffled = copy.deepcopy(table)
    random.Random(13).shuffle(shuffled["instructions"])
    assert llm_viewer.render(shuffled) == llm_viewer.render(table)


@pytest.mark.parametrize("name", llm_viewer.FILES)
def test_output_is_the_committed_one(name):
    assert llm_viewer.render(fixture())[name] == (EXPECTED / name).read_text(encoding="utf-8")


if __name__ == "__main__":
    EXPECTED.mkdir(exist_ok=True)
    for file_name, file_text in llm_viewer.render(fixture()).items():
        (EXPECTED / file_name).write_text(file_text, encoding="utf-8")
        print(EXPECTED / file_name)
