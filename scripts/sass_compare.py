#!/usr/bin/env python3
"""Compares freshly generated SASS facts (`tcbench sass --out DIR`) with the committed ones
(sass/<arch>/opcodes.csv): for every architecture the fresh folder holds, each atom's tensor-core
opcodes and native/emulated verdict must equal the committed expectation, and no atom may appear
or disappear. Architectures not built are not compared (say so with --require ARCH to insist).

    scripts/sass_compare.py sass /tmp/fresh-sass [--require sm_100a ...]

Exit 0: same; 1: differences (listed); 2: usage (a folder or file missing).
"""
import argparse
import csv
import sys
from pathlib import Path


def load(csv_path):
    """atom -> (native, tensor_opcodes) of one opcodes.csv."""
    with open(csv_path, newline="") as f:
        return {r["atom"]: (r["native"], r["tensor_opcodes"]) for r in csv.DictReader(f)}


def archs_in(folder):
    return sorted(p.parent.name for p in Path(folder).glob("*/opcodes.csv"))


def compare(committed_dir, fresh_dir, require=()):
    """Returns the list of differences (strings); empty when everything matches."""
    problems = []
    fresh_archs = archs_in(fresh_dir)
    for arch in require:
        if arch not in fresh_archs:
            problems.append(f"{arch}: required but not in {fresh_dir} (not built?)")
    for arch in fresh_archs:
        want_path = Path(committed_dir) / arch / "opcodes.csv"
        if not want_path.exists():
            problems.append(f"{arch}: no committed expectation ({want_path} missing)")
            continue
        want, got = load(want_path), load(Path(fresh_dir) / arch / "opcodes.csv")
        for atom in sorted(want.keys() - got.keys()):
            problems.append(f"{arch} {atom}: in the committed expectation, not in this build")
        for atom in sorted(got.keys() - want.keys()):
            problems.append(f"{arch} {atom}: new in this build, not in the committed expectation")
        for atom in sorted(want.keys() & got.keys()):
            (wn, wo), (gn, go) = want[atom], got[atom]
            if wo != go:
                problems.append(f"{arch} {atom}: opcodes {wo or '(none)'} -> {go or '(none)'}")
            if wn != gn:
                problems.append(f"{arch} {atom}: native {wn} -> {gn}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("committed", help="committed sass/ folder")
    ap.add_argument("fresh", help="folder `tcbench sass --out` wrote")
    ap.add_argument("--require", nargs="*", default=[], help="architectures that must be in the fresh folder")
    args = ap.parse_args(argv)
    for d in (args.committed, args.fresh):
        if not Path(d).is_dir():
            print(f"sass_compare: {d}: no such folder", file=sys.stderr)
            return 2
    archs = archs_in(args.fresh)
    problems = compare(args.committed, args.fresh, args.require)
    if problems:
        print(f"sass_compare: {len(problems)} difference(s) from the committed SASS expectation:")
        for p in problems:
            print("  " + p)
        print("If the change is intended: `tcbench sass --out sass --force` and commit sass/ and docs/sass_opcodes.md")
        return 1
    print(f"sass_compare: {', '.join(archs) or 'no architecture'} match the committed expectation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
