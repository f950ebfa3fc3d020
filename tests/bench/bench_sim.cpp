// Simulation speed of the accelerator model: a dense 256 x 256 x 196 GEMM (a pointwise layer of
// 256 -> 256 channels on 14 x 14 pixels; the layer peer simulators are quoted on) on a 16 x 16
// array, in the cycle-accurate mode (array-level C++ engine, and the same inside the clocked
// SystemC module) and in the fast mode (formulas only, and formulas + golden values).
#include <benchmark/benchmark.h>

#include <random>

#include "hw/accelerator.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/timing.hpp"
#include "models/fixed_point.hpp"

namespace {

using namespace ccsim;

model::PackedNetwork dense_gemm() {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> w(-127, 127);
  model::PackedNetwork net;
  net.name = "gemm";
  net.input = {256, 14, 14};
  model::PackedLayer l;
  l.name = "pw";
  l.kind = model::OpKind::Matmul;
  l.in = {256, 14, 14};
  l.out = {256, 14, 14};
  for (std::uint32_t c = 0; c < 256; ++c) l.groups.push_back({c});
  for (int i = 0; i < 256 * 256; ++i) l.weights.push_back(static_cast<std::int8_t>(w(rng) | 1));  // non-zero
  l.select.assign(l.weights.size(), 0);
  l.bias.assign(256, 0);
  l.requant.assign(256, fixed::quantize_multiplier(1.0 / 4096));
  l.weight_scale.assign(256, 1.0f);
  net.layers.push_back(l);
  return net;
}

model::Int8Tensor random_input(const model::Shape& s) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> v(-128, 127);
  model::Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
  for (auto& x : t.data) x = static_cast<std::int8_t>(v(rng));
  return t;
}

constexpr double kMacs = 256.0 * 256.0 * 196.0;

void BM_CycleModeEngine(benchmark::State& state) {
  const auto net = dense_gemm();
  const auto x = random_input(net.input);
  hw::ArrayConfig a;
  std::int64_t cycles = 0;
  for (auto _ : state) {
    hw::MatmulEngine engine(a, net.layers[0], x, nullptr);
    engine.run();
    cycles = engine.stats().cycles;
  }
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cycles_per_s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cell_cycles_per_s"] =
      benchmark::Counter(static_cast<double>(cycles) * a.rows * a.cols, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CycleModeEngine)->Unit(benchmark::kMillisecond);

// SystemC elaborates once per process: a single iteration.
void BM_CycleModeSystemC(benchmark::State& state) {
  const auto net = dense_gemm();
  const auto x = random_input(net.input);
  for (auto _ : state) benchmark::DoNotOptimize(hw::run_cycle_accurate(net, {x}, hw::ArrayConfig{}));
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CycleModeSystemC)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_FastModeFormulas(benchmark::State& state) {
  const auto net = dense_gemm();
  for (auto _ : state) benchmark::DoNotOptimize(hw::matmul_stats(hw::ArrayConfig{}, net.layers[0]));
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FastModeFormulas)->Unit(benchmark::kMicrosecond);

void BM_FastModeWithValues(benchmark::State& state) {
  const auto net = dense_gemm();
  const auto x = random_input(net.input);
  for (auto _ : state) benchmark::DoNotOptimize(hw::run_fast(net, x, hw::ArrayConfig{}));
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FastModeWithValues)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
