// What swapping Verilated RTL into the SystemC accelerator costs (MatchLib's design swap, `ccsim
// run --mode cycle --rtl ...`): the bundled network (models/examples/fmnist-shift.ccpack, 16x16,
// shared schedule) in cycle mode with the SystemC units alone, with the RTL array (every cell
// stepped every cycle and compared), and with the whole RTL accelerator tile for every Matmul layer
// (controller, DMAs and buffers, its memory ports on the core's socket, the model beside it
// compared every cycle). All three in this process, interleaved, best of `rounds`; reported as
// wall seconds per inference, simulated cycles per second and the ratios to the SystemC units
// alone. No threshold: the figures are for hw/README.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hw/accelerator.hpp"
#include "models/packed_file.hpp"
#include "sim/rtl_array.hpp"
#include "sim/rtl_tile.hpp"

namespace {

using namespace ccsim;

struct Variant {
  std::string name;
  std::function<void(hw::AcceleratorConfig&)> configure;
  double best_seconds = 1e30;
  std::int64_t cycles = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const model::PackedNetwork net = model::load_packed(std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.ccpack");
  std::mt19937 rng(5);
  std::vector<model::Int8Tensor> inputs;
  for (int k = 0; k < 4; ++k) {
    model::Int8Tensor x{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
    for (auto& v : x.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
    inputs.push_back(std::move(x));
  }
  std::vector<Variant> variants = {
      {"SystemC units", [](hw::AcceleratorConfig&) {}},
      {"--rtl array", [](hw::AcceleratorConfig& c) { c.array_implementation = rtl::rtl_array_factory(); }},
      {"--rtl tile", [](hw::AcceleratorConfig& c) { c.tile_implementation = cosim::rtl_tile_factory(); }},
  };
  for (int r = 0; r < rounds; ++r) {
    for (Variant& v : variants) {
      hw::AcceleratorConfig config;  // 16x16
      v.configure(config);
      const auto t0 = std::chrono::steady_clock::now();
      const auto runs = hw::run_cycle_accurate(net, inputs, config);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      v.best_seconds = std::min(v.best_seconds, seconds);
      v.cycles = runs.back().end_cycle;
    }
  }
  const Variant& base = variants.front();
  std::printf("%-16s %14s %14s %18s %12s\n", "variant", "s/inference", "cycles", "sim. cycles/s", "time ratio");
  for (const Variant& v : variants) {
    std::printf("%-16s %14.4f %14lld %18.0f %12.2f\n", v.name.c_str(), v.best_seconds / static_cast<double>(inputs.size()),
                static_cast<long long>(v.cycles), static_cast<double>(v.cycles) / v.best_seconds, v.best_seconds / base.best_seconds);
  }
  return 0;
}
