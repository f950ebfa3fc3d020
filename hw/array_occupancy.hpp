// Where a Matmul layer's work lands on the array, cell by cell: for the report's heatmap and the
// multiplexer-select usage. Derived from the packed weights and the tiling of hw/README.md (cell
// (r, c) of tile (rt, ct) holds filter-matrix row rt R + r and packed column ct C + c; every pixel
// block runs the same tiles), the rule the array follows, so the cells add up to the layer's
// LayerStats::busy_slots in both simulation modes (tested).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct ArrayOccupancy {
  int rows = 0;  // the array's R x C
  int cols = 0;
  std::int64_t slots_per_cell = 0;       // MAC slots each cell is offered: tiles per block x output pixels
  std::vector<std::int64_t> busy_slots;  // R x C, row-major: slots in which the cell holds a non-zero weight
  // Index k: non-zero weights whose multiplexer picks input k of their column group (k < alpha).
  std::vector<std::int64_t> select_counts;

  std::int64_t total_busy() const;
  // {"rows", "cols", "slots_per_cell", "busy_slots": [[...] per array row], "select_counts"}.
  nlohmann::json to_json() const;
};

// A Matmul layer's occupancy of array `a`; std::invalid_argument for another kind of layer.
ArrayOccupancy array_occupancy(const ArrayConfig& a, const model::PackedLayer& layer);

}  // namespace ccsim::hw
