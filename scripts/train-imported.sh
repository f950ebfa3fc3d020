#!/usr/bin/env bash
# Reproduces the imported-network table of models/examples/TRAINING.md: the two PyTorch exports
# of tests/models (a ResNet-style network and a MobileNetV2-style one, trained 2 epochs in PyTorch
# on ToTensor() inputs) retrained by `ccsim train --init MODEL.onnx`: dense for the same budget
# (the baseline), with column combining at alpha 8 and 4 on the convolutions after the first
# (pack's default scope) and magnitude pruning alone, from the export; then combining at alpha 4
# from the dense retrained network (also with 2 QAT epochs) against dense for the same 20 epochs.
# One libtorch thread per run, two runs side by side; runs already finished (their .done marker) are skipped.
# For the ResNets (resnet, and resnet-w2 with twice the channels) also alpha 2 on the narrow 1x1
# convolutions and 4 on the two 3x3 ones, from the export and from the dense retrained network.
# Usage: scripts/train-imported.sh [OUT_DIR] [MODEL...] (default out/train-imported, resnet mbv2;
# resnet-w2 on request: about 6 minutes per 10-epoch run).
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
  run "$model-c4-from-dense-qat2" --init "$model-dense.json" --epochs 10 --mode combine --alpha 4 --qat-epochs 2 &
  if [[ $model == resnet* ]]; then
    per_layer=()
    for l in /3/main/main.1/main.1.0 /3/main/main.4/main.4.0 /4/main/main.1/main.1.0 /4/main/main.4/main.4.0 \
             /4/shortcut/shortcut.0 /8/a/a.0; do
      per_layer+=(--layer "$l/Conv:alpha=2")
    done
    per_layer+=(--layer /6/Conv:alpha=4 --layer /8/b/b.0/Conv:alpha=4)
    run "$model-a244" --init "$init" --epochs 10 --mode combine "${per_layer[@]}"
    wait
    run "$model-a244-from-dense" --init "$model-dense.json" --epochs 10 --mode combine "${per_layer[@]}"
  fi
  wait
done
