"""The cost table builder (analysis/cost_table.py): schema-valid, measured-only, deterministic,
and refusing data that cannot be trusted."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from analysis.cost_table import build_cost_table
from analysis.export import cost_table_text
from synthetic import (DRAM_DATASHEET, DRAM_READ_BEST, IDLE_W, write_movement_folder)

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "results" / "nvidia-h200"
SCHEMA = json.loads((ROOT / "analysis" / "cost_table.schema.json").read_text())


def schema_errors(table: dict) -> list[str]:
    v = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in v.iter_errors(table)]


@pytest.fixture(scope="module")
def h200() -> dict:
    return build_cost_table(COMMITTED, exported_with="test")


def test_committed_results_make_a_valid_table_with_every_section(h200):
    assert schema_errors(h200) == []
    assert len(h200["instructions"]) >= 100
    assert {"shared", "l1", "l2", "dram"} <= set(h200["movement"]["levels"])
    assert h200["energy"]["idle_power_w"] is not None
    assert len(h200["numerics"]["paths"]) >= 99
    assert h200["device"]["name"] == "NVIDIA H200"


def test_instruction_figures_are_the_csv_measurements(h200):
    import pandas as pd
    rows = pd.read_csv(COMMITTED / "instructions.csv.gz")
    atom = "SM80_16x8x16_F32F16F16F32_TN"
    entry = next(e for e in h200["instructions"] if e["atom"] == atom)
    mine = rows[(rows["atom"] == atom) & rows["valid"]]
    lat = mine[mine["metric"] == "latency_cycles"]["value"].median()
    ops = mine[mine["metric"] == "ops_per_clk_sm"]["value"].max()
    assert entry["latency_cycles"] == pytest.approx(lat, rel=1e-5)
    assert entry["ops_per_clk_sm"] == pytest.approx(ops, rel=1e-5)
    best = mine[(mine["metric"] == "ops_per_clk_sm") & (mine["value"] == ops)].iloc[0]
    assert entry["peak_at"] == {"warps_per_sm": int(best["warps_per_sm"]), "ilp": int(best["ilp"])}
    assert entry["issue_interval_source"] == "from_peak_rate"
    assert entry["issue_interval_cycles"] == pytest.approx(4 * 2 * 16 * 8 * 16 / ops, rel=1e-5)


def test_levels_hold_the_chase_plateaus_and_best_reads(h200):
    levels = h200["movement"]["levels"]
    chase = {(c["series"], c["level"]): c for c in h200["movement"]["chase"]}
    assert levels["dram"]["latency_cycles"] == chase[("ld.global.ca", "DRAM")]["latency_cycles"]
    assert levels["l2"]["latency_cycles"] < levels["l2_far"]["latency_cycles"] < levels["dram"]["latency_cycles"]
    assert levels["l1"]["latency_cycles"] < levels["l2"]["latency_cycles"]
    assert levels["dram"]["datasheet_gbs"] > 0 and levels["dram"]["bandwidth_gbs"] <= levels["dram"]["datasheet_gbs"]
    assert levels["dsmem"]["latency_cycles"] > levels["shared"]["latency_cycles"]


def test_wgmma_issue_interval_is_the_measured_one(h200):
    wg = [e for e in h200["instructions"] if e["family"] == "wgmma" and e["issue_interval_cycles"] is not None]
    assert wg and all(e["issue_interval_source"] == "measured" for e in wg)


def test_reach_points_are_ordered(h200):
    for e in h200["instructions"]:
        if e["reach_90"] and e["reach_100"]:
            r90, r100 = e["reach_90"], e["reach_100"]
            assert (r90["warps_per_sm"], r90["ilp"]) <= (r100["warps_per_sm"], r100["ilp"]), e["atom"]


def _walk(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def test_datasheet_figures_appear_only_under_datasheet_keys(tmp_path):
    table = build_cost_table(write_movement_folder(tmp_path / "gpu"), exported_with="test")
    assert schema_errors(table) == []
    at = [k for k, v in _walk(table) if v == DRAM_DATASHEET]
    assert at and all(k.startswith("datasheet_") for k in at), at
    best = max(p["bandwidth_gbs"] or 0 for p in table["movement"]["paths"] if p["datasheet_gbs"])
    assert best == DRAM_READ_BEST
    assert table["energy"]["idle_power_w"] == IDLE_W


def test_same_folder_same_bytes(tmp_path):
    folder = write_movement_folder(tmp_path / "gpu")
    one = cost_table_text(build_cost_table(folder, exported_with="x"))
    two = cost_table_text(build_cost_table(folder, exported_with="x"))
    assert one == two


def test_an_incomplete_run_makes_no_table(tmp_path):
    folder = write_movement_folder(tmp_path / "gpu")
    run = json.loads((folder / "run.json").read_text())
    run["status"] = "partial"
    (folder / "run.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match=r"run\.json"):
        build_cost_table(folder)


def test_provenance_hashes_every_source(tmp_path):
    import hashlib
    folder = write_movement_folder(tmp_path / "gpu")
    prov = build_cost_table(folder, exported_with="x")["provenance"]
    files = {f["file"]: f["sha256"] for f in prov["data_files"]}
    assert files["movement.csv"] == hashlib.sha256((folder / "movement.csv").read_bytes()).hexdigest()
    assert [s["file"] for s in prov["sources"]] == ["run.json"]


# Every measured GPU whose table is committed (results/nvidia-h200, results/nvidia-h100-80gb-hbm3, ...)
COMMITTED_GPUS = sorted(p.parent for p in (ROOT / "results").glob("*/cost_table.json"))


@pytest.mark.parametrize("gpu", COMMITTED_GPUS, ids=lambda p: p.name)
def test_committed_table_is_what_the_committed_results_give(gpu):
    """results/<gpu>/cost_table.json is regenerated from the committed results, not typed: only the
    exporter's commit may differ, and the `calibration` section `tcbench calibrate` adds (fitted to
    measured GEMMs, not derived from the sweep; test_optimizer_cli.py checks it)."""
    committed = json.loads((gpu / "cost_table.json").read_text())
    committed["provenance"]["exported_with_git_sha"] = "test"
    calibration = committed.pop("calibration", None)
    assert calibration is None or calibration["kind"] == "tcbench-gemm-calibration"
    assert committed == json.loads(cost_table_text(build_cost_table(gpu, exported_with="test")))


@pytest.mark.parametrize("gpu", COMMITTED_GPUS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", ["accel-sim", "inductor", "llm-viewer", "infinitensor"])
def test_committed_exports_are_what_the_committed_table_gives(fmt, gpu):
    from analysis.export import formats
    folder = gpu / "exports" / fmt
    if not folder.is_dir():
        pytest.skip(f"{folder} not committed yet (the {fmt} export needs a GPU measurement first)")
    table = json.loads((gpu / "cost_table.json").read_text())
    files = formats()[fmt].render(table, gpu)
    for name, text in files.items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{folder / name} is stale"
