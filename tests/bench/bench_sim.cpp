// Simulation speed of the accelerator model: a dense 256 x 256 x 196 GEMM (a pointwise layer of
// 256 -> 256 channels on 14 x 14 pixels; the layer peer simulators are quoted on) on a 16 x 16
// array, in the cycle-accurate mode (array-level C++ engine, and the same inside the clocked
// SystemC module) and in the fast mode (formulas only, and formulas + golden values).
#include <benchmark/benchmark.h>

#include <random>

#include "hw/accelerator.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/timing.hpp"
#include "tests/bench/workloads.hpp"

namespace {

using namespace ccsim;

constexpr double kMacs = 256.0 * 256.0 * 196.0;

// The array engine alone on the GEMM with array `a`: MACs, cycles and cell-cycles per second,
// stepped cycle by cycle (what co-simulation and waveforms see) or run with each tile in the
// skewed frame (MatmulEngine::run, what an unobserved cycle-mode run does).
void run_engine(benchmark::State& state, const hw::ArrayConfig& a, bool skewed = false) {
  const auto net = bench::dense_gemm();
  const auto x = bench::random_inputs(net.input, 1).front();
  std::int64_t cycles = 0;
  for (auto _ : state) {
    hw::MatmulEngine engine(a, net.layers[0], x, nullptr);
    if (skewed) {
      engine.run();
    } else {
      while (engine.step()) {
      }
    }
    cycles = engine.stats().cycles;
  }
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cycles_per_s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cell_cycles_per_s"] =
      benchmark::Counter(static_cast<double>(cycles) * a.rows * a.cols, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CycleModeEngine(benchmark::State& state) { run_engine(state, hw::ArrayConfig{}); }
BENCHMARK(BM_CycleModeEngine)->Unit(benchmark::kMillisecond);

// The same GEMM on other array sizes and with bit-parallel cells (arguments: rows = cols, 1 for
// bit-parallel, 1 for the skewed evaluation): cell-cycles per second show the per-clock overhead
// of small arrays (issue 16 asks small arrays to be no slower per cell-cycle than 16 x 16), MACs
// per second what the cell kind costs to simulate.
void BM_CycleModeEngineShapes(benchmark::State& state) {
  hw::ArrayConfig a;
  a.rows = a.cols = static_cast<int>(state.range(0));
  a.mac = state.range(1) ? hw::MacKind::BitParallel : hw::MacKind::BitSerial;
  run_engine(state, a, state.range(2) != 0);
}
BENCHMARK(BM_CycleModeEngineShapes)
    ->ArgsProduct({{4, 8, 16, 32}, {0, 1}, {0, 1}})
    ->ArgNames({"side", "parallel", "skewed"})
    ->Unit(benchmark::kMillisecond);

// Each run in a SystemC simulation context of its own. Arguments: array side, 1 for the array
// stepped every cycle (AcceleratorConfig::array_every_cycle; 0: skewed tiles, the default).
void BM_CycleModeSystemC(benchmark::State& state) {
  const auto net = bench::dense_gemm();
  const auto x = bench::random_inputs(net.input, 1).front();
  hw::AcceleratorConfig config;
  config.array.rows = config.array.cols = static_cast<int>(state.range(0));
  config.array_every_cycle = state.range(1) != 0;
  std::int64_t cycles = 0;
  for (auto _ : state) cycles = hw::run_cycle_accurate(net, {x}, config).front().total.cycles;
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cycles_per_s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CycleModeSystemC)
    ->ArgsProduct({{4, 16}, {1, 0}})
    ->ArgNames({"side", "every_cycle"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_FastModeFormulas(benchmark::State& state) {
  const auto net = bench::dense_gemm();
  for (auto _ : state) benchmark::DoNotOptimize(hw::matmul_stats(hw::ArrayConfig{}, net.layers[0]));
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FastModeFormulas)->Unit(benchmark::kMicrosecond);

void BM_FastModeWithValues(benchmark::State& state) {
  const auto net = bench::dense_gemm();
  const auto x = bench::random_inputs(net.input, 1).front();
  for (auto _ : state) benchmark::DoNotOptimize(hw::run_fast(net, x, hw::ArrayConfig{}));
  state.counters["MACs_per_s"] = benchmark::Counter(kMacs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FastModeWithValues)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
