#!/usr/bin/env bash
# Reproduces the training table of models/examples/TRAINING.md: a dense network, then from it
# (--init) magnitude pruning only, column combining at several settings and combining retrained
# on 10 % of the training set. Same shape everywhere: 3x3 conv + 3 blocks x 2 shift/pointwise
# layers (16, 32, 64 channels), seed 1. One libtorch thread per run; runs already finished (their
# .done marker) are skipped. Usage: scripts/train-table.sh [OUT_DIR]   (default out/train-table).
# About 20 minutes per 15-epoch run on one core (small shape); the 32/64/128 shape follows.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/out/train-table}
bash "$root/scripts/build.sh" >/dev/null
mkdir -p "$out"
cd "$out"
ccsim="$root/build/ccsim"
common=(--filters 16 32 64 --layers 2 2 2 --strides 1 2 2 --threads 1)
seed=1
run() {
  local name=$1
  shift
  [ -f "$name.done" ] && return 0
  echo "== $name"
  "$ccsim" train "${common[@]}" --seed "$seed" "$@" -o "$name.ccpack" --export "$name.json" \
    --report "$name.report.json" >"$name.log"
  touch "$name.done"
  tail -1 "$name.log"
}
run dense --mode dense --epochs 15
run comb-from-dense --mode combine --epochs 15 --groups 2 4 8 --gamma 1.75 --init dense.json --lr 0.02
run comb10-from-dense --mode combine --epochs 15 --groups 2 4 8 --gamma 1.75 --init dense.json --lr 0.02 --train-fraction 0.1
run prune-from-dense --mode prune --epochs 15 --groups 2 4 8 --init dense.json --lr 0.02
# gamma (conflicts allowed per row) around the bundled model's 1.75, from scratch like it.
run combine-gamma1 --mode combine --epochs 15 --groups 2 4 8 --gamma 1.0 --l1-penalty 1e-7
run combine-gamma3 --mode combine --epochs 15 --groups 2 4 8 --gamma 3.0 --l1-penalty 1e-7
# The default (paper-like) shape: 32, 64, 128 channels, 4x the weights; 10 epochs, about 45
# minutes per run on one core (two runs side by side on this 2-core machine).
# Set CCSIM_TRAIN_SMALL_ONLY=1 to skip it.
if [ -z "${CCSIM_TRAIN_SMALL_ONLY:-}" ]; then
  common=(--filters 32 64 128 --layers 2 2 2 --strides 1 2 2 --threads 1)
  run big-dense --mode dense --epochs 10
  run big-combine --mode combine --epochs 10 --groups 2 4 8 --gamma 1.75 --l1-penalty 1e-7
  run big-combine-fp07 --mode combine --epochs 10 --groups 2 4 8 --gamma 1.75 --l1-penalty 1e-7 --final-prune 0.7
  run big-combine-fp06 --mode combine --epochs 10 --groups 2 4 8 --gamma 1.75 --l1-penalty 1e-7 --final-prune 0.6
  run big-combine-a244 --mode combine --epochs 10 --groups 2 4 4 --gamma 1.75 --l1-penalty 1e-7
  run big-combine-a444 --mode combine --epochs 10 --groups 4 4 4 --gamma 1.75 --l1-penalty 1e-7
  run big-combine-a228 --mode combine --epochs 10 --groups 2 2 8 --gamma 1.75 --l1-penalty 1e-7
  run big-comb-from-dense --mode combine --epochs 10 --groups 2 4 8 --gamma 1.75 --init big-dense.json --lr 0.02
  # Quantization-aware fine-tuning: alone on the combined network, and appended to a run.
  run big-comb-from-dense-qat3 --mode combine --epochs 0 --qat-epochs 3 --groups 2 4 8 --gamma 1.75 \
    --init big-comb-from-dense.json
  run big-comb-from-dense-a244-qat3 --mode combine --epochs 10 --qat-epochs 3 --groups 2 4 4 --gamma 1.75 \
    --init big-dense.json --lr 0.02
  # A second seed (initialization, shift directions, data order) for the same pair.
  seed=2
  run big-dense-s2 --mode dense --epochs 10
  run big-comb-from-dense-a244-qat3-s2 --mode combine --epochs 10 --qat-epochs 3 --groups 2 4 4 --gamma 1.75 \
    --init big-dense-s2.json --lr 0.02
fi
/usr/bin/python3 "$root/scripts/training_table.py" dense "$out"/[!b]*.report.json
if [ -f big-dense.report.json ]; then
  /usr/bin/python3 "$root/scripts/training_table.py" big-dense "$out"/big-*.report.json
fi
