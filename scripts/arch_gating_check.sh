#!/usr/bin/env bash
# The GPU check of issue #15's gating, in one command (run on a GPU machine; writes to $OUT):
# builds the `hopper` preset, then `tcbench info` (what this GPU runs and skips, with reasons),
# `tcbench info --arch sm_100a` (the plan for a Blackwell GPU, without one), and a filtered run of
# the blackwell family plus one wgmma and one mma.sync atom: on a Hopper GPU the Blackwell rows
# must be `skipped` with "needs sm_1xx..; this GPU is sm_90" and the others measured.
#
#   OUT=/tmp/out JOBS=16 scripts/arch_gating_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
out=${OUT:-/tmp/tcbench-gating}
mkdir -p "$out"
{ cmake --preset hopper && cmake --build --preset hopper -j "${JOBS:-$(nproc)}"; } >"$out/build.log" 2>&1 || {
  tail -30 "$out/build.log"; exit 1; }
bin=build-hopper/tcbench
"$bin" info >"$out/info.txt" 2>&1; echo "info: exit $?"
"$bin" info --arch sm_100a >"$out/info_sm_100a.txt" 2>&1; echo "info --arch sm_100a: exit $?"
"$bin" run --family blackwell,wgmma,mma.sync --filter 'SM100_|SM120_|SM90_64x8x16_F32F16F16_SS|SM80_16x8x16_F32F16F16F32_TN' \
  --out "$out/run" --no-progress >"$out/run.log" 2>&1; echo "run: exit $?"
tail -3 "$out/info.txt"
grep -E "blackwell" "$out/info.txt" | head -8
grep -E "run   blackwell|skip  blackwell" "$out/info_sm_100a.txt" | head -8
find "$out/run" -name instructions.csv -exec grep -h -E "blackwell|SM90_64x8x16|SM80_16x8x16" {} + | cut -c1-260 | head -20
