"""analysis/: report and README headline from a small synthetic results folder."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis import load_results  # noqa: E402
from analysis.load import CSV_COLUMNS  # noqa: E402
from analysis.peaks import peak_ops_per_clk_sm  # noqa: E402
from analysis.report import (HEADLINE_BEGIN, HEADLINE_END, atom_summary, headline_markdown,  # noqa: E402
                             replace_between_markers, saturation_point)

F16 = "SM80_16x8x16_F32F16F16F32_TN"
FP8 = "SM89_16x8x32_F32E4M3E4M3F32_TN"
SKIP = "SM100_FUTURE_TN"
SMS, CLOCK = 132, 1755.0


def row(atom, metric, w=0, ilp=0, value=0.0, valid=True, verified=True, native=True, note="",
        a="f16", d="f32", ptx="mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", sass="HMMA.16816.F32"):
    unit = {"latency_cycles": "cycles", "ops_per_clk_sm": "ops/clk/SM", "tflops": "TFLOP/s"}.get(metric, "")
    r = dict(family="mma.sync", ptx=ptx, atom=atom, m=16, n=8, k=16, a_type=a, b_type=a, c_type=d, d_type=d,
             arch="sm_90", metric=metric, warps_per_sm=w, ilp=ilp, value=value if valid else 0, unit=unit,
             median=value, iqr=0.5, cv=0.01, samples=5, discarded=0, sm_clock_mhz=CLOCK,
             native="true" if native else "false", sass_opcodes=sass,
             verified="true" if verified else "false", valid="true" if valid else "false", note=note)
    return r


def ops_and_tflops(atom, w, ilp, ops, **kw):
    return [row(atom, "ops_per_clk_sm", w, ilp, ops, **kw),
            row(atom, "tflops", w, ilp, ops * SMS * CLOCK * 1e6 / 1e12, **kw)]


def synthetic_rows():
    rows = [row(F16, "latency_cycles", 1, 1, 33.0),
            # invalid latency (failed verification): must not count
            row(F16, "latency_cycles", 1, 1, 5.0, valid=False, verified=False, note="exact-data check failed")]
    grid = {(1, 1): 300, (1, 2): 600, (2, 1): 600, (2, 2): 1100, (4, 1): 1500, (4, 2): 1850,
            (8, 1): 1900, (8, 2): 2000}
    for (w, ilp), v in grid.items():
        rows += ops_and_tflops(F16, w, ilp, v)
    # Invalid throughput rows: above the peak (would become the best) and unverified (would move
    # the 90% point to 1 warp): both must be ignored.
    rows += ops_and_tflops(F16, 16, 2, 99999, valid=False,
                           note="above the architectural peak (99999 > 4096 ops/clk/SM): rejected")
    rows += ops_and_tflops(F16, 1, 4, 1950, valid=False, verified=False, note="timed output check failed")

    fp8 = dict(a="e4m3", ptx="mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32", native=False)
    rows.append(row(FP8, "latency_cycles", 1, 1, 40.0, **fp8))
    for (w, ilp), v in {(1, 1): 500, (2, 1): 900, (4, 1): 1000}.items():
        rows += ops_and_tflops(FP8, w, ilp, v, **fp8)

    rows.append(row(SKIP, "skipped", valid=False, verified=False, native=False, sass="",
                    note="needs sm_100 (device is sm_90)"))
    return rows


@pytest.fixture
def results_dir(tmp_path):
    d = tmp_path / "results" / "h100-test"
    d.mkdir(parents=True)
    with open(d / "instructions.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(synthetic_rows())
    run = {"status": "complete", "device": {"name": "NVIDIA H100 80GB HBM3", "sm": 90, "sm_count": SMS},
           "date_utc": "2025-01-02T03:04:05Z", "git": {"sha": "0123456789abcdef", "dirty": False},
           "command": "tcbench run"}
    (d / "run.json").write_text(json.dumps(run))
    return d


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True)


# ---- unit level ------------------------------------------------------------------------------

def test_saturation_point_prefers_fewest_warps_then_fewest_ilp():
    df = pd.DataFrame({"warps_per_sm": [1, 2, 2, 4, 4], "ilp": [8, 8, 4, 1, 2], "value": [10, 95, 91, 100, 99]})
    assert saturation_point(df) == (2, 4)  # 2 warps beat 4; then ILP 4 beats ILP 8
    assert saturation_point(df, 0.999) == (4, 1)
    assert saturation_point(df.iloc[0:0]) is None


def test_peaks_mirror_design_table():
    assert peak_ops_per_clk_sm("sm_90a", "f16") == 4096
    assert peak_ops_per_clk_sm("sm_80", "bf16") == 2048
    assert peak_ops_per_clk_sm("sm_80", "f64") == 128
    assert peak_ops_per_clk_sm(90, "e4m3") == 8192
    assert peak_ops_per_clk_sm("sm_80", "f16", "mma.sp") == 4096
    assert peak_ops_per_clk_sm("sm_70", "tf32") is None


def test_summary_uses_valid_rows_only(results_dir):
    res = load_results(results_dir)
    assert len(res.invalid) == 5 and len(res.skipped) == 1
    s = atom_summary(res).set_index("atom")
    f16 = s.loc[F16]
    assert f16["latency"] == 33.0
    assert f16["best_ops"] == 2000
    assert (f16["best_warps"], f16["best_ilp"]) == (8, 2)
    assert (f16["sat_warps"], f16["sat_ilp"]) == (4, 2)  # 1850 >= 0.9 * 2000; (8,1) has more warps
    assert f16["pct_peak"] == pytest.approx(100 * 2000 / 4096)
    assert f16["tflops"] == pytest.approx(2000 * SMS * CLOCK * 1e6 / 1e12)
    assert f16["native_label"] == "native"
    assert f16["verified"].startswith("partly")
    assert s.loc[FP8, "native_label"] == "emulated"
    assert (s.loc[FP8, "sat_warps"], s.loc[FP8, "sat_ilp"]) == (2, 1)  # 900 >= 0.9 * 1000
    assert s.loc[SKIP, "native_label"] == "n/a"
    assert "needs sm_100" in s.loc[SKIP, "skipped_note"]


# ---- command line ----------------------------------------------------------------------------

def test_report_writes_plots_and_markdown(results_dir):
    p = run_cli("report", results_dir)
    assert p.returncode == 0, p.stderr
    plots = results_dir / "plots"
    assert (plots / f"throughput_mma_sync_{F16}.png").stat().st_size > 1000
    assert (plots / f"throughput_mma_sync_{FP8}.png").is_file()
    assert (plots / "peak_throughput.png").stat().st_size > 1000
    assert not (plots / f"throughput_mma_sync_{SKIP}.png").exists()  # nothing valid measured

    md = (results_dir / "report.md").read_text()
    assert "## Every atom: mma.sync" in md
    assert "## wgmma" not in md and "## Acceptance" not in md  # no wgmma rows: no wgmma sections
    f16_line = next(l for l in md.splitlines() if l.startswith(f"| [{F16}]"))
    cells = [c.strip() for c in f16_line.strip("|").split("|")]
    # atom, ptx, native, SASS, latency, best, % of peak, 90% at, TFLOP/s, verified
    assert cells[2] == "yes"
    assert cells[3] == "`HMMA.16816.F32`"
    assert cells[4] == "33.0"
    assert cells[5] == "2000"
    assert cells[6] == "49"
    assert cells[7] == "4×2"
    assert cells[8] == f"{2000 * SMS * CLOCK * 1e6 / 1e12:.1f} @ 1755 MHz"
    fp8_line = next(l for l in md.splitlines() if l.startswith(f"| [{FP8}]"))
    assert "emulated" in fp8_line
    assert "99999" not in md.split("## Excluded")[0]  # only listed among the excluded rows
    assert "## Skipped" in md and "needs sm_100 (device is sm_90)" in md
    assert "above the architectural peak" in md.split("## Excluded")[1]
    assert "0123456789abcdef" in md and "NVIDIA H100 80GB HBM3" in md


def test_readme_prints_headline(results_dir):
    p = run_cli("readme", results_dir)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "| type | best shape | latency (cycles) | ops/clk/SM | % of peak | native |" in out
    line = next(l for l in out.splitlines() if l.startswith("| f16→f32 "))
    assert line == "| f16→f32 | m16n8k16 | 33.0 | 2000 | 48.8 | yes |"
    assert "| e4m3→f32 | m16n8k16 | 40.0 | 1000 | 12.2 | **no** (emulated) |" in out
    assert "| 5.0 |" not in out
    assert SKIP not in out and F16 not in out  # per type, not per atom
    assert "**wgmma**" not in out and "Acceptance" not in out  # no wgmma rows
    assert "2025-01-02T03:04:05Z" in out and "0123456789abcdef" in out and "NVIDIA H100 80GB HBM3" in out
    assert headline_markdown(load_results(results_dir)) == out


def test_readme_update_replaces_between_markers(results_dir, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# tcbench\n\nintro\n\n{HEADLINE_BEGIN}\nold table\n{HEADLINE_END}\n\nmore text\n")
    p = run_cli("readme", results_dir, "--update", readme)
    assert p.returncode == 0, p.stderr
    text = readme.read_text()
    assert text.startswith("# tcbench\n\nintro\n\n" + HEADLINE_BEGIN + "\n**mma.sync** (best shape per type):")
    assert text.endswith(HEADLINE_END + "\n\nmore text\n")
    assert "old table" not in text
    assert "| f16→f32 | m16n8k16 | 33.0 | 2000 |" in text
    # Idempotent.
    assert run_cli("readme", results_dir, "--update", readme).returncode == 0
    assert readme.read_text() == text

    no_markers = tmp_path / "OTHER.md"
    no_markers.write_text("no markers here\n")
    p = run_cli("readme", results_dir, "--update", no_markers)
    assert p.returncode == 1 and "markers" in p.stderr
    assert no_markers.read_text() == "no markers here\n"


def test_replace_between_markers_keeps_surroundings():
    t = f"a{HEADLINE_BEGIN}x{HEADLINE_END}b"
    assert replace_between_markers(t, "NEW") == f"a{HEADLINE_BEGIN}\nNEW\n{HEADLINE_END}b"
    with pytest.raises(ValueError):
        replace_between_markers(f"{HEADLINE_END}{HEADLINE_BEGIN}", "x")


def test_missing_results_folder_is_an_error(tmp_path):
    p = run_cli("report", tmp_path / "nope")
    assert p.returncode == 1 and f"{tmp_path / 'nope'}: no such results folder" in p.stderr
    (tmp_path / "empty").mkdir()
    p = run_cli("report", tmp_path / "empty")
    assert p.returncode == 1 and f"{tmp_path / 'empty' / 'instructions.csv'} not found" in p.stderr
