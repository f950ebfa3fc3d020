#!/usr/bin/env bash
# The main job on the bundled model: build ccsim, re-pack the bundled trained network through the
# front end (column groups from training, int8 calibration), inspect the packed file, and run
# the bit-exact int8 golden model over the full Fashion-MNIST test set (10,000 images).
# Outputs go to ${CCSIM_OUT:-out/demo}.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
out=${CCSIM_OUT:-$root/out/demo}
data=/usr/share/datasets/fashion-mnist
model=$root/models/examples/fmnist-shift
bash "$root/scripts/build.sh"
mkdir -p "$out"
ccsim=$build/ccsim

echo "== bundled packed network ($model.ccpack)"
"$ccsim" inspect "$model.ccpack" --summary > "$out/bundled-summary.json"
echo "   summary: $out/bundled-summary.json"

echo "== ccsim pack: trained float network -> int8, column-combined"
"$ccsim" pack "$model.json" --calib-dataset "$data" --calib-count 512 \
  -o "$out/fmnist-shift.ccpack" --report "$out/pack-report.json"

echo "== ccsim golden: int8 golden model on the 10,000 test images"
"$ccsim" golden "$out/fmnist-shift.ccpack" --dataset "$data" -o "$out/golden-outputs.json" \
  | tee "$out/golden.json" | grep -E '"(accuracy|correct|samples)"'

echo "== ccsim golden: float reference of the same network"
"$ccsim" golden "$model.json" --dataset "$data" | tee "$out/float.json" | grep -E '"accuracy"'

echo "outputs in $out"
