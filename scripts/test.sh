#!/usr/bin/env bash
# Builds ccsim and runs every test suite: the fuzz harnesses, the sanitizer build of the core
# suites, then all of ctest (benchmarks, label "bench", are excluded; run them with
# `ctest --test-dir build -L bench --verbose`). See "Testing" in the README.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CCSIM_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
bash "$root/scripts/fuzz.sh"            # every reader under libFuzzer + ASan/UBSan, 15 s each
bash "$root/scripts/sanitize.sh" --ci   # ASan/UBSan build of the core suites, run as whole binaries
ctest --test-dir "$build" -LE bench --output-on-failure --parallel "$(nproc)" --timeout 900
