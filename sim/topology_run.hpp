// `ccsim run --topology TOPO.csv`: every layer of a SCALE-Sim topology as a one-layer network with
// synthetic weights, pruned and mapped by a sparsity scheme through the one front end, run in fast
// or cycle mode on random int8 inputs; cycle mode is checked bit-exact against the golden model
// (fast mode computes with it).
#pragma once

#include <string>
#include <vector>

#include "hw/network_run.hpp"
#include "models/packed_network.hpp"
#include "models/scheme_packing.hpp"
#include "models/topology.hpp"

namespace ccsim::cli {

struct TopologyLayerRun {
  model::PackedLayer layer;  // weights dropped after the run (the report needs shapes and groups)
  hw::NetworkRun run;        // of the first input
  std::int64_t nonzeros = 0;
  std::int64_t weights = 0;
};

// Layer k gets weights seeded with k + 1 and `count` inputs seeded with 1000 + k, so a topology run
// is the same on every machine. `cycle_mode` runs the SystemC model, else fast mode. Throws
// std::runtime_error naming the layer on a golden-model mismatch.
// The activation width of a topology's synthetic layers: as wide as the data path takes, 8 bits
// at most (--data-bits 4 times a 4-bit network).
inline int topology_activation_bits(const hw::ArrayConfig& array) { return array.data_bits < 8 ? array.data_bits : 8; }

std::vector<TopologyLayerRun> run_topology(const std::vector<model::TopologyLayer>& layers, const model::SchemeSpec& spec,
                                           const hw::AcceleratorConfig& config, bool cycle_mode, int count);

}  // namespace ccsim::cli
