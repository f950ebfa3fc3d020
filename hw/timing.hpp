// Cycle formulas of hw/README.md: the fast (analytical) mode. The cycle-accurate mode must agree
// with these exactly on every layer (tests check it).
#pragma once

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// T_compute(P) = b (P + C - 1) + R
std::int64_t tile_compute_cycles(const ArrayConfig& a, std::int64_t pixels);

// Counters of a Matmul layer on the array (all of LayerStats).
LayerStats matmul_stats(const ArrayConfig& a, const model::PackedLayer& layer);

// Counters of a layer run on the vector unit; `view` = it moves no data (is_view: a shift folded
// into the next Matmul, a flatten of the slot before it).
LayerStats vector_unit_stats(const model::PackedLayer& layer, bool view);

}  // namespace ccsim::hw
