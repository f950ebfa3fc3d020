// What one input's run through the accelerator produced (values, counters, start and end
// cycles), and fast mode: the same schedule evaluated analytically, without the SystemC kernel
// (hw/accelerator.hpp has the clocked model). Nothing here includes SystemC: the `ccsim`
// program links fast mode without libsystemc (sim/systemc_runs.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "hw/accelerator_config.hpp"
#include "hw/array_config.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct NetworkRun {
  std::vector<model::Int8Tensor> layer_outputs;  // one per packed layer (a fused shift: its output)
  std::vector<LayerStats> layers;
  LayerStats total;
  std::int64_t start_cycle = 0;  // the input entered the accelerator (cycles from the first input)
  std::int64_t end_cycle = 0;    // its output was complete
  const model::Int8Tensor& output() const { return layer_outputs.back(); }
};

// Fast mode: golden arithmetic, the cycle formulas and the memory system; no SystemC kernel.
// One input, as the first inference of a run.
NetworkRun run_fast(const model::PackedNetwork& net, const model::Int8Tensor& input, const AcceleratorConfig& config);
// A stream of inputs on the configured schedule.
std::vector<NetworkRun> run_fast(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                 const AcceleratorConfig& config);
// The counters and cycles of `count` inputs without their values (layer_outputs stay empty):
// nothing the formulas count depends on the activations, so timing-only workloads (topology
// runs) skip the golden arithmetic.
std::vector<NetworkRun> run_fast_counters(const model::PackedNetwork& net, std::size_t count, const AcceleratorConfig& config);

}  // namespace ccsim::hw
