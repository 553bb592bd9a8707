"""analysis/ on the movement and energy tables (issue #12 items 2 and 3): movement.csv and
energy.csv load beside instructions.csv (plain or gzipped, old files without the newer columns
too); report.md gets the memory-hierarchy latency curve and plateaus, the bandwidth table with
the datasheet ratio taken from the rows' params, the movement instructions, launch overhead and
energy; the README headline gets their summary; an invalid row is never shown as a number.
Synthetic run folders (tests/python/synthetic.py), no GPU."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic as syn  # noqa: E402
from analysis.__main__ import main  # noqa: E402
from analysis.headline import HEADLINE_BEGIN, HEADLINE_END, headline_markdown  # noqa: E402
from analysis.load import CSV_COLUMNS, LATER_COLUMNS, load_many, load_results  # noqa: E402
from analysis.movement import bandwidth_table, chase_points, plateaus  # noqa: E402


def section(md: str, heading: str) -> str:
    """The text of one '## ' section of report.md (up to the next '## ')."""
    start = md.index(heading + "\n")
    end = md.find("\n## ", start + len(heading))
    return md[start: end if end >= 0 else len(md)]


def table_line(text: str, *first_cells: str) -> list[str]:
    """The cells of the first Markdown table line whose leading cells are `first_cells`."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[: len(first_cells)] == list(first_cells):
            return cells
    raise AssertionError(f"no table line starting with {first_cells} in:\n{text}")


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A folder with all three tables, its report written once: (folder, report.md text)."""
    folder = syn.write_movement_folder(tmp_path_factory.mktemp("mv") / "results" / "gpu")
    assert main(["report", str(folder)]) == 0
    return folder, (folder / "report.md").read_text()


# ---- loading ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_every_table_loads(tmp_path, gz):
    folder = syn.write_movement_folder(tmp_path / "r", gz=gz)
    r = load_results(folder)
    assert r.problems == []
    assert len(r.rows) == len(syn.mma_sync_rows())
    assert len(r.table("movement")) == len(syn.movement_rows())
    assert len(r.table("energy")) == len(syn.energy_rows())
    mv = r.table("movement")
    assert mv["size_bytes"].dtype.kind == "i" and mv["bound"].dtype.kind == "f" and mv["valid"].dtype == bool
    assert set(mv["data"]) == {"random"}
    assert set(r.all_rows()["table"]) == {"instructions", "movement", "energy"}


def test_old_instructions_csv_without_the_newer_columns_loads(tmp_path):
    folder = syn.write_folder(tmp_path / "old", syn.mma_sync_rows())
    old_columns = [c for c in CSV_COLUMNS if c not in LATER_COLUMNS]
    syn.write_table(folder, "instructions", syn.mma_sync_rows(), columns=old_columns)
    assert "size_bytes" not in (folder / "instructions.csv").read_text().splitlines()[0]
    r = load_results(folder)
    assert r.problems == [] and len(r.rows) == len(syn.mma_sync_rows())
    assert (r.rows["size_bytes"] == 0).all() and (r.rows["params"] == "").all() and (r.rows["bound"] == 0).all()
    assert main(["report", str(folder)]) == 0


def test_committed_results_load_with_defaults():
    committed = REPO / "results" / "nvidia-h200"
    if not (committed / "instructions.csv.gz").is_file():
        pytest.skip("no committed results/nvidia-h200/instructions.csv.gz in this checkout")
    r = load_results(committed)
    assert len(r.rows) > 0
    assert {"size_bytes", "params", "bound"} <= set(r.rows.columns)


def test_a_missing_column_other_than_the_newer_ones_is_still_an_error(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "r")
    syn.write_table(folder, "movement", syn.movement_rows(), columns=[c for c in CSV_COLUMNS if c != "metric"])
    with pytest.raises(ValueError, match=r"movement\.csv: missing columns metric"):
        load_results(folder)


def test_a_folder_without_instructions_reports_movement_and_energy(tmp_path, capsys):
    folder = syn.write_movement_folder(tmp_path / "r", instructions=False)
    assert main(["report", str(folder)]) == 0, capsys.readouterr().err
    md = (folder / "report.md").read_text()
    assert "## Memory hierarchy latency" in md and "## Energy" in md
    assert "## Every atom" not in md and "peak_throughput" not in md
    assert sorted(p.name for p in (folder / "plots").iterdir()) == ["bandwidth_levels.png", "energy.png",
                                                                    "memory_latency.png"]


def test_run_json_tables_are_checked_against_the_files(tmp_path, capsys):
    folder = syn.write_movement_folder(tmp_path / "r", instructions=False)
    (folder / "energy.csv").unlink()
    assert main(["readme", str(folder)]) == 1
    assert "lists the table energy, but neither" in capsys.readouterr().err
    run = json.loads((folder / "run.json").read_text())
    run["tables"] = ["instructions", "movement"]
    (folder / "run.json").write_text(json.dumps(run))
    assert any("lists the table instructions, but neither" in p for p in load_results(folder).problems)
    run["tables"] = ["energy"]
    (folder / "run.json").write_text(json.dumps(run))
    syn.write_table(folder, "energy", syn.energy_rows())
    problems = load_results(folder).problems
    assert problems == [f"{folder / 'movement.csv'} is not among the tables run.json lists (energy): it was not "
                        f"written by the run that run.json describes"]


def test_merging_keeps_the_first_folders_movement_rows(tmp_path):
    first = syn.write_movement_folder(tmp_path / "a")
    second = syn.write_movement_folder(tmp_path / "b")
    rows = syn.movement_rows()
    for r in rows:
        if r["atom"] == "l2.bandwidth":
            r["value"] = r["median"] = 123.0
    rows.append(syn.table_row("movement", "l2.bandwidth", "bandwidth_gbs", 456.0, size=32 * syn.MiB,
                              params="op=read", bound=syn.L2_BOUND, w=32))
    syn.write_table(second, "movement", rows)
    merged = load_many([first, second]).table("movement")
    l2 = merged[merged["atom"] == "l2.bandwidth"]
    assert sorted(l2["value"]) == [456.0, syn.L2_READ_BEST]


# ---- report.md --------------------------------------------------------------------------------------------

def test_report_has_the_movement_and_energy_sections(reported):
    _, md = reported
    for heading in ("## Memory hierarchy latency", "## Bandwidth", "### Shared memory: bandwidth against "
                    "bank-conflict ways", "## Data movement instructions", "## Launch overhead", "## Energy"):
        assert heading in md, heading
    assert md.index("## Memory hierarchy latency") < md.index("## Every atom: mma.sync")


def test_latency_plot_is_written_and_compact(reported):
    from PIL import Image
    folder, md = reported
    plot = folder / "plots" / "memory_latency.png"
    assert "](plots/memory_latency.png)" in md
    with Image.open(plot) as im:
        assert im.mode == "P" and im.size[0] <= 720
    assert plot.stat().st_size < 40_000


def test_plateaus_by_the_device_cache_sizes(reported):
    _, md = reported
    mem = section(md, "## Memory hierarchy latency")
    assert "192 KiB" in mem and "48 MiB" in mem  # the sizes the levels were chosen by
    ns = lambda c: f"{c * 1e3 / syn.CLOCK:.1f}"  # noqa: E731
    assert table_line(mem, "ld.global.ca", "L1") == ["ld.global.ca", "L1", "16 KiB–128 KiB", "2", "40.0", ns(40)]
    assert table_line(mem, "ld.global.ca", "L2")[2:5] == ["1 MiB–20 MiB", "3", "250.0"]
    assert table_line(mem, "ld.global.ca", "L2, past half its size")[2:5] == ["40 MiB", "1", "300.0"]
    assert table_line(mem, "ld.global.ca", "DRAM")[2:5] == ["256 MiB–2 GiB", "2", "650.0"]
    # .cg caches in L2 only; its invalid 8 MiB point is not in the L2 median's points.
    assert table_line(mem, "ld.global.cg", "L2 (L1 range; .cg skips L1)")[4] == "250.0"
    assert table_line(mem, "ld.global.cg", "L2")[2:4] == ["1 MiB–20 MiB", "2"]
    assert table_line(mem, "l2.chase.partition", "far")[2] == "290.0"


def test_plateaus_detected_without_cache_sizes(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "r", device_sizes=False, instructions=False)
    r = load_results(folder)
    df, method = plateaus(chase_points(r.table("movement")), r.run)
    assert method == "detected"
    ca = df[df["series"] == "ld.global.ca"]
    assert list(ca["level"]) == ["plateau 1", "plateau 2", "plateau 3"]
    assert list(ca["cycles"]) == [40.0, 250.0, 650.0]
    assert main(["report", str(folder)]) == 0
    assert "plateaus found in the data" in (folder / "report.md").read_text()


def test_bandwidth_ratio_comes_from_the_datasheet_param(reported, tmp_path):
    _, md = reported
    bw = section(md, "## Bandwidth")
    read = table_line(bw, "global.bandwidth", "op=read")
    # benchmark, variant, best, unit, best at, bound, best / bound, datasheet, best / datasheet
    assert read[2:4] == [f"{syn.DRAM_READ_BEST:.0f}", "GB/s"]
    assert read[5:] == [f"{syn.DRAM_BOUND:.0f}", f"{syn.DRAM_READ_BEST / syn.DRAM_BOUND:.2f}×",
                        f"{syn.DRAM_DATASHEET:.0f}", f"{syn.DRAM_READ_BEST / syn.DRAM_DATASHEET:.2f}×"]
    l2 = table_line(bw, "l2.bandwidth", "op=read")
    assert l2[6:] == [f"{syn.L2_READ_BEST / syn.L2_BOUND:.2f}×", "–", "–"]  # no datasheet param: bound only
    # Another datasheet figure in the params gives another ratio: it is read, not assumed.
    rows = syn.movement_rows()
    for r in rows:
        r["params"] = r["params"].replace(f"datasheet_gbs={syn.DRAM_DATASHEET:g}", "datasheet_gbs=5400")
    folder = syn.write_movement_folder(tmp_path / "r")
    syn.write_table(folder, "movement", rows)
    t = bandwidth_table(load_results(folder).table("movement"))
    read = t[(t["atom"] == "global.bandwidth") & (t["variant"] == "op=read")].iloc[0]
    assert read["datasheet"] == 5400 and math.isclose(read["of_datasheet"], syn.DRAM_READ_BEST / 5400)
    assert math.isclose(read["of_bound"], syn.DRAM_READ_BEST / syn.DRAM_BOUND)


def test_invalid_rows_are_shown_as_invalid_with_their_note(reported):
    _, md = reported
    assert "9999" not in md  # the rejected copy bandwidth's median
    mem = section(md, "## Memory hierarchy latency")
    point = table_line(mem, "8 MiB")
    assert point[3].startswith("**invalid** [") and point[4].startswith("**invalid** [")
    assert syn.CHASE_INVALID_NOTE in mem
    bw = section(md, "## Bandwidth")
    copy = table_line(bw, "global.bandwidth", "op=copy")
    assert copy[2].startswith("**invalid** [") and copy[6] == "–" and copy[8] == "–"
    assert syn.COPY_INVALID_NOTE in bw
    store = table_line(conflicts(md), "smem.store.b32")
    assert store[2:] == ["128.0", "–", "**invalid** [3]", "–", "–", "–"]
    assert f"[3] {syn.SMEM_STORE_INVALID_NOTE}" in bw
    energy = section(md, "## Energy")
    s8 = table_line(energy, "mma.sync", "s8→s32")
    assert s8[3] == "0.50" and s8[4].startswith("**invalid** [")
    assert syn.ENERGY_INVALID_NOTE in energy and "0.70" not in energy
    assert syn.ENERGY_INVALID_NOTE in section(md, "## Excluded (invalid) measurements")


def conflicts(md: str) -> str:
    return section(md, "## Bandwidth").split("### Shared memory: bandwidth against bank-conflict ways")[1]


def test_shared_memory_bank_conflicts(reported):
    _, md = reported
    bw = conflicts(md)
    assert table_line(bw, "benchmark", "variant")[2:] == [f"{w}-way" for w in syn.SMEM_WAYS]
    assert table_line(bw, "smem.load.b32", "–")[2:] == [f"{128 / w:.1f}" for w in syn.SMEM_WAYS]
    b128 = table_line(bw, "smem.load.b128", "–")
    assert b128[2:6] == ["128.0", "64.0", "32.0", "16.0"] and all(c.startswith("skipped [") for c in b128[6:])
    assert "a 128-bit access serves 8 lanes per wavefront" in bw


def test_movement_instructions_and_launches(reported):
    _, md = reported
    ins = section(md, "## Data movement instructions")
    ld = table_line(ins, "ldmatrix.x4.trans")
    assert ld[3] == "32.0" and ld[4] == f"{32e3 / syn.CLOCK:.1f}" and ld[5] == "120.0" and ld[7] == "16 warps/SM"
    assert table_line(ins, "cp.async.cg.16")[2:4] == ["src=l2", "600.0"]
    assert table_line(ins, "bulk.copy")[3] == "700.0–1300.0 (1 KiB–16 KiB)"
    assert "global.chase" not in ins and "l2.bandwidth" not in ins
    launch = section(md, "## Launch overhead")
    assert table_line(launch, "launch.stream")[2:5] == ["launch_overhead_us", "2.25", "us"]
    assert table_line(launch, "launch.graph")[2:5] == ["kernel_time_us", "1.25", "us"]


def test_energy_section(reported):
    _, md = reported
    energy = section(md, "## Energy")
    assert f"**{syn.IDLE_W:.1f} W**" in energy
    assert "run.json `energy`" in energy and "source: counter" in energy
    f16 = table_line(energy, "mma.sync", "f16→f32")
    assert f16[2:] == ["SM80_16x8x16_F32F16F16F32_TN", "0.80", "0.65", "500", "4000", "1600"]
    assert table_line(energy, "wgmma (2:4 sparse)", "f16→f32")[3:5] == ["0.25", "0.20"]
    assert table_line(energy, "dram_read")[2:4] == ["60.0", "45.0"]
    # mma.sync before wgmma, in the family order
    assert energy.index("| mma.sync |") < energy.index("| wgmma |")


def test_skipped_energy_is_shown_as_skipped(reported, tmp_path):
    _, md = reported
    fp8 = table_line(section(md, "## Energy"), "mma.sync", "e4m3→f32")
    assert fp8[2] == syn.ENERGY_SKIPPED_ATOM and all(c.startswith("skipped [") for c in fp8[3:6])
    # NVML cannot read energy: every energy benchmark skipped; the report says so, with no number.
    folder = syn.write_movement_folder(tmp_path / "r", instructions=False)
    why = "NVML reports no total-energy counter and no power readings on this GPU"
    syn.write_table(folder, "energy", syn.unavailable_energy_rows(why))
    assert main(["report", str(folder)]) == 0
    energy = section((folder / "report.md").read_text(), "## Energy")
    assert "**skipped [1] W**" in energy and f"[1] {why}" in energy
    assert table_line(energy, "mma.sync", "f16→f32")[3:6] == ["skipped [1]"] * 3
    assert table_line(energy, "dram_read")[2:5] == ["skipped [1]"] * 3


def test_energy_without_a_recorded_method_says_so(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "r", instructions=False)
    run = json.loads((folder / "run.json").read_text())
    del run["energy"]
    (folder / "run.json").write_text(json.dumps(run))
    assert main(["report", str(folder)]) == 0
    assert "run.json does not record how energy was sampled" in (folder / "report.md").read_text()


# ---- README headline --------------------------------------------------------------------------------------

def test_headline_has_latency_bandwidth_and_energy(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "r", gz=True)
    out = headline_markdown(load_results(folder))
    assert "**Memory hierarchy latency**" in out and "**Bandwidth**" in out and "**Energy**" in out
    assert table_line(out, "ld.global.ca", "DRAM")[4] == "650.0"
    read = table_line(out, "global.bandwidth", "op=read")
    assert read[2] == f"{syn.DRAM_READ_BEST:.0f}" and read[5] == f"{syn.DRAM_READ_BEST / syn.DRAM_DATASHEET:.2f}×"
    assert table_line(out, "global.bandwidth", "op=copy")[2].startswith("**invalid** [")
    assert "smem.load" not in out  # per-SM paths stay in the report
    assert table_line(out, "wgmma", "f16→f32")[2:4] == ["0.40", "0.33"]
    assert "idle board power 70.0 W" in out
    assert "9999" not in out and "0.70" not in out[out.index("**Energy**"):]


def test_headline_without_movement_or_energy_is_unchanged(tmp_path):
    out = headline_markdown(load_results(syn.write_folder(tmp_path / "r", syn.mma_sync_rows())))
    assert "Memory hierarchy" not in out and "**Bandwidth**" not in out and "**Energy**" not in out


def test_readme_update_writes_the_new_tables(tmp_path):
    folder = syn.write_movement_folder(tmp_path / "r")
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{HEADLINE_BEGIN}\nold\n{HEADLINE_END}\nafter\n")
    assert main(["readme", str(folder), "--update", str(readme)]) == 0
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{HEADLINE_END}\nafter\n")
    assert "**Memory hierarchy latency**" in text and "measured / datasheet" in text and "pJ/FMA" in text
