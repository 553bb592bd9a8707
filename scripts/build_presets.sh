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
# Where .tcbench-git exists (scripts/stamp_git.sh; the GPU machine gets a copy of the working tree)
# the tree is copied instead of cloned, only if the stamp says it is a clean commit; the evidence says so.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
repo=$(pwd)
jobs=${JOBS:-$(nproc)}
(($#)) || { echo "usage: $0 PRESET..." >&2; exit 2; }
mkdir -p results/builds
# The stamp first, as tcbench reads it: a copied tree may hold a stale .git.
if [[ -f .tcbench-git ]]; then
  read -r sha dirty <.tcbench-git
  [[ $dirty == 0 ]] || { echo "build_presets: .tcbench-git says the tree is not a clean commit" >&2; exit 2; }
  source_kind="copy (.tcbench-git: committed, clean) of"
elif sha=$(git rev-parse HEAD 2>/dev/null); then
  source_kind="clean clone of"
else
  echo "build_presets: no git repository and no .tcbench-git stamp: cannot name the commit" >&2
  exit 2
fi
failed=0
for preset in "$@"; do
  clone=$(mktemp -d "${TMPDIR:-/tmp}/tcbench-$preset.XXXXXX")
  log=$clone.log
  if [[ $source_kind == clean* ]]; then
    git clone -q --no-local "$repo" "$clone/src" && git -C "$clone/src" checkout -q "$sha"
  else  # the tracked tree only: no build folders, no carried dependencies
    mkdir -p "$clone/src" && tar -C "$repo" --exclude='./build*' --exclude=./.deps --exclude=./out -cf - . | tar -C "$clone/src" -xf -
  fi
  cmd="cmake --preset $preset && cmake --build --preset $preset -j $jobs"
  start=$(date +%s)
  (cd "$clone/src" && cmake --preset "$preset" && cmake --build --preset "$preset" -j "$jobs") >"$log" 2>&1
  status=$?
  wall=$(($(date +%s) - start))
  out=results/builds/$preset.txt
  {
    echo "preset: $preset"
    echo "command: $cmd"
    echo "$source_kind: $sha"
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
