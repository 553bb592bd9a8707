"""Command line: tcbench-analysis (or python3 -m analysis) {report,readme} results/<gpu-slug> [more
results folders]; numerics results/<gpu-slug> [--out FILE.md]; compare A B [--out DIR]. The tcbench
command runs report, compare and export through this one (TCBENCH_PROG names it in messages).

Exit status: 0 done; 3 a malformed cost table given to export (file and field named); 1 the data cannot be trusted (an incomplete or failed run, a truncated or
unreadable file: the report is still written, with a warning at its top, unless a file could not
be read at all) or an output could not be written; 2 wrong usage."""
from __future__ import annotations

import argparse
import os
import sys

from .compare import NOISE_FLOOR, NOISE_K, write_compare
from .cost_table_validate import CostTableError
from .export import FORMAT_NAMES, export
from .headline import headline_markdown, update_readme
from .load import load_many
from .numerics import load_numerics, write_numerics_markdown
from .report import write_report
from .stability import write_stability

# 3: a malformed input file (a cost table that is not valid JSON or not the schema's), as the
# tcbench CLI exits for a malformed config or input.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_MALFORMED = 0, 1, 2, 3

FOLDERS_HELP = ("results/<gpu-slug> [results/<gpu-slug>/hopper ...]: one or more results folders, merged "
                "(where two hold the same measurement, the first one's is kept)")
ALLOW_HELP = ("exit 0 although the data is incomplete (a run not 'complete' in run.json, a truncated CSV...); "
              "the warning stays in the output. For readme --update, write the README anyway")


def _prog() -> str:
    """How the user called us: tcbench (which says so in TCBENCH_PROG when it forwards a command),
    the console script's name, or python3 -m analysis."""
    if os.environ.get("TCBENCH_PROG"):
        return os.environ["TCBENCH_PROG"]
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python3 -m analysis" if name in ("", "__main__.py", "-c") else name


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=_prog(), description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write report.md, plots/ and report_*.csv (docs/reports.md)")
    rep.add_argument("results", nargs="+", help=FOLDERS_HELP + "; an energy/ subfolder is read too")
    rep.add_argument("--out", metavar="DIR", help="where to write them (default: the first results folder; "
                                                  "created when absent)")
    rep.add_argument("--no-progress", action="store_true",
                     help="no counter of the plots drawn on stderr (shown only when stderr is a terminal)")
    rep.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    cmp = sub.add_parser("compare", help="the rows of two results folders that differ by more than their noise: "
                                         "compare.md, compare.csv, compare.png")
    cmp.add_argument("a", metavar="A", help="results folder A (the reference)")
    cmp.add_argument("b", metavar="B", help="results folder B (compared with A: B/A)")
    cmp.add_argument("--out", metavar="DIR", default=".", help="where to write them (default: the current folder)")
    cmp.add_argument("--threshold", type=float, default=NOISE_FLOOR, metavar="F",
                     help="smallest relative difference that counts (default %(default)g = 0.5%%)")
    cmp.add_argument("--k", type=float, default=NOISE_K,
                     help="a row differs beyond K times its combined noise (default %(default)g)")
    cmp.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    ex = sub.add_parser("export", help="the cost table (cost_table.json), or a file another tool reads made "
                                       "from it (docs/cost_table.md, docs/exporters/)")
    ex.add_argument("format", choices=FORMAT_NAMES, help="what to write")
    ex.add_argument("src", metavar="RESULTS_DIR|cost_table.json",
                    help="a results folder (the table is built from it) or a cost table (validated)")
    ex.add_argument("-o", "--out", metavar="PATH",
                    help="cost-table: the file (default RESULTS_DIR/cost_table.json); other formats: the folder "
                         "(default <folder of SRC>/exports/FORMAT/)")
    rd = sub.add_parser("readme", help="print the Markdown headline (optionally update a README)")
    rd.add_argument("results", nargs="+", help=FOLDERS_HELP)
    rd.add_argument("--update", metavar="README.md",
                    help="replace the text between <!-- headline:begin --> and <!-- headline:end --> in this file")
    rd.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    num = sub.add_parser("numerics", help="write numerics.md from numerics.csv and numerics_run.json "
                                          "(written by `tcbench numerics`)")
    num.add_argument("results", help="results/<gpu-slug>: the folder `tcbench numerics` wrote")
    num.add_argument("--out", metavar="FILE.md", help="where to write the report (default: <results>/numerics.md)")
    num.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    st = sub.add_parser("stability", help="run-to-run spread of latency and issue interval over several runs")
    st.add_argument("results", nargs="+", help="two or more results folders of the same sweep")
    st.add_argument("--out", metavar="FILE.md", required=True, help="where to write the table")
    st.add_argument("--threshold", type=float, default=0.005, help="spread listed row by row above this (0.005 = 0.5%%)")
    st.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    return ap


def _run(args) -> list:
    """Carries out the command; returns the problems found in the data (each names its file)."""
    if args.command == "report":
        out = write_report(*args.results, out_dir=args.out, progress=not args.no_progress and sys.stderr.isatty())
        kinds = out["plot_kinds"]
        other = len(out["plots"]) - kinds["throughput"] - kinds["n_sweep"]
        print(f"wrote {out['report']}, {len(out['csvs'])} CSV table(s), {kinds['throughput']} throughput plot(s), "
              f"{kinds['n_sweep']} wgmma N-sweep plot(s) and {other} other plot(s) in {out['report'].parent / 'plots'}")
        return out["problems"]
    if args.command == "compare":
        out = write_compare(args.a, args.b, args.out, args.k, args.threshold)
        print(f"compared {out['compared']} rows: {out['differ']} differ by more than the noise; "
              f"{out['only_a']} valid only in A, {out['only_b']} only in B; wrote {', '.join(map(str, out['paths']))}")
        return out["problems"]
    if args.command == "export":
        for path in export(args.format, args.src, args.out):
            print(f"wrote {path}")
        return []
    if args.command == "stability":
        if len(args.results) < 2:
            raise ValueError("stability needs two or more results folders")
        out, problems = write_stability(args.results, args.out, args.threshold)
        print(f"wrote {out}")
        return problems
    if args.command == "numerics":
        n = load_numerics(args.results)
        print(f"wrote {write_numerics_markdown(n, args.out)}")
        return n.problems
    results = load_many(args.results)
    if not args.update:
        print(headline_markdown(results), end="")
        return results.problems
    if results.problems and not args.allow_incomplete:
        print(f"analysis: not updating {args.update}: the data is incomplete (--allow-incomplete to "
              f"update it anyway)", file=sys.stderr)
        return results.problems
    print(update_readme(args.update, results), end="")
    print(f"updated {args.update}", file=sys.stderr)
    return results.problems


def main(argv=None) -> int:
    ap = parser()
    args = ap.parse_args(argv)  # exits 2 on wrong usage
    try:
        problems = _run(args)
    except CostTableError as e:  # names the file and the field
        print(f"analysis: {e}", file=sys.stderr)
        return EXIT_MALFORMED
    except (FileNotFoundError, ValueError) as e:  # our own messages name the file
        print(f"analysis: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as e:  # the system's: name the file ourselves
        where = f"{e.filename}: " if e.filename else ""
        print(f"analysis: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_FAILURE
    for p in problems:
        print(f"analysis: warning: {p}", file=sys.stderr)
    if problems and not args.allow_incomplete:
        print(f"analysis: the data above is incomplete or untrusted (exit {EXIT_FAILURE}; "
              f"--allow-incomplete to accept it)", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
