"""`tcbench export FORMAT SRC [-o OUT]`: the cost table, and the files other tools read made from it.

SRC is a results folder (the table is built from it) or a cost_table.json (loaded and
validated). OUT defaults to SRC's folder: `cost_table.json` for the table itself, `exports/<FORMAT>/`
for every other format. Each exporter is a module of analysis/exporters with

    FILES: tuple of the file names it writes
    render(table: dict, results_dir: Path | None) -> dict[file name, text]

(`table` has been validated against cost_table.schema.json, so every required key is there)

so that every output is produced in memory, checked, and only then written (atomically, file by
file into a folder that holds nothing else of ours): an exporter that fails writes nothing."""
from __future__ import annotations

import json
from pathlib import Path

from .cost_table import build_cost_table
from .output import check_file_target, check_folder_writable, write_text_atomic

COST_TABLE = "cost-table"
COST_TABLE_FILE = "cost_table.json"
EXPORTS_DIR = "exports"


def formats() -> dict:
    """FORMAT -> its exporter module (imported here so that `export cost-table` needs none)."""
    from .exporters import accel_sim, inductor, infinitensor, llm_viewer
    return {"accel-sim": accel_sim, "inductor": inductor, "llm-viewer": llm_viewer, "infinitensor": infinitensor}


FORMAT_NAMES = (COST_TABLE, "accel-sim", "inductor", "llm-viewer", "infinitensor")


def cost_table_text(table: dict) -> str:
    """The table as written: sorted keys, two-space indent, a final newline (stable bytes)."""
    return json.dumps(table, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_source(src) -> tuple[dict, Path | None, Path]:
    """(table dict, the results folder or None, the folder outputs go to by default)."""
    from .cost_table_load import read_cost_table_document
    from .cost_table_validate import validate_cost_table
    path = Path(src)
    if path.is_dir():
        table = build_cost_table(path)
        validate_cost_table(table, str(path / COST_TABLE_FILE))
        return table, path, path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such results folder or cost table")
    table = read_cost_table_document(path)
    folder = path.parent
    return table, (folder if (folder / "run.json").exists() else None), folder


def export(fmt: str, src, out=None) -> list[Path]:
    """Writes FORMAT's files; returns their paths."""
    if fmt not in FORMAT_NAMES:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMAT_NAMES)})")
    table, results_dir, folder = load_source(src)
    if fmt == COST_TABLE:
        target = Path(out) if out else folder / COST_TABLE_FILE
        check_file_target(target)
        return [write_text_atomic(target, cost_table_text(table))]
    module = formats()[fmt]
    files = module.render(table, results_dir)
    if set(files) != set(module.FILES):
        raise AssertionError(f"exporter {fmt} made {sorted(files)}, expected {sorted(module.FILES)}")
    target_dir = Path(out) if out else folder / EXPORTS_DIR / fmt
    target_dir.mkdir(parents=True, exist_ok=True)
    check_folder_writable(target_dir)
    for name in files:
        check_file_target(target_dir / name)
    return [write_text_atomic(target_dir / name, text) for name, text in sorted(files.items())]
