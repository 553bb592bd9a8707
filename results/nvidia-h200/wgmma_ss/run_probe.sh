#!/usr/bin/env bash
# _ssprobe (issue 12, wgmma SS throughput): builds the N = 256 wgmma kernels of snapshot d37f934
# per variant -- before (TCB_WGMMA_SETTLE=0: the committed kernel), after (settle_operands before the
# barrier that opens the timed region), warm (after + one untimed wgmma per chain before it, C
# reloaded; call 2's experiment), final (the proposed kernel: settle + warm-up, reload kept apart
# by a barrier) -- and runs the same sweeps with each. Logs, CSVs to $OUT. The kernel's switches
# TCB_WGMMA_SETTLE / TCB_WGMMA_WARM exist only in this snapshot.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/ssprobe-out}; mkdir -p "$OUT"
export PATH="$PATH:/usr/local/cuda/bin"
log() { echo "== $(date -u +%H:%M:%S) $*"; }
if [ ! -f /usr/include/re2/re2.h ]; then for f in ../.deps/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv; nvcc --version | tail -2; } > "$OUT/device.txt"
cfg() {  # dir "cuda flags"
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTCBENCH_CUDA_ARCHS=90a -DTCBENCH_FAMILIES=wgmma \
    -DTCBENCH_WGMMA_N_BOUNDS=256 -DTCB_PROBE_TOP_ONLY=ON -DTCBENCH_BUILD_TESTS=OFF -DCMAKE_CUDA_FLAGS="$2" >"$OUT/build_$1.log" 2>&1 &&
  cmake --build "$1" --target tcbench -j 6 >>"$OUT/build_$1.log" 2>&1
}
log build
VARIANTS=${VARIANTS:-before after warm}
declare -A FLAGS=([before]="-DTCB_WGMMA_SETTLE=0 -DTCB_WGMMA_WARM=0" [after]="-DTCB_WGMMA_SETTLE=1 -DTCB_WGMMA_WARM=0"
                  [warm]="-DTCB_WGMMA_SETTLE=1 -DTCB_WGMMA_WARM=1" [final]="")
pids=(); for b in $VARIANTS; do cfg build-$b "${FLAGS[$b]}" & pids+=($!); done
for p in "${pids[@]}"; do wait $p || { tail -30 "$OUT"/build_*.log; exit 1; }; done
log built
[ "${SASS:-1}" = 1 ] && for b in $VARIANTS; do cuobjdump -sass build-$b/tcbench | gzip -c > "$OUT/sass_$b.txt.gz"; done
for c in ${CFGS:-ss512 ss2048}; do for b in $VARIANTS; do
  log "run $c $b"
  timeout 200 ./build-$b/tcbench run --no-progress --config probe/$c.yaml --out /tmp/res_${c}_$b >"$OUT/run_${c}_$b.log" 2>&1; echo "rc=$?"
  tail -1 "$OUT/run_${c}_$b.log"
  mkdir -p "$OUT/csv"; cp /tmp/res_${c}_$b/instructions.csv "$OUT/csv/${c}_$b.csv" 2>/dev/null; cp /tmp/res_${c}_$b/run.json "$OUT/csv/${c}_$b.run.json" 2>/dev/null
done; done
tar -C "$OUT" -czf "$OUT/csv.tgz" csv && rm -rf "$OUT/csv"
tar -C "$OUT" -czf "$OUT/logs.tgz" $(cd "$OUT" && ls *.log) && (cd "$OUT" && rm -f *.log)
ls -la "$OUT"
log done
