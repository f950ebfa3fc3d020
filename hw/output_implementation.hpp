// The seam where another implementation of the output stage's arithmetic plugs into the
// cycle-accurate model (hw/units/output_stage.hpp), e.g. the Verilated RTL (sim/rtl_output.hpp):
// `ccsim run --mode cycle|--tlm lt|at --rtl output`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hw/array_config.hpp"
#include "models/fixed_point.hpp"

namespace ccsim::hw {

// Another implementation of the output stage's requantization (MatchLib's design swap): every
// accumulator value the stage drains goes through it as well as through fixed::requantize; the
// activation buffer receives *its* value, and the stage compares the two.
class OutputImplementation {
 public:
  virtual ~OutputImplementation() = default;
  virtual std::string name() const = 0;
  // acc times the row's multiplier, rounded, clamped to [act_min, act_max].
  virtual std::int8_t requantize(fixed::Acc acc, fixed::Multiplier m, std::int8_t act_min, std::int8_t act_max) = 0;
};

using OutputImplementationFactory = std::function<std::unique_ptr<OutputImplementation>(const ArrayConfig&)>;

}  // namespace ccsim::hw
