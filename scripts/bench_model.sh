#!/usr/bin/env bash
# CPU benchmarks (Google Benchmark; docs/cpu_benchmarks.md): BENCH=model (default) the tensor-core
# numerics model (bench/model_bench.cpp), BENCH=optimizer the optimizer core's planning time
# (bench/optimizer_bench.cpp). Builds tcbench_$BENCH_bench in an already configured build folder,
# runs every case and writes
#   $OUT/${BENCH}_bench.json  Google Benchmark's JSON (tests/data/gbench_compare/compare.py reads it)
#   $OUT/run.json          provenance: git commit and dirty files, command, date, CPU, compiler
# Both are written beside the target first and moved in only when the run succeeds (exit 0: every
# case verified), so a failed run leaves the previous results as they were.
# Usage: scripts/bench_model.sh [extra --benchmark_* flags]
#   (env: BENCH=model|optimizer, BUILD_DIR=build, OUT=results/cpu-$BENCH)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH:-model}
case "$bench" in model|optimizer) ;; *) echo "bench_model: BENCH must be model or optimizer (got $bench)" >&2; exit 2 ;; esac
build=${BUILD_DIR:-build}
out=${OUT:-results/cpu-$bench}
target=tcbench_${bench}_bench
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench_model: $build is not a configured build folder (cmake --preset default, or set BUILD_DIR)" >&2
  exit 1
fi
cmake --build "$build" --target "$target" >/dev/null || {
  echo "bench_model: cannot build $target in $build (it needs Google Benchmark: libbenchmark-dev, scripts/setup.sh)" >&2
  exit 1
}

mkdir -p "$out"
stage=$(mktemp -d "$out/.staging-XXXXXX")
trap 'rm -rf "$stage"' EXIT
bin="$build/$target"
flags=(--benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
       --benchmark_display_aggregates_only=true "$@")
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
read -r load _ < /proc/loadavg
"$bin" "${flags[@]}" --benchmark_out="$stage/${bench}_bench.json" --benchmark_out_format=json

cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
STARTED=$started LOAD=$load CXX_PATH=$cxx BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt") \
  TOOL="$target (bench/${bench}_bench.cpp)" python3 - "$stage/run.json" "$bin" "${flags[@]}" --benchmark_out="$out/${bench}_bench.json" \
  --benchmark_out_format=json <<'PY'
import json, os, platform, subprocess, sys
def sh(*args):
    return subprocess.run(args, capture_output=True, text=True).stdout
dirty = [l[3:] for l in sh("git", "status", "--porcelain", "--untracked-files=no").splitlines()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
cxx = os.environ["CXX_PATH"]
run = {
    "tool": os.environ["TOOL"],
    "git_sha": sh("git", "rev-parse", "HEAD").strip(),
    "git_dirty": bool(dirty),
    "dirty_files": dirty,
    "command": " ".join(sys.argv[2:]),
    "date_utc": os.environ["STARTED"],
    "cpu_model": cpu,
    "cpus": os.cpu_count(),
    "load_avg_1min_at_start": float(os.environ["LOAD"]),
    "compiler": sh(cxx, "--version").splitlines()[0] if cxx else "",
    "build_type": os.environ["BUILD_TYPE"],
    "google_benchmark": sh("pkg-config", "--modversion", "benchmark").strip() or "unknown",
}
json.dump(run, open(sys.argv[1], "w"), indent=2)
open(sys.argv[1], "a").write("\n")
PY
mv "$stage/${bench}_bench.json" "$stage/run.json" "$out/"
echo "bench_model: wrote $out/${bench}_bench.json and $out/run.json"
