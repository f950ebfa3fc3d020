#!/usr/bin/env bash
# Reproduces the imported-network table of models/examples/TRAINING.md: the two PyTorch exports
# of tests/models (a ResNet-style network and a MobileNetV2-style one, trained 2 epochs in PyTorch
# on ToTensor() inputs) retrained by `ccsim train --init MODEL.onnx`: dense for the same budget
# (the baseline), with column combining at alpha 8 and 4 on the convolutions after the first
# (pack's default scope) and magnitude pruning alone, from the export; then combining at alpha 4
# from the dense retrained network (also with 2 QAT epochs) against dense for the same 20 epochs.
# One libtorch thread per run, two runs side by side; runs already finished (their .done marker) are skipped.
# Usage: scripts/train-imported.sh [OUT_DIR] [MODEL...] (default out/train-imported, resnet mbv2).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/out/train-imported}
shift $(($# > 0 ? 1 : 0))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(resnet mbv2)
bash "$root/scripts/build.sh" >/dev/null
mkdir -p "$out"
cd "$out"
ccsim="$root/build/ccsim"
common=(--input-scale 1/255 --threads 1 --seed 1 --lr 0.02)
run() {
  local name=$1
  shift
  [ -f "$name.done" ] && return 0
  "$ccsim" train "${common[@]}" "$@" -o "$name.ccpack" --export "$name.json" --report "$name.report.json" >"$name.log"
  touch "$name.done"
  echo "== $name: $(tail -1 "$name.log")"
}
for model in "${models[@]}"; do
  init=$root/tests/models/fmnist-$model.onnx
  run "$model-dense" --init "$init" --epochs 10 --mode dense &
  run "$model-combine-a4" --init "$init" --epochs 10 --mode combine --alpha 4 &
  wait
  # The paper's order: combine the trained dense network, retrain (10 more epochs); against dense
  # for the same 20 epochs.
  run "$model-c4-from-dense" --init "$model-dense.json" --epochs 10 --mode combine --alpha 4 &
  run "$model-combine-a8" --init "$init" --epochs 10 --mode combine --alpha 8 &
  wait
  run "$model-prune-a8" --init "$init" --epochs 10 --mode prune --alpha 8 &
  run "$model-dense20" --init "$init" --mode dense --epochs 20 &
  wait
  run "$model-c4-from-dense-qat2" --init "$model-dense.json" --epochs 10 --mode combine --alpha 4 --qat-epochs 2
done
