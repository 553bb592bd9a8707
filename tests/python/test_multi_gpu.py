"""Several chips of one GPU model (issue #16): merge (one results folder and cost table with the
spread across chips), compare of chips (a planted outlier is flagged, chips within their noise
are not), the interference report of a node sweep, and the errors for bad input (mixed models,
a missing run.json, malformed CSVs). The chips are synthetic copies of a subset of the committed
H100 results (and one H200 folder for the mixed-model case), scaled per chip."""
from __future__ import annotations

import csv
import os
import subprocess
import io
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.__main__ import main  # noqa: E402
from analysis.chips import outliers, spread  # noqa: E402
from analysis.cost_table_validate import validate_cost_table  # noqa: E402

H100, H200 = REPO / "results" / "nvidia-h100-80gb-hbm3", REPO / "results" / "nvidia-h200"
# A few atoms of every kind the cost table reads (latency, throughput, wgmma issue interval).
ATOMS = ("SM80_16x8x16_F32F16F16F32_TN", "SM80_16x8x8_F32TF32TF32F32_TN", "SM90_64x256x16_F32F16F16_RS",
         "SM90_64x128x16_F32F16F16_SS")
FLOATS = ("value", "median")


def _subset(src: Path, table: str) -> pd.DataFrame:
    df = pd.read_csv(src / f"{table}.csv.gz", dtype=str, keep_default_na=False)
    return df[df["atom"].isin(ATOMS)] if table == "instructions" else df


@pytest.fixture(scope="module")
def subsets():
    return {(src, t): _subset(src, t) for src in (H100, H200) for t in ("instructions", "movement")}


def make_chip(subsets, folder: Path, uuid: str, scale=lambda row: 1.0, src: Path = H100) -> Path:
    """A chip folder: `src`'s run.json with this uuid, and its subset of rows with value and
    median multiplied by scale(row)."""
    folder.mkdir(parents=True)
    run = json.loads((src / "run.json").read_text())
    run["device"]["uuid"] = uuid
    (folder / "run.json").write_text(json.dumps(run))
    for t in ("instructions", "movement"):
        df = subsets[(src, t)].copy()
        f = df.apply(scale, axis=1).astype(float)
        for c in FLOATS:
            df[c] = (pd.to_numeric(df[c]) * f).map(lambda x: f"{x:.6g}")
        df.to_csv(folder / f"{t}.csv", index=False)
    return folder


def uuid(i: int) -> str:
    return f"GPU-{i:08x}-1111-2222-3333-444444444444"


def tflops_scale(factor: float):
    return lambda row: factor if row["metric"] in ("tflops", "bandwidth_gbs") else 1.0


@pytest.fixture
def four_chips(subsets, tmp_path):
    """Four chips: three within 0.1% of each other, the fourth 5% slower in TFLOP/s and GB/s (its
    clock is lower, as a badly cooled chip's would be)."""
    base = tmp_path / "results" / "nvidia-h100-80gb-hbm3"
    for i, f in enumerate((1.0, 1.001, 0.999)):
        make_chip(subsets, base / uuid(i), uuid(i), lambda row, f=f: f)
    make_chip(subsets, base / uuid(3), uuid(3), tflops_scale(0.95))
    return base


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


# ---- merge ---------------------------------------------------------------------------------------

def test_merge_writes_median_rows_spread_and_a_cost_table_with_the_spread(four_chips, tmp_path, capsys):
    out = tmp_path / "merged"
    assert main(["merge", str(four_chips), "--out", str(out)]) == 0
    assert "merged 4 chips" in capsys.readouterr().out
    for name in ("instructions.csv", "movement.csv", "spread.csv", "chips.csv", "run.json", "cost_table.json",
                 "merge.md"):
        assert (out / name).is_file(), name
    # One row by hand: chip values v, 1.001 v, 0.999 v, 0.95 v -> median (v + 0.999 v) / 2.
    src = _subset(H100, "instructions")
    first = src[(src["metric"] == "tflops") & src["valid"].eq("true")].iloc[0]
    v = float(first["value"])
    key = lambda r: (r["atom"], r["metric"], r["warps_per_sm"], r["ilp"])  # noqa: E731
    merged = {key(r): r for r in rows(out / "instructions.csv")}[key(first)]
    assert float(merged["value"]) == pytest.approx((v + 0.999 * v) / 2, rel=1e-5)
    s = {key(r): r for r in rows(out / "spread.csv")}[key(first)]
    assert int(s["chips"]) == 4
    assert float(s["min"]) == pytest.approx(0.95 * v, rel=1e-5) and float(s["max"]) == pytest.approx(1.001 * v, rel=1e-5)
    values = pd.Series([v, 1.001 * v, 0.999 * v, 0.95 * v])
    assert float(s["cv"]) == pytest.approx(values.std() / values.mean(), rel=1e-4)
    assert s["lowest_chip"] == uuid(3).split("-")[1] and s["highest_chip"] == uuid(1).split("-")[1]

    table = json.loads((out / "cost_table.json").read_text())
    validate_cost_table(table, "cost_table.json")
    assert table["chips"]["count"] == 4 and table["chips"]["model"] == "NVIDIA H100 80GB HBM3"
    wgmma = next(i for i in table["instructions"] if i["atom"] == "SM90_64x256x16_F32F16F16_RS")
    tf = wgmma["across_chips"]["tflops"]
    assert tf["chips"] == 4 and tf["min"] < 0.96 * tf["max"]  # the slow chip is the minimum
    assert wgmma["across_chips"]["latency_cycles"]["cv"] == pytest.approx(0, abs=2e-3)
    run = json.loads((out / "run.json").read_text())
    assert run["kind"] == "merge" and run["status"] == "complete" and len(run["chips"]) == 4
    # The merged folder is a results folder: compare reads it against one chip.
    assert main(["compare", str(four_chips / uuid(0)), str(out), "--out", str(tmp_path / "c")]) == 0


def test_merge_of_two_runs_of_one_chip_says_so(subsets, tmp_path):
    a = make_chip(subsets, tmp_path / "run1", uuid(7))
    b = make_chip(subsets, tmp_path / "run2", uuid(7), lambda row: 1.002)
    out = tmp_path / "merged"
    assert main(["merge", str(a), str(b), "--out", str(out)]) == 0
    assert "The same chip appears in several folders" in (out / "merge.md").read_text()
    assert json.loads((out / "run.json").read_text())["repeated_chips"] == [uuid(7)]


def test_merge_refuses_two_gpu_models(subsets, tmp_path, capsys):
    make_chip(subsets, tmp_path / "in" / "a", uuid(0))
    make_chip(subsets, tmp_path / "in" / "b", uuid(1), src=H200)
    assert main(["merge", str(tmp_path / "in"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "more than one GPU model" in err and "NVIDIA H200" in err and "NVIDIA H100 80GB HBM3" in err
    assert not (tmp_path / "m").exists()


def test_merge_names_a_missing_run_json(subsets, tmp_path, capsys):
    make_chip(subsets, tmp_path / "in" / "a", uuid(0))
    b = make_chip(subsets, tmp_path / "in" / "b", uuid(1))
    (b / "run.json").unlink()
    assert main(["merge", str(tmp_path / "in"), "--out", str(tmp_path / "m")]) == 3
    assert f"{b / 'run.json'}: not found" in capsys.readouterr().err


def test_merge_names_a_run_json_without_the_uuid(subsets, tmp_path, capsys):
    a = make_chip(subsets, tmp_path / "a", uuid(0))
    run = json.loads((a / "run.json").read_text())
    del run["device"]["uuid"]
    (a / "run.json").write_text(json.dumps(run))
    assert main(["merge", str(a), "--out", str(tmp_path / "m")]) == 3
    assert "field device.uuid is missing" in capsys.readouterr().err


def test_merge_refuses_a_cut_csv_naming_file_and_line(subsets, tmp_path, capsys):
    make_chip(subsets, tmp_path / "in" / "a", uuid(0))
    b = make_chip(subsets, tmp_path / "in" / "b", uuid(1))
    text = (b / "instructions.csv").read_text()
    (b / "instructions.csv").write_text(text[: len(text) - 20])  # an interrupted write
    assert main(["merge", str(tmp_path / "in"), "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert f"{b / 'instructions.csv'}: line" in err and "cut off" in err and "not merged" in err
    assert not (tmp_path / "m").exists()


def test_merge_names_a_csv_missing_a_column(subsets, tmp_path, capsys):
    a = make_chip(subsets, tmp_path / "a", uuid(0))
    df = pd.read_csv(a / "instructions.csv", dtype=str, keep_default_na=False).drop(columns=["metric"])
    df.to_csv(a / "instructions.csv", index=False)
    assert main(["merge", str(a), "--out", str(tmp_path / "m")]) != 0
    assert f"{a / 'instructions.csv'}: missing columns metric" in capsys.readouterr().err


def test_merge_refuses_an_existing_merge_without_force(four_chips, tmp_path, capsys):
    out = tmp_path / "merged"
    assert main(["merge", str(four_chips), "--out", str(out)]) == 0
    assert main(["merge", str(four_chips), "--out", str(out)]) == 1
    assert "already holds results" in capsys.readouterr().err
    assert main(["merge", str(four_chips), "--out", str(out), "--force"]) == 0


# ---- compare of chips ----------------------------------------------------------------------------

def test_compare_flags_the_planted_outlier_only(four_chips, tmp_path, capsys):
    merged = tmp_path / "merged"
    assert main(["merge", str(four_chips), "--out", str(merged)]) == 0
    for source in ([str(merged)], [str(four_chips)]):  # the merged folder, or the chip folders
        out = tmp_path / ("c" + str(len(source[0])))
        assert main(["compare", *source, "--out", str(out)]) == 0
        assert f"chips that stand out: {uuid(3).split('-')[1]};" in capsys.readouterr().out
        verdicts = (out / "compare_chips.md").read_text()
        assert "**1 of 4 chips stand out.**" in verdicts
        flagged = [r for r in rows(out / "compare_chips.csv") if r["flagged"] == "true"]
        assert flagged and {r["chip"] for r in flagged} == {uuid(3).split("-")[1]}
        assert {r["metric"] for r in flagged} <= {"tflops", "bandwidth_gbs"}


def test_compare_flags_no_chip_within_the_noise(subsets, tmp_path, capsys):
    for i, f in enumerate((1.0, 1.002, 0.998)):  # within the 0.5% floor
        make_chip(subsets, tmp_path / "chips" / uuid(i), uuid(i), lambda row, f=f: f)
    assert main(["compare", str(tmp_path / "chips"), "--out", str(tmp_path / "c")]) == 0
    assert "chips that stand out: none" in capsys.readouterr().out
    assert "**No chip stands out** (3 chips)." in (tmp_path / "c" / "compare_chips.md").read_text()


def test_compare_names_a_malformed_chips_csv_line(four_chips, tmp_path, capsys):
    merged = tmp_path / "merged"
    assert main(["merge", str(four_chips), "--out", str(merged)]) == 0
    lines = (merged / "chips.csv").read_text().splitlines(keepends=True)
    header = lines[0].strip().split(",")
    fields = next(csv.reader([lines[3]]))
    fields[header.index("value")] = "fast"
    lines[3] = ",".join(f'"{x}"' if "," in x else x for x in fields) + "\n"
    (merged / "chips.csv").write_text("".join(lines))
    assert main(["compare", str(merged), "--out", str(tmp_path / "c")]) == 3
    assert f"{merged / 'chips.csv'}: line 4: field value" in capsys.readouterr().err


def test_outliers_rule_on_a_small_table():
    key = dict(table="instructions", family="wgmma", atom="X", metric="tflops", warps_per_sm=4, ilp=1, size_bytes=0,
               params="", unit="TFLOP/s")
    df = pd.DataFrame([dict(key, chip=c, value=v, noise=0.001) for c, v in
                       (("a", 100.0), ("b", 100.4), ("c", 99.8), ("d", 97.0))])
    flags = outliers(df).set_index("chip")
    assert flags.loc["d", "flagged"] and flags.loc["d", "outside"] == pytest.approx(1 - 97.0 / 99.8)
    assert not flags.loc[["a", "b", "c"], "flagged"].any()
    s = spread(df).iloc[0]
    assert (s["chips"], s["min"], s["max"], s["lowest_chip"], s["highest_chip"]) == (4, 97.0, 100.4, "d", "b")


# ---- interference --------------------------------------------------------------------------------

def make_node(subsets, tmp_path, concurrent_scale) -> Path:
    """A node folder as `tcbench run --devices all --interference` leaves it, for two GPUs."""
    base = tmp_path / "node-results"
    slug = "nvidia-h100-80gb-hbm3"
    phases, gpus = [], []
    for i in range(2):
        make_chip(subsets, base / slug / uuid(i) / "solo", uuid(i))
        gpus.append({"index": i, "uuid": uuid(i), "name": "NVIDIA H100 80GB HBM3", "folder": f"{slug}/{uuid(i)}"})
        proc = {"wall_seconds": 30.0, "cpu_user_seconds": 20.0, "cpu_system_seconds": 1.0,
                "involuntary_context_switches": 10}
        phases.append({"name": "solo", "wall_seconds": 30.0, "loadavg_at_end": [1.0, 1.0, 1.0],
                       "workers": [{"uuid": uuid(i), "folder": f"{slug}/{uuid(i)}/solo", "status": "complete",
                                    "process": proc}]})
    conc = []
    for i in range(2):
        chip = base / slug / uuid(i)
        staged = make_chip(subsets, tmp_path / f"c{i}", uuid(i), concurrent_scale(i))
        for f in staged.iterdir():
            f.rename(chip / f.name)
        conc.append({"uuid": uuid(i), "folder": f"{slug}/{uuid(i)}", "status": "complete",
                     "process": {"wall_seconds": 33.0, "cpu_user_seconds": 21.0, "cpu_system_seconds": 1.0,
                                 "involuntary_context_switches": 900}})
    phases.append({"name": "concurrent", "wall_seconds": 33.0, "loadavg_at_end": [2.5, 1.0, 1.0], "workers": conc})
    node = base / "nodes" / "host1"
    node.mkdir(parents=True)
    (node / "node.json").write_text(json.dumps({"kind": "node", "status": "complete", "host": {"hostname": "host1",
                                                "cpus_online": 16}, "gpus": gpus, "phases": phases,
                                                "command": "tcbench run --devices all --interference",
                                                "git": {"sha": "0" * 40}}))
    return node


def test_interference_report_says_which_gpu_concurrency_changed(subsets, tmp_path, capsys):
    node = make_node(subsets, tmp_path, lambda i: tflops_scale(0.97) if i == 1 else (lambda row: 1.0))
    assert main(["interference", str(node)]) == 0
    assert "1 of 2 GPU(s) measured differently" in capsys.readouterr().out
    md = (node / "interference.md").read_text()
    assert f"| {uuid(0)} | no row changed beyond its noise |" in md
    assert f"| {uuid(1)} | **" in md and "rows changed** (median B/A" in md
    assert "ratio 1.10 (within the 1.2× bar)" in md
    assert "10 → 900" in md  # involuntary context switches alone vs concurrent
    changed = [r for r in rows(node / "interference.csv") if r["differs"] == "true"]
    assert changed and {r["uuid"] for r in changed} == {uuid(1)}


def test_interference_needs_a_node_summary(tmp_path, capsys):
    assert main(["interference", str(tmp_path)]) == 3
    assert f"{tmp_path / 'node.json'}: not found" in capsys.readouterr().err


# ---- the Slurm script ----------------------------------------------------------------------------

SLURM = REPO / "scripts" / "slurm_sweep.sh"


def test_slurm_submit_is_an_array_per_node_then_a_merge_after_all(tmp_path):
    r = subprocess.run(["bash", str(SLURM), "submit", "--nodes", "3", "--out", str(tmp_path), "--partition", "gpu",
                        "--dry-run", "--", "--config", "configs/full.yaml"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sweep, merge_ = r.stdout.splitlines()
    assert "--array=0-2" in sweep and "--exclusive" in sweep and "--partition=gpu" in sweep
    assert sweep.endswith(f"task --out {tmp_path} -- --config configs/full.yaml")
    assert "--dependency=afterok:<array job id>" in merge_ and merge_.endswith(f"merge --out {tmp_path}")
    bad = subprocess.run(["bash", str(SLURM), "submit", "--nodes", "0", "--out", str(tmp_path), "--dry-run"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--nodes must be a positive number" in bad.stderr


def test_slurm_merge_job_merges_each_model_and_compares_its_chips(four_chips, tmp_path):
    out = four_chips.parent  # <out>/<gpu-slug>/<uuid>/, as the array tasks leave it
    (out / "nodes" / "host1").mkdir(parents=True)  # node summaries are not a GPU model
    env = dict(os.environ, TCBENCH=f"{sys.executable} -m analysis", PYTHONPATH=str(REPO))
    r = subprocess.run(["bash", str(SLURM), "merge", "--out", str(out)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    merged = out / "merged" / "nvidia-h100-80gb-hbm3"
    assert (merged / "cost_table.json").is_file()
    assert "**1 of 4 chips stand out.**" in (merged / "compare_chips.md").read_text()
