#!/usr/bin/env bash
# A sweep through a real Slurm: a single-node cluster on localhost (scripts/slurm-localhost.sh),
# `ccsim explore --slurm` as a job array and a merge job after it. Checks that the merged results
# equal a local run of the same sweep byte for byte, that a re-submission with another task count
# reuses every point, and that a failing task cancels the merge (non-zero exit, nothing written);
# then scripts/cosim-all.sh --slurm on 8 images, its summary against a local run.
# Usage: slurm_sweep.sh CCSIM SOURCE_DIR. Without root or Slurm it is skipped (exit 77), except
# under CI (CI set), where that is a failure.
set -euo pipefail
ccsim=$(realpath "$1")
src=$(realpath "$2")
source "$src/tests/ci_skip.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to start slurmd"
command -v slurmctld >/dev/null && command -v munged >/dev/null || skip "slurm-wlm / munge not installed (scripts/install-deps.sh)"

tmp=$(mktemp -d /tmp/ccsim-slurm.XXXXXX)
chmod 755 "$tmp"
cleanup() { bash "$src/scripts/slurm-localhost.sh" stop "$tmp/cluster" || true; rm -rf "$tmp"; }
trap cleanup EXIT
bash "$src/scripts/slurm-localhost.sh" start "$tmp/cluster"
export SLURM_CONF=$tmp/cluster/slurm.conf
fail() { echo "slurm_sweep: FAIL: $*" >&2; exit 1; }

cp "$src/models/examples/fmnist-dense.json" "$tmp/net.json"
cat > "$tmp/sweep.json" <<'EOF'
{"network": "net.json",
 "calibration": {"dataset": "/usr/share/datasets/fashion-mnist", "count": 16},
 "axes": {"scheme": ["cc", "nm"], "array": ["8x8", "16x16", "8x16"], "alpha": [4, 8]}}
EOF
cd "$tmp"
"$ccsim" explore sweep.json -o local.csv --threads 2 --quiet
points=$(($(wc -l < local.csv) - 1))
[ "$points" -eq 12 ] || fail "local run: $points points, expected 12"

start=$(date +%s%N)
"$ccsim" explore sweep.json -o slurm.csv --slurm 4 --wait
wall_ms=$((($(date +%s%N) - start) / 1000000))
cmp local.csv slurm.csv || fail "merged Slurm results differ from the local run"
tasks=$(ls slurm.csv.tasks/logs/task-*.log | wc -l)
[ "$tasks" -eq 4 ] || fail "$tasks task logs, expected 4"
grep -q "^merged 12 points from 4 files" slurm.csv.tasks/logs/merge.log || fail "merge log: $(cat slurm.csv.tasks/logs/merge.log)"
echo "slurm_sweep: $points points in $tasks array tasks + 1 merge job: ${wall_ms} ms wall; merged CSV = local run ($points rows)"

# Re-submitted with three tasks: every task takes its points from the merged results.
"$ccsim" explore sweep.json -o slurm.csv --slurm 3 --wait
cmp local.csv slurm.csv || fail "re-submitted results differ"
for log in slurm.csv.tasks/logs/task-{0,1,2}.log; do
  line=$(grep "in this shard" "$log") || fail "$log: no summary line"
  [[ $line =~ ([0-9]+)\ in\ this\ shard,\ ([0-9]+)\ already\ done ]] || fail "$log: '$line'"
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || fail "$log: points evaluated again: '$line'"
done
echo "slurm_sweep: re-submitted as 3 tasks: every point reused"

# A task that fails (its network gone when it starts) cancels the merge: non-zero, no results.
cp sweep.json gone.json
sed -i 's/"net.json"/"net2.json"/' gone.json
cp net.json net2.json
"$ccsim" explore gone.json -o gone.csv --slurm 2 --wait --sbatch "--hold" > gone.log 2>&1 &
explore=$!
for _ in $(seq 100); do [ "$(squeue -h | wc -l)" -ge 2 ] && break; sleep 0.1; done
[ "$(squeue -h | wc -l)" -ge 2 ] || fail "the held jobs did not appear: $(squeue)"
rm net2.json
for job in $(squeue -h -o %A); do scontrol release "$job"; done
if wait "$explore"; then fail "explore --wait succeeded although its tasks failed: $(cat gone.log)"; fi
grep -q "the merge did not complete" gone.log || fail "no clear error: $(cat gone.log)"
[ ! -e gone.csv ] || fail "gone.csv written although the tasks failed"
grep -q "no such file" gone.csv.tasks/logs/task-0.log || fail "task log: $(cat gone.csv.tasks/logs/task-0.log)"
echo "slurm_sweep: a failing task cancels the merge job (explore exits non-zero, nothing written)"

# The whole-test-set co-simulation as a job array: 8 images in 2 tasks of 4, a summary job after
# them; its totals equal a local run of the same shards.
cosim() { CCSIM_BIN=$ccsim CCSIM_BUILD_DIR=$tmp/$1 bash "$src/scripts/cosim-all.sh" "${@:2}"; }
if cosim cosim-bad --wait 8 4 2> bad.txt; then fail "cosim-all --wait without --slurm was taken"; fi
grep -q "go with --slurm" bad.txt || fail "cosim-all: $(cat bad.txt)"
if cosim cosim-bad 8 0 2> bad.txt; then fail "cosim-all with a shard size of 0 was taken"; fi
grep -q "must be positive" bad.txt || fail "cosim-all: $(cat bad.txt)"
cosim cosim-dry --slurm --dry-run 8 4 > dry.txt
grep -q -- "--array=0-1" dry.txt && grep -q -- "--dependency=afterok:JOB" dry.txt || fail "cosim-all --dry-run: $(cat dry.txt)"
[ ! -e "$tmp/cosim-dry" ] || fail "cosim-all --dry-run wrote $tmp/cosim-dry"
start=$(date +%s%N)
cosim cosim-slurm --slurm --wait 8 4 > cosim-slurm.txt || fail "cosim-all --slurm: $(cat cosim-slurm.txt)"
wall_ms=$((($(date +%s%N) - start) / 1000000))
CCSIM_JOBS=2 cosim cosim-local 8 4 > cosim-local.txt || fail "cosim-all locally: $(cat cosim-local.txt)"
summary() { /usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["images"], s["pass"], s["cycles_compared"], s["cycles_simulated"])' "$1"; }
slurm_summary=$(summary "$tmp/cosim-slurm/cosim-all/summary.json")
[ "$slurm_summary" = "$(summary "$tmp/cosim-local/cosim-all/summary.json")" ] || fail "cosim summaries differ: $slurm_summary"
[[ $slurm_summary == "8 True "* ]] || fail "cosim-all --slurm: $slurm_summary"
[ "$(ls "$tmp"/cosim-slurm/cosim-all/logs/task-*.log | wc -l)" -eq 2 ] || fail "cosim-all: not 2 task logs"
echo "slurm_sweep: cosim-all, 8 images in 2 array tasks + 1 summary job: ${wall_ms} ms wall; summary = local run (images, pass, compared and simulated cycles: $slurm_summary)"
echo "slurm_sweep: PASS"
