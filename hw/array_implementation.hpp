// The seam where another implementation of the systolic array's cells plugs into the
// cycle-accurate model (hw/units/array_unit.hpp), e.g. the Verilated RTL (sim/rtl_array.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hw/array_config.hpp"
#include "hw/systolic_array.hpp"
#include "models/fixed_point.hpp"

namespace ccsim::hw {

// Another implementation of the array's cells, run by the array unit in lockstep with its own C++
// cells (MatchLib's design swap: `ccsim run --rtl array` puts the Verilated RTL here). It gets the
// same tile and every cycle's inputs; the accumulator buffer receives *its* right-edge results,
// and the unit compares every cell's registers with its own after every cycle.
class ArrayImplementation {
 public:
  virtual ~ArrayImplementation() = default;
  virtual std::string name() const = 0;
  // The tile's R x C weights and selects move into the cells; the pipeline clears.
  virtual void start_tile(const TileWeights& tile) = 0;
  // One clock cycle: C bit-line words into row 0, and per row the partial sum entering column 0
  // (valid in the cycle the row's column 0 finishes a MAC slot, 0 otherwise).
  virtual void clock(const std::uint32_t* top, const fixed::Acc* left) = 0;
  // Cell registers after the last clock().
  virtual fixed::Acc psum(int row, int col) const = 0;
  virtual fixed::Acc product(int row, int col) const = 0;
};

// Makes the implementation for an array size; throws std::invalid_argument when it has none.
using ArrayImplementationFactory = std::function<std::unique_ptr<ArrayImplementation>(const ArrayConfig&)>;

}  // namespace ccsim::hw
