"""Command line: python3 -m analysis {report,readme} results/<gpu-slug> [more results folders];
python3 -m analysis numerics results/<gpu-slug> [--out FILE.md]."""
from __future__ import annotations

import argparse
import sys

from .headline import headline_markdown, update_readme
from .load import load_many
from .numerics import write_numerics_report
from .report import write_report

FOLDERS_HELP = ("results/<gpu-slug> [results/<gpu-slug>/hopper ...]: one or more results folders, merged "
                "(where two hold the same measurement, the first one's is kept)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m analysis", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write plots/ and report.md into the (first) results folder")
    rep.add_argument("results", nargs="+", help=FOLDERS_HELP)
    rd = sub.add_parser("readme", help="print the Markdown headline (optionally update a README)")
    rd.add_argument("results", nargs="+", help=FOLDERS_HELP)
    rd.add_argument("--update", metavar="README.md",
                    help="replace the text between <!-- headline:begin --> and <!-- headline:end --> in this file")
    num = sub.add_parser("numerics", help="write numerics.md from numerics.csv and numerics_run.json "
                                          "(written by `tcbench numerics`)")
    num.add_argument("results", help="results/<gpu-slug>: the folder `tcbench numerics` wrote")
    num.add_argument("--out", metavar="FILE.md", help="where to write the report (default: <results>/numerics.md)")
    args = ap.parse_args(argv)

    try:
        if args.command == "report":
            out = write_report(*args.results)
            print(f"wrote {out['report']}, {out['overview']}, {len(out['plots'])} throughput plot(s) and "
                  f"{len(out['n_sweep_plots'])} wgmma N-sweep plot(s)")
        elif args.command == "numerics":
            print(f"wrote {write_numerics_report(args.results, args.out)}")
        else:
            results = load_many(args.results)
            if args.update:
                print(update_readme(args.update, results), end="")
                print(f"updated {args.update}", file=sys.stderr)
            else:
                print(headline_markdown(results), end="")
    except (FileNotFoundError, ValueError) as e:
        print(f"analysis: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
