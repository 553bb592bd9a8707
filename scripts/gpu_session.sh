#!/usr/bin/env bash
# One call on the GPU machine: build, run the test suite (GPU tests included), dump SASS,
# run the sweep(s), and pack everything into $OUT (the device tool returns at most 8 files).
# Usage: scripts/gpu_session.sh [tcbench run arguments...]   (default: the embedded sweep)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/tcbench-out}
mkdir -p "$OUT"
log() { echo "== $(date -u +%H:%M:%S) $*"; }
log "configure + build"
cmake --preset default -DTCBENCH_FAMILIES="${FAMILIES:-mma_sync;mma_sp;wmma;wgmma}" >"$OUT/build.log" 2>&1 && cmake --build build -j 16 >>"$OUT/build.log" 2>&1 \
  || { grep -E "error|Error" "$OUT/build.log" | head -40; exit 1; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  log "tests"
  ctest --test-dir build --output-on-failure -j 4 >"$OUT/ctest.log" 2>&1; echo "ctest rc=$?"
  grep -E "tests passed|tests failed|Failed|\*\*\*" "$OUT/ctest.log" | head -30
fi
log "sass"
./build/tcbench sass --out sass >"$OUT/sass.log" 2>&1; echo "sass rc=$?"; tail -3 "$OUT/sass.log"
log "sweep"
./build/tcbench run --no-progress "$@" 2>&1 | tee "$OUT/run.log" | tail -5
echo "run rc=${PIPESTATUS[0]}"
tar czf "$OUT/results.tgz" results sass
cp build/Testing/Temporary/LastTest.log "$OUT/ctest_full.log" 2>/dev/null
log "done"
