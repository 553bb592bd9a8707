#!/usr/bin/env python3
"""Writes registered_options.txt: every option name Accel-Sim's parser accepts in a config file.

Accel-Sim (gpu-simulator/accel-sim.cc) builds one option parser, has GPGPU-Sim's and its own
trace front end's reg_options() register into it, then parses every `-config FILE`; a name that
was not registered stops the simulator ("Unknown Option", exit 1). The names are read from the
sources at two commits, without building anything:

    python3 tests/data/accel_sim/extract_options.py \\
        --gpgpu-sim REPO[@COMMIT] --accel-sim REPO[@COMMIT] [-o registered_options.txt]

REPO is a clone or a bare git directory (read with `git -C REPO show COMMIT:path`); COMMIT
defaults to HEAD. What counts as a registration (see NAME_LITERAL and NAME_LOOP):

  * option_parser_register(opp, "-name", ...): the parser every reg_options() receives. The DRAM
    timing sub-parser (`dram_opp`, names without a dash) reads the value of
    -gpgpu_dram_timing_opt, not a config file, so it is not counted;
  * a loop `ss << "-prefix_" << j + 1;` feeding option_parser_register(opp, ss.str()...) over
    j < SPECIALIZED_UNIT_NUM: expanded to -prefix_1 .. -prefix_N;
  * option_parser.cc's `#ifdef UNIT_TEST` block (a self-test with made-up names) is skipped.

Any other registration (a name that is neither a literal nor the loop above) stops the script,
so that a newer upstream cannot lose names silently."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

SOURCE_SUFFIXES = (".cc", ".cpp", ".c", ".h", ".hpp")
# Where each repository keeps the code that registers options.
SCANNED = {"gpgpu-sim": "src/", "accel-sim": "gpu-simulator/"}
REPOSITORIES = {"gpgpu-sim": "accel-sim/gpgpu-sim_distribution", "accel-sim": "accel-sim/accel-sim-framework"}
TOP_PARSER = "opp"
REGISTER = re.compile(r"option_parser_register\s*\(\s*(\w+)\s*,\s*([^,]+?)\s*,", re.S)
NAME_LITERAL = re.compile(r'"(-[^"]+)"$')
NAME_LOOP = re.compile(r'ss\s*<<\s*"(-\w+)"\s*<<\s*j\s*\+\s*1\s*;')
LOOP_NAME_ARGUMENT = "ss.str().c_str()"
UNIT_COUNT = re.compile(r"#define\s+SPECIALIZED_UNIT_NUM\s+(\d+)")
UNIT_TEST_BLOCK = re.compile(r"#ifdef\s+UNIT_TEST\b.*?#endif", re.S)
OUTPUT = Path(__file__).with_name("registered_options.txt")


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def resolve(spec: str) -> tuple[str, str]:
    """REPO[@COMMIT] -> (REPO, full commit SHA)."""
    repo, _, commit = spec.partition("@")
    return repo, git(repo, "rev-parse", "--verify", f"{commit or 'HEAD'}^{{commit}}").strip()


def sources(repo: str, commit: str, folder: str) -> dict[str, str]:
    """{path: text} of the C/C++ files under `folder` at `commit`."""
    paths = git(repo, "ls-tree", "-r", "--name-only", commit, "--", folder).splitlines()
    return {p: git(repo, "show", f"{commit}:{p}") for p in paths if p.endswith(SOURCE_SUFFIXES)}


def unit_count(texts: dict[str, str]) -> int:
    counts = {int(m.group(1)) for text in texts.values() for m in UNIT_COUNT.finditer(text)}
    if len(counts) != 1:
        sys.exit(f"expected one #define SPECIALIZED_UNIT_NUM, found {sorted(counts)}")
    return counts.pop()


def registered_in(path: str, text: str, units: int) -> set[str]:
    """The top-level option names one source file registers."""
    text = UNIT_TEST_BLOCK.sub("", text)
    names = set()
    for call in REGISTER.finditer(text):
        parser, argument = call.groups()
        if parser != TOP_PARSER:
            continue
        literal = NAME_LITERAL.match(argument)
        loops_before = list(NAME_LOOP.finditer(text, 0, call.start()))
        if literal:
            names.add(literal.group(1))
        elif argument == LOOP_NAME_ARGUMENT and loops_before:
            prefix = loops_before[-1].group(1)   # the stringstream this call registers
            names.update(f"{prefix}{j}" for j in range(1, units + 1))
        else:
            line = text.count("\n", 0, call.start()) + 1
            sys.exit(f"{path}:{line}: option registered under a name this script cannot read: {argument}")
    return names


def registered(texts: dict[str, str], units: int) -> set[str]:
    return set().union(*(registered_in(p, t, units) for p, t in texts.items()))


def header(commits: dict[str, str]) -> list[str]:
    lines = ["# Option names Accel-Sim's parser accepts in gpgpusim.config / trace.config (one per line,",
             "# sorted): every option_parser_register(opp, ...) of", ]
    lines += [f"#   {REPOSITORIES[k]} @ {commits[k]} ({SCANNED[k]})" for k in sorted(commits)]
    lines += ["# Written by tests/data/accel_sim/extract_options.py (its docstring gives the rules:",
              "# literal names, the -..._<1..SPECIALIZED_UNIT_NUM> loops, no dram_opp, no UNIT_TEST block):",
              f"#   calls: {REGISTER.pattern}  with parser {TOP_PARSER}, name {NAME_LITERAL.pattern}",
              f"#   loops: {NAME_LOOP.pattern}",
              "# regenerate with: python3 tests/data/accel_sim/extract_options.py "
              "--gpgpu-sim GPGPU_SIM_REPO@COMMIT --accel-sim ACCEL_SIM_REPO@COMMIT"]
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpgpu-sim", required=True, help="REPO[@COMMIT] of accel-sim/gpgpu-sim_distribution")
    ap.add_argument("--accel-sim", required=True, help="REPO[@COMMIT] of accel-sim/accel-sim-framework")
    ap.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    specs = {"gpgpu-sim": args.gpgpu_sim, "accel-sim": args.accel_sim}
    texts, commits = {}, {}
    for key, spec in specs.items():
        repo, commits[key] = resolve(spec)
        texts.update({f"{key}:{p}": t for p, t in sources(repo, commits[key], SCANNED[key]).items()})
    names = registered(texts, unit_count(texts))
    args.output.write_text("\n".join(header(commits) + sorted(names)) + "\n")
    print(f"{args.output}: {len(names)} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
