// The R x C weight-stationary systolic array of MX cells (hw/README.md). One call of clock()
// is one clock cycle of the whole array: plain C++ state, no signal per cell or bit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw/array_config.hpp"
#include "hw/mx_cell.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// One tile's contents for the array: R x C weights and multiplexer selects, row-major (cells
// outside the filter matrix hold weight 0), and how many cells hold a non-zero weight.
struct TileWeights {
  std::vector<std::int8_t> weights;
  std::vector<std::uint8_t> selects;
  int busy_cells = 0;
};

// Throws std::invalid_argument when a packed column of the layer combines more columns than the
// array's multiplexers select from (alpha_max).
void require_groups_fit(const ArrayConfig& array, const model::PackedLayer& layer);

// Cells [first_row, +R) x [first_group, +C) of a Matmul layer. `select_bit0_stuck` clears bit 0
// of every select (a co-simulation fault).
TileWeights tile_weights(const ArrayConfig& array, const model::PackedLayer& layer, int first_row, int first_group,
                         bool select_bit0_stuck = false);

class SystolicArray {
 public:
  explicit SystolicArray(const ArrayConfig& config);

  const ArrayConfig& config() const { return config_; }

  // Loads a tile: R x C weights and selects, row-major (cells outside the matrix: weight 0), and
  // clears the pipeline registers (bit lines, products, partial sums).
  void load(const std::vector<std::int8_t>& weights, const std::vector<std::uint8_t>& selects);
  void load(const TileWeights& tile) { load(tile.weights, tile.selects); }

  // Cycle t of the current tile (t = 0 at the first compute cycle). `top[c]` are the bit lines
  // entering row 0 of column c in this cycle. Rows finishing a MAC slot in this cycle call
  // left(r) for column 0's partial sum in and right(r, value) with column C-1's result.
  template <typename Left, typename Right>
  void clock(std::int64_t t, const std::uint32_t* top, Left&& left, Right&& right) {
    const int rows = config_.rows;
    const int cols = config_.cols;
    const int bits = config_.data_bits;
    std::uint32_t* slot = history_.data() + static_cast<std::size_t>(t % rows) * cols;
    for (int c = 0; c < cols; ++c) slot[c] = top[c];
    const int reached = static_cast<int>(std::min<std::int64_t>(rows - 1, t));
    for (int r = 0; r <= reached; ++r) {
      const int bit = static_cast<int>((t - r) % bits);
      const bool finishing = bit == bits - 1;
      // Bits reach row r r cycles after row 0: the history ring holds the last R inputs.
      const std::uint32_t* lines = history_.data() + static_cast<std::size_t>((t - r) % rows) * cols;
      MxCell* row = cells_.data() + static_cast<std::size_t>(r) * cols;
      // Right to left, so each cell reads its left neighbour's partial sum before that one updates
      // (flip-flop semantics).
      for (int c = cols - 1; c >= 0; --c) {
        row[c].clock_bit(lines[c], bit, bits);
        if (!finishing) continue;
        const fixed::Acc in = c == 0 ? left(r) : row[c - 1].psum();
        const fixed::Acc out = row[c].finish_slot(in);
        if (c == cols - 1) right(r, out);
      }
    }
  }

  // The same cycle for bit-parallel cells (ArrayConfig::mac): `top` holds C x alpha_max values
  // entering row 0 (value k of column c = line k); every row finishes a MAC slot every cycle.
  template <typename Left, typename Right>
  void clock_values(std::int64_t t, const std::int8_t* top, Left&& left, Right&& right) {
    const int rows = config_.rows;
    const int cols = config_.cols;
    const std::size_t width = static_cast<std::size_t>(cols) * config_.alpha_max;
    std::copy_n(top, width, value_history_.data() + static_cast<std::size_t>(t % rows) * width);
    const int reached = static_cast<int>(std::min<std::int64_t>(rows - 1, t));
    for (int r = 0; r <= reached; ++r) {
      const std::int8_t* values = value_history_.data() + static_cast<std::size_t>((t - r) % rows) * width;
      MxCell* row = cells_.data() + static_cast<std::size_t>(r) * cols;
      for (int c = cols - 1; c >= 0; --c) {  // right to left: flip-flop semantics, as clock()
        row[c].clock_value(values + static_cast<std::size_t>(c) * config_.alpha_max);
        const fixed::Acc in = c == 0 ? left(r) : row[c - 1].psum();
        const fixed::Acc out = row[c].finish_slot(in);
        if (c == cols - 1) right(r, out);
      }
    }
  }

  const MxCell& cell(int r, int c) const { return cells_[static_cast<std::size_t>(r) * config_.cols + c]; }
  // The bit lines cell (r, c) sees in cycle t (for tracing and co-simulation).
  std::uint32_t lines(std::int64_t t, int r, int c) const;

 private:
  ArrayConfig config_;
  std::vector<MxCell> cells_;
  std::vector<std::uint32_t> history_;  // R cycles x C columns of row-0 inputs
  std::vector<std::int8_t> value_history_;  // bit-parallel: R cycles x C columns x alpha_max values
};

}  // namespace ccsim::hw
