#!/usr/bin/env bash
# Disassembles a tcbench binary (`tcbench sass`, no GPU) and compares every architecture it holds
# with the committed expectation in sass/ (scripts/sass_compare.py), then checks that
# docs/sass_opcodes.md matches the committed CSVs. Fails on any difference.
#
#   scripts/sass_check.sh [BINARY] [--require sm_100a ...]     (default BINARY: build/tcbench)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
binary=${1:-build/tcbench}
(($#)) && shift
fresh=$(mktemp -d "${TMPDIR:-/tmp}/tcbench-sass.XXXXXX")
trap 'rm -rf "$fresh"' EXIT
"$binary" sass --binary "$binary" --out "$fresh/sass" --force >"$fresh/log" || { cat "$fresh/log" >&2; exit 1; }
python3 scripts/sass_compare.py sass "$fresh/sass" "$@"
python3 scripts/sass_table.py --check
