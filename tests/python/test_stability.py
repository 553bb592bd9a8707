"""analysis stability: the run-to-run spread of latency-like metrics over several runs."""
from __future__ import annotations

from analysis.__main__ import main
from synthetic import row, write_folder


def _lat(atom: str, value: float, valid: bool = True) -> dict:
    return row("wgmma", atom, "wgmma.mma_async", "latency_cycles", "f16", "f16", "f32", 64, 64, 16, 1, 1,
               value, valid=valid)


def test_spread_per_family_and_rows_over_the_threshold(tmp_path):
    a = write_folder(tmp_path / "a", [_lat("X", 100.0), _lat("Y", 50.0)])
    b = write_folder(tmp_path / "b", [_lat("X", 101.0), _lat("Y", 50.1)])
    c = write_folder(tmp_path / "c", [_lat("X", 100.0), _lat("Y", 50.0), _lat("Z", 7.0)])
    out = tmp_path / "stability.md"
    assert main(["stability", str(a), str(b), str(c), "--out", str(out)]) == 0
    text = out.read_text()
    # X: (101 - 100) / 100 = 1%; Y: 0.1 / 50 = 0.2%; Z is not in every run and is left out.
    assert "| wgmma | latency_cycles | 2 | " in text
    assert "| 1.000 | 1 |" in text
    assert "| X | latency_cycles | 100.00, 101.00, 100.00 | 1.000 |" in text
    assert "| Y |" not in text and "| Z |" not in text


def test_invalid_rows_do_not_count(tmp_path):
    a = write_folder(tmp_path / "a", [_lat("X", 100.0)])
    b = write_folder(tmp_path / "b", [_lat("X", 0.0, valid=False)])
    out = tmp_path / "s.md"
    assert main(["stability", str(a), str(b), "--out", str(out)]) == 0
    assert "| wgmma |" not in out.read_text()


def test_one_folder_is_refused(tmp_path, capsys):
    a = write_folder(tmp_path / "a", [_lat("X", 100.0)])
    assert main(["stability", str(a), "--out", str(tmp_path / "s.md")]) == 1
    assert "two or more" in capsys.readouterr().err
