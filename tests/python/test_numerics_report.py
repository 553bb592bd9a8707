"""analysis/numerics.py and `python3 -m analysis numerics`: numerics.md from a synthetic
numerics.csv + numerics_run.json (no GPU, no build needed)."""
from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from analysis.numerics import (NUMERICS_COLUMNS, agreement, load_numerics, numerics_markdown,  # noqa: E402
                               parse_predictions, preset_for_gpu, read_sample, write_numerics_report)

F16 = dict(family="mma.sync", atom="SM80_16x8x16_F32F16F16F32_TN",
           ptx="mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", a_type="f16", b_type="f16", c_type="f32",
           d_type="f32")
F16K8 = dict(F16, atom="SM80_16x8x8_F32F16F16F32_TN", ptx="mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32")
FP8 = dict(family="wgmma", atom="SM90_64x64x32_F32E4M3E5M2_SS",
           ptx="wgmma.mma_async.sync.aligned.m64n64k32.f32.e4m3.e5m2", a_type="e4m3", b_type="e5m2",
           c_type="f32", d_type="f32")

# The Fasi et al. alignment probe 1·1 + c, c = -(1 - 2^-24), widened to k = 16 with zero terms.
ALIGN_INPUT = " ".join(["3c00"] + ["0000"] * 15 + ["3c00"] + ["0000"] * 15 + ["bf7fffff"])
FP8_INPUT = " ".join(["38"] * 32 + ["3c"] * 32 + ["00000000"])


def probe(base, prop, value, preset, status, inp, hw, preds, note=""):
    return dict(base, kind="probe", property=prop, value=value, preset_value=preset, status=status,
                probe_input=inp, hardware_d=hw, predictions=preds, note=note)


def derived(base, prop, value, preset, status, cases):
    return dict(base, kind="derived", property=prop, value=value, preset_value=preset, status=status,
                cases=str(cases))


def validation(base, cases, mismatches, note=""):
    return dict(base, kind="validation", cases=str(cases), mismatches=str(mismatches), note=note)


def synthetic_rows():
    return [
        probe(F16, "extra_align_bits", "2", "2", "agrees", ALIGN_INPUT, "33000000",
              "0=34000000;1=33800000;2=33000000;3=32800000"),
        probe(F16, "extra_align_bits", "1|2|3", "2", "undetermined", ALIGN_INPUT, "00000000",
              "0=3f800000;1=00000000;2=00000000;3=00000000"),
        probe(F16, "align_round", "rd", "rz", "disagrees", ALIGN_INPUT, "b3800000",
              "rz=b3000000;rd=b3800000;rn=b3000000", note="negative small addend"),
        probe(F16K8, "extra_align_bits", "2", "2", "agrees", ALIGN_INPUT[:0] + " ".join(
            ["3c00"] + ["0000"] * 7 + ["3c00"] + ["0000"] * 7 + ["bf7fffff"]), "33000000", "1=33800000;2=33000000"),
        probe(FP8, "block", "16|32", "32", "undetermined", FP8_INPUT, "42000000", "16=42000000;32=42000000"),
        probe(FP8, "fancy_new_property", "yes", "no", "disagrees", FP8_INPUT, "42000000", "yes=42000000;no=42000001"),
        derived(F16, "extra_align_bits", "2", "2", "agrees", 2),
        derived(F16, "align_round", "rd", "rz", "disagrees", 1),
        derived(F16K8, "extra_align_bits", "2", "2", "agrees", 1),
        derived(F16K8, "align_round", "rz", "rz", "agrees", 1),
        derived(FP8, "block", "16|32", "32", "undetermined", 1),
        derived(FP8, "in_subnormals", "", "kept", "undetermined", 3),
        validation(F16, 100000, 0),
        validation(F16K8, 100000, 3, note="line 17: hw 3c00 model 3c01; line 90: ..."),
        validation(FP8, 100000, 0),
    ]


RUN = {"schema_version": 1, "status": "complete", "git": {"sha": "83d02cdbe2c060c462709c44eafc7dfa59dc7077",
                                                           "dirty": True},
       "command": "./build/tcbench numerics --cases 100000", "date_utc": "2026-12-01T21:30:53Z",
       "device": {"name": "NVIDIA H200", "arch": "sm_90"}, "cases_per_path": 100000, "wall_seconds": 75.5,
       "paths": [{"atom": F16["atom"], "cases": 100000, "seconds": 1.25},
                 {"atom": FP8["atom"], "cases": 100000, "seconds": 2.5}]}


def write_csv(path: Path, rows, columns=NUMERICS_COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "results" / "nvidia-h200"
    (d / "numerics_sample").mkdir(parents=True)
    write_csv(d / "numerics.csv", synthetic_rows())
    (d / "numerics_run.json").write_text(json.dumps(RUN), encoding="utf-8")
    with gzip.open(d / "numerics_sample" / f"{F16['atom']}.cases.gz", "wt") as f:
        f.write(f"# instr: {F16['ptx']}\n# k: 16\n\n{ALIGN_INPUT} 33000000\n{ALIGN_INPUT} 33000000\n")
    return d


def section(md: str, heading: str) -> str:
    """The text of one '## ' or '### ' section (up to the next heading of that level or higher)."""
    level = heading.split(" ")[0]
    start = md.index(heading + "\n")
    rest = md[start + len(heading) + 1:]
    ends = [i for i in (rest.find("\n" + "#" * n + " ") for n in range(1, len(level) + 1)) if i >= 0]
    return rest[: min(ends)] if ends else rest


def table_row(md: str, first_cells: str) -> str:
    rows = [line for line in md.splitlines() if line.startswith("| " + first_cells)]
    assert rows, f"no table row starting with {first_cells!r}"
    return rows[0]


def test_helpers():
    assert parse_predictions("rz=3c00; rn=3C01;;x") == [("rz", "3c00"), ("rn", "3C01"), ("x", "")]
    assert agreement(100000, 0) == "100%"
    assert agreement(100000, 3) == "99.997%"
    assert agreement(10_000_000, 1) == "99.999%"  # never rounds up to 100% with a mismatch
    assert agreement(0, 0) == "–"
    assert preset_for_gpu("nvidia-h200") == "h100" and preset_for_gpu("nvidia-h100-80gb-hbm3") == "h100"
    assert preset_for_gpu("NVIDIA A100-SXM4-40GB") == "a100" and preset_for_gpu("tesla-t4") == "t4"
    assert preset_for_gpu("nvidia-geforce-rtx-4090") is None


def test_provenance_and_validation_table(folder):
    md = numerics_markdown(load_numerics(folder))
    assert md.startswith("# Tensor-core numerics: NVIDIA H200 (`nvidia-h200`)\n")
    assert ("— NVIDIA H200 (sm_90), 2026-12-01T21:30:53Z, git 83d02cdbe2c060c462709c44eafc7dfa59dc7077 (dirty)."
            in md)
    assert "Command: `./build/tcbench numerics --cases 100000`." in md
    assert "100000 random validation cases per path; 2 paths; wall time 1 min 16 s." in md
    assert "`tcbench model --preset h100`" in md

    val = section(md, "## Validation: random cases, hardware against the model")
    assert "3 paths, 300000 cases, 3 mismatches (99.999% agree)" in val
    sync = section(val, "### mma.sync")
    # type | atom | ptx | cases | mismatches | agreement | sample | seconds | note
    assert table_row(sync, f"f16→f32 | {F16['atom']} |") == (
        f"| f16→f32 | {F16['atom']} | `{F16['ptx']}` | 100000 | 0 | 100% | 2 | 1.25 | – |")
    bad = table_row(sync, f"f16→f32 | **{F16K8['atom']}** |")
    assert "| 100000 | **3** | 99.997% | – | – | line 17: hw 3c00 model 3c01; line 90: ... |" in bad
    wg = section(val, "### wgmma")
    assert table_row(wg, "e4m3×e5m2→f32 |").endswith("| 100000 | 0 | 100% | – | 2.50 | – |")
    # families in order mma.sync, then wgmma
    assert md.index("### mma.sync") < md.index("### wgmma")


def test_derived_parameters_disagreement_and_undetermined(folder):
    md = numerics_markdown(load_numerics(folder))
    der = section(md, "## Derived model parameters")
    assert "3 agree, **1 disagree**, 2 undetermined" in der
    dis = section(der, "### Disagreements with the preset")
    assert table_row(dis, "mma.sync | f16→f32 |") == (
        f"| mma.sync | f16→f32 | {F16['atom']} | `align_round` | **rd** | rz | 1 |")

    f16 = section(der, "### mma.sync f16→f32")
    assert f"`{F16['atom']}`, `{F16K8['atom']}`" in f16
    # both atoms measured the same extra bits: one row for all of them
    assert table_row(f16, "`extra_align_bits` |") == "| `extra_align_bits` | 2 | 2 | ✓ agrees | all 2 | 3 |"
    # they differ on align_round: one row each, the disagreement first and highlighted
    rows = [line for line in f16.splitlines() if line.startswith("| `align_round`")]
    assert rows == [f"| `align_round` | **rd** | rz | **✗ disagrees** | {F16['atom']} | 1 |",
                    f"| `align_round` | rz | rz | ✓ agrees | {F16K8['atom']} | 1 |"]
    # properties in report order (extra_align_bits before align_round)
    assert f16.index("`extra_align_bits`") < f16.index("`align_round`")

    fp8 = section(der, "### wgmma e4m3×e5m2→f32")
    assert table_row(fp8, "`block` |") == f"| `block` | 16 or 32 | 32 | _undetermined_ | {FP8['atom']} | 1 |"
    # no hypothesis fitted: said as such
    assert table_row(fp8, "`in_subnormals` |") == (
        f"| `in_subnormals` | none | kept | _undetermined_ | {FP8['atom']} | 3 |")


def test_probe_explanations_and_replayable_example(folder):
    md = numerics_markdown(load_numerics(folder))
    probes = section(md, "## The probes")
    ext = section(probes, "### `extra_align_bits`")
    assert "extra bits below the accumulator's last bit" in ext
    assert "3 probes on 2 atoms: 2 agrees, 1 undetermined." in ext
    assert f"Example (✓ agrees): `{F16['atom']}` (`{F16['ptx']}`)" in ext
    assert "hardware consistent with **2**, preset `2`." in ext
    assert f"  {ALIGN_INPUT}\nhardware d: 33000000\n" in ext
    assert "input (k = 16: a0..a15 b0..b15 c):" in ext
    assert "| 0 | `34000000` | no |" in ext
    assert "| 2 (preset) | `33000000` | **yes** |" in ext
    assert (f"printf '%s\\n' '{ALIGN_INPUT}' | ./build/tcbench model --preset h100 "
            f"--instr {F16['ptx']} --k 16") in ext

    # the disagreeing probe is the example of its property, note included
    rnd = section(probes, "### `align_round`")
    assert "Example (**✗ disagrees**)" in rnd and "hardware consistent with **rd**, preset `rz`" in rnd
    assert "Note: negative small addend" in rnd
    assert "| rd | `b3800000` | **yes** |" in rnd and "| rz (preset) | `b3000000` | no |" in rnd

    blk = section(probes, "### `block`")
    assert "Example (_undetermined_)" in blk and "hardware consistent with **16 or 32**" in blk
    assert "--instr wgmma.mma_async.sync.aligned.m64n64k32.f32.e4m3.e5m2 --k 32" in blk

    # a property the report does not know is still reported, generically, after the known ones
    unk = section(probes, "### `fancy_new_property`")
    assert "no description" in unk and "| yes | `42000000` | **yes** |" in unk
    assert probes.index("### `block`") < probes.index("### `fancy_new_property`")


def test_cli_writes_default_and_out(folder, tmp_path):
    r = subprocess.run([sys.executable, "-m", "analysis", "numerics", str(folder)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (folder / "numerics.md").is_file() and "numerics.md" in r.stdout
    out = tmp_path / "elsewhere" / "n.md"
    r = subprocess.run([sys.executable, "-m", "analysis", "numerics", str(folder), "--out", str(out)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") == (folder / "numerics.md").read_text(encoding="utf-8")
    assert write_numerics_report(folder) == folder / "numerics.md"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", "numerics", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True)


def test_missing_csv_is_a_clear_error(tmp_path):
    d = tmp_path / "results" / "nvidia-h200"
    d.mkdir(parents=True)
    (d / "numerics_run.json").write_text(json.dumps(RUN), encoding="utf-8")
    r = run_cli(d)
    assert r.returncode == 1
    assert f"{d / 'numerics.csv'} not found" in r.stderr and "tcbench numerics" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli(tmp_path / "nope")
    assert r.returncode == 1 and "no such results folder" in r.stderr


def test_missing_required_column_and_bad_json_are_clear_errors(folder):
    cols = [c for c in NUMERICS_COLUMNS if c not in ("status", "kind")]
    write_csv(folder / "numerics.csv", synthetic_rows(), cols)
    r = run_cli(folder)
    assert r.returncode == 1 and "missing column(s) kind, status" in r.stderr and "Traceback" not in r.stderr

    (folder / "numerics.csv").write_text("", encoding="utf-8")
    r = run_cli(folder)
    assert r.returncode == 1 and "empty file" in r.stderr

    write_csv(folder / "numerics.csv", synthetic_rows())
    (folder / "numerics_run.json").write_text("{not json", encoding="utf-8")
    r = run_cli(folder)
    assert r.returncode == 1 and "numerics_run.json: line 1, column 2: not valid JSON" in r.stderr


def test_missing_optional_columns_and_run_json(folder):
    cols = [c for c in NUMERICS_COLUMNS if c not in ("predictions", "note", "ptx")]
    write_csv(folder / "numerics.csv", synthetic_rows(), cols)
    (folder / "numerics_run.json").unlink()
    md = numerics_markdown(load_numerics(folder))
    assert "`results/nvidia-h200/numerics_run.json` not found — provenance unknown" in md
    assert "numerics.csv lacks the column(s) ptx, predictions, note; they are shown empty." in md
    assert "(no predictions recorded)" in md
    assert "--preset h100" in md  # chosen from the folder name
    assert table_row(section(md, "### mma.sync"), f"f16→f32 | {F16['atom']} |").startswith(
        f"| f16→f32 | {F16['atom']} | – | 100000 | 0 | 100% | 2 | – |")


def test_header_only_csv(folder):
    write_csv(folder / "numerics.csv", [])
    md = numerics_markdown(load_numerics(folder))
    assert "No validation rows in numerics.csv." in md
    assert "No derived rows in numerics.csv." in md
    assert "No probe rows in numerics.csv." in md


def test_read_sample_gz_and_plain(folder, tmp_path):
    header, cases = read_sample(folder / "numerics_sample" / f"{F16['atom']}.cases.gz")
    assert header == {"instr": F16["ptx"], "k": "16"}
    assert [n for n, _ in cases] == [4, 5] and cases[0][1][-1] == "33000000" and len(cases[0][1]) == 34
    plain = tmp_path / "x.cases"
    plain.write_text("# instr: mma.x\n# k: 1\n3c00 3c00 00000000 3f800000\n", encoding="utf-8")
    assert read_sample(plain) == ({"instr": "mma.x", "k": "1"}, [(3, ["3c00", "3c00", "00000000", "3f800000"])])
