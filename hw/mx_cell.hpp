// The bit-serial MX cell: one packed weight, its multiplexer select, and a bit-serial multiply
// whose product joins the partial sum from the left at the end of every MAC slot.
#pragma once

#include <cstdint>

#include "models/fixed_point.hpp"

namespace ccsim::hw {

// The reference model of one cell. SystolicArray keeps its cells' registers in arrays of their
// own (one per register, so that a row's cells are stepped in SIMD words) with the same
// arithmetic, is tested against a grid of these, and returns a cell's registers as one.
class MxCell {
 public:
  MxCell() = default;
  MxCell(std::int8_t weight, std::uint8_t select, fixed::Acc product, fixed::Acc psum)
      : weight_(weight), select_(select), product_(product), psum_(psum) {}

  void load(std::int8_t weight, std::uint8_t select) {
    weight_ = weight;
    select_ = select;
    product_ = 0;
  }

  // One clock: `lines` are the alpha input bit lines passing this cell (bit k = line k), `bit`
  // the index of the bit they carry (0 = LSB), `bits` the data width. The multiplexer picks line
  // `select`. Returns the product so far.
  fixed::Acc clock_bit(std::uint32_t lines, int bit, int bits) {
    product_ = fixed::serial_mac_step(product_, weight_, ((lines >> select_) & 1u) != 0, bit, bits);
    return product_;
  }

  // One clock of a bit-parallel cell: the multiplexer picks value `select` of the column's
  // `values` and the whole product is formed in this cycle (its slot ends in the same cycle).
  fixed::Acc clock_value(const std::int8_t* values) {
    product_ = fixed::mac(0, weight_, values[select_]);
    return product_;
  }

  // End of a MAC slot: psum = psum_in + product (wrapping int32); the product restarts at 0.
  fixed::Acc finish_slot(fixed::Acc psum_in) {
    psum_ = fixed::wrap_add(psum_in, product_);
    product_ = 0;
    return psum_;
  }

  std::int8_t weight() const { return weight_; }
  std::uint8_t select() const { return select_; }
  fixed::Acc psum() const { return psum_; }
  fixed::Acc product() const { return product_; }

 private:
  std::int8_t weight_ = 0;
  std::uint8_t select_ = 0;
  fixed::Acc product_ = 0;
  fixed::Acc psum_ = 0;
};

}  // namespace ccsim::hw
