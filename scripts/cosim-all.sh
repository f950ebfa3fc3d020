#!/usr/bin/env bash
# Co-simulates the bundled network on the whole Fashion-MNIST test set (or the first N images) in
# shards of SHARD_SIZE images (ccsim cosim --first K --count C each), then one summary.
# Usage: scripts/cosim-all.sh [--slurm [--sbatch "OPTS"] [--wait] [--dry-run]] [IMAGES] [SHARD_SIZE]
#   (defaults 10000 and 250). Without --slurm the shards run over all cores of this machine; with
#   it they are a Slurm job array (one shard per task) and the summary a job that runs after it
#   (cancelled if a task fails); --wait returns when the summary job has ended, with its status;
#   --dry-run prints the two sbatch commands and submits nothing.
# Results: ${CCSIM_BUILD_DIR:-build}/cosim-all/{shard-FIRST-COUNT.json,summary.json}; finished shards are
# kept, so running again (or re-submitting) resumes. CCSIM_JOBS sets the local parallel shards
# (default: all cores); CCSIM_BIN runs that ccsim binary (e.g. a copy, so the tree can be rebuilt
# meanwhile) instead of building one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
self="$root/scripts/cosim-all.sh"
mode=local
sbatch_opts=""
wait_flag=""
dry_run=""
task_first=""
while [ $# -gt 0 ]; do
  case $1 in
    --slurm) mode=slurm; shift ;;
    --sbatch) sbatch_opts=$2; shift 2 ;;
    --wait) wait_flag=--wait; shift ;;
    --dry-run) dry_run=1; shift ;;
    --shard) mode=shard; task_first=$2; shift 2 ;;    # internal: one shard (a local job or an array task)
    --summary) mode=summary; shift ;;                  # internal: the summary
    -*) echo "cosim-all: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
images=${1:-10000}
shard=${2:-250}
ccsim=${CCSIM_BIN:-$build/ccsim}
out="$build/cosim-all"

run_shard() {
  local first=$1
  local count=$(( images - first < shard ? images - first : shard ))
  local name="shard-$first-$count"
  [ -f "$out/$name.json" ] && return 0   # finished shards are kept (resumable)
  # A mismatch is recorded in the shard's report (the summary fails on it), not an error here.
  "$ccsim" cosim "$root/models/examples/fmnist-shift.ccpack" --array 16x16 \
    --dataset /usr/share/datasets/fashion-mnist --first "$first" --count "$count" \
    --mismatch-trace "$out/mismatch-$first-$count.fst" --report "$out/$name.json" >/dev/null || true
}

summarize() {
  /usr/bin/python3 - "$out" "$images" "$shard" "$1" <<'PY'
import json, os, sys
out, images, size, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# This run's shards only (a directory may hold shards of a run with other sizes); a missing one
# leaves the image count short, which fails the summary.
paths = [f"{out}/shard-{first}-{min(size, images - first)}.json" for first in range(0, images, size)]
shards = [json.load(open(p)) for p in paths if os.path.exists(p)]
summary = {
    "images": sum(s["samples"] for s in shards),
    "pass": all(s["pass"] for s in shards),
    "cycles_compared": sum(s["cycles_compared"] for s in shards),
    "cycles_simulated": sum(s["cycles_simulated"] for s in shards),
    "wall_seconds_this_run": seconds,
}
json.dump(summary, open(f"{out}/summary.json.tmp", "w"), indent=2)
os.replace(f"{out}/summary.json.tmp", f"{out}/summary.json")
print(json.dumps(summary))
sys.exit(0 if summary["pass"] and summary["images"] == images else 1)
PY
}

case $mode in
  shard) run_shard "$task_first"; exit 0 ;;
  summary) summarize "$(( $(date +%s) - ${CCSIM_COSIM_START:-$(date +%s)} ))"; exit $? ;;
esac

case $images$shard in *[!0-9]*) echo "cosim-all: IMAGES and SHARD_SIZE are whole numbers ('$images', '$shard')" >&2; exit 2 ;; esac
[ "$images" -gt 0 ] && [ "$shard" -gt 0 ] || { echo "cosim-all: IMAGES and SHARD_SIZE must be positive" >&2; exit 2; }
[ "$mode" = slurm ] || [ -z "$wait_flag$dry_run$sbatch_opts" ] || { echo "cosim-all: --wait, --dry-run and --sbatch go with --slurm" >&2; exit 2; }
[ -n "${CCSIM_BIN:-}" ] || [ -n "$dry_run" ] || bash "$root/scripts/build.sh" >/dev/null
start=$(date +%s)
shards=$(( (images + shard - 1) / shard ))
if [ "$mode" = slurm ]; then
  # Every task runs this script on its shard with the binary just built (same paths on the nodes).
  # shellcheck disable=SC2206  # sbatch options are words
  opts=($sbatch_opts)
  submit_array=(sbatch --parsable "${opts[@]}" --job-name=ccsim-cosim --array=0-$((shards - 1))
    --output="$out/logs/task-%a.log" --export=ALL,CCSIM_BIN="$ccsim",CCSIM_BUILD_DIR="$build"
    --wrap "bash '$self' --shard \$((SLURM_ARRAY_TASK_ID * $shard)) $images $shard")
  submit_summary=(sbatch --parsable "${opts[@]}" $wait_flag --job-name=ccsim-cosim-summary
    --dependency=afterok:JOB --kill-on-invalid-dep=yes --output="$out/logs/summary.log"
    --export=ALL,CCSIM_BIN="$ccsim",CCSIM_BUILD_DIR="$build",CCSIM_COSIM_START="$start"
    --wrap "bash '$self' --summary $images $shard")
  if [ -n "$dry_run" ]; then
    echo "# $images images in $shards array tasks; nothing is submitted"
    printf '%q ' "${submit_array[@]}"; echo
    printf '%q ' "${submit_summary[@]}"; echo "  # JOB: the array's job ID"
    exit 0
  fi
  mkdir -p "$out/logs"
  # The summary job writes summary.json; one Slurm cancels (a task failed) never runs, and
  # `sbatch --wait` then returns 0 all the same: its absence tells.
  rm -f "$out/summary.json"
  array=$("${submit_array[@]}")
  array=${array%%;*}
  echo "cosim-all: $images images in $shards array tasks: Slurm job $array (logs $out/logs)"
  submit_summary=("${submit_summary[@]/--dependency=afterok:JOB/--dependency=afterok:$array}")
  summary=$("${submit_summary[@]}") && status=0 || status=$?
  if [ -z "$wait_flag" ]; then
    [ "$status" -eq 0 ] || { echo "cosim-all: sbatch could not submit the summary job" >&2; exit 1; }
    echo "cosim-all: summary job ${summary%%;*} writes $out/summary.json"
    exit 0
  fi
  if [ ! -f "$out/summary.json" ]; then
    echo "cosim-all: the summary job did not run: Slurm cancels it when an array task fails; see $out/logs" >&2
    exit 1
  fi
  cat "$out/logs/summary.log"
  exit "$status"
fi
mkdir -p "$out"
jobs=${CCSIM_JOBS:-$(nproc)}
seq 0 "$shard" $((images - 1)) | CCSIM_BIN="$ccsim" CCSIM_BUILD_DIR="$build" \
  xargs -P "$jobs" -I{} bash "$self" --shard {} "$images" "$shard"
summarize "$(( $(date +%s) - start ))"
