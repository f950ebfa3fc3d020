// The accumulator buffer of one row tile (R x P int32) and the output stage behind it: the left
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
  AccumulatorTile(int rows, std::int64_t pixels) : rows_(rows), pixels_(pixels), acc_(static_cast<std::size_t>(rows) * pixels, 0) {}

  // First column tile of a row tile: every row starts from its bias (0 beyond the matrix).
  void load_bias(const model::PackedLayer& layer, int first_row) {
    for (int r = 0; r < rows_; ++r) {
      const fixed::Acc bias = first_row + r < layer.rows() ? layer.bias[first_row + r] : 0;
      std::fill_n(acc_.begin() + static_cast<std::ptrdiff_t>(r) * pixels_, pixels_, bias);
    }
  }
  fixed::Acc read(int r, std::int64_t p) const { return acc_[static_cast<std::size_t>(r) * pixels_ + p]; }
  void write(int r, std::int64_t p, fixed::Acc value) { acc_[static_cast<std::size_t>(r) * pixels_ + p] = value; }

  // Output stage after the last column tile: out(index, value) for every output value of the
  // tile's rows inside the matrix (index into the layer's CHW output). Returns the values written.
  template <typename Out>
  std::int64_t drain(const model::PackedLayer& layer, int first_row, Out&& out) const {
    std::int64_t written = 0;
    for (int r = 0; r < rows_ && first_row + r < layer.rows(); ++r) {
      const int m = first_row + r;
      for (std::int64_t p = 0; p < pixels_; ++p) {
        out(static_cast<std::size_t>(m) * pixels_ + p, fixed::requantize(read(r, p), layer.requant[m], layer.act_min, layer.act_max));
      }
      written += pixels_;
    }
    return written;
  }

 private:
  int rows_;
  std::int64_t pixels_;
  std::vector<fixed::Acc> acc_;
};

}  // namespace ccsim::hw
