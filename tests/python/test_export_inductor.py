"""The inductor exporter (analysis/exporters/inductor.py, issue #13), tested against the consumer's
format at the pinned upstream commits (docs/exporters/inductor.md):

  * the snippet, run next to upstream's own device_info.py (tests/data/inductor/: torch 2.15.0's,
    and the older 00604d0f's without register_device_info) under a stand-in for the few parts of
    torch that file touches, registers the entry, and upstream's lookup_device_info and
    datasheet_tops answer the measured figures;
  * where torch is installed, the same through torch's own module;
  * the figures: per dtype the fastest dense tensor-core instruction of that matmul's operand
    types (sparse, other-accumulator, unsigned and emulated rows passed over), DRAM bandwidth, GiB;
  * the output for the H200 subset fixture is the committed one, and does not depend on the order
    of the table.

Regenerate the expected file after an intended change:  python3 tests/python/test_export_inductor.py"""
from __future__ import annotations

import ast
import copy
import hashlib
import inspect
import random
import runpy
import sys
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.cost_table_load import validate_cost_table  # noqa: E402
from analysis import export  # noqa: E402
from analysis.exporters import inductor  # noqa: E402
from export_upstream import (DATA, FIXTURE, fixture, load_module, rows_by_atom, upstream_text,  # noqa: E402
                             write_rendered)

UPSTREAM = DATA / "inductor"
EXPECTED = UPSTREAM / "expected"
UPSTREAM_COPIES = {inductor.UPSTREAM_COMMIT: UPSTREAM / "device_info.py",
                   inductor.UPSTREAM_OLDER_COMMIT: UPSTREAM / "device_info_00604d0.py"}
# torch 2.15.0's wheel lists this hash for the file in its RECORD.
TORCH_2_15_SHA256 = "543f224113c50de9e9f28c57f4b6d89687bf7da8b1c64cda086b8cf07d2e50ba"
DEVICE = "NVIDIA H200"
# The fixture's fastest dense instruction per tops key (make_h200_subset.py lists the rows they beat).
EXPECTED_ATOMS = {
    "float64": "SM90_16x8x16_F64F64F64F64_TN",
    "torch.tf32": "SM90_64x136x8_F32TF32TF32_SS",
    "bfloat16": "SM90_64x152x16_F32BF16BF16_RS",
    "float16": "SM90_64x144x16_F32F16F16_RS",
    "float8_e4m3fn": "SM90_64x144x32_F32E4M3E4M3_RS",
    "float8_e5m2": "SM90_64x176x32_F32E5M2E5M2_RS",
    "int8": "SM90_64x80x32_S32S8S8_SS",
}
# Every dtype the upstream copies name.
TORCH_DTYPES = ("float64", "float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2",
                "float8_e5m2fnuz", "float8_e8m0fnu", "int8")


class StandInDtype:
    """torch.dtype for upstream's file: hashable, compared by identity, and a class (upstream's
    annotation `dict[torch.dtype | str, float]` is evaluated)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


def stand_in_torch(device_name: str) -> types.ModuleType:
    """What device_info.py uses of torch: the dtypes, cuda's and xpu's availability, and the name
    torch.cuda.get_device_name() gives."""
    torch = types.ModuleType("torch")
    torch.dtype = StandInDtype
    for name in TORCH_DTYPES:
        setattr(torch, name, StandInDtype(name))
    torch.cuda = types.SimpleNamespace(is_available=lambda: True, get_device_name=lambda device=None: device_name)
    torch.xpu = types.SimpleNamespace(is_available=lambda: False)
    return torch


def install_stand_in(upstream_copy: Path, monkeypatch) -> types.SimpleNamespace:
    """torch, torch._inductor, torch._inductor.analysis (stand-ins) and upstream's device_info.py
    as torch._inductor.analysis.device_info, in sys.modules until the test ends."""
    torch = stand_in_torch(DEVICE)
    inductor_package = types.ModuleType("torch._inductor")
    analysis_package = types.ModuleType("torch._inductor.analysis")
    for module in (torch, inductor_package, analysis_package):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    torch._inductor, inductor_package.analysis = inductor_package, analysis_package
    device_info = load_module("torch._inductor.analysis.device_info", upstream_copy, monkeypatch)
    analysis_package.device_info = device_info
    return types.SimpleNamespace(torch=torch, device_info=device_info)


@pytest.fixture(params=sorted(UPSTREAM_COPIES), ids=lambda commit: commit[:8])
def upstream(request, monkeypatch) -> types.SimpleNamespace:
    return install_stand_in(UPSTREAM_COPIES[request.param], monkeypatch)


def expected_tops(table: dict, torch) -> dict:
    rows = rows_by_atom(table)
    return {(key if key.startswith("torch.") else getattr(torch, key)): rows[atom]["tflops"]
            for key, atom in EXPECTED_ATOMS.items()}


def run_snippet(table: dict, folder: Path) -> dict:
    return runpy.run_path(str(write_rendered(inductor, table, folder)))


# ---- the upstream copies ------------------------------------------------------------------------

def test_torch_copy_is_the_released_file():
    body = upstream_text(UPSTREAM_COPIES[inductor.UPSTREAM_COMMIT]).encode("utf-8")
    assert hashlib.sha256(body).hexdigest() == TORCH_2_15_SHA256


def test_fixture_is_a_valid_cost_table():
    validate_cost_table(fixture(), "h200_subset.json")


def test_files_are_the_declared_ones():
    assert set(inductor.render(fixture())) == set(inductor.FILES)


def test_tcbench_export_writes_them(tmp_path):
    written = export.export("inductor", FIXTURE, tmp_path)
    assert [path.name for path in written] == list(inductor.FILES)
    assert written[0].read_text(encoding="utf-8") == inductor.render(fixture())[inductor.FILES[0]]


# ---- through upstream's own lookup --------------------------------------------------------------

def test_upstream_lookup_answers_the_measured_entry(upstream, tmp_path):
    run_snippet(fixture(), tmp_path)
    info = upstream.device_info.lookup_device_info(DEVICE)
    assert isinstance(info, upstream.device_info.DeviceInfo)
    assert info.tops == expected_tops(fixture(), upstream.torch)
    assert info.dram_bw_gbs == fixture()["movement"]["levels"]["dram"]["bandwidth_gbs"]
    assert info.dram_gb == pytest.approx(fixture()["device"]["memory_bytes"] / 2 ** 30, rel=1e-5)


def test_upstream_datasheet_tops_answers_dense_measured_figures(upstream, tmp_path):
    """datasheet_tops (what Inductor's estimates call) divides by tops_sparsity_factor where it has
    one: the entry leaves it at 1, its figures being dense already."""
    run_snippet(fixture(), tmp_path)
    torch, rows = upstream.torch, rows_by_atom(fixture())
    assert upstream.device_info.datasheet_tops(torch.bfloat16) == rows[EXPECTED_ATOMS["bfloat16"]]["tflops"]
    assert upstream.device_info.datasheet_tops(torch.int8) == rows[EXPECTED_ATOMS["int8"]]["tflops"]


def test_float32_is_left_to_inductors_fallback(upstream, tmp_path):
    """No FP32 (FFMA) figure is measured; upstream then answers None for float32, tf32 or not (the
    dtype is checked before the tf32 key is taken), which sends Inductor to Triton's estimate."""
    run_snippet(fixture(), tmp_path)
    torch = upstream.torch
    assert upstream.device_info.datasheet_tops(torch.float32) is None
    assert upstream.device_info.datasheet_tops(torch.float32, is_tf32=True) is None


def test_float32_is_the_measured_ffma_when_the_table_has_it(upstream, tmp_path):
    """With the CUDA-core FFMA measured, float32 answers it and float32 with TF32 on the tf32 key."""
    table = fixture()
    ffma = dict(next(iter(table["instructions"])), atom="SM70_FFMA_F32", family="cuda_core", sparse=False,
                native=True, types={"a": "f32", "b": "f32", "c": "f32", "d": "f32"}, tflops=66.5)
    table["instructions"].append(ffma)
    run_snippet(table, tmp_path)
    torch = upstream.torch
    assert upstream.device_info.datasheet_tops(torch.float32) == 66.5
    tf32 = upstream.device_info.lookup_device_info(DEVICE).tops["torch.tf32"]
    assert upstream.device_info.datasheet_tops(torch.float32, is_tf32=True) == tf32


def test_registering_replaces_an_entry_of_the_same_name(upstream, tmp_path):
    table = fixture()
    table["device"]["name"] = "NVIDIA H100"
    run_snippet(table, tmp_path)
    assert upstream.device_info.lookup_device_info("NVIDIA H100").dram_bw_gbs == 4639.4


def test_every_key_written_is_one_upstream_uses(upstream, tmp_path):
    run_snippet(fixture(), tmp_path)
    device_info = upstream.device_info
    upstream_keys = {key for name, info in device_info._device_mapping.items() if name.upper() != DEVICE.upper()
                     for key in info.tops}
    assert set(device_info.lookup_device_info(DEVICE).tops) <= upstream_keys


# ---- through torch itself -----------------------------------------------------------------------

def test_torch_itself_looks_up_the_registered_entry(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch", reason="torch is not installed here: the tests above run the snippet "
                                                "with upstream's device_info.py under a stand-in for torch instead")
    from torch._inductor.analysis import device_info
    # Registration writes into torch's table: give the test a copy, restored when it ends.
    monkeypatch.setattr(device_info, "_device_mapping", dict(device_info._device_mapping))
    run_snippet(fixture(), tmp_path)
    info = device_info.lookup_device_info(DEVICE)
    assert info.tops == expected_tops(fixture(), torch)
    assert info.dram_bw_gbs == 4639.4
    if "device_name" in inspect.signature(device_info.datasheet_tops).parameters:
        assert device_info.datasheet_tops(torch.float16, device_name=DEVICE) == info.tops[torch.float16]


# ---- the figures --------------------------------------------------------------------------------

def snippet_tree(table: dict) -> ast.Module:
    return ast.parse(inductor.render(table)["inductor_device_info.py"])


def test_snippet_needs_torch_and_nothing_of_tcbench():
    imported = {alias.name if isinstance(node, ast.Import) else node.module
                for node in ast.walk(snippet_tree(fixture())) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported == {"torch", "torch._inductor.analysis"}


def written_keys(table: dict) -> set:
    """The keys of DeviceInfo(tops={...}) in the snippet, as source text."""
    call = next(node for node in ast.walk(snippet_tree(table))
                if isinstance(node, ast.Call) and ast.unparse(node.func) == "device_info.DeviceInfo")
    tops = next(keyword.value for keyword in call.keywords if keyword.arg == "tops")
    return {ast.unparse(key) for key in tops.keys}


def test_a_precision_without_a_dense_tensor_core_row_is_not_written():
    table = fixture()
    table["instructions"] = [i for i in table["instructions"] if i["types"]["a"] != "bf16"]
    text = inductor.render(table)["inductor_device_info.py"]
    assert "torch.bfloat16" not in written_keys(table)
    assert "# torch.bfloat16: not written, no measured dense bf16 x bf16 -> f32 instruction runs" in text


def test_sparse_and_emulated_rows_never_give_a_peak():
    table = fixture()
    fastest, *others = [i for i in table["instructions"] if i["types"]["a"] == "f64"]
    fastest["sparse"] = True
    for row in others:
        row["native"] = False
    assert "torch.float64" in written_keys(fixture())
    assert "torch.float64" not in written_keys(table)


def test_no_dram_bandwidth_is_refused():
    table = fixture()
    table["movement"]["levels"]["dram"]["bandwidth_gbs"] = None
    with pytest.raises(ValueError, match="dram.bandwidth_gbs"):
        inductor.render(table)


def test_output_is_deterministic_and_independent_of_input_order():
    table = fixture()
    shuffled = copy.deepcopy(table)
    random.Random(13).shuffle(shuffled["instructions"])
    assert inductor.render(shuffled) == inductor.render(table)


@pytest.mark.parametrize("name", inductor.FILES)
def test_output_is_the_committed_one(name):
    assert inductor.render(fixture())[name] == (EXPECTED / name).read_text(encoding="utf-8")


if __name__ == "__main__":
    EXPECTED.mkdir(exist_ok=True)
    for file_name, file_text in inductor.render(fixture()).items():
        (EXPECTED / file_name).write_text(file_text, encoding="utf-8")
        print(EXPECTED / file_name)
