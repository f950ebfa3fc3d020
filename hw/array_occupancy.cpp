#include "hw/array_occupancy.hpp"

#include <numeric>
#include <stdexcept>

#include "hw/timing.hpp"

namespace ccsim::hw {

std::int64_t ArrayOccupancy::total_busy() const {
  return std::accumulate(busy_slots.begin(), busy_slots.end(), std::int64_t{0});
}

nlohmann::json ArrayOccupancy::to_json() const {
  nlohmann::json grid = nlohmann::json::array();
  for (int r = 0; r < rows; ++r) {
    const auto first = busy_slots.begin() + static_cast<std::ptrdiff_t>(r) * cols;
    grid.push_back(std::vector<std::int64_t>(first, first + cols));
  }
  return {{"rows", rows}, {"cols", cols}, {"slots_per_cell", slots_per_cell}, {"busy_slots", grid},
          {"select_counts", select_counts}};
}

ArrayOccupancy array_occupancy(const ArrayConfig& a, const model::PackedLayer& l) {
  if (l.kind != model::OpKind::Matmul) {
    throw std::invalid_argument("array_occupancy: layer '" + l.name + "' is not a Matmul");
  }
  ArrayOccupancy o;
  o.rows = a.rows;
  o.cols = a.cols;
  const std::int64_t pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;  // the blocks partition them
  o.slots_per_cell = tiles_per_block(a, l) * pixels;
  o.busy_slots.assign(static_cast<std::size_t>(a.rows) * a.cols, 0);
  o.select_counts.assign(static_cast<std::size_t>(std::max(l.alpha, 1)), 0);
  for (int m = 0; m < l.rows(); ++m) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      const std::size_t cell = l.cell(m, g);
      if (l.weights[cell] == 0) continue;
      o.busy_slots[static_cast<std::size_t>(m % a.rows) * a.cols + static_cast<std::size_t>(g % a.cols)] += pixels;
      const std::size_t k = l.select[cell];
      if (k >= o.select_counts.size()) o.select_counts.resize(k + 1, 0);
      ++o.select_counts[k];
    }
  }
  return o;
}

}  // namespace ccsim::hw
