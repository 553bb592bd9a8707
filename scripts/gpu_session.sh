#!/usr/bin/env bash
# One call on the GPU machine: build, run the test suite (GPU tests included), dump SASS, run the
# sweeps and the numerics, regenerate the reports, and pack everything into $OUT (the device
# tool returns at most 8 files). Steps are chosen with STEPS (default: all of them):
#   STEPS="build tests sass quickstart default compare energy numerics build_alln hopper gemm_algos gemm_times
#          gemm_contraction contractions full sanitize report" scripts/gpu_session.sh
# compare: the new default sweep's latencies against the committed sweep's (kept aside before the
# default step overwrites it), written to results/<gpu>/stability/against_previous.md.
# NUMERICS_ARGS is passed to `tcbench numerics` (e.g. "--cases 5000 --sample 5000"). build_alln
# builds a wgmma-only tcbench with every N (8..256) into build-alln, which the hopper sweep uses.
# Everything under results/ and sass/ (PACK: other paths) comes back in $OUT as
# results.tgz.part-* (15 MB pieces). BUILD_TARGET builds one target only (e.g. tcbench).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/tcbench-out}
STEPS=${STEPS:-build tests sass default compare energy hopper numerics report}
mkdir -p "$OUT"
log() { echo "== $(date -u +%H:%M:%S) $*"; }
has() { [[ " $STEPS " == *" $1 "* ]]; }
export PATH="$PATH:/usr/local/cuda/bin"

# Libraries the GPU machine's image may lack (it has no network): Debian packages carried in
# .deps/ (`apt-get download libre2-dev libre2-9` here) are unpacked when CMake could not find them.
if [ ! -f /usr/include/re2/re2.h ] && ls .deps/*.deb >/dev/null 2>&1; then
  log "unpacking carried packages: $(ls .deps/*.deb | xargs -n1 basename | tr '\n' ' ')"
  for f in .deps/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi

build_default() {
  log "configure + build"
  cmake --preset default -DTCBENCH_FAMILIES="${FAMILIES:-mma_sync;mma_sp;wmma;wgmma}" >"$OUT/build.log" 2>&1 &&
    cmake --build build -j "$(nproc)" ${BUILD_TARGET:+--target $BUILD_TARGET} >>"$OUT/build.log" 2>&1 ||
    { grep -E "error|Error" "$OUT/build.log" | head -40; return 1; }
}
build_alln() {
  log "configure + build (wgmma, every N)"
  cmake -S . -B build-alln -G Ninja -DCMAKE_BUILD_TYPE=Release -DTCBENCH_FAMILIES=wgmma -DTCBENCH_BUILD_TESTS=OFF \
    -DTCBENCH_WGMMA_ALL_N=ON -DTCBENCH_WGMMA_N_BOUNDS="80;128;168;200;232" >"$OUT/build_alln.log" 2>&1 &&
    cmake --build build-alln --target tcbench -j "$(nproc)" >>"$OUT/build_alln.log" 2>&1 ||
    { grep -E "error|Error" "$OUT/build_alln.log" | head -40; return 1; }
}
# Both builds at once share the cores (the every-N build is one family, the default one many):
# less wall time than one after the other.
if has build && has build_alln; then
  build_default & b1=$!; build_alln & b2=$!
  wait $b1 || exit 1; wait $b2 || exit 1
elif has build; then build_default || exit 1
elif has build_alln; then build_alln || exit 1
fi
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv
# The results folder is named for the GPU as `tcbench info` names it (nvidia-smi's name the same
# way when no tcbench was built in this call).
slug=$(./build/tcbench info 2>/dev/null | python3 -c 'import json,sys,re; d=json.JSONDecoder().raw_decode(sys.stdin.read())[0]; print(re.sub(r"[^a-z0-9]+","-",d["name"].lower()).strip("-"))' 2>/dev/null)
[ -n "$slug" ] || slug=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | python3 -c 'import sys,re; print(re.sub(r"[^a-z0-9]+","-",sys.stdin.read().strip().lower()).strip("-"))')
res="results/${slug:-unknown-gpu}"
log "results folder $res"
if has tests; then
  log "tests"
  ctest --test-dir build --output-on-failure -j 4 >"$OUT/ctest.log" 2>&1; echo "ctest rc=$?"
  grep -E "tests passed|tests failed|Failed|\*\*\*|Skipped" "$OUT/ctest.log" | head -30
  cp build/Testing/Temporary/LastTest.log "$OUT/ctest_full.log" 2>/dev/null
fi
if has sass; then
  log "sass"
  ./build/tcbench sass --out sass --force >"$OUT/sass.log" 2>&1; echo "sass rc=$?"; tail -2 "$OUT/sass.log"
fi
sweep() {  # name, then tcbench run arguments
  local name=$1; shift
  log "sweep $name"
  timeout 540 ./build/tcbench run --no-progress "$@" >"$OUT/run_$name.log" 2>&1; echo "run $name rc=$?"
  tail -2 "$OUT/run_$name.log"
}
if has quickstart; then
  # Acceptance (#11): the Quick-start command, twice from the repository root, leaves the committed
  # results untouched (each run gets its own results/<gpu>/runs/<stamp>/). The two runs are kept
  # in $res/stability/ with the default sweep's for the run-to-run spread.
  log "quick start twice"
  digest() { find results -type f ! -path '*/runs/*' ! -path '*/stability/*' ! -path '*/sanitize/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum; }
  before=$(digest)
  for i in 1 2; do
    timeout 240 ./build/tcbench run --no-progress >"$OUT/quickstart_$i.log" 2>&1; echo "quick start $i rc=$?"
    tail -1 "$OUT/quickstart_$i.log"
  done
  mkdir -p "$res/stability"
  { echo "committed results before: $before"; echo "committed results after:  $(digest)"
    [ "$before" = "$(digest)" ] && echo "untouched: yes" || echo "untouched: NO"; ls -d results/*/runs/*; } | tee "$res/stability/quickstart.txt"
  for d in "$res"/runs/*/; do
    n=$(basename "$d"); mkdir -p "$res/stability/$n"
    cp "$d/run.json" "$res/stability/$n/"
    for t in instructions movement; do gzip -9c "$d/$t.csv" >"$res/stability/$n/$t.csv.gz"; done
  done
fi
if has compare && [ -f "$res/instructions.csv.gz" ]; then
  mkdir -p /tmp/previous && cp "$res/run.json" "$res"/*.csv.gz /tmp/previous/
fi
has default && sweep default --out "$res" --force
if has compare && [ -f /tmp/previous/run.json ]; then
  log "compare with the previous committed sweep"
  mkdir -p "$res/stability"
  python3 -m analysis stability /tmp/previous "$res" --out "$res/stability/against_previous.md" 2>&1 | tail -3
fi
has energy && sweep energy --config configs/energy.yaml --out "$res/energy" --force
hopper_bin=./build/tcbench; [ -x build-alln/tcbench ] && hopper_bin=./build-alln/tcbench
if has hopper; then
  log "sweep hopper ($hopper_bin)"
  timeout 540 $hopper_bin run --no-progress --config configs/hopper.yaml --out "$res/hopper" --force >"$OUT/run_hopper.log" 2>&1
  echo "run hopper rc=$?"; tail -2 "$OUT/run_hopper.log"
fi
if has gemm_algos; then
  # InfiniTensor's cuBLAS algorithm measurement (docs/exporters/infinitensor.md)
  log "gemm-algos"
  timeout 300 ./build/tcbench gemm-algos --shapes configs/gemm_algos.csv --out "$res/gemm_algos" --force \
    >"$OUT/gemm_algos.log" 2>&1; echo "gemm-algos rc=$?"; tail -3 "$OUT/gemm_algos.log"
fi
if has gemm_times; then
  # The optimizer's prediction target: torch.matmul in CUDA graphs (optimizer/measure/README.md)
  log "gemm timing (torch)"
  PYTHONUNBUFFERED=1 python3 optimizer/measure/gemm_timing.py --shapes configs/gemm/calibration.csv \
    --shapes configs/gemm/validation.csv --out "$res/gemm" --kernels --max-seconds "${GEMM_SECONDS:-230}" \
    >"$OUT/gemm_timing.log" 2>&1; echo "gemm timing rc=$?"; tail -3 "$OUT/gemm_timing.log"
fi
if has gemm_contraction; then
  # The second discovery set: the batched tiny, outer and dot products contractions lower to.
  log "gemm timing, contraction discovery set (torch)"
  PYTHONUNBUFFERED=1 python3 optimizer/measure/gemm_timing.py --shapes configs/gemm/calibration_contraction.csv \
    --out "$res/gemm_contraction" --force --kernels --max-seconds "${GEMM_SECONDS:-230}" \
    >"$OUT/gemm_contraction.log" 2>&1; echo "gemm timing rc=$?"; tail -3 "$OUT/gemm_contraction.log"
fi
if has contractions; then
  # The contraction suite (optimizer/contractions/README.md): every plan of programs.json, planned
  # and lowered on the CPU by `tcbench optimize` (plan_suite.py) from this GPU's cost table.
  log "contraction suite"
  PYTHONUNBUFFERED=1 python3 -m optimizer.contractions.run_suite --programs "$res/contractions/programs.json" \
    --plans optimizer/contractions/data/plans.json --out "$res/contractions" --force --replays 30 \
    --max-seconds "${CONTRACTION_SECONDS:-400}" >"$OUT/contractions.log" 2>&1; echo "contractions rc=$?"
  tail -3 "$OUT/contractions.log"
fi
has full && sweep full --config configs/full.yaml --out "$res/full" --force
if has sanitize; then
  # compute-sanitizer over a reduced sweep that covers every family and operand source
  # (configs/sanitize.yaml); each tool's log is kept whole in results/<gpu>/sanitize/.
  mkdir -p "$res/sanitize"
  for tool in memcheck racecheck synccheck; do
    log "sanitize $tool"
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 99 --print-limit 100 \
      ./build/tcbench run --no-progress --config configs/sanitize.yaml \
      --out "/tmp/sanitize-$tool" --force >"$res/sanitize/$tool.log" 2>&1
    echo "sanitize $tool rc=$?"; tail -3 "$res/sanitize/$tool.log"
    # The numerics probe and case-runner kernels too (a few paths of each kind, few cases).
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 99 --print-limit 100 \
      ./build/tcbench numerics --cases 200 --sample 0 --out "/tmp/sanitize-numerics-$tool" --force \
      --filter '^(SM80_16x8x16_F32F16F16F32_TN|SM90_16x8x16_F64F64F64F64_TN|SM89_16x8x32_F32E4M3E4M3F32_TN|SM80_WMMA_16x16x8_F32TF32TF32F32_TN|SM90_64x64x16_F32F16F16_(SS|RS))/' \
      >"$res/sanitize/numerics_$tool.log" 2>&1
    echo "sanitize numerics $tool rc=$?"; tail -2 "$res/sanitize/numerics_$tool.log"
  done
fi
if has numerics; then
  log "numerics"
  timeout 540 ./build/tcbench numerics --out "$res" --force ${NUMERICS_ARGS:-} >"$OUT/numerics.log" 2>&1
  echo "numerics rc=$? (5: hardware != model)"; tail -4 "$OUT/numerics.log"
fi
if has report; then
  log "report"
  for d in "$res" "$res/hopper" "$res/full" "$res/energy"; do
    [ -f "$d/run.json" ] && python3 -m analysis report "$d" 2>&1 | tail -1
  done
  [ -f "$res/numerics.csv" ] && python3 -m analysis numerics "$res" 2>&1 | tail -1
fi
# Committed results are kept compact (the device's travel limit, the repository's size): CSVs
# gzip-compressed; the analysis reads instructions.csv.gz / numerics.csv.gz as well.
for f in "$res"/instructions.csv "$res"/movement.csv "$res"/energy/energy.csv "$res"/hopper/instructions.csv \
         "$res"/full/instructions.csv "$res"/full/movement.csv "$res"/numerics.csv; do
  [ -f "$f" ] && gzip -9f "$f"
done
tar czf - ${PACK:-results sass} | split -b 15M - "$OUT/results.tgz.part-"
log "done"
