#!/usr/bin/env bash
# Measures co-simulation speed for each Verilator option set (tests/CMakeLists.txt,
# CCSIM_VERILATOR_VARIANTS): the Verilation + C++ build time of the 16x16 tile, and the best of
# REPS runs (interleaved across variants, so a busy machine affects them alike) of the RTL alone,
# of both designs in lockstep, and of the SystemC model alone, on the bundled network.
# Usage: scripts/bench-verilator.sh [IMAGES] [REPS]   (defaults 2 and 3).
# Results: build/bench-verilator.jsonl (every run) and a table on stdout.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
images=${1:-2}
reps=${2:-3}
variants=(defaults O3 O3-threads2)
bash "$root/scripts/build.sh" >/dev/null
out="$build/bench-verilator.jsonl"
: >"$out.tmp"
for variant in "${variants[@]}"; do
  start=$(date +%s)
  if ! cmake --build "$build" --target "bench_cosim_$variant" >"$out.build.log" 2>&1; then
    tail -20 "$out.build.log" >&2
    echo "bench-verilator: building bench_cosim_$variant failed ($out.build.log)" >&2
    exit 1
  fi
  echo "{\"variant\": \"$variant\", \"build_seconds\": $(( $(date +%s) - start ))}" >>"$out.tmp"
done
for rep in $(seq 1 "$reps"); do
  for design in rtl both systemc; do
    for variant in "${variants[@]}"; do
      "$build/tests/bench_cosim_$variant" "$design" "$images" >>"$out.tmp"
    done
  done
done
mv "$out.tmp" "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
build = {r["variant"]: r["build_seconds"] for r in rows if "build_seconds" in r}
best = {}
for r in rows:
    if "design" in r:
        key = (r["variant"], r["design"])
        best[key] = min(best.get(key, 1e9), r["seconds"])
print("| Verilator options | build (s, incremental) | RTL alone (s) | RTL + SystemC lockstep (s) | SystemC alone (s) |")
print("|---|---|---|---|---|")
for v in build:
    print(f'| {v} | {build[v]} | {best.get((v, "rtl"), 0):.2f} | {best.get((v, "both"), 0):.2f} | {best.get((v, "systemc"), 0):.3f} |')
PY
