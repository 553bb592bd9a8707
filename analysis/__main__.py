"""Command line: tcbench-analysis (or python3 -m analysis) {report,readme} results/<gpu-slug> [more
results folders]; numerics results/<gpu-slug> [--out FILE.md]; compare A B [--out DIR]; compare
MERGED | CHIP CHIP CHIP… [--chips]; merge DIR… --out DIR; interference NODE_DIR. The tcbench
command runs report, compare, export, merge and interference through this one (TCBENCH_PROG names
it in messages).

Exit status: 0 done; 3 malformed input (a cost table given to export, a chip folder without
run.json or its device's name/UUID, a malformed chips.csv or node.json: file and field named); 1
the data cannot be trusted (an incomplete or failed run, a truncated or unreadable file: the report
is still written, with a warning at its top, unless a file could not be read at all; merge writes
nothing then) or an output could not be written; 2 wrong usage (merging or comparing folders of
different GPU models included)."""
from __future__ import annotations

import argparse
import os
import sys

from .chips import CHIP_FRACTION, InputError, UsageError
from .compare import NOISE_FLOOR, NOISE_K, write_compare
from .compare_chips import is_chip_set, write_compare_chips
from .cost_table_validate import CostTableError
from .export import FORMAT_NAMES, export
from .headline import headline_markdown, update_readme
from .interference import write_interference
from .merge import merge
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
    cmp.add_argument("folders", nargs="+", metavar="FOLDER",
                     help="A B: results folder B compared with A (B/A); or chips of one GPU model: a merged folder "
                          "(tcbench merge), or three or more chip folders (or folders of them), or two with --chips")
    cmp.add_argument("--chips", action="store_true",
                     help="compare the folders as chips of one model even when there are two (docs/multi_gpu.md)")
    cmp.add_argument("--chip-fraction", type=float, default=CHIP_FRACTION, metavar="F",
                     help="chips: a chip stands out when at least this fraction of its rows is flagged "
                          "(default %(default)g)")
    cmp.add_argument("--out", metavar="DIR", default=".", help="where to write them (default: the current folder)")
    cmp.add_argument("--threshold", type=float, default=NOISE_FLOOR, metavar="F",
                     help="smallest relative difference that counts (default %(default)g = 0.5%%)")
    cmp.add_argument("--k", type=float, default=NOISE_K,
                     help="a row differs beyond K times its combined noise (default %(default)g)")
    cmp.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
    mg = sub.add_parser("merge", help="one results folder and cost table from several chips of one GPU model, "
                                      "with each row's and figure's spread across the chips (docs/multi_gpu.md)")
    mg.add_argument("folders", nargs="+", metavar="DIR",
                    help="chip results folders (run.json + tables), or folders holding them (e.g. <base>/<gpu-slug>)")
    mg.add_argument("--out", metavar="DIR", required=True, help="the merged results folder (created when absent)")
    mg.add_argument("--force", action="store_true", help="replace the merged files an existing --out holds")
    mg.add_argument("--allow-incomplete", action="store_true",
                    help="merge chips whose runs are incomplete or untrusted anyway (each problem is listed)")
    it = sub.add_parser("interference", help="each GPU alone vs in the concurrent sweep: interference.md and .csv "
                                             "in the node folder of tcbench run --devices ... --interference")
    it.add_argument("node", metavar="NODE_DIR", help="<base>/nodes/<host>/ (holds node.json)")
    it.add_argument("--threshold", type=float, default=NOISE_FLOOR, metavar="F",
                    help="smallest relative difference that counts (default %(default)g)")
    it.add_argument("--k", type=float, default=NOISE_K, help="a row differs beyond K times its noise (default %(default)g)")
    it.add_argument("--allow-incomplete", action="store_true", help=ALLOW_HELP)
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


def _compare(args) -> list:
    """Two folders: B against A. One folder (merged, or holding chip folders), three or more, or
    --chips: the chips."""
    if args.chips or len(args.folders) != 2:
        out = write_compare_chips(args.folders, args.out, args.k, args.threshold, args.chip_fraction)
        named = ", ".join(out["outliers"]) or "none"
        print(f"compared {out['compared']} chip rows of {out['chips']} chips: {out['flagged']} outside the others' "
              f"spread; chips that stand out: {named}; wrote {', '.join(map(str, out['paths']))}")
        return out["problems"]
    out = write_compare(args.folders[0], args.folders[1], args.out, args.k, args.threshold)
    print(f"compared {out['compared']} rows: {out['differ']} differ by more than the noise; "
          f"{out['only_a']} valid only in A, {out['only_b']} only in B; wrote {', '.join(map(str, out['paths']))}")
    return out["problems"]


def _merge(args) -> list:
    out = merge(args.folders, args.out, args.force, args.allow_incomplete, " ".join([_prog(), "merge"] + sys.argv[2:]))
    if not out["written"]:
        for p in out["problems"]:
            print(f"analysis: {p}", file=sys.stderr)
        raise ValueError(f"not merged: {len(out['problems'])} problem(s) above in the {out['chips']} chip folders "
                         f"(--allow-incomplete merges them anyway)")
    print(f"merged {out['chips']} chips: {out['rows']} measurements ({out['all_chips']} valid on every chip) -> "
          f"{out['out']}")
    return out["problems"]


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
        return _compare(args)
    if args.command == "merge":
        return _merge(args)
    if args.command == "interference":
        out = write_interference(args.node, args.k, args.threshold)
        print(f"{out['changed']} of {out['gpus']} GPU(s) measured differently alone and concurrently; wrote "
              f"{', '.join(map(str, out['paths']))}")
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
    if args.command == "compare" and len(args.folders) == 1 and not is_chip_set(args.folders[0]):
        ap.error(f"compare {args.folders[0]}: one folder must be a merged folder (tcbench merge) or hold two or more "
                 f"chip folders; to compare two results folders give both (A B)")
    try:
        problems = _run(args)
    except (CostTableError, InputError) as e:  # names the file and the field
        print(f"analysis: {e}", file=sys.stderr)
        return EXIT_MALFORMED
    except UsageError as e:
        print(f"{_prog()}: {e}", file=sys.stderr)
        return EXIT_USAGE
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
