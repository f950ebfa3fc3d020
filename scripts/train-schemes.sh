#!/usr/bin/env bash
# Every sparsity scheme retrained under its own constraint at several densities, on the bundled
# dense network (README, "At equal accuracy"): `ccsim train --init models/examples/fmnist-dense.json
# --scheme S --density D`, 4 epochs at learning rate 0.02, one libtorch thread, the convolutions
# after the first pruned on the cubic schedule; each result evaluated as explore packs it (the
# reference scope, 16x16, int8 top-1 on all 10,000 test images). Writes OUT/retrained.csv (one row
# per training, with the float top-1 training reported) and OUT/retrained.png.
#   scripts/train-schemes.sh [OUT_DIR] [JOBS]   default out/train-schemes, 2 trainings at a time
# About 3 minutes of one core per training, 12 trainings; runs already finished (their .done
# marker) are skipped, so an interrupted run continues.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/out/train-schemes}
jobs=${2:-2}
build=${CCSIM_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh" >/dev/null
mkdir -p "$out" "$build"
# Absolute: training runs from the repository, explore from $out.
out=$(cd "$out" && pwd)
build=$(cd "$build" && pwd)
ccsim="$build/ccsim"
schemes=(bitmap nm pcnn ternary)
densities=(0.25 0.5 0.75)

train_one() {  # scheme density
  local s=$1 d=$2 name=$1-$2 extra=()
  [ -f "$out/$name.done" ] && return 0
  rm -f "$out/eval-$name.csv"  # an evaluation of an earlier training of it is stale
  case $s in
    nm) extra=(--m 4) ;;
    pcnn) extra=(--patterns 8) ;;
    ternary) extra=(--block 8) ;;
  esac
  (cd "$root" && "$ccsim" train --init models/examples/fmnist-dense.json --filters 16 32 64 --layers 2 2 2 \
     --scheme "$s" --density "$d" "${extra[@]}" --epochs 4 --lr 0.02 --threads 1 -o "$out/$name.ccpack" \
     --export "$out/$name.json" --report "$out/$name.report.json" > "$out/$name.log" 2>&1) || return 1
  touch "$out/$name.done"
}
export -f train_one
export out root ccsim
for s in "${schemes[@]}"; do for d in "${densities[@]}"; do echo "$s $d"; done; done |
  xargs -P "$jobs" -L 1 bash -c 'train_one "$0" "$1" || { echo "train-schemes: $0 at $1 failed; see $out/$0-$1.log" >&2; exit 1; }'

# Each trained network packed and evaluated the way a sweep does it.
for s in "${schemes[@]}"; do
  for d in "${densities[@]}"; do
    name=$s-$d
    [ -f "$out/eval-$name.csv" ] && continue
    cat > "$out/eval-$name.json" <<EOF
{"network": ["$name.json"], "calibration": {"dataset": "/usr/share/datasets/fashion-mnist", "count": 64},
 "accuracy": {"images": 10000},
 "axes": {"scheme": ["$s"], "density": [$d], "alpha": [8], "gamma": [1.75], "array": ["16x16"], "schedule": ["shared"],
          "clock_mhz": [500], "weight_buffer_kib": [64], "act_buffer_kib": [128], "dram_bytes_per_cycle": [16]},
 "scheme_params": {"m": 4, "patterns": 8, "block": 8, "scope": "reference"}}
EOF
    (cd "$out" && "$ccsim" explore "eval-$name.json" -o "eval-$name.csv.tmp" --quiet && mv "eval-$name.csv.tmp" "eval-$name.csv")
  done
done

/usr/bin/python3 - "$out" "${schemes[@]}" -- "${densities[@]}" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
split = sys.argv.index('--')
schemes, densities = sys.argv[2:split], sys.argv[split + 1:]
rows = []
for s in schemes:
    for d in densities:
        r = next(csv.DictReader(open(os.path.join(out, f'eval-{s}-{d}.csv'))))
        rep = json.load(open(os.path.join(out, f'{s}-{d}.report.json')))
        rows.append({'scheme': s, 'density': d, 'float_top1': round(rep['float_test_accuracy'], 4),
                     'int8_top1': r['accuracy'], 'nonzeros': r['nonzeros'], 'weights': r['weights'],
                     'cycles': r['cycles'], 'energy_uJ': round(float(r['energy_uJ']), 3),
                     'weight_storage_kib': round((int(r['weight_value_bits']) + int(r['weight_index_bits'])) / 8192, 2)})
tmp = os.path.join(out, 'retrained.csv.tmp')
with open(tmp, 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
os.replace(tmp, os.path.join(out, 'retrained.csv'))

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
for s in schemes:
    mine = [r for r in rows if r['scheme'] == s]
    x = [float(r['density']) for r in mine]
    axes[0].plot(x, [100 * float(r['int8_top1']) for r in mine], marker='o', label=s)
    axes[1].plot(x, [int(r['cycles']) for r in mine], marker='o', label=s)
    axes[2].plot(x, [r['weight_storage_kib'] for r in mine], marker='o', label=s)
for ax, title in zip(axes, ['int8 top-1 (%), 10,000 test images', 'cycles per inference, 16x16',
                            'weight storage (KiB)']):
    ax.set_title(title)
    ax.set_xlabel('density of the retrained layers')
    ax.grid(alpha=0.3)
axes[0].legend()
fig.tight_layout()
fig.savefig(os.path.join(out, 'retrained.png.tmp.png'), dpi=90)
os.replace(os.path.join(out, 'retrained.png.tmp.png'), os.path.join(out, 'retrained.png'))
print(f"train-schemes: {len(rows)} trainings -> {out}/retrained.csv, {out}/retrained.png")
PY
