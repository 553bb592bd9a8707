"""tcbench analysis: plots, reports and the README headline from results/<gpu-slug>/.

    tcbench-analysis report results/<gpu-slug> [more folders] [--out DIR]
    tcbench-analysis compare A B [--out DIR]
    tcbench-analysis readme results/<gpu-slug> [results/<gpu-slug>/hopper ...] [--update README.md]
    tcbench-analysis numerics results/<gpu-slug> [--out FILE.md]

(`pip install ./analysis` installs tcbench-analysis; `python3 -m analysis` is the same from the
repository root.) Needs no GPU: it reads run.json and the tables written by `tcbench run`
(instructions.csv, movement.csv, energy.csv; each may be gzipped).
Exit 1 when the data is not a whole, finished run (said at the top of the report), 2 on wrong usage.
"""
from .acceptance import acceptance_check, overall_verdict  # noqa: F401
from .load import Results, load_many, load_results, merge_results  # noqa: F401
from .report import atom_summary, headline_markdown, saturation_point, update_readme, write_report  # noqa: F401
