"""analysis/ on synthetic folders with every family: wgmma (N sweep, SS/RS, sparse, swizzle),
mma.sp, wmma loads/stores, the acceptance check, the compact headline, merging folders, and
folders that lack families or hold NaN / invalid rows."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis import acceptance_check, load_many, load_results, overall_verdict  # noqa: E402
from analysis.atoms import parse_wgmma_name, type_slug  # noqa: E402
from analysis.families import mma_sp_summary, mma_sync_vs_wgmma, wmma_work_costs  # noqa: E402
from analysis.headline import headline_markdown  # noqa: E402
from analysis.markdown import format_duration, missing  # noqa: E402
from analysis.peaks import peak_ops_per_clk_sm  # noqa: E402
from analysis.summary import atom_summary  # noqa: E402
from analysis.wgmma import (n_sweep, overall_rs_ss_ratio, sparse_vs_dense, ss_vs_rs, swizzle_comparison,  # noqa: E402
                            warpgroup_scaling, wgmma_atoms)
from synthetic import (CLOCK, F16_SS_256, MMA_F16, MMA_SP_PTX, RS_FACTOR, SPARSE_BEST, WMMA, mma_sp_rows,  # noqa: E402
                       mma_sync_rows, tflops, wgmma_atom_name, wgmma_atom_rows, wgmma_best, wgmma_rows,
                       wmma_rows, write_folder)

F16_SS_BEST = 4096 * 0.99  # f16→f32, SS, N = 256 (synthetic.WGMMA_TYPES)


@pytest.fixture
def full_dir(tmp_path):
    rows = mma_sync_rows() + mma_sp_rows() + wmma_rows() + wgmma_rows()
    return write_folder(tmp_path / "results" / "h100", rows, wall_seconds=1234.5)


@pytest.fixture
def summary(full_dir):
    return atom_summary(load_results(full_dir))


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True)


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table_row(md: str, section: str, first_cell: str) -> list[str]:
    """The cells of the first table row under `section` whose first cell is `first_cell`."""
    body = md.split(section, 1)[1]
    return next(cells(l) for l in body.splitlines() if l.startswith("|") and cells(l)[0] == first_cell)


# ---- names and peaks -------------------------------------------------------------------------

def test_wgmma_names_parse():
    n = parse_wgmma_name("SM90_64x128x32_F32E4M3E5M2_RS")
    assert (n.sparse, n.n, n.k, n.source, n.swizzle, n.base_atom) == (False, 128, 32, "RS", 128,
                                                                      "SM90_64x128x32_F32E4M3E5M2_RS")
    n = parse_wgmma_name("SM90_64x256x16_F32F16F16_SS_SW32")
    assert (n.swizzle, n.base_atom) == (32, "SM90_64x256x16_F32F16F16_SS")
    assert parse_wgmma_name("SM90_64x256x16_F16F16F16_SS_SWNONE").swizzle == 0
    n = parse_wgmma_name("SM90_SPARSE_64x64x64_S32S8U8_SS")
    assert (n.sparse, n.n, n.k) == (True, 64, 64)
    assert parse_wgmma_name("SM90_64x256x256_S32U1U1_SS_ANDPOPC").source == "SS"
    assert parse_wgmma_name("SM80_16x8x16_F32F16F16F32_TN") is None
    assert type_slug("e4m3×e5m2→f32") == "e4m3_e5m2_f32" and type_slug("b1→s32 (and)") == "b1_s32_and"


def test_sparse_wgmma_peak_is_doubled():
    dense = "wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16"
    assert peak_ops_per_clk_sm("sm_90a", "f16", "wgmma", "SM90_64x256x16_F32F16F16_SS", dense) == 4096
    assert peak_ops_per_clk_sm("sm_90a", "f16", "wgmma", "SM90_SPARSE_64x256x32_F32F16F16_SS") == 8192
    assert peak_ops_per_clk_sm("sm_90a", "e4m3", "wgmma", "x", "wgmma.mma_async.sp.sync.aligned.m64n8k64") == 16384
    assert peak_ops_per_clk_sm("sm_90a", "tf32", "wgmma") == 2048
    assert peak_ops_per_clk_sm("sm_80", "e4m3", "wgmma") is None  # no figure: no peak


# ---- summaries -------------------------------------------------------------------------------

def test_summary_of_wgmma_atom(summary):
    s = summary.set_index("atom").loc[F16_SS_256]
    assert (s["n"], s["k"], s["source"], s["swizzle"]) == (256, 16, "SS", 128)
    assert s["latency"] == 94.0 and s["issue_interval"] == 32.0
    assert s["best_ops"] == pytest.approx(F16_SS_BEST)  # the NaN and the 99999 rows do not count
    assert (s["best_warps"], s["best_ilp"]) == (16, 2)
    assert s["pct_peak"] == pytest.approx(99.0)
    assert s["tflops"] == pytest.approx(tflops(F16_SS_BEST))
    sp = summary.set_index("atom").loc["SM90_SPARSE_64x256x32_F32F16F16_SS"]
    assert sp["sparse"] and sp["peak"] == 8192
    assert sp["best_actual_ops"] == pytest.approx(SPARSE_BEST["SS"] / 2)


def test_n_sweep_rows(summary):
    sweep = n_sweep(wgmma_atoms(summary), "f16→f32")
    assert list(zip(sweep["n"], sweep["source"])) == [(64, "SS"), (64, "RS"), (128, "SS"), (128, "RS"),
                                                      (256, "SS"), (256, "RS")]
    assert list(sweep["best_ops"]) == pytest.approx([wgmma_best("f16→f32", n, s) for n in (64, 128, 256)
                                                     for s in ("SS", "RS")])
    assert list(sweep["latency"]) == [46, 50, 62, 66, 94, 98]
    assert list(sweep["issue_interval"]) == [8, 9, 16, 17, 32, 33]
    assert "SM90_64x256x16_F32F16F16_SS_SW32" not in set(sweep["atom"])  # swizzle variants apart


def test_ss_vs_rs(summary):
    ws = wgmma_atoms(summary)
    cmp = ss_vs_rs(ws).set_index("type")
    assert cmp.loc["f16→f32", "ss"] == pytest.approx(F16_SS_BEST)
    assert cmp.loc["f16→f32", "rs"] == pytest.approx(F16_SS_BEST * RS_FACTOR)
    assert cmp.loc["f16→f32", "ratio"] == pytest.approx(RS_FACTOR)
    assert cmp.loc["f16→f32", "pairs"] == 3
    assert cmp.loc["u8×s8→s32", "pairs"] == 2 and missing(cmp.loc["u8×s8→s32", "ratio"])  # N=256 invalid
    assert overall_rs_ss_ratio(ws) == pytest.approx(RS_FACTOR)


def test_warpgroup_scaling(full_dir, summary):
    df, counts = warpgroup_scaling(wgmma_atoms(summary), load_results(full_dir).valid)
    assert counts == [1, 2, 3, 4]
    r = df.set_index("atom").loc[F16_SS_256]
    # best over ILP: 4 warps -> max(0.4, 0.7), 8 -> 0.9, 12 -> 0.97, 16 -> 1.0 (synthetic.GRID)
    assert [r[f"wg{c}"] for c in counts] == pytest.approx([F16_SS_BEST * f for f in (0.7, 0.9, 0.97, 1.0)])


def test_swizzle_comparison(summary):
    df = swizzle_comparison(wgmma_atoms(summary))
    assert list(df["swizzle"]) == [128, 64, 32, 0]
    assert set(df["base_atom"]) == {F16_SS_256}
    assert list(df["vs_128"]) == pytest.approx([1.0, 0.95, 0.75, 0.5])


def test_sparse_vs_dense(summary):
    df = sparse_vs_dense(wgmma_atoms(summary)).set_index("source")
    assert df.loc["SS", "best_ops"] == pytest.approx(SPARSE_BEST["SS"])
    assert df.loc["SS", "pct_peak"] == pytest.approx(95.0)
    assert df.loc["SS", "best_actual_ops"] == pytest.approx(SPARSE_BEST["SS"] / 2)
    assert df.loc["SS", "dense_ops"] == pytest.approx(F16_SS_BEST)
    assert df.loc["SS", "speedup"] == pytest.approx(SPARSE_BEST["SS"] / F16_SS_BEST)
    assert df.loc["RS", "dense_ops"] == pytest.approx(F16_SS_BEST * RS_FACTOR)


def test_mma_sync_vs_wgmma(summary):
    df = mma_sync_vs_wgmma(summary).set_index("type")
    assert list(df.index) == ["f16→f32", "tf32→f32"]
    f16 = df.loc["f16→f32"]
    assert (f16["sync_atom"], f16["sync_shape"], f16["sync_ops"]) == (MMA_F16, "m16n8k16", 2644.0)
    assert f16["wgmma_atom"] == F16_SS_256
    assert f16["speedup"] == pytest.approx(F16_SS_BEST / 2644.0)
    assert df.loc["tf32→f32", "wgmma_ops"] == pytest.approx(2048 * 0.90)


def test_mma_sp_summary(summary):
    df = mma_sp_summary(summary)
    assert len(df) == 1
    r = df.iloc[0]
    assert (r["ptx"], r["variants"], r["latency"], r["best_ops"]) == (MMA_SP_PTX, 2, 31.0, 5200.0)
    assert r["pct_peak"] == pytest.approx(100 * 5200 / 8192)  # sparse peak: 2 × 4096
    assert r["best_actual_ops"] == 2600.0
    assert r["dense_ops"] == 2644.0 and r["speedup"] == pytest.approx(5200 / 2644)


def test_wmma_loads_apart_from_mma(full_dir, summary):
    s = summary.set_index("atom").loc[WMMA]
    assert (s["latency"], s["best_ops"]) == (33.0, 2500.0)  # load/store rows do not leak in
    costs = wmma_work_costs(summary, load_results(full_dir).valid).set_index("atom").loc[WMMA]
    assert (costs["load_a_bytes"], costs["load_a_latency"]) == (600.0, 40.0)
    assert (costs["load_c_bytes"], costs["store_d_bytes"], costs["store_d_latency"]) == (1200.0, 300.0, 50.0)


# ---- acceptance ------------------------------------------------------------------------------

def test_acceptance_pass_and_fail(summary):
    check = acceptance_check(summary).set_index("type")
    assert list(check.index) == ["f16→f32", "bf16→f32", "tf32→f32", "e4m3×e5m2→f32", "s8→s32", "u8×s8→s32"]
    assert "b1→s32 (and)" not in check.index
    f16 = check.loc["f16→f32"]
    assert (f16["verdict"], f16["atom"], f16["source"]) == ("PASS", F16_SS_256, "SS")
    assert f16["fraction"] == pytest.approx(0.99) and f16["peak"] == 4096
    assert f16["tflops"] == pytest.approx(tflops(F16_SS_BEST)) and f16["clock_mhz"] == CLOCK
    assert check.loc["bf16→f32", "verdict"] == "PASS"
    tf32 = check.loc["tf32→f32"]
    assert (tf32["verdict"], tf32["peak"]) == ("FAIL", 2048)
    assert tf32["fraction"] == pytest.approx(0.90) and tf32["required"] == pytest.approx(0.97 * 2048)
    assert check.loc["e4m3×e5m2→f32", "verdict"] == "PASS"
    assert check.loc["s8→s32", "verdict"] == "PASS"  # exactly 0.97 × peak passes
    assert (check.loc["u8×s8→s32", "verdict"], check.loc["u8×s8→s32", "note"]) == ("FAIL", "no valid measurement")
    assert overall_verdict(check) == "FAIL"
    passing = check[check["verdict"] == "PASS"]
    assert overall_verdict(passing.reset_index()) == "PASS"


def test_acceptance_fraction_is_a_parameter(summary):
    check = acceptance_check(summary, fraction=0.85).set_index("type")
    assert check.loc["tf32→f32", "verdict"] == "PASS"


def test_acceptance_needs_random_data(tmp_path):
    d = write_folder(tmp_path / "zeros", wgmma_atom_rows("f16→f32", 256, "SS"), data="zeros")
    check = acceptance_check(atom_summary(load_results(d)))
    assert list(check["verdict"]) == ["FAIL"]
    assert check["note"].iloc[0] == "not measured on random data (zeros)"


def test_acceptance_on_folder_without_wgmma(tmp_path):
    d = write_folder(tmp_path / "sync", mma_sync_rows())
    check = acceptance_check(atom_summary(load_results(d)))
    assert check.empty and overall_verdict(check) == "n/a"


# ---- report ----------------------------------------------------------------------------------

def test_report_sections_and_plots(full_dir):
    p = run_cli("report", full_dir)
    assert p.returncode == 0, p.stderr
    assert "7 wgmma N-sweep plot(s)" in p.stdout
    plots = full_dir / "plots"
    for slug in ("f16_f32", "bf16_f32", "tf32_f32", "e4m3_e5m2_f32", "s8_s32", "u8_s8_s32", "b1_s32_and"):
        assert (plots / f"wgmma_n_sweep_{slug}.png").stat().st_size > 1000
    assert (plots / f"throughput_wgmma_{F16_SS_256}.png").is_file()
    # Only N = 256 (and the swizzle variants) get per-atom plots: the N sweep covers the rest.
    assert not (plots / f"throughput_wgmma_{wgmma_atom_name('f16→f32', 64, 'SS')}.png").exists()

    md = (full_dir / "report.md").read_text()
    for section in ("## Acceptance: dense wgmma at N = 256", "## wgmma", "### N sweep: f16→f32",
                    "### SS vs RS", "### Throughput vs warpgroups per SM (N = 256)", "### Shared-memory swizzle",
                    "### Sparse wgmma", "## mma.sync vs wgmma", "## mma.sp summary", "## wmma summary",
                    "### Fragment loads and stores", "## Every atom: wgmma", "## Excluded"):
        assert section in md, section
    assert "Sweep wall time: 20 min 34 s" in md
    assert "Acceptance (dense wgmma, N = 256, ≥ 0.97 × peak on random data): **FAIL** (4/6 types)." in md

    acc = table_row(md, "## Acceptance", "f16→f32")
    assert acc[1:8] == [F16_SS_256, "4055", "4096", "99.0", "3973", "**PASS**", f"{tflops(F16_SS_BEST):.1f} @ 1755 MHz"]
    assert table_row(md, "## Acceptance", "tf32→f32")[6] == "**FAIL**"
    assert table_row(md, "## Acceptance", "u8×s8→s32")[6:] == ["**FAIL**", "–", "no valid measurement"]

    sweep = table_row(md, "### N sweep: f16→f32", "256")
    assert sweep == ["256", "94.0", "32.0", "4055", "99.0", f"{tflops(F16_SS_BEST):.1f}",
                     "98.0", "33.0", f"{F16_SS_BEST * RS_FACTOR:.0f}", f"{99 * RS_FACTOR:.1f}",
                     f"{tflops(F16_SS_BEST * RS_FACTOR):.1f}"]
    assert "![wgmma N sweep f16→f32](plots/wgmma_n_sweep_f16_f32.png)" in md
    assert table_row(md, "### SS vs RS", "f16→f32")[3:5] == ["0.98×", "0.98×"]
    assert "Median RS / SS over every type and N: 0.98×." in md
    assert table_row(md, "### Throughput vs warpgroups", "f16→f32")[1:] == ["SS", "2839", "3650", "3933", "4055"]
    swz = md.split("### Shared-memory swizzle")[1]
    assert f"| {F16_SS_256} | none | 94.0 | 32.0 | 2028 | 0.50× |" in swz
    assert table_row(md, "### Sparse wgmma", "f16→f32") == ["f16→f32", "256", "SS", "7782", "95.0", "3891", "4055",
                                                            "1.92×", "0.96×"]
    assert table_row(md, "## mma.sync vs wgmma", "f16→f32") == ["f16→f32", "m16n8k16", "2644", "64.6", "yes",
                                                                 F16_SS_256, "4055", "99.0", "1.53×"]
    assert table_row(md, "## mma.sp summary", f"`{MMA_SP_PTX}`")[2:7] == ["2", "31.0", "5200", "63.5", "2600"]
    assert table_row(md, "### Fragment loads and stores", WMMA)[2:] == ["600.0", "40.0", "590.0", "41.0", "1200.0",
                                                                         "45.0", "300.0", "50.0"]
    excluded = md.split("## Excluded")[1]
    assert "value is not a finite number" in excluded and "above the architectural peak" in excluded
    assert "99999" not in md.split("## Excluded")[0]


# ---- headline --------------------------------------------------------------------------------

def test_headline_is_per_type_and_compact(full_dir):
    out = headline_markdown(load_results(full_dir))
    assert "SM90_" not in out and "SM80_" not in out  # no atom names: one row per type
    sweep = out.split("**wgmma N sweep** (f16→f32")[1].split("**mma.sync**")[0]
    sweep_rows = [l for l in sweep.splitlines() if l.startswith("| ") and not l.startswith("| N ")]
    assert [cells(l)[0] for l in sweep_rows] == sorted({cells(l)[0] for l in sweep_rows}, key=int)
    assert len(sweep_rows) >= 2  # one row per N of f16->f32, SS beside RS
    tables = [l for l in out.replace(sweep, "").splitlines() if l.startswith("| ") and not l.startswith("| type")]
    assert len(tables) == 7 + 2 + 1 + 1  # wgmma types, mma.sync types, sparse types, wmma types
    wg = next(cells(l) for l in out.split("**wgmma**")[1].splitlines() if l.startswith("| f16→f32"))
    assert wg == ["f16→f32", "SS", "4055", "99.0", f"{tflops(F16_SS_BEST):.1f} @ 1755 MHz", "94.0", "32.0"]
    assert "| u8×s8→s32 | – | – | – | – | – | – |" in out  # ran, nothing valid at N = 256
    sync = next(cells(l) for l in out.split("**mma.sync**")[1].splitlines() if l.startswith("| f16→f32"))
    assert sync == ["f16→f32", "m16n8k16", "26.8", "2644", "64.6", "yes"]
    assert "| f16→f32 | 5200 | 63.5 | 7782 | 95.0 |" in out.split("**Sparse 2:4**")[1]
    assert "| f16→f32 | m16n16k16 | 33.0 | 2500 | 61.0 |" in out.split("**wmma**")[1]
    assert "**FAIL** (4/6 types)" in out
    assert out.rstrip().endswith("git 0123456789abcdef; sweep wall time 20 min 34 s.")


def test_headline_stays_compact_with_hundreds_of_atoms(tmp_path):
    ns = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
    rows = []
    for label in ("f16→f32", "bf16→f32", "tf32→f32", "e4m3×e5m2→f32", "s8→s32"):
        for n in ns:
            for src in ("SS", "RS"):
                rows += wgmma_atom_rows(label, n, src, best=1000.0 + n)
    d = write_folder(tmp_path / "big", rows)
    out = headline_markdown(load_results(d))
    assert len(load_results(d).rows["atom"].unique()) == 100
    assert len(out.splitlines()) <= 15 + 4 + len(ns)  # + the one-type N sweep: a row per N
    assert "| f16→f32 | SS | 1256 |" in out  # N = 256 only
    assert "| 8 | 1008 |" in out and "| 256 | 1256 |" in out  # the f16->f32 N sweep


def test_headline_merges_folders_first_wins(tmp_path):
    default = write_folder(tmp_path / "results" / "gpu", mma_sync_rows(), wall_seconds=4.57, sha="aaa")
    hopper_rows = wgmma_rows() + [r | {"value": 1.0, "median": 1.0} for r in mma_sync_rows() if r["atom"] == MMA_F16]
    hopper = write_folder(tmp_path / "results" / "gpu" / "hopper", hopper_rows, wall_seconds=3723, sha="bbb")
    p = run_cli("readme", default, hopper)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "| f16→f32 | m16n8k16 | 26.8 | 2644 | 64.6 | yes |" in out  # the first folder's mma.sync rows
    assert "| f16→f32 | SS | 4055 |" in out  # wgmma from the second folder
    prov = [l for l in out.splitlines() if l.startswith("Source:")]
    assert len(prov) == 2
    assert prov[0].endswith("git aaa; sweep wall time 4.6 s.  ")
    assert "results/gpu/hopper/run.json" in prov[1] and prov[1].endswith("git bbb; sweep wall time 1 h 2 min.")
    merged = load_many([default, hopper])
    assert len(merged.folders) == 2
    assert merged.rows[(merged.rows["atom"] == MMA_F16) & (merged.rows["metric"] == "ops_per_clk_sm")]["value"].max() \
        == 2644.0


def test_readme_update_with_several_folders(tmp_path):
    a = write_folder(tmp_path / "a", mma_sync_rows())
    b = write_folder(tmp_path / "b", wgmma_rows())
    readme = tmp_path / "README.md"
    readme.write_text("x\n<!-- headline:begin -->\nold\n<!-- headline:end -->\ny\n")
    assert run_cli("readme", a, b, "--update", readme).returncode == 0
    text = readme.read_text()
    assert "old" not in text and "**wgmma**" in text and "**mma.sync**" in text and text.endswith("y\n")


# ---- robustness ------------------------------------------------------------------------------

def test_mma_sync_only_folder(tmp_path):
    d = write_folder(tmp_path / "old", mma_sync_rows())  # no run.json wall time either
    p = run_cli("report", d)
    assert p.returncode == 0, p.stderr
    md = (d / "report.md").read_text()
    assert "## Every atom: mma.sync" in md and "Sweep wall time: unknown" in md
    for absent in ("## wgmma", "## Acceptance", "## mma.sync vs wgmma", "## mma.sp", "## wmma"):
        assert absent not in md
    out = headline_markdown(load_results(d))
    assert "**mma.sync**" in out and "**wgmma**" not in out and "Acceptance" not in out
    assert "sweep wall time unknown." in out


def test_folder_with_nothing_valid(tmp_path):
    rows = [r | {"valid": "false", "verified": "false", "note": "timed output check failed"}
            for r in wgmma_atom_rows("f16→f32", 256, "SS") + mma_sync_rows()]
    rows.append(wgmma_atom_rows("tf32→f32", 256, "RS")[0] | {"metric": "skipped", "note": "needs sm_90a"})
    d = write_folder(tmp_path / "bad", rows)
    p = run_cli("report", d)
    assert p.returncode == 0, p.stderr
    md = (d / "report.md").read_text()
    assert "**FAIL** (0/2 types)" in md and "## Skipped" in md
    assert table_row(md, "## Acceptance", "f16→f32")[6:] == ["**FAIL**", "–", "no valid measurement"]
    assert table_row(md, "## Acceptance", "tf32→f32")[6:] == ["**FAIL**", "–", "not run: needs sm_90a"]
    assert "| wgmma | 1 | SM90_64x256x8_F32TF32TF32_RS | needs sm_90a |" in md.split("## Skipped")[1]
    out = headline_markdown(load_results(d))
    assert "| f16→f32 | – | – | – |" in out


def test_nan_values_in_csv_are_ignored(tmp_path):
    rows = wgmma_atom_rows("f16→f32", 256, "SS")
    for r in rows:
        if r["metric"] in ("latency_cycles", "tflops"):
            r["value"] = "nan"
    d = write_folder(tmp_path / "nan", rows)
    s = atom_summary(load_results(d)).iloc[0]
    assert missing(s["latency"]) and s["best_ops"] == pytest.approx(F16_SS_BEST)
    # no valid tflops row: computed from ops/clk/SM, the SM count and the measured clock
    assert s["tflops"] == pytest.approx(tflops(F16_SS_BEST))
    assert run_cli("report", d).returncode == 0


def test_format_duration():
    assert format_duration(4.574848071) == "4.6 s"
    assert format_duration(1234.5) == "20 min 34 s"
    assert format_duration(3723) == "1 h 2 min"
    assert format_duration(None) == "unknown"
