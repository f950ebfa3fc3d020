// The accumulator buffer of one row tile of a pixel block (R x P int32) and the output stage behind it: the left
// edge's partial sums in (the bias in the first column tile, the sum so far afterwards), the right
// edge's results back, and after the last column tile requantization and clamp to int8
// (fixed::requantize). Plain C++: the OutputStage module (hw/units) and MatmulEngine both use it.
#pragma once

#include <cstdint>
#include <vector>

#include "models/fixed_point.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

class AccumulatorTile {
 public:
  // `capacity`: pixels per row, the largest pixel block it holds.
  AccumulatorTile(int rows, std::int64_t capacity)
      : rows_(rows), capacity_(capacity), acc_(static_cast<std::size_t>(rows) * capacity, 0) {}

  // First column tile of a row tile of a block of `pixels` pixels (<= capacity) starting at
  // output pixel `first_pixel`: every row starts from its bias (0 beyond the matrix).
  void load_bias(const model::PackedLayer& layer, int first_row, std::int64_t first_pixel, std::int64_t pixels) {
    first_pixel_ = first_pixel;
    pixels_ = pixels;
    for (int r = 0; r < rows_; ++r) {
      const fixed::Acc bias = first_row + r < layer.rows() ? layer.bias[first_row + r] : 0;
      std::fill_n(acc_.begin() + static_cast<std::ptrdiff_t>(r) * capacity_, pixels_, bias);
    }
  }
  // Pixel p of the block (0 .. pixels).
  fixed::Acc read(int r, std::int64_t p) const { return acc_[static_cast<std::size_t>(r) * capacity_ + p]; }
  void write(int r, std::int64_t p, fixed::Acc value) { acc_[static_cast<std::size_t>(r) * capacity_ + p] = value; }

  // Output stage after the last column tile: out(index, value) for every output value of the
  // tile's rows inside the matrix and the block's pixels (index into the layer's CHW output).
  // Returns the values written.
  template <typename Out>
  std::int64_t drain(const model::PackedLayer& layer, int first_row, Out&& out) const {
    return for_each_output(layer, first_row, [&](std::size_t index, int m, fixed::Acc acc) {
      out(index, fixed::requantize(acc, layer.requant[m], layer.act_min, layer.act_max));
    });
  }
  // The values drain() requantizes: visit(index, matrix row m, accumulator value), in its order.
  template <typename Visit>
  std::int64_t for_each_output(const model::PackedLayer& layer, int first_row, Visit&& visit) const {
    const std::int64_t layer_pixels = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
    std::int64_t written = 0;
    for (int r = 0; r < rows_ && first_row + r < layer.rows(); ++r) {
      const int m = first_row + r;
      const std::size_t base = static_cast<std::size_t>(m * layer_pixels + first_pixel_);
      for (std::int64_t p = 0; p < pixels_; ++p) visit(base + static_cast<std::size_t>(p), m, read(r, p));
      written += pixels_;
    }
    return written;
  }

 private:
  int rows_;
  std::int64_t capacity_;
  std::int64_t first_pixel_ = 0;
  std::int64_t pixels_ = 0;
  std::vector<fixed::Acc> acc_;
};

}  // namespace ccsim::hw
