#!/usr/bin/env bash
# Builds ccsim and runs every test suite (benchmarks, label "bench", are excluded; run them with
# `ctest --test-dir build -L bench --verbose`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
ctest --test-dir "$build" -LE bench --output-on-failure --parallel "$(nproc)" --timeout 900
