"""Command line: tcbench-analysis (or python3 -m analysis) {report,readme} results/<gpu-slug> [more
results folders]; numerics results/<gpu-slug> [--out FILE.md].

Exit status: 0 done; 1 the data cannot be trusted (an incomplete or failed run, a truncated or
unreadable file: the report is still written, with a warning at its top, unless a file could not
be read at all) or an output could not be written; 2 wrong usage."""
from __future__ import annotations

import argparse
import os
import sys

from .headline import headline_markdown, update_readme
from .load import load_many
from .numerics import load_numerics, write_numerics_markdown
from .report import write_report
from .stability import write_stability

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

FOLDERS_HELP = ("results/<gpu-slug> [results/<gpu-slug>/hopper ...]: one or more results folders, merged "
                "(where two hold the same measurement, the first one's is kept)")
ALLOW_HELP = ("exit 0 although the data is incomplete (a run not 'complete' in run.json, a truncated CSV...); "
              "the warning stays in the output. For readme --update, write the README anyway")


def _prog() -> str:
    """How the user called us: the console script's name, or python3 -m analysis."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python3 -m analysis" if name in ("", "__main__.py", "-c") else name


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=_prog(), description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write plots/ and report.md into the (first) results folder")
    rep.add_argument("results", nargs="+", help=FOLDERS_HELP)
    rep.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
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
        out = write_report(*args.results)
        extra = [str(out[k]) for k in ("overview", "memory_latency_plot") if out[k]]
        print(f"wrote {', '.join([str(out['report'])] + extra)}, {len(out['plots'])} throughput plot(s) and "
              f"{len(out['n_sweep_plots'])} wgmma N-sweep plot(s)")
        return out["problems"]
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
