#include "hw/systolic_array.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ccsim::hw {

SystolicArray::SystolicArray(const ArrayConfig& config) : config_(config) {
  config_.validate();
  const std::size_t cells = static_cast<std::size_t>(config_.rows) * config_.cols;
  weight_.assign(cells, 0);
  select_.assign(cells, 0);
  select_mask_.assign(cells, 1u);
  product_.assign(cells, 0);
  psum_.assign(cells, 0);
  history_.assign(cells, 0);
  if (config_.mac == MacKind::BitParallel) value_history_.assign(cells * static_cast<std::size_t>(config_.alpha_max), 0);
}

void SystolicArray::load(const std::vector<std::int8_t>& weights, const std::vector<std::uint8_t>& selects) {
  if (weights.size() != weight_.size() || selects.size() != weight_.size()) {
    throw std::invalid_argument("tile must hold R x C weights and selects");
  }
  for (std::size_t i = 0; i < weight_.size(); ++i) {
    if (selects[i] >= config_.alpha_max) throw std::invalid_argument("select beyond the multiplexer width");
    weight_[i] = weights[i];
    select_[i] = selects[i];
    select_mask_[i] = 1u << selects[i];
  }
  // A load clears the cells' product and partial-sum registers and the pipeline.
  std::fill(product_.begin(), product_.end(), 0);
  std::fill(psum_.begin(), psum_.end(), 0);
  next_t_ = -1;
  std::fill(history_.begin(), history_.end(), 0u);
  std::fill(value_history_.begin(), value_history_.end(), std::int8_t{0});
}

TileWeights tile_weights(const ArrayConfig& array, const model::PackedLayer& l, int m0, int g0, bool select_bit0_stuck) {
  const int R = array.rows;
  const int C = array.cols;
  TileWeights tile;
  tile.weights.assign(static_cast<std::size_t>(R) * C, 0);
  tile.selects.assign(tile.weights.size(), 0);
  for (int r = 0; r < R && m0 + r < l.rows(); ++r) {
    for (int c = 0; c < C && g0 + c < l.packed_cols(); ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * C + c;
      tile.weights[i] = l.weights[l.cell(m0 + r, g0 + c)];
      tile.selects[i] = l.select[l.cell(m0 + r, g0 + c)];
      if (select_bit0_stuck) tile.selects[i] &= 0xFE;
      tile.busy_cells += tile.weights[i] != 0;
    }
  }
  return tile;
}

std::uint32_t SystolicArray::lines(std::int64_t t, int r, int c) const {
  if (t < r) return 0;
  return history_[static_cast<std::size_t>((t - r) % config_.rows) * config_.cols + c];
}

}  // namespace ccsim::hw
