"""What the framework exporters' tests (test_export_inductor.py, test_export_llm_viewer.py) share:
the H200 cost-table fixture, and loading the consumers' own files kept in tests/data (each a
header naming repository, commit and licence, then the upstream file unchanged)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
FIXTURE = DATA / "cost_table_exports" / "h200_subset.json"
VERBATIM_MARKER = "# === verbatim copy below ===\n"


def fixture() -> dict:
    """The H200 subset (tests/data/cost_table_exports/make_h200_subset.py says what it keeps)."""
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def rows_by_atom(table: dict) -> dict:
    return {i["atom"]: i for i in table["instructions"]}


def upstream_text(path: Path) -> str:
    """The upstream file, without the header tests/data puts above it."""
    header, marker, body = path.read_text(encoding="utf-8").partition(VERBATIM_MARKER)
    assert marker, f"{path}: no '{VERBATIM_MARKER.strip()}' line"
    return body


def load_module(name: str, path: Path, monkeypatch):
    """Imports the file at `path` as module `name`, in sys.modules until the test ends."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def write_rendered(exporter, table: dict, folder: Path) -> Path:
    """Renders the exporter's single file into `folder`; returns its path."""
    (name, text), = exporter.render(table).items()
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
