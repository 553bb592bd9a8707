"""The SASS expectation check (scripts/sass_compare.py, scripts/sass_table.py): a fresh dump equal
to the committed one passes; a planted change of any atom's opcodes or verdict on any architecture,
an atom gained or lost, or an architecture without a committed expectation fails; the docs table
covers every committed architecture (sm_70 included when present) and goes stale when a CSV changes."""
import csv
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


compare_mod = load_script("sass_compare")
table_mod = load_script("sass_table")

HEADER = ["atom", "arch", "expected", "native", "tensor_opcodes", "other_ops"]


def write_csv(folder, arch, rows):
    (folder / arch).mkdir(parents=True, exist_ok=True)
    with open(folder / arch / "opcodes.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow(r)


def rows_of(arch):
    return [
        ["SM80_16x8x16_F32F16F16F32_TN", arch, r"^HMMA\.16816\.F32$", "true", "HMMA.16816.F32", ""],
        ["SM70_8x8x4_F32F16F16F32_TN", arch, r"^HMMA\.884", "false", "", "HADD2.F32;HFMA2.MMA"],
    ]


@pytest.fixture
def dirs(tmp_path):
    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    for arch in ("sm_80", "sm_100a"):
        write_csv(committed, arch, rows_of(arch))
        write_csv(fresh, arch, rows_of(arch))
    return committed, fresh


def test_identical_dumps_pass(dirs):
    committed, fresh = dirs
    assert compare_mod.compare(committed, fresh) == []
    assert compare_mod.main([str(committed), str(fresh)]) == 0


def test_planted_opcode_change_is_flagged(dirs):
    committed, fresh = dirs
    rows = rows_of("sm_100a")
    rows[0][4] = "HMMA.16816.F32;HMMA.1688.F32"  # a planted change on one architecture
    write_csv(fresh, "sm_100a", rows)
    problems = compare_mod.compare(committed, fresh)
    assert len(problems) == 1
    assert "sm_100a SM80_16x8x16_F32F16F16F32_TN" in problems[0] and "HMMA.1688.F32" in problems[0]
    assert compare_mod.main([str(committed), str(fresh)]) == 1


def test_verdict_flip_and_lost_or_new_atoms_are_flagged(dirs):
    committed, fresh = dirs
    rows = rows_of("sm_80")
    rows[1][3] = "true"
    rows.append(["SM100_NEW", "sm_80", "^UTCHMMA", "true", "UTCHMMA", ""])
    write_csv(fresh, "sm_80", rows)
    write_csv(fresh, "sm_100a", rows_of("sm_100a")[:1])
    problems = "\n".join(compare_mod.compare(committed, fresh))
    assert "native false -> true" in problems
    assert "SM100_NEW: new in this build" in problems
    assert "sm_100a SM70_8x8x4_F32F16F16F32_TN: in the committed expectation, not in this build" in problems


def test_architecture_without_expectation_fails_and_required_ones_must_be_built(dirs):
    committed, fresh = dirs
    write_csv(fresh, "sm_120f", rows_of("sm_120f"))
    assert any("sm_120f: no committed expectation" in p for p in compare_mod.compare(committed, fresh))
    shutil.rmtree(fresh / "sm_120f")
    assert any("sm_89: required" in p for p in compare_mod.compare(committed, fresh, require=["sm_89"]))


def test_table_covers_every_architecture_in_numeric_order(tmp_path, dirs):
    committed, _ = dirs
    write_csv(committed, "sm_70", rows_of("sm_70"))
    md = table_mod.render(committed)
    header = next(line for line in md.splitlines() if line.startswith("| atom |"))
    assert header == "| atom | sm_70 | sm_80 | sm_100a |"
    assert "| SM80_16x8x16_F32F16F16F32_TN | native HMMA.16816.F32 | native HMMA.16816.F32 |" in md
    assert "emulated (HADD2.F32 HFMA2.MMA)" in md


def test_table_check_detects_a_stale_table(tmp_path, dirs):
    committed, _ = dirs
    out = tmp_path / "table.md"
    assert table_mod.main(["--sass", str(committed), "--out", str(out)]) == 0
    assert table_mod.main(["--sass", str(committed), "--out", str(out), "--check"]) == 0
    rows = rows_of("sm_80")
    rows[0][4] = "HMMA.16816.F32.BF16"
    write_csv(committed, "sm_80", rows)
    assert table_mod.main(["--sass", str(committed), "--out", str(out), "--check"]) == 1


def test_committed_sass_and_table_agree():
    """The repository's own docs/sass_opcodes.md is what its sass/ CSVs give."""
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "sass_table.py"), "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_committed_sass_matches_itself():
    assert compare_mod.compare(ROOT / "sass", ROOT / "sass") == []
