#!/usr/bin/env bash
# Co-simulates the bundled network on the whole Fashion-MNIST test set (or the first N images),
# sharded over all cores: ccsim cosim --first K --count C per shard, then one summary.
# Usage: scripts/cosim-all.sh [IMAGES] [SHARD_SIZE]   (defaults 10000 and 250).
# Results: ${CCSIM_BUILD_DIR:-build}/cosim-all/{shard-*.json,summary.json}.
# CCSIM_JOBS sets the parallel shards (default: all cores); CCSIM_BIN runs that ccsim binary
# (e.g. a copy, so the tree can be rebuilt meanwhile) instead of building one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
images=${1:-10000}
shard=${2:-250}
ccsim=${CCSIM_BIN:-$build/ccsim}
[ -n "${CCSIM_BIN:-}" ] || bash "$root/scripts/build.sh" >/dev/null
jobs=${CCSIM_JOBS:-$(nproc)}
out="$build/cosim-all"
mkdir -p "$out"
start=$(date +%s)
seq 0 "$shard" $((images - 1)) | xargs -P "$jobs" -I{} sh -c '
  first={}; count=$(( '"$images"' - first < '"$shard"' ? '"$images"' - first : '"$shard"' ))
  [ -f "'"$out"'/shard-$first.json" ] && exit 0   # finished shards are kept (resumable)
  "'"$ccsim"'" cosim "'"$root"'/models/examples/fmnist-shift.ccpack" --array 16x16 \
    --dataset /usr/share/datasets/fashion-mnist --first "$first" --count "$count" \
    --mismatch-trace "'"$out"'/mismatch-$first.fst" --report "'"$out"'/shard-$first.json" >/dev/null || true
'
/usr/bin/python3 - "$out" "$images" "$(( $(date +%s) - start ))" <<'PY'
import glob, json, sys
out, images, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shards = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/shard-*.json"))]
summary = {
    "images": sum(s["samples"] for s in shards),
    "pass": all(s["pass"] for s in shards),
    "cycles_compared": sum(s["cycles_compared"] for s in shards),
    "cycles_simulated": sum(s["cycles_simulated"] for s in shards),
    "wall_seconds_this_run": seconds,
}
json.dump(summary, open(f"{out}/summary.json.tmp", "w"), indent=2)
import os; os.replace(f"{out}/summary.json.tmp", f"{out}/summary.json")
print(json.dumps(summary))
sys.exit(0 if summary["pass"] and summary["images"] == images else 1)
PY
