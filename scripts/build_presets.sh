#!/usr/bin/env bash
# Builds each named CMake preset from a clean clone of this repository's HEAD and writes the
# evidence to results/builds/<preset>.txt: the command, git SHA, date, nvcc and cmake versions,
# wall time, exit status and the last 20 lines of the build log.
#
#   scripts/build_presets.sh turing ampere ada hopper blackwell all
#
# JOBS (default: nproc) sets the parallel jobs; KEEP=1 keeps the clones (under $TMPDIR).
# CI builds a representative subset only (scripts/ci_archs.sh); this script builds the rest.
# The volta preset needs a CUDA 12.x toolkit (docs/architectures.md).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
repo=$(pwd)
jobs=${JOBS:-$(nproc)}
(($#)) || { echo "usage: $0 PRESET..." >&2; exit 2; }
mkdir -p results/builds
sha=$(git rev-parse HEAD)
failed=0
for preset in "$@"; do
  clone=$(mktemp -d "${TMPDIR:-/tmp}/tcbench-$preset.XXXXXX")
  log=$clone.log
  git clone -q --no-local "$repo" "$clone/src" && git -C "$clone/src" checkout -q "$sha"
  cmd="cmake --preset $preset && cmake --build --preset $preset -j $jobs"
  start=$(date +%s)
  (cd "$clone/src" && cmake --preset "$preset" && cmake --build --preset "$preset" -j "$jobs") >"$log" 2>&1
  status=$?
  wall=$(($(date +%s) - start))
  out=results/builds/$preset.txt
  {
    echo "preset: $preset"
    echo "command: $cmd"
    echo "clean clone of: $sha"
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host: $(nproc) CPU threads, -j $jobs"
    echo "exit status: $status"
    echo "wall time: ${wall} s"
    echo "--- nvcc --version"
    nvcc --version
    echo "--- cmake --version"
    cmake --version | head -1
    echo "--- last 20 lines of the build log"
    tail -n 20 "$log"
  } >"$out"
  echo "build_presets: $preset exit $status in ${wall} s -> $out" >&2
  ((status == 0)) || failed=1
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$clone" "$log"
done
exit "$failed"
