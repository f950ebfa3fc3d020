// Packing speed: the incremental grouping against a direct transcription of the reference loop
// (recompute every pair per merge), measured in one run, plus the 1024 x 1024 target.
#include <benchmark/benchmark.h>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <random>

#include "models/column_combine.hpp"
#include "models/pack.hpp"
#include "tests/reference_combine.hpp"

namespace {

// A pointwise layer after magnitude pruning to `density`.
std::vector<float> layer(int rows, int cols, double density, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> v(0.0f, 1.0f);
  std::bernoulli_distribution keep(density);
  std::vector<float> m(static_cast<std::size_t>(rows) * cols, 0.0f);
  for (auto& x : m) {
    if (keep(rng)) x = v(rng);
  }
  return m;
}

void BM_CombineIncremental(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const double density = static_cast<double>(state.range(1)) / 100.0;
  const auto m = layer(n, n, density, 1);
  std::size_t groups = 0;
  for (auto _ : state) {
    const auto cm = ccsim::model::combine_columns(m, n, n, {8, 1.75, 0});
    groups = cm.groups.size();
    benchmark::DoNotOptimize(cm.packed.data());
  }
  state.counters["packed_cols"] = static_cast<double>(groups);
}
BENCHMARK(BM_CombineIncremental)
    ->Args({128, 20})->Args({256, 20})->Args({1024, 10})->Args({1024, 20})->Args({1024, 40})
    ->Unit(benchmark::kMillisecond);

void BM_GroupReferenceLoop(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = layer(n, n, static_cast<double>(state.range(1)) / 100.0, 1);
  std::vector<std::uint8_t> nz(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) nz[i] = m[i] != 0.0f;
  const int overlap = ccsim::model::max_overlap_for(1.75, n);
  for (auto _ : state) benchmark::DoNotOptimize(ccsim::test::reference_pack_matrix(nz, n, n, 8, overlap));
}
BENCHMARK(BM_GroupReferenceLoop)->Args({128, 20})->Args({256, 20})->Unit(benchmark::kMillisecond)->Iterations(1);

// The 13 convolution layers of VGG-16 (14.7 M weights; filter matrices of out x in*9 columns),
// each magnitude-pruned at random to 20 % density, grouped at alpha 8, gamma 1.75, no sections:
// combining the whole network, one layer after another (argument 1) or layers in parallel.
void BM_CombineVgg16(benchmark::State& state) {
  const int shapes[13][2] = {{64, 3},    {64, 64},   {128, 64},  {128, 128}, {256, 128}, {256, 256}, {256, 256},
                             {512, 256}, {512, 512}, {512, 512}, {512, 512}, {512, 512}, {512, 512}};
  std::vector<std::vector<float>> layers;
  for (int i = 0; i < 13; ++i) layers.push_back(layer(shapes[i][0], shapes[i][1] * 9, 0.2, 10 + i));
  std::size_t groups = 0;
  for (auto _ : state) {
    groups = 0;
    for (int i = 0; i < 13; ++i) {
      groups += ccsim::model::combine_columns(layers[i], shapes[i][0], shapes[i][1] * 9, {8, 1.75, 0}).groups.size();
    }
  }
  state.counters["packed_cols"] = static_cast<double>(groups);
}
BENCHMARK(BM_CombineVgg16)->Unit(benchmark::kMillisecond)->Iterations(1);

// VGG-16 for 32 x 32 inputs (13 convolutions 3 x 3 with ReLU, 5 max pools, a 512 -> 10 linear
// layer), every convolution pruned at random to 20 % density. Built in memory: what
// `ccsim pack --combine-all` does after reading the ONNX file.
ccsim::model::Network vgg16() {
  using namespace ccsim::model;
  Network net;
  net.name = "vgg16";
  net.input = {3, 32, 32};
  const int plan[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};  // 0: max pool
  int channels = 3;
  std::uint32_t seed = 100;
  for (const int out : plan) {
    if (out == 0) {
      Layer pool;
      pool.name = "pool" + std::to_string(net.layers.size());
      pool.kind = LayerKind::MaxPool;
      pool.window = {2, 2, 2, 2};
      net.layers.push_back(std::move(pool));
      continue;
    }
    Layer conv;
    conv.name = "conv" + std::to_string(net.layers.size());
    conv.kind = LayerKind::Conv;
    conv.out_channels = out;
    conv.window = {3, 3, 1, 1, 1, 1, 1, 1};
    conv.weight = layer(out, channels * 9, 0.2, seed++);
    conv.bias.assign(static_cast<std::size_t>(out), 0.01f);
    net.layers.push_back(std::move(conv));
    Layer relu;
    relu.name = "relu" + std::to_string(net.layers.size());
    relu.kind = LayerKind::ReLU;
    net.layers.push_back(std::move(relu));
    channels = out;
  }
  Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.out_channels = 10;
  fc.weight = layer(10, 512, 1.0, seed);
  net.layers.push_back(std::move(fc));
  return net;
}

// The whole front end on that network (fold, combine at alpha 8 and gamma 1.75 every weight layer,
// prune, calibrate on 2 inputs, quantize): on one core (argument 1) and on every core (0).
void BM_PackVgg16(benchmark::State& state) {
  const std::size_t cores = state.range(0) == 1 ? 1 : oneapi::tbb::info::default_concurrency();
  const oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, cores);
  ccsim::model::PackOptions options;
  options.scope = ccsim::model::CombineScope::AllWeightLayers;
  ccsim::model::FloatTensor calibration{{2, 3, 32, 32}, layer(2, 3 * 32 * 32, 1.0, 7)};
  std::size_t packed_layers = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto net = vgg16();
    state.ResumeTiming();
    packed_layers = ccsim::model::pack_network(std::move(net), options, calibration).packed.layers.size();
  }
  state.counters["cores"] = static_cast<double>(cores);
  state.counters["packed_layers"] = static_cast<double>(packed_layers);
}
BENCHMARK(BM_PackVgg16)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
