#!/usr/bin/env bash
# The checks of issue #16 that need GPUs (docs/multi_gpu.md), written into $OUT/multi_gpu/:
#   one/     tcbench run --devices 0
#   all/     tcbench run --devices all --interference (each GPU alone, then all at once; interference.md)
#   merged/  tcbench merge: every GPU of all/ (several GPUs), else the GPU's two runs (one/ and all/)
#   merged/compare_chips.md   tcbench compare of the merged chips
#   int/     a node sweep interrupted (SIGINT to the parent after INTERRUPT_AFTER s): exit 130, partial folders
#   mixed.err  the refusal to merge this GPU with a committed folder of another model
#   kill/    a node sweep whose first worker is killed (SIGSEGV) after INTERRUPT_AFTER s: its partial folder
# Each step's exit code is printed ("== step: exit N (expected M)"); RUN_ARGS go to every `tcbench run`
# (e.g. RUN_ARGS="--filter F32F16F16" for short sweeps). Then everything is packed as $OUT/multi_gpu.tgz,
# with the reports and summaries also copied flat into $OUT/multi_gpu_summary/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/tcbench-out}
T=$OUT/multi_gpu
TCB=${TCBENCH:-./build/tcbench}
RUN_ARGS=${RUN_ARGS:-}
INTERRUPT_AFTER=${INTERRUPT_AFTER:-20}
mkdir -p "$T"
step() { echo "== $(date -u +%T) $1: exit $2 (expected $3)"; }

# shellcheck disable=SC2086  # RUN_ARGS is a list of options
$TCB run --devices 0 --out "$T/one" $RUN_ARGS; step "run --devices 0" $? 0
# shellcheck disable=SC2086
$TCB run --devices all --interference --out "$T/all" $RUN_ARGS; step "run --devices all --interference" $? 0

gpus=$(find "$T/all" -mindepth 2 -maxdepth 2 -name 'GPU-*' -type d | wc -l)
if [ "$gpus" -ge 2 ]; then sources=("$T/all"); else sources=("$T/one" "$T/all"); fi
$TCB merge "${sources[@]}" --out "$T/merged"; step "merge (${#sources[@]} folder(s), $gpus GPU(s))" $? 0
$TCB compare "$T/merged" --out "$T/merged"; step "compare of chips" $? 0
# A committed results folder of another GPU model than this one: the merge must refuse the mix.
slug=$(basename "$(find "$T/one" -mindepth 1 -maxdepth 1 -type d ! -name nodes | head -1)")
other=results/nvidia-h200
[ "$slug" = nvidia-h200 ] && other=results/nvidia-h100-80gb-hbm3
$TCB merge "$T/one" "$other" --out "$T/mixed" 2>"$T/mixed.err"; step "merge of $slug with $other" $? 2
cat "$T/mixed.err"

# shellcheck disable=SC2086
$TCB run --devices all --out "$T/int" $RUN_ARGS >"$T/int.log" 2>&1 &
parent=$!
sleep "$INTERRUPT_AFTER"
kill -INT "$parent"
wait "$parent"; step "node sweep interrupted" $? 130
find "$T/int" -name run.json -path '*partial*' -exec grep -H '"partial_reason"' {} \;

# shellcheck disable=SC2086
$TCB run --devices all --out "$T/kill" $RUN_ARGS >"$T/kill.log" 2>&1 &
parent=$!
sleep "$INTERRUPT_AFTER"
worker=$(pgrep -P "$parent" | head -1)
kill -SEGV "$worker"
wait "$parent"; step "node sweep with worker $worker killed" $? 1
find "$T/kill" -name run.json -path '*partial*' -exec grep -H '"partial_reason"\|"error"' {} \;

mkdir -p "$OUT/multi_gpu_summary"
find "$T" \( -name node.json -o -name '*.md' -o -name '*.log' -o -name '*.err' \) -print0 |
  while IFS= read -r -d '' f; do cp "$f" "$OUT/multi_gpu_summary/$(echo "${f#"$T"/}" | tr '/' '_')"; done
tar czf "$OUT/multi_gpu.tgz" -C "$OUT" multi_gpu && rm -rf "$T"
echo "packed $OUT/multi_gpu.tgz; summaries in $OUT/multi_gpu_summary/"
