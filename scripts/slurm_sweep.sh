#!/usr/bin/env bash
# tcbench on a Slurm cluster (docs/multi_gpu.md): a job array with one task per node, each sweeping
# every GPU of its node (`tcbench run --devices all`) into a shared folder, and a merge job that
# Slurm starts only when every task succeeded (--dependency=afterok) and that merges each GPU
# model's chips into one results folder and cost table, then flags the chips that stand out.
#
#   scripts/slurm_sweep.sh submit --nodes N --out /shared/path [--partition P] [--time HH:MM:SS]
#                                 [--account A] [--dry-run] [-- tcbench run options...]
#   scripts/slurm_sweep.sh task  --out /shared/path [-- tcbench run options...]   (an array task)
#   scripts/slurm_sweep.sh merge --out /shared/path                                (the merge job)
#
# The shared folder gets <out>/<gpu-slug>/<uuid>/ per GPU, <out>/nodes/<host>/ per node,
# <out>/slurm/ the job logs, and <out>/merged/<gpu-slug>/ per model (merge.md, cost_table.json,
# compare_chips.md). TCBENCH is the tcbench command (default: build/tcbench of this tree, which must
# be on a file system the nodes share); --dry-run prints the sbatch commands instead of submitting.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TCBENCH=${TCBENCH:-$HERE/../build/tcbench}

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

mode=${1:-}
[ -n "$mode" ] || usage
shift
nodes="" out="" partition="" time_limit="" account="" dry_run=0
run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --time) time_limit=$2; shift 2 ;;
    --account) account=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --) shift; run_args=("$@"); break ;;
    *) echo "slurm_sweep.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$out" ] || { echo "slurm_sweep.sh: --out is required (a folder every node can write)" >&2; exit 2; }

submit() {
  [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "slurm_sweep.sh: --nodes must be a positive number (got '$nodes')" >&2; exit 2; }
  local common=()
  [ -n "$partition" ] && common+=(--partition="$partition")
  [ -n "$account" ] && common+=(--account="$account")
  local sweep=(sbatch --parsable --job-name=tcbench-sweep --array="0-$((nodes - 1))" --nodes=1 --ntasks=1
               --exclusive --output="$out/slurm/%x-%A_%a.out" "${common[@]}")
  [ -n "$time_limit" ] && sweep+=(--time="$time_limit")
  sweep+=("$HERE/slurm_sweep.sh" task --out "$out")
  [ ${#run_args[@]} -gt 0 ] && sweep+=(-- "${run_args[@]}")
  local merge=(sbatch --parsable --job-name=tcbench-merge --ntasks=1 --cpus-per-task=2
               --output="$out/slurm/%x-%j.out" "${common[@]}")
  if [ "$dry_run" = 1 ]; then
    echo "${sweep[*]}"
    echo "${merge[*]} --dependency=afterok:<array job id> $HERE/slurm_sweep.sh merge --out $out"
    return
  fi
  mkdir -p "$out/slurm"
  local array_id
  array_id=$("${sweep[@]}")
  array_id=${array_id%%;*}  # --parsable: "id" or "id;cluster"
  local merge_id
  merge_id=$("${merge[@]}" --dependency="afterok:$array_id" "$HERE/slurm_sweep.sh" merge --out "$out")
  echo "submitted the sweep (array job $array_id, $nodes node(s)) and the merge (job ${merge_id%%;*}, after every task succeeded)"
}

task() {
  # --exclusive gives a task a whole node, but two tasks may still get the same node one after the
  # other: the second finds the node's summary and stops, so no chip is swept twice.
  local host
  host=$(hostname)
  if [ -e "$out/nodes/$host/node.json" ]; then
    echo "slurm_sweep.sh: $host was already swept ($out/nodes/$host/node.json); nothing to do"
    return 0
  fi
  $TCBENCH run --devices all --out "$out" "${run_args[@]}"
}

merge() {
  local status=0 merged=0 dir slug
  for dir in "$out"/*/; do
    slug=$(basename "$dir")
    case "$slug" in nodes | merged | slurm) continue ;; esac
    $TCBENCH merge "$dir" --out "$out/merged/$slug" --force || { status=1; continue; }
    $TCBENCH compare "$out/merged/$slug" --out "$out/merged/$slug" || status=1
    merged=$((merged + 1))
  done
  [ "$merged" -gt 0 ] || { echo "slurm_sweep.sh: no GPU results under $out" >&2; return 1; }
  return "$status"
}

case "$mode" in
  submit) submit ;;
  task) task ;;
  merge) merge ;;
  *) echo "slurm_sweep.sh: unknown mode '$mode' (submit, task or merge)" >&2; usage ;;
esac
