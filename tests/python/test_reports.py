"""Reports and compare (issue #13 item 4): `report --out` with the report_*.csv tables, the new
sections and plots (latency and peak by family and type, bandwidth per level, energy per
operation, the roofline from a cost table), the progress counter, byte-identical output from
the committed results, and `compare A B` with its noise rule. Synthetic folders
(tests/python/synthetic.py) except the determinism test."""
from __future__ import annotations

import csv
import filecmp
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic as syn  # noqa: E402
from analysis.__main__ import main  # noqa: E402
from analysis.compare import NOISE_FLOOR, compare_rows, load_side  # noqa: E402
from analysis.levels import level_of  # noqa: E402
from analysis.plots import plot_roofline, roofline_roofs  # noqa: E402
from analysis.progress import Progress  # noqa: E402
from analysis.report import write_report  # noqa: E402
from analysis.report_csv import REPORT_CSVS  # noqa: E402

COMMITTED = REPO / "results" / "nvidia-h200"


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A synthetic folder with all three tables, reported into a separate --out folder."""
    base = tmp_path_factory.mktemp("rep")
    folder = syn.write_movement_folder(base / "results" / "gpu")
    before = listing(folder)
    out = base / "out" / "nested"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    assert listing(folder) == before  # the results folder is left alone
    return folder, out, (out / "report.md").read_text()


# ---- report --out and its CSV tables ------------------------------------------------------------

def test_out_folder_holds_report_plots_and_every_csv(reported):
    _, out, md = reported
    assert sorted(p.name for p in out.iterdir()) == sorted(["report.md", "plots", *REPORT_CSVS])
    plots = {p.name for p in (out / "plots").iterdir()}
    assert {"latency_peak_by_type.png", "bandwidth_levels.png", "energy.png", "memory_latency.png"} <= plots
    for name in ("latency_peak_by_type.png", "bandwidth_levels.png", "energy.png"):
        assert f"](plots/{name})" in md


def test_atoms_csv_has_one_row_per_atom(reported):
    _, out, _ = reported
    rows = read_csv(out / "report_atoms.csv")
    assert [r["atom"] for r in rows] == list(syn.MMA_BEST)
    f16 = next(r for r in rows if r["atom"] == syn.MMA_F16)
    assert float(f16["best_ops_per_clk_sm"]) == pytest.approx(syn.MMA_BEST[syn.MMA_F16], rel=1e-5)
    assert (f16["best_warps_per_sm"], f16["best_ilp"], f16["sparse"]) == ("16", "2", "false")
    assert float(f16["latency_cycles"]) == pytest.approx(26.8)


def test_latency_and_peak_by_family_and_type(reported):
    _, out, md = reported
    assert "## Latency and peak by family and type" in md
    rows = {(r["family"], r["type"]): r for r in read_csv(out / "report_by_type.csv")}
    f16 = rows[("mma.sync", "f16→f32")]
    assert f16["atoms"] == "2" and f16["best_atom"] == syn.MMA_F16
    assert float(f16["lowest_latency_cycles"]) == pytest.approx(17.4)
    assert f16["lowest_latency_atom"] == syn.MMA_F16_SMALL


def test_bandwidth_per_level(reported):
    _, out, md = reported
    assert "### Bandwidth per level" in md
    rows = read_csv(out / "report_bandwidth.csv")
    by_atom = {(r["atom"], r["variant"]): r for r in rows}
    # A per-SM rate counts at the SMs and the clock of its row: 128 B/clk/SM x 132 x 1755 MHz.
    smem = by_atom[("smem.load.b32", "")]
    assert smem["level"] == "shared" and float(smem["best_gbs"]) == pytest.approx(128 * syn.SMS * syn.CLOCK / 1e3,
                                                                                  rel=1e-5)
    assert by_atom[("cp.async.cg.16", "src=l2")]["level"] == "l2"
    assert by_atom[("global.bandwidth", "op=read")]["level"] == "global"  # no level in its params
    assert float(by_atom[("global.bandwidth", "op=read")]["best_gbs"]) == pytest.approx(syn.DRAM_READ_BEST)


@pytest.mark.parametrize("params, ptx, level", [
    ({"level": "DRAM"}, "ld.global.cg.v4", "dram"), ({"src": "l1"}, "cp.async.ca.shared.global", "l1"),
    ({}, "ld.shared.v4.b32", "shared"), ({}, "ld.shared::cluster.u64", "dsmem"),
    ({}, "cp.async.bulk.shared::cluster.global", "global"), ({}, "mov.u32", "other")])
def test_level_of_a_path(params, ptx, level):
    assert level_of(params, ptx) == level


def test_energy_per_operation(reported):
    _, out, md = reported
    assert "![energy per operation](plots/energy.png)" in md
    rows = {r["atom"]: r for r in read_csv(out / "report_energy.csv")}
    atom = "SM90_SPARSE_64x256x32_F32F16F16_RS"
    assert rows[atom]["kind"] == "pj_per_fma" and rows[atom]["sparse"] == "true"
    assert float(rows[atom]["pj"]) == pytest.approx(syn.ENERGY_PJ[atom][3])
    assert rows[syn.ENERGY_INVALID_ATOM]["pj_above_idle"] == ""  # invalid: no number
    assert rows["dram_read"]["kind"] == "pj_per_byte" and float(rows["dram_read"]["pj"]) == 60.0


def test_energy_subfolder_is_read_with_its_folder(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "gpu")
    (folder / "energy").mkdir()
    shutil.move(folder / "energy.csv", folder / "energy" / "energy.csv")
    run = json.loads((folder / "run.json").read_text())
    run["tables"].remove("energy")
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "energy" / "run.json").write_text(json.dumps(run | {"tables": ["energy"]}))
    assert main(["report", str(folder)]) == 0
    md = (folder / "report.md").read_text()
    assert "## Energy" in md and f"{(folder / 'energy').name}/run.json" in md


def test_an_out_path_that_is_a_file_is_refused(tmp_path, capsys):
    folder = syn.write_movement_folder(tmp_path / "gpu")
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["report", str(folder), "--out", str(target)]) == 1
    assert f"{target}: exists and is not a folder" in capsys.readouterr().err


# ---- progress --------------------------------------------------------------------------------------

def test_progress_counts_on_stderr_only_when_asked(tmp_path, capsys):
    folder = syn.write_movement_folder(tmp_path / "gpu")
    out = write_report(folder, progress=True)
    err = capsys.readouterr().err
    n = len(out["plots"])
    assert f"\rreport: plot 1/{n}" in err and err.endswith(f"\rreport: plot {n}/{n}\n")
    write_report(folder, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_without_work_prints_nothing():
    buf = io.StringIO()
    p = Progress("x", 0, True, buf)
    p.finish()
    assert buf.getvalue() == ""


# ---- the roofline --------------------------------------------------------------------------------

def _instr(atom, a, tflops, sparse=False):
    # Only the keys plot_roofline may read: a missing other key proves it reads no more.
    return {"atom": atom, "family": "wgmma", "types": {"a": a, "b": a, "c": "f32", "d": "f32"}, "sparse": sparse,
            "tflops": tflops}


HAND_MADE_TABLE = {
    "device": {"name": "Made-up GPU"},
    "instructions": [_instr("F16_A", "f16", 900.0), _instr("F16_B", "f16", 950.0),
                     _instr("F16_SP", "f16", 1800.0, True), _instr("E4M3", "e4m3", 1900.0),
                     _instr("S8_NONE", "s8", None)],
    "movement": {"levels": {"dram": {"bandwidth_gbs": 4600.0}, "l2": {"bandwidth_gbs": 13000.0},
                            "dsmem": {"bandwidth_gbs": None}}},
}


def test_roofline_roofs_best_dense_per_input_type():
    compute, memory = roofline_roofs(HAND_MADE_TABLE)
    assert compute == {"f16": 950.0, "e4m3": 1900.0}  # sparse and unmeasured ones left out
    assert memory == {"dram": 4600.0, "l2": 13000.0}


def test_roofline_plot_from_a_hand_made_table(tmp_path):
    from PIL import Image
    path = plot_roofline(HAND_MADE_TABLE, tmp_path / "roofline.png")
    with Image.open(path) as im:
        assert im.mode == "P" and im.size[0] <= 720
    empty = {"device": {"name": "x"}, "instructions": [], "movement": {"levels": {}}}
    assert plot_roofline(empty, tmp_path / "empty.png").stat().st_size > 0
    # The same table, the same bytes.
    assert plot_roofline(HAND_MADE_TABLE, tmp_path / "again.png").read_bytes() == path.read_bytes()


# ---- determinism: the committed results, twice --------------------------------------------------

def test_committed_report_is_byte_identical_twice(tmp_path):
    """Two reports of the committed results into two folders (at once: two processes) give the
    same files byte for byte: report.md, every CSV and every PNG."""
    outs = [tmp_path / "one", tmp_path / "two"]
    procs = [subprocess.Popen([sys.executable, "-m", "analysis", "report", str(COMMITTED.relative_to(REPO)), "--out",
                               str(o), "--no-progress"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for o in outs]
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
    files = listing(outs[0])
    assert files == listing(outs[1])
    assert {"report.md", "plots/peak_throughput.png", "plots/energy.png", *REPORT_CSVS} <= set(files)
    regular = [f for f in files if (outs[0] / f).is_file()]
    _, mismatch, errors = filecmp.cmpfiles(outs[0], outs[1], regular, shallow=False)
    assert mismatch == [] and errors == []
    md = (outs[0] / "report.md").read_text()
    assert str(tmp_path) not in md and str(REPO) not in md  # no absolute paths


# ---- compare -------------------------------------------------------------------------------------

def _scaled(rows: list[dict], atom: str, metric: str, factor: float, **extra) -> list[dict]:
    return [r | {"value": r["value"] * factor, "median": r["median"] * factor, **extra}
            if r["atom"] == atom and r["metric"] == metric else r for r in rows]


def _pair(tmp_path, b_rows: list[dict], b_name: str | None = None) -> tuple[Path, Path]:
    a = syn.write_movement_folder(tmp_path / "a")
    b = syn.write_movement_folder(tmp_path / "b")
    syn.write_table(b, "instructions", b_rows)
    if b_name:
        run = json.loads((b / "run.json").read_text())
        run["device"]["name"] = b_name
        (b / "run.json").write_text(json.dumps(run))
    return a, b


PLANTED = syn.MMA_F16              # ops/clk/SM x 1.10 in B: must be flagged
WITHIN_FLOOR = syn.MMA_TF32        # ops/clk/SM x 1.002: under the 0.5% floor
WITHIN_NOISE = syn.MMA_F16_SMALL   # latency x 1.02 with iqr 1.5% of the median on each side: within 3 x noise


def planted_rows() -> list[dict]:
    rows = _scaled(syn.mma_sync_rows(), PLANTED, "ops_per_clk_sm", 1.10)
    rows = _scaled(rows, WITHIN_FLOOR, "ops_per_clk_sm", 1.002)
    return _scaled(rows, WITHIN_NOISE, "latency_cycles", 1.02)


def _noisy_latency(folder: Path) -> None:
    """iqr = 1.5% of the median on the WITHIN_NOISE latency row (both sides)."""
    rows = read_csv(folder / "instructions.csv")
    for r in rows:
        if r["atom"] == WITHIN_NOISE and r["metric"] == "latency_cycles":
            r["iqr"] = str(0.015 * float(r["median"]))
    syn.write_table(folder, "instructions", rows)


@pytest.fixture
def compared(tmp_path):
    a, b = _pair(tmp_path, planted_rows())
    for f in (a, b):
        _noisy_latency(f)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    return a, b, out


def test_compare_flags_the_planted_difference_only(compared):
    _, _, out = compared
    rows = read_csv(out / "compare.csv")
    differ = {(r["atom"], r["metric"]) for r in rows if r["differs"] == "true"}
    assert differ == {(PLANTED, "ops_per_clk_sm")}
    assert {r["table"] for r in rows} == {"instructions", "movement", "energy"}
    f16 = next(r for r in rows if r["atom"] == PLANTED and r["metric"] == "ops_per_clk_sm")
    assert float(f16["ratio"]) == pytest.approx(1.10)
    noisy = next(r for r in rows if r["atom"] == WITHIN_NOISE and r["metric"] == "latency_cycles")
    assert float(noisy["noise"]) == pytest.approx(0.015 * 2 ** 0.5, rel=1e-3) and noisy["differs"] == "false"


def test_compare_markdown_and_plot(compared):
    _, _, out = compared
    md = (out / "compare.md").read_text()
    assert "**8 of" in md and "compared rows differ**" in md  # the 8 grid points of the planted atom
    assert "Same GPU model (NVIDIA H100 80GB HBM3)" in md
    assert f"| instructions | mma.sync | {PLANTED} | ops_per_clk_sm |" in md
    assert (out / "compare.png").stat().st_size > 1000


def test_compare_two_gpus_says_so(tmp_path):
    a, b = _pair(tmp_path, syn.mma_sync_rows(), b_name="NVIDIA H200")
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    md = (out / "compare.md").read_text()
    assert "**Two different GPUs** (NVIDIA H100 80GB HBM3 vs NVIDIA H200)" in md
    assert "**0 of" in md


def test_run_to_run_spread_of_stability_runs_counts_as_noise(tmp_path):
    rows = _scaled(syn.mma_sync_rows(), WITHIN_FLOOR, "ops_per_clk_sm", 1.06)
    a, b = _pair(tmp_path, rows)
    side = lambda: {(r["atom"], r["metric"], r["warps_per_sm"]) for _, r in  # noqa: E731
                    compare_rows(load_side(a), load_side(b)).query("differs").iterrows()}
    assert (WITHIN_FLOOR, "ops_per_clk_sm", 16) in side()
    for i, f in enumerate((1.0, 1.04)):  # two earlier runs 4% apart: 3 x 4% > 6%
        syn.write_folder(a / "stability" / f"run{i}", _scaled(syn.mma_sync_rows(), WITHIN_FLOOR, "ops_per_clk_sm", f))
    assert load_side(a).runs == 2
    assert not any(atom == WITHIN_FLOOR for atom, _, _ in side())


def test_compare_threshold_option(tmp_path):
    a, b = _pair(tmp_path, planted_rows())
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out), "--threshold", "0.2"]) == 0
    assert all(r["differs"] == "false" for r in read_csv(out / "compare.csv"))
    assert NOISE_FLOOR == 0.005


def test_compare_bad_input_names_the_file(tmp_path, capsys):
    a = syn.write_movement_folder(tmp_path / "a")
    assert main(["compare", str(a), str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert f"{tmp_path / 'nope'}: no such results folder" in capsys.readouterr().err
    broken = syn.write_movement_folder(tmp_path / "broken")
    (broken / "instructions.csv").unlink()
    (broken / "instructions.csv.gz").write_bytes(b"not gzip")
    assert main(["compare", str(a), str(broken), "--out", str(tmp_path / "o")]) == 1
    assert f"{broken / 'instructions.csv.gz'}: cannot read" in capsys.readouterr().err


def test_compare_without_common_rows(tmp_path, capsys):
    a = syn.write_folder(tmp_path / "a", syn.mma_sync_rows())
    b = syn.write_folder(tmp_path / "b", syn.mma_sp_rows())
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "o")]) == 1
    assert "no measurement is valid in both" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_compare_usage_errors_exit_2(tmp_path, capsys):
    a = syn.write_movement_folder(tmp_path / "a")
    with pytest.raises(SystemExit) as e:
        main(["compare"])
    assert e.value.code == 2
    # One results folder is neither A B nor chips of a model (#16: a merged folder or a folder of chips is).
    with pytest.raises(SystemExit) as e:
        main(["compare", str(a)])
    assert e.value.code == 2
    assert "one folder must be a merged folder (tcbench merge) or hold two or more chip" in capsys.readouterr().err
