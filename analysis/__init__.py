"""tcbench analysis: plots, reports and the README headline from results/<gpu-slug>/.

    python3 -m analysis report results/<gpu-slug> [more folders]
    python3 -m analysis readme results/<gpu-slug> [results/<gpu-slug>/hopper ...] [--update README.md]

Needs no GPU: it reads instructions.csv and run.json written by `tcbench run`.
"""
from .acceptance import acceptance_check, overall_verdict  # noqa: F401
from .load import Results, load_many, load_results, merge_results  # noqa: F401
from .report import atom_summary, headline_markdown, saturation_point, update_readme, write_report  # noqa: F401
