"""Exporters: the files other tools read, made from a cost table (see analysis/export.py for the
interface each module keeps: FILES and render(table, results_dir) -> {file name: text})."""
