// The seam where another implementation of the feeder and shift unit plugs into the cycle-accurate
// model (hw/units/feeder_unit.hpp), e.g. the Verilated RTL (sim/rtl_feeder.hpp): `ccsim run --mode
// cycle|--tlm lt|at --rtl feeder`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// Another implementation of the feeder's bit lines (bit-serial cells), run by the feeder unit in
// lockstep with its own (MatchLib's design swap). It gets the same layer, tile and tile cycles;
// the array receives *its* bit lines, and the unit compares every line with its own every cycle.
class FeederImplementation {
 public:
  virtual ~FeederImplementation() = default;
  virtual std::string name() const = 0;
  // A Matmul layer starts (its stored input is the fused shift's input when `fused_shift` is set).
  virtual void configure(const model::PackedLayer& matmul, const model::PackedLayer* fused_shift) = 0;
  // The tile's first packed column and its pixel block (`pixels` output pixels from `first_pixel`).
  virtual void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) = 0;
  // The C bit-line words of tile cycle t (bit k of word c = line k of array column c). `read(a)`
  // gives the stored activation's byte at CHW address a (the activation buffer's read port).
  virtual const std::uint32_t* lines(std::int64_t tile_cycle, const std::function<std::int8_t(std::int64_t)>& read) = 0;
};

// Makes the implementation for an array configuration; throws std::invalid_argument naming what
// it was not built for.
using FeederImplementationFactory = std::function<std::unique_ptr<FeederImplementation>(const ArrayConfig&)>;

}  // namespace ccsim::hw
