// The feeder with the shift unit: reads the activation buffer in im2col order for the array
// columns, applying a preceding shift layer as an address offset (no multiplies, no extra pass),
// and serializes each column's alpha values LSB first, column c one MAC slot behind column c-1.
// Plain C++: the FeederUnit module (hw/units) and MatmulEngine both use it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw/array_config.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// im2col / shift addressing of one Matmul layer.
class Feeder {
 public:
  // `input` is the stored activation: the Matmul's input, or, with `shift`, the shift layer's.
  Feeder(const model::PackedLayer& matmul, const model::Int8Tensor& input, const model::PackedLayer* shift);

  // The value filter-matrix column `column` reads at output pixel p (0 in padding).
  std::int8_t value(std::int64_t p, std::uint32_t column) const {
    const std::int64_t a = address(matmul_, shift_, p, column);
    return a < 0 ? std::int8_t{0} : input_.data[static_cast<std::size_t>(a)];
  }

  // Where in the stored activation (CHW, the shift's input with a shift) filter-matrix column
  // `column` reads at output pixel p; -1 in convolution padding or shifted in from outside.
  static std::int64_t address(const model::PackedLayer& matmul, const model::PackedLayer* shift, std::int64_t p,
                              std::uint32_t column);

 private:
  const model::PackedLayer& matmul_;
  const model::Int8Tensor& input_;
  const model::PackedLayer* shift_;
};

// The bit lines entering row 0 of the array, tile cycle by tile cycle: in cycle t, column c
// carries bit t % b of the block's pixel t / b - c (hw/README.md, "Timing of one tile"). A column fetches its
// group's values once per pixel and keeps them while it serializes them.
class ColumnFeed {
 public:
  ColumnFeed(const ArrayConfig& array, const model::PackedLayer& layer);

  // The tile's first packed column (g0) and its pixel block: `pixels` output pixels from `first_pixel`.
  void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels);

  // Fills top[0 .. C) for tile cycle t. fetch(p, column) returns the value filter-matrix column
  // `column` reads at output pixel p of the layer. `late_last_column` delays the last array column by that many MAC
  // slots (a co-simulation fault). Returns the values fetched in this cycle.
  template <typename Fetch>
  std::int64_t lines(std::int64_t t, std::uint32_t* top, Fetch&& fetch, int late_last_column = 0) {
    if (t == next_t_) {  // consecutive cycles: step instead of dividing
      if (++bit_ == bits_) {
        bit_ = 0;
        ++slot_;
      }
    } else {
      slot_ = t / bits_;
      bit_ = static_cast<int>(t % bits_);
    }
    next_t_ = t + 1;
    const std::int64_t slot = slot_;
    const int shift = bit_;  // < data_bits <= 16
    std::int64_t fetched = 0;
    for (int c = 0; c < cols_; ++c) {
      const std::int32_t* values = column_values(c, slot, fetch, late_last_column, fetched);
      std::uint32_t word = 0;
      const std::size_t members = values ? layer_.groups[g0_ + c].size() : 0;
      for (std::size_t k = 0; k < members; ++k) word |= ((static_cast<std::uint32_t>(values[k] >> shift)) & 1u) << k;
      top[c] = word;
    }
    return fetched;
  }

  // Bit-parallel cells (one cycle per MAC slot): fills top[0 .. C x alpha_max) with the values
  // entering row 0 in tile cycle t, column c carrying pixel t - c (0 on unused lines and
  // outside the tile). Returns the values fetched in this cycle.
  template <typename Fetch>
  std::int64_t values(std::int64_t t, std::int8_t* top, Fetch&& fetch, int late_last_column = 0) {
    std::int64_t fetched = 0;
    for (int c = 0; c < cols_; ++c) {
      const std::int32_t* values = column_values(c, t, fetch, late_last_column, fetched);
      std::int8_t* out = top + static_cast<std::size_t>(c) * alpha_;
      const std::size_t members = values ? layer_.groups[g0_ + c].size() : 0;
      for (std::size_t k = 0; k < members; ++k) out[k] = static_cast<std::int8_t>(values[k]);
      std::fill(out + members, out + alpha_, std::int8_t{0});
    }
    return fetched;
  }

 private:
  // Column c's group values in MAC slot `slot` (fetched once per pixel), or null when the column
  // carries nothing (before or after its pixels, or beyond the layer's packed columns).
  template <typename Fetch>
  const std::int32_t* column_values(int c, std::int64_t slot, Fetch& fetch, int late_last_column, std::int64_t& fetched) {
    const std::int64_t p = slot - c - (c == cols_ - 1 ? late_last_column : 0);
    const int g = g0_ + c;
    if (p < 0 || p >= pixels_ || g >= groups_) return nullptr;
    std::int32_t* values = values_.data() + static_cast<std::size_t>(c) * alpha_;
    if (pixel_[c] != p) {
      const auto& members = layer_.groups[g];
      for (std::size_t k = 0; k < members.size(); ++k) values[k] = fetch(first_pixel_ + p, members[k]);
      pixel_[c] = p;
      fetched += static_cast<std::int64_t>(members.size());
    }
    return values;
  }

  const model::PackedLayer& layer_;
  int cols_;
  int bits_;  // cycles per MAC slot
  int alpha_;
  int groups_;
  std::int64_t first_pixel_ = 0;
  std::int64_t pixels_ = 0;  // of the tile's block
  int g0_ = 0;
  std::vector<std::int32_t> values_;  // C x alpha_max: the current pixel's values per column
  std::vector<std::int64_t> pixel_;   // the pixel each column's values were fetched for
  std::int64_t next_t_ = -1;          // lines(): the cycle expected next, its MAC slot and bit
  std::int64_t slot_ = 0;
  int bit_ = 0;
};

}  // namespace ccsim::hw
