#include "sim/topology_run.hpp"

#include <malloc.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "models/float_reference.hpp"
#include "models/golden.hpp"
#include "sim/golden_check.hpp"
#include "sim/systemc_runs.hpp"

namespace ccsim::cli {
namespace {

// Normal(0, 1) float inputs: what the calibration and the run inputs are drawn from.
model::FloatTensor random_batch(const model::Shape& s, int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> v(0.0f, 1.0f);
  model::FloatTensor t;
  t.dims = {n, s.c, s.h, s.w};
  t.data.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(s.size()));
  for (auto& x : t.data) x = v(rng);
  return t;
}

}  // namespace

std::vector<TopologyLayerRun> run_topology(const std::vector<model::TopologyLayer>& layers, const model::SchemeSpec& spec,
                                           const hw::AcceleratorConfig& config, bool cycle_mode, int count) {
  std::vector<TopologyLayerRun> out;
  // Keep freed memory for reuse instead of returning it to the kernel: each layer's packing
  // copies filter matrices of megabytes, and on a VM every fresh page is a costly fault (a third
  // of a fast topology run's CPU time before this). One thread, layer after layer: the peak is
  // that of the largest layer either way.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // One image calibrates each synthetic layer: an OpenMP team would spend more spinning than working.
  model::set_float_threads(1);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const model::TopologyLayer& t = layers[k];
    model::Network net = model::synthetic_network(t, static_cast<std::uint32_t>(k + 1));
    const model::Shape input = net.input;
    // The scales only make the synthetic layer a valid int8 one: one random image sets them when
    // values are computed; timing alone needs none (no counter depends on a value).
    model::SchemeSpec layer_spec = spec;
    layer_spec.timing_only = !cycle_mode;
    layer_spec.activation_bits = topology_activation_bits(config.array);
    const auto calibration = cycle_mode ? random_batch(input, 1, static_cast<std::uint32_t>(500 + k)) : model::FloatTensor{};
    model::SchemePack pack;
    try {
      pack = model::pack_with_scheme(std::move(net), layer_spec, calibration);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("topology layer '" + t.name + "': " + e.what());
    }
    hw::AcceleratorConfig cfg = config;
    cfg.array.alpha_max = std::max(cfg.array.alpha_max, static_cast<int>(model::widest_group(pack.packed).width));
    std::vector<hw::NetworkRun> runs;
    if (cycle_mode) {  // the SystemC model computes values: random inputs, checked against the golden model
      const auto batch = random_batch(input, count, static_cast<std::uint32_t>(1000 + k));
      const auto per = static_cast<std::size_t>(input.size());
      std::vector<model::Int8Tensor> inputs;
      for (int i = 0; i < count; ++i) {
        inputs.push_back(model::quantize_input(pack.packed, batch.data.data() + static_cast<std::size_t>(i) * per, per));
      }
      runs = run_cycle_mode(pack.packed, inputs, cfg);
      for (std::size_t i = 0; i < inputs.size(); ++i) check_against_golden(pack.packed, inputs[i], runs[i], i);
    } else {  // timing only: the counters do not depend on the values
      runs = hw::run_fast_counters(pack.packed, static_cast<std::size_t>(count), cfg);
    }
    TopologyLayerRun r;
    r.layer = pack.packed.layers.front();
    r.layer.weights.clear();
    r.layer.select.clear();
    r.run = runs.front();
    r.run.layer_outputs.clear();
    r.nonzeros = pack.nonzeros;
    r.weights = pack.weights;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ccsim::cli
