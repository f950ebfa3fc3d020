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

echo "== ccsim run: cycle-accurate bit-serial accelerator (16x16 array), 20 test images, checked against golden"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --mode cycle --dataset "$data" --count 20 \
  --report "$out/run-cycle.json" --vcd "$out/pw1_2.vcd" --trace-layer 4 --trace-window 0:40000

echo "== ccsim run: fast mode, same counters, 1,000 test images"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --mode fast --dataset "$data" --count 1000 \
  --report "$out/run-fast.json"

echo "== ccsim run: cross-layer pipelined schedule (one 16x16 array per layer), cycle-accurate, 20 images"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --mode cycle --schedule pipelined --dataset "$data" --count 20 \
  --report "$out/run-pipelined.json"

echo "== ccsim run: through the TLM system (host, memory, DMA; approximately timed memory path)"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --tlm at --dataset "$data" --count 5 --report "$out/run-tlm.json"
echo "== ccsim run --rtl array: the Verilated array inside the TLM system, compared with the SystemC cells every cycle, 2 images"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --tlm lt --rtl array --dataset "$data" --count 2 \
  --report "$out/run-rtl-array.json"
echo "== ccsim run --rtl tile: the Verilated accelerator tile (controller, DMAs, buffers) runs every Matmul layer inside the TLM system, 2 images"
"$ccsim" run "$out/fmnist-shift.ccpack" --array 16x16 --tlm lt --rtl tile --dataset "$data" --count 2 \
  --report "$out/run-rtl-tile.json"
echo "== ccsim cosim: Verilated RTL tile vs SystemC model, every cycle, 2 test images (waveform of cycles 12000-13500)"
"$ccsim" cosim "$out/fmnist-shift.ccpack" --array 16x16 --dataset "$data" --count 2 --report "$out/cosim.json" \
  --trace "$out/cosim.fst" --trace-window 12000:13500 --mismatch-trace "$out/cosim-mismatch.fst"
echo "== ccsim report: the cycle-accurate run as one HTML page (per-layer charts, array heatmaps; opens offline)"
"$ccsim" report "$out/run-cycle.json" -o "$out/run-cycle.html"
echo "outputs in $out (waveform: $out/pw1_2.vcd, open with gtkwave; report: $out/run-cycle.html in a browser)"
