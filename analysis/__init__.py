"""tcbench analysis: plots, reports and the README headline from results/<gpu-slug>/.

    python3 -m analysis report results/<gpu-slug>
    python3 -m analysis readme results/<gpu-slug> [--update README.md]

Needs no GPU: it reads instructions.csv and run.json written by `tcbench run`.
"""
from .load import Results, load_results  # noqa: F401
from .report import atom_summary, headline_markdown, saturation_point, update_readme, write_report  # noqa: F401
