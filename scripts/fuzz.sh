#!/usr/bin/env bash
# Fuzzes every reader ccsim has (packed file, ONNX import, JSON network, sweep JSON, .pb tensors,
# IDX, topology CSV) with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#   bash scripts/fuzz.sh               each harness 15 s (what CI runs, through ctest -L fuzz)
#   bash scripts/fuzz.sh --seconds 600 longer runs; --only sweep for one harness
#   bash scripts/fuzz.sh --seed 0       a random seed (CI uses the fixed seed 1, so its runs reproduce)
# Builds tests/fuzz into ${CCSIM_FUZZ_DIR:-build-fuzz} with clang, lays out the seed corpus from the
# bundled files and hand-made small inputs, and prints each harness's executions. A crash leaves
# its input as build-fuzz/crash-READER-*; reproduce with build-fuzz/fuzz_READER FILE.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_FUZZ_DIR:-$root/build-fuzz}
seconds=15
seed=1
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bash "$root/scripts/install-deps.sh"
cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCCSIM_FUZZ_SECONDS="$seconds" -DCCSIM_FUZZ_SEED="$seed" >/dev/null
cmake --build "$build" --parallel "$(nproc)"

corpus=$build/corpus
rm -rf "$corpus" "$build"/crash-*
for r in packed_file onnx network_json sweep tensor_pb idx topology; do mkdir -p "$corpus/$r" "$corpus/$r-work"; done
testdata=/usr/share/libonnx-testdata/data
cp "$root"/models/examples/*.ccpack "$root"/models/examples/training-runs/*.ccpack "$corpus/packed_file/"
i=0
for m in "$testdata"/pytorch-converted/test_{Conv2d,BatchNorm2d_eval,AvgPool2d,MaxPool2d,Linear,ReLU}*/model.onnx \
         "$testdata"/node/test_{conv_with_strides_padding,gemm_default_no_bias,flatten_axis1,globalaveragepool}/model.onnx; do
  [ -f "$m" ] && cp "$m" "$corpus/onnx/seed-$((i++)).onnx"
done
# PyTorch exports with residual adds, a concatenation, pads and ceil_mode pooling.
cp "$root"/tests/models/fmnist-resnet.onnx "$root"/tests/models/fmnist-mbv2.onnx "$corpus/onnx/"
for t in "$testdata"/pytorch-converted/test_{Conv2d,AvgPool2d,Linear}/test_data_set_0/*.pb; do
  [ -f "$t" ] && cp "$t" "$corpus/tensor_pb/seed-$((i++)).pb"
done
cp "$root"/sim/examples/*-fmnist.json "$corpus/sweep/"
cp "$root"/sim/examples/scalesim-three-layers.csv "$root"/sim/examples/gemm-mnk.csv "$corpus/topology/"
python3 - "$corpus" "$root" <<'PY'
import json, struct, sys, os
corpus, root = sys.argv[1], sys.argv[2]
# A small network with every layer kind the JSON reader knows.
def conv(name, cin, cout, k, pad=0, stride=1):
    return {"name": name, "type": "conv", "out_channels": cout, "kernel": k, "stride": stride, "pad": pad,
            "weight": [0.1 * ((i % 7) - 3) for i in range(cout * cin * k * k)], "bias": [0.0] * cout}
layers = [conv("c0", 1, 4, 3, pad=1),
          {"name": "bn0", "type": "batchnorm", "scale": [1.0] * 4, "bias": [0.0] * 4, "mean": [0.0] * 4, "var": [1.0] * 4},
          {"name": "r0", "type": "relu6"},
          {"name": "s1", "type": "shift", "offsets": [[0, 1], [1, 0], [-1, 0], [0, -1]]},
          conv("pw1", 4, 4, 1), {"name": "r1", "type": "relu"},
          {"name": "mp", "type": "maxpool", "kernel": 2, "stride": 2},
          {"name": "ap", "type": "avgpool", "kernel": [2, 2], "stride": 1, "pad": [0, 0, 1, 1], "count_include_pad": True},
          {"name": "pad", "type": "pad", "pad": [1, 0, 1, 0]},
          {"name": "sum", "type": "add", "inputs": ["pad", "pad"]},
          {"name": "cat", "type": "concat", "inputs": ["sum", "pad"]},
          {"name": "gap", "type": "global_avgpool"}, {"name": "fl", "type": "flatten"},
          {"name": "fc", "type": "linear", "out_features": 3, "weight": [0.05] * 24, "bias": [0.1, 0.0, -0.1],
           "column_groups": {"alpha": 2, "gamma": 1.75, "groups": [[0, 1], [2], [3]]}}]
net = {"format": "ccsim-network", "version": 1, "name": "fuzz-seed",
       "input": {"channels": 1, "height": 6, "width": 6, "preprocess": {"scale": 0.00392, "mean": [0.5], "std": [0.25]}},
       "layers": layers}
open(os.path.join(corpus, "network_json", "small.json"), "w").write(json.dumps(net))
# IDX: first byte = where the image file ends (as a fraction of the rest), then images, labels.
images = struct.pack(">IIII", 0x803, 2, 4, 4) + bytes(range(32))
labels = struct.pack(">II", 0x801, 2) + bytes([3, 9])
rest = len(images) + len(labels)
split = (len(images) * 256 + rest - 1) // rest
open(os.path.join(corpus, "idx", "two-4x4"), "wb").write(bytes([split]) + images + labels)
# A sweep with every axis and key.
# Files by relative paths: tests/fuzz/fuzz_sweep.cpp writes each input to SCRATCH/sim/examples/
# beside copies of the networks and tables, so the corpus holds no checkout path.
sweep = {"network": "../../models/examples/fmnist-dense.json",
         "axes": {"array": ["8x8", "16x16"], "data_bits": [8], "clock_mhz": [500], "weight_buffer_kib": [64],
                  "act_buffer_kib": [128], "dram_bytes_per_cycle": [16], "schedule": ["shared", "pipelined"],
                  "scheme": ["cc", "nm"], "density": [0.25], "alpha": [4], "gamma": [1.75]},
         "calibration": {"dataset": "/usr/share/datasets/fashion-mnist", "count": 8}, "scheme_params": {"m": 4}}
open(os.path.join(corpus, "sweep", "every-axis.json"), "w").write(json.dumps(sweep))
sweep["energy"] = "../../tables/energy.json"
sweep["area"] = "../../tables/area.json"
open(os.path.join(corpus, "sweep", "with-tables.json"), "w").write(json.dumps(sweep))
PY

if [ -n "$only" ]; then
  ctest --test-dir "$build" -R "^fuzz_${only}\$" --output-on-failure
else
  ctest --test-dir "$build" -L fuzz --output-on-failure --parallel "$(nproc)"
fi
# Executions per harness, from libFuzzer's final stats in ctest's log.
awk '/^[0-9]+\/[0-9]+ Test: fuzz_/ { name = $3 }
     /stat::number_of_executed_units/ { printf "%-18s %12d executions\n", name, $2 }' "$build/Testing/Temporary/LastTest.log"
