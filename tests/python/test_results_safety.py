"""analysis/ on bad or incomplete input (issue #11 items 13, 14): incomplete runs are said so at
the top of the report and give a non-zero exit; no traceback; no half-written output; every
error names its file; gzipped data files load."""
from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis import load_results  # noqa: E402
from analysis.__main__ import main  # noqa: E402
from analysis.report import atom_summary, saturation_point  # noqa: E402
from analysis.report_csv import REPORT_CSVS  # noqa: E402
from synthetic import mma_sync_rows, write_folder  # noqa: E402

WARNING = "**Warning: incomplete or untrusted data.**"


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def folder(tmp_path):
    return write_folder(tmp_path / "results" / "gpu", mma_sync_rows())


def set_run(folder: Path, **fields):
    run = json.loads((folder / "run.json").read_text())
    run.update(fields)
    (folder / "run.json").write_text(json.dumps(run, indent=1))


def listing(folder: Path) -> dict:
    """Every path under `folder` with its bytes (None for folders): to prove nothing changed."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def assert_clean_failure(p, *names):
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    for n in names:
        assert str(n) in p.stderr, p.stderr


def warning_at_top(md: str) -> bool:
    """The warning block comes right after the title, before any section."""
    lines = md.splitlines()
    return lines[0].startswith("# ") and any(WARNING in line for line in lines[1:4])


# ---- item 13: incomplete runs are never hidden ------------------------------------------------------------

def test_complete_run_has_no_warning(folder):
    p = run_cli("report", folder)
    assert p.returncode == 0, p.stderr
    assert "warning" not in p.stderr and WARNING not in (folder / "report.md").read_text()


@pytest.mark.parametrize("status", ["running", "interrupted", "failed", "partial", "timed_out"])
def test_unfinished_run_status_is_reported_and_exits_1(folder, status):
    set_run(folder, status=status)
    p = run_cli("report", folder)
    assert_clean_failure(p, folder / "run.json", f'status is "{status}"')
    md = (folder / "report.md").read_text()
    assert warning_at_top(md) and f'status is "{status}"' in md
    # Accepting it on purpose: exit 0, the warning stays.
    p = run_cli("report", folder, "--allow-incomplete")
    assert p.returncode == 0, p.stderr
    assert warning_at_top((folder / "report.md").read_text())


def test_error_field_is_reported(folder):
    set_run(folder, error="CUDA error: an illegal memory access was encountered")
    p = run_cli("report", folder)
    assert_clean_failure(p, folder / "run.json", "records an error: CUDA error")
    assert warning_at_top((folder / "report.md").read_text())


def test_missing_empty_and_statusless_run_json(folder):
    (folder / "run.json").unlink()
    p = run_cli("report", folder)
    assert_clean_failure(p, f"{folder / 'run.json'} not found")
    assert warning_at_top((folder / "report.md").read_text())

    (folder / "run.json").write_text("")
    assert_clean_failure(run_cli("report", folder), f"{folder / 'run.json'} is empty")

    (folder / "run.json").write_text('{"device": {"name": "x"}}')
    assert_clean_failure(run_cli("report", folder), f"{folder / 'run.json'} has no \"status\"")


def test_malformed_run_json_names_file_line_and_column(folder):
    (folder / "run.json").write_text('{\n  "status": "complete",\n  "device": {"name": "x",}\n}\n')
    before = listing(folder)
    p = run_cli("report", folder)
    assert_clean_failure(p, f"{folder / 'run.json'}: line 3, column 26: not valid JSON")
    assert listing(folder) == before  # nothing written from data that could not be read

    (folder / "run.json").write_text("[1, 2]")
    assert_clean_failure(run_cli("report", folder), f"{folder / 'run.json'}: expected a JSON object, found list")


def test_truncated_csv_is_reported(folder):
    csv_path = folder / "instructions.csv"
    text = csv_path.read_text()
    n_lines = text.count("\n")
    csv_path.write_text(text[:-40])  # the last row cut mid-line, as an interrupted write leaves it
    p = run_cli("report", folder)
    assert_clean_failure(p, csv_path, f"line {n_lines} is cut off")
    md = (folder / "report.md").read_text()
    assert warning_at_top(md) and "cut off" in md
    assert len(load_results(folder).rows) == n_lines - 2  # the header and the cut row are not rows


def test_rows_with_wrong_field_count_are_reported(folder):
    csv_path = folder / "instructions.csv"
    lines = csv_path.read_text().splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ",extra\n"
    lines[5] = ",".join(lines[5].split(",")[:5]) + "\n"
    csv_path.write_text("".join(lines))
    p = run_cli("report", folder)
    assert_clean_failure(p, csv_path, "2 row(s) with a number of fields other than the header's", "line 4, 6")


def test_readme_update_refuses_incomplete_data(folder, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("a\n<!-- headline:begin -->\nold\n<!-- headline:end -->\n")
    set_run(folder, status="interrupted")
    p = run_cli("readme", folder, "--update", readme)
    assert_clean_failure(p, f"not updating {readme}", "interrupted")
    assert readme.read_text() == "a\n<!-- headline:begin -->\nold\n<!-- headline:end -->\n"
    p = run_cli("readme", folder)  # printing is fine, with the warning first, and exit 1
    assert p.returncode == 1 and p.stdout.startswith("> " + WARNING)
    p = run_cli("readme", folder, "--update", readme, "--allow-incomplete")
    assert p.returncode == 0, p.stderr
    assert WARNING in readme.read_text()


def test_numerics_report_says_incomplete(tmp_path):
    d = tmp_path / "results" / "gpu"
    d.mkdir(parents=True)
    (d / "numerics.csv").write_text("family,atom,kind,property,value,status\nmma.sync,A,validation,,,agrees\n")
    (d / "numerics_run.json").write_text(json.dumps({"status": "interrupted", "device": {"name": "x"}}))
    p = run_cli("numerics", d)
    assert_clean_failure(p, d / "numerics_run.json", 'status is "interrupted"')
    assert warning_at_top((d / "numerics.md").read_text())
    (d / "numerics.csv").write_text("family,atom,kind,property,value,status\nmma.sync,A,valid")
    (d / "numerics_run.json").write_text(json.dumps({"status": "complete"}))
    assert_clean_failure(run_cli("numerics", d), d / "numerics.csv", "line 2 is cut off")


# ---- gzipped data files (committed results may be compressed) -----------------------------------------

def test_gzipped_instructions_and_numerics_load(folder):
    plain = (folder / "instructions.csv").read_bytes()
    (folder / "instructions.csv.gz").write_bytes(gzip.compress(plain))
    (folder / "instructions.csv").unlink()
    assert len(load_results(folder).rows) == plain.count(b"\n") - 1
    assert run_cli("report", folder).returncode == 0

    (folder / "numerics.csv.gz").write_bytes(gzip.compress(b"family,atom,kind,property,value,status\n"
                                                           b"mma.sync,A,validation,,,agrees\n"))
    (folder / "numerics_run.json").write_text(json.dumps({"status": "complete"}))
    p = run_cli("numerics", folder)
    assert p.returncode == 0, p.stderr


def test_unreadable_files_are_named(folder):
    (folder / "instructions.csv").write_bytes(b"family,atom\n\xff\xfe\n")
    assert_clean_failure(run_cli("report", folder), f"{folder / 'instructions.csv'}: not UTF-8 text")
    (folder / "instructions.csv").unlink()
    (folder / "instructions.csv.gz").write_bytes(b"not gzip at all")
    assert_clean_failure(run_cli("report", folder), f"{folder / 'instructions.csv.gz'}: cannot read")
    (folder / "instructions.csv.gz").write_bytes(b"")
    assert_clean_failure(run_cli("report", folder), f"{folder / 'instructions.csv.gz'}: empty file")


# ---- item 14: no tracebacks, nothing half-written, no stale plots ---------------------------------------

def test_saturation_point_with_no_positive_value():
    df = pd.DataFrame({"warps_per_sm": [1, 2], "ilp": [1, 1], "value": [-5.0, -3.0]})
    assert saturation_point(df) is None
    assert saturation_point(df.assign(value=[0.0, 0.0])) is None


def test_negative_throughput_does_not_crash(tmp_path):
    rows = [r | {"value": -abs(float(r["value"]))} if r["metric"] == "ops_per_clk_sm" else r for r in mma_sync_rows()]
    d = write_folder(tmp_path / "neg", rows)
    s = atom_summary(load_results(d))
    assert s["sat_warps"].isna().all()
    p = run_cli("report", d)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr


def test_plots_is_a_file_nothing_written(folder):
    (folder / "plots").write_text("not a folder")
    before = listing(folder)
    p = run_cli("report", folder)
    assert_clean_failure(p, f"{folder / 'plots'}: exists and is not a folder")
    assert listing(folder) == before


def test_report_md_is_a_folder_nothing_written(folder):
    (folder / "report.md").mkdir()
    before = listing(folder)
    p = run_cli("report", folder)
    assert_clean_failure(p, f"{folder / 'report.md'}: exists and is a folder")
    assert listing(folder) == before  # no plots/ drawn before the failure


def test_plots_with_foreign_files_are_not_deleted(folder):
    (folder / "plots").mkdir()
    (folder / "plots" / "my_notes.txt").write_text("keep me")
    before = listing(folder)
    p = run_cli("report", folder)
    assert_clean_failure(p, f"{folder / 'plots'}: holds entries that are not .png plots (my_notes.txt)")
    assert listing(folder) == before


def test_stale_plots_are_removed_and_no_temporaries_stay(folder):
    assert run_cli("report", folder).returncode == 0
    first = sorted(p.name for p in (folder / "plots").iterdir())
    (folder / "plots" / "throughput_mma_sync_GONE_ATOM.png").write_bytes(b"\x89PNG stale")
    assert run_cli("report", folder).returncode == 0
    assert sorted(p.name for p in (folder / "plots").iterdir()) == first
    assert sorted(p.name for p in folder.iterdir()) == sorted(["instructions.csv", "plots", "report.md", "run.json",
                                                               *REPORT_CSVS])


def test_readme_errors_name_the_file(folder, tmp_path):
    nope = tmp_path / "missing" / "README.md"
    assert_clean_failure(run_cli("readme", folder, "--update", nope), nope)
    no_markers = tmp_path / "R.md"
    no_markers.write_text("x\n")
    assert_clean_failure(run_cli("readme", folder, "--update", no_markers), f"{no_markers}: markers")
    a_dir = tmp_path / "D.md"
    a_dir.mkdir()
    assert_clean_failure(run_cli("readme", folder, "--update", a_dir), f"{a_dir}: exists and is a folder")


def test_numerics_out_targets_checked(folder, tmp_path):
    (folder / "numerics.csv").write_text("family,atom,kind,property,value,status\n")
    (folder / "numerics_run.json").write_text(json.dumps({"status": "complete"}))
    a_dir = tmp_path / "out.md"
    a_dir.mkdir()
    assert_clean_failure(run_cli("numerics", folder, "--out", a_dir), f"{a_dir}: exists and is a folder")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert_clean_failure(run_cli("numerics", folder, "--out", a_file / "sub" / "n.md"), f"{a_file}: is not a folder")
    (folder / "numerics.md").mkdir()
    assert_clean_failure(run_cli("numerics", folder), f"{folder / 'numerics.md'}: exists and is a folder")


def test_usage_errors_exit_2(folder):
    p = run_cli("report")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = run_cli("bogus", folder)
    assert p.returncode == 2 and "bogus" in p.stderr


def test_results_path_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert_clean_failure(run_cli("report", f), f"{f}: not a folder")
    assert_clean_failure(run_cli("numerics", f), f"{f}: not a folder")


# ---- repo size (issue #12 item 5): compact plots ----------------------------------------------------------

def test_plots_are_compact(folder):
    from PIL import Image
    assert run_cli("report", folder).returncode == 0
    plots = sorted((folder / "plots").glob("*.png"))
    assert len(plots) >= 2
    for p in plots:
        with Image.open(p) as im:
            assert im.mode == "P", p  # a palette PNG
            assert im.size[0] <= 720, (p, im.size)  # sized for reading, not printing
        assert p.stat().st_size < 40_000, p


# Relatives found in review: a damaged .gz gave a traceback; an empty sweep and impossible values
# were reported as data; two copies of one file were read without a word.
def test_damaged_gzip_is_named_not_a_traceback(tmp_path, capsys):
    import gzip as _gzip
    folder = write_folder(tmp_path / "r", mma_sync_rows())
    raw = _gzip.compress((folder / "instructions.csv").read_bytes())
    (folder / "instructions.csv").unlink()
    for name, data in (("cut", raw[: len(raw) // 2]), ("corrupt", raw[:20] + b"\x00" * 40 + raw[60:])):
        (folder / "instructions.csv.gz").write_bytes(data)
        assert main(["report", str(folder)]) == 1, name
        err = capsys.readouterr().err
        assert "instructions.csv.gz" in err and "Traceback" not in err, (name, err)


def test_empty_sweep_is_reported(tmp_path, capsys):
    folder = write_folder(tmp_path / "r", [])
    assert main(["report", str(folder)]) == 1
    assert "no measured row" in capsys.readouterr().err


def test_non_positive_values_do_not_count(tmp_path):
    from analysis.load import load_results
    rows = mma_sync_rows()
    rows[0] = dict(rows[0], value=-5.0, median=-5.0)
    r = load_results(write_folder(tmp_path / "r", rows))
    assert (r.valid["value"] > 0).all()
    assert len(r.valid) == sum(1 for x in rows if x["valid"] == "true" and float(x["value"]) > 0)


def test_plain_and_gzipped_copies_are_reported(tmp_path, capsys):
    import gzip as _gzip
    folder = write_folder(tmp_path / "r", mma_sync_rows())
    (folder / "instructions.csv.gz").write_bytes(_gzip.compress((folder / "instructions.csv").read_bytes()))
    assert main(["report", str(folder)]) == 1
    assert "both exist" in capsys.readouterr().err
