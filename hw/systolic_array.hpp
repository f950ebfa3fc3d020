// The R x C weight-stationary systolic array of MX cells (hw/README.md). One call of clock()
// is one clock cycle of the whole array: plain C++ state, no signal per cell or bit. Each cell
// register is an array over the cells, so a row of bit-serial cells is stepped in SIMD words;
// the arithmetic is MxCell's (fixed::serial_mac_step, fixed::mac, wrap_add), and test_hw checks
// the array against a grid of MxCells stepped one by one.
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

  // Cycle t of the current tile (t = 0 at the first compute cycle) of bit-serial cells (b =
  // data_bits cycles per MAC slot). `top[c]` are the bit lines entering row 0 of column c in this
  // cycle. A row r finishing MAC slot s = (t - r) / b in this cycle (column c's pixel is s - c)
  // calls left(r, s) for column 0's partial sum in, then right(r, s, value) with column C-1's
  // result.
  template <typename Left, typename Right>
  void clock(std::int64_t t, const std::uint32_t* top, Left&& left, Right&& right) {
    const int rows = config_.rows;
    const int cols = config_.cols;
    const int bits = config_.data_bits;
    // Row r works on what entered row 0 r cycles ago: history slot (t - r) mod R, bit (t - r) mod
    // b of MAC slot (t - r) / b. All three step down from row 0's instead of being divided out per
    // row (on a 4 x 4 array the divisions cost as much as the cells).
    locate(t, bits);
    int slot = slot0_;
    int bit = bit0_;
    std::int64_t mac = mac0_;
    std::copy_n(top, cols, history_.data() + static_cast<std::size_t>(slot) * cols);
    const int reached = static_cast<int>(std::min<std::int64_t>(rows - 1, t));
    for (int r = 0; r <= reached; ++r) {
      const std::size_t first = static_cast<std::size_t>(r) * cols;
      const std::uint32_t* lines = history_.data() + static_cast<std::size_t>(slot) * cols;
      const std::uint32_t* mask = select_mask_.data() + first;
      const std::int8_t* weight = weight_.data() + first;
      fixed::Acc* product = product_.data() + first;
      // The multiplexer picks line `select` (a one-hot mask, so the loop has no per-cell shift).
      for (int c = 0; c < cols; ++c) {
        product[c] = fixed::serial_mac_step(product[c], weight[c], (lines[c] & mask[c]) != 0, bit, bits);
      }
      if (bit == bits - 1) finish_row(r, mac, left, right);
      slot = slot == 0 ? rows - 1 : slot - 1;
      if (bit == 0) {
        bit = bits - 1;
        --mac;
      } else {
        --bit;
      }
    }
  }

  // The same cycle for bit-parallel cells (ArrayConfig::mac): `top` holds C x alpha_max values
  // entering row 0 (value k of column c = line k); every row finishes a MAC slot every cycle.
  template <typename Left, typename Right>
  void clock_values(std::int64_t t, const std::int8_t* top, Left&& left, Right&& right) {
    const int rows = config_.rows;
    const int cols = config_.cols;
    const int alpha = config_.alpha_max;
    const std::size_t width = static_cast<std::size_t>(cols) * alpha;
    locate(t, 1);
    int slot = slot0_;
    std::copy_n(top, width, value_history_.data() + static_cast<std::size_t>(slot) * width);
    const int reached = static_cast<int>(std::min<std::int64_t>(rows - 1, t));
    for (int r = 0; r <= reached; ++r) {
      const std::size_t first = static_cast<std::size_t>(r) * cols;
      const std::int8_t* values = value_history_.data() + static_cast<std::size_t>(slot) * width;
      for (int c = 0; c < cols; ++c) {
        const std::size_t i = first + static_cast<std::size_t>(c);
        product_[i] = fixed::mac(0, weight_[i], values[static_cast<std::size_t>(c) * alpha + select_[i]]);
      }
      finish_row(r, t - r, left, right);  // a MAC slot per cycle
      slot = slot == 0 ? rows - 1 : slot - 1;
    }
  }

  // MAC slot s of every row at once, in the skewed frame: row r does in cycles b s + r .. b s +
  // r + b - 1 what row 0 does r cycles earlier, with the same inputs (the bit lines move down one
  // row per cycle) and its own accumulator entries, and rows share nothing else; so a tile is
  // its P + C - 1 MAC slots, each row's slots in order, every cell's b bit-serial steps collapsed
  // into the product they sum to (w * x, x sign-extended from b bits as the serial cell reads it;
  // fixed::serial_mac_step; bit-parallel cells: clock_values's product). left / right are called as clock() calls them, row by row within a
  // slot instead of cycle by cycle. `top` holds C x alpha_max values (ColumnFeed::values: column c
  // carries pixel s - c). For runs nobody watches cycle by cycle (no waveform, no swapped-in
  // cells): the cell registers between slots are not those of any one cycle.
  template <typename Left, typename Right>
  void clock_slot(std::int64_t s, const std::int8_t* top, Left&& left, Right&& right) {
    const int rows = config_.rows;
    const int cols = config_.cols;
    const int alpha = config_.alpha_max;
    // Bit-serial cells read b bits, the last one the sign; bit-parallel ones the int8 value.
    const bool narrow = config_.mac == MacKind::BitSerial && config_.data_bits < 8;
    const int unused = narrow ? 32 - config_.data_bits : 24;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * cols + c;
        const auto x = static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint8_t>(
                           top[static_cast<std::size_t>(c) * alpha + select_[i]])) << unused) >> unused;
        product_[i] = static_cast<fixed::Acc>(static_cast<std::int32_t>(weight_[i]) * x);
      }
    }
    for (int r = 0; r < rows; ++r) finish_row(r, s, left, right);
  }

  // Cell (r, c)'s registers.
  MxCell cell(int r, int c) const {
    const std::size_t i = static_cast<std::size_t>(r) * config_.cols + c;
    return MxCell(weight_[i], select_[i], product_[i], psum_[i]);
  }
  // The bit lines cell (r, c) sees in cycle t (for tracing and co-simulation).
  std::uint32_t lines(std::int64_t t, int r, int c) const;

 private:
  // Row 0's history slot (t mod R), bit (t mod b) and MAC slot (t / b) in cycle t with b cycles
  // per MAC slot, advanced from the previous cycle's when the clocks are consecutive (they are,
  // from the load on) and divided out otherwise.
  void locate(std::int64_t t, int bits) {
    if (t == next_t_ && bits == located_bits_) {
      if (++slot0_ == config_.rows) slot0_ = 0;
      if (++bit0_ == bits) {
        bit0_ = 0;
        ++mac0_;
      }
    } else {
      slot0_ = static_cast<int>(t % config_.rows);
      bit0_ = static_cast<int>(t % bits);
      mac0_ = t / bits;
    }
    next_t_ = t + 1;
    located_bits_ = bits;
  }

  // End of MAC slot s in row r: each cell adds its product to its left neighbour's partial sum
  // (column 0: left(r, s)), right to left so that every cell reads its neighbour's register
  // before that one updates (flip-flop semantics); column C-1's result goes to right(r, s, value).
  template <typename Left, typename Right>
  void finish_row(int r, std::int64_t s, Left& left, Right& right) {
    const int cols = config_.cols;
    const std::size_t first = static_cast<std::size_t>(r) * cols;
    fixed::Acc* psum = psum_.data() + first;
    fixed::Acc* product = product_.data() + first;
    // The products are cleared as they are taken (one pass; a separate fill is a libc call per
    // row, which on small arrays costs as much as the row).
    for (int c = cols - 1; c > 0; --c) {
      psum[c] = fixed::wrap_add(psum[c - 1], product[c]);
      product[c] = 0;
    }
    psum[0] = fixed::wrap_add(left(r, s), product[0]);
    product[0] = 0;
    right(r, s, psum[cols - 1]);
  }

  ArrayConfig config_;
  // The cells' registers (MxCell's), one array each, row-major.
  std::vector<std::int8_t> weight_;
  std::vector<std::uint8_t> select_;
  std::vector<std::uint32_t> select_mask_;  // 1 << select
  std::vector<fixed::Acc> product_;
  std::vector<fixed::Acc> psum_;
  std::int64_t next_t_ = -1;  // the cycle locate() expects next (-1: none, divide)
  int located_bits_ = 0;
  int slot0_ = 0;
  int bit0_ = 0;
  std::int64_t mac0_ = 0;
  std::vector<std::uint32_t> history_;  // R cycles x C columns of row-0 inputs
  std::vector<std::int8_t> value_history_;  // bit-parallel: R cycles x C columns x alpha_max values
};

}  // namespace ccsim::hw
