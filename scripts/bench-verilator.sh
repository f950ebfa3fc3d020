#!/usr/bin/env bash
# Measures co-simulation speed for each Verilator option set (tests/CMakeLists.txt,
# CCSIM_VERILATOR_VARIANTS): Verilation + C++ build time of the 16x16 tile, and simulated cycles
# per second of the RTL alone, of the SystemC model alone, and of both in lockstep, on the
# bundled network. Usage: scripts/bench-verilator.sh [IMAGES]   (default 2). Results:
# build/bench-verilator.jsonl.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
images=${1:-2}
bash "$root/scripts/build.sh" >/dev/null
out="$build/bench-verilator.jsonl"
: >"$out.tmp"
for variant in defaults O3-xfast O3-xfast-threads2; do
  start=$(date +%s)
  cmake --build "$build" --target "bench_cosim_$variant" >/dev/null
  built=$(( $(date +%s) - start ))
  echo "{\"variant\": \"$variant\", \"build_seconds\": $built}" | tee -a "$out.tmp"
  for design in rtl both systemc; do
    "$build/tests/bench_cosim_$variant" "$design" "$images" | tee -a "$out.tmp"
  done
done
mv "$out.tmp" "$out"
echo "results: $out"
