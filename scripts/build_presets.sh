#!/usr/bin/env bash
# Builds each named CMake preset from a clean clone of this repository's HEAD and writes the
# evidence to results/builds/<preset>.txt: the command, git SHA, date, nvcc and cmake versions,
# wall time, exit status and the last 20 lines of the build log.
#
#   scripts/build_presets.sh turing ampere ada hopper blackwell all
#
# JOBS (default: nproc) sets the parallel jobs; KEEP=1 keeps the clones (under $TMPDIR).
# TIME_LIMIT=<s> stops a build still running that many seconds after the script started (exit 3,
# no evidence written); with RESUME_DIR=<dir> the clone, build tree and log of each preset live in
# <dir>/<preset> and a later run with the same commit resumes there, the evidence then giving the
# summed wall time and the number of runs (a machine whose calls are time-limited: the device tool).
# A finished preset's tree is removed (KEEP=1 keeps it; a later run then starts it over).
# CI compiles every target of the presets (the default build, scripts/ci_archs.sh, the volta stage)
# but not each preset as its own tree: this script does, for the evidence.
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
deadline=$((SECONDS + ${TIME_LIMIT:-1000000}))
failed=0
for preset in "$@"; do
  if [[ -n ${RESUME_DIR:-} ]]; then
    clone=$RESUME_DIR/$preset
    # Resume only an unfinished build of the same commit; a finished one (kept with KEEP=1) starts over.
    [[ -f $clone/sha && $(cat "$clone/sha") == "$sha" && ! -f $clone/finished ]] || rm -rf "$clone"
    mkdir -p "$clone"
  else
    clone=$(mktemp -d "${TMPDIR:-/tmp}/tcbench-$preset.XXXXXX")
  fi
  log=$clone/build.log
  if [[ ! -f $clone/sha ]]; then
    if [[ $source_kind == clean* ]]; then
      git clone -q --no-local "$repo" "$clone/src" && git -C "$clone/src" checkout -q "$sha"
    else  # the tracked tree only: no build folders, no carried dependencies
      mkdir -p "$clone/src" && tar -C "$repo" --exclude='./build*' --exclude=./.deps --exclude=./out -cf - . | tar -C "$clone/src" -xf -
    fi
    echo "$sha" >"$clone/sha"; echo 0 >"$clone/seconds"; echo 0 >"$clone/runs"
  fi
  left=$((deadline - SECONDS))
  ((left > 10)) || { echo "build_presets: no time left for $preset (TIME_LIMIT)" >&2; exit 3; }
  cmd="cmake --preset $preset && cmake --build --preset $preset -j $jobs"
  start=$(date +%s)
  (cd "$clone/src" && { [[ -f build-$preset/build.ninja ]] || cmake --preset "$preset"; } &&
    timeout "$left" cmake --build --preset "$preset" -j "$jobs") >>"$log" 2>&1
  status=$?
  wall=$(($(date +%s) - start + $(cat "$clone/seconds")))
  runs=$(($(cat "$clone/runs") + 1))
  echo "$wall" >"$clone/seconds"; echo "$runs" >"$clone/runs"
  if ((status == 124)); then
    echo "build_presets: $preset stopped at TIME_LIMIT after ${wall} s in $runs run(s); run again with RESUME_DIR to resume" >&2
    exit 3
  fi
  out=results/builds/$preset.txt
  {
    echo "preset: $preset"
    echo "command: $cmd"
    echo "$source_kind: $sha"
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host: $(nproc) CPU threads, -j $jobs"
    echo "exit status: $status"
    if ((runs > 1)); then
      echo "wall time: ${wall} s, summed over $runs runs (stopped at a time limit and resumed in the same build tree)"
    else
      echo "wall time: ${wall} s"
    fi
    echo "--- nvcc --version"
    nvcc --version
    echo "--- cmake --version"
    cmake --version | head -1
    echo "--- last 20 lines of the build log"
    tail -n 20 "$log"
  } >"$out"
  echo "build_presets: $preset exit $status in ${wall} s -> $out" >&2
  ((status == 0)) || failed=1
  touch "$clone/finished"
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$clone"
done
exit "$failed"
