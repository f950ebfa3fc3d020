#!/usr/bin/env bash
# Installs ccsim's build and run dependencies from Debian packages.
# Idempotent: packages already installed are skipped, and apt is not touched at all when
# nothing is missing. Every entry point (demo, tests, CI) calls this first.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsystemc-dev verilator
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libtbb-dev zlib1g-dev libxxhash-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libtorch-dev
  libdnnl-dev ocl-icd-opencl-dev   # oneDNN; Debian's dnnl CMake package asks for OpenCL (its GPU runtime)
  dataset-fashion-mnist
  python3-numpy python3-onnx python3-matplotlib python3-pil
  python3-dev pybind11-dev python3-pytest   # the ccsim Python module and its tests
  libjs-chart.js chromium fonts-dejavu-core   # ccsim report inlines Chart.js; render_report draws it headless
  gtkwave
  slurm-wlm munge parallel   # explore --slurm / --gnu-parallel, and the single-node Slurm test
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
