// The seam where another implementation of the vector unit plugs into the cycle-accurate model
// (hw/units/vector_unit.hpp), e.g. the Verilated RTL (sim/rtl_vector.hpp): `ccsim run --mode
// cycle|--tlm lt|at --rtl vector`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hw/array_config.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// What an implementation reports of one layer.
struct VectorImplementationRun {
  std::vector<std::int8_t> output;         // the layer's output as the implementation wrote it
  std::vector<std::int64_t> write_cycle;   // per value: the compute cycle of the layer it was written in (-1: never)
  std::int64_t compute_cycles = 0;         // the cycles it computed (what the unit's formula counts)
  // Its own protocol checks' first finding (a pass's cycles, a value written twice or never).
  struct Error {
    std::string signal;
    std::int64_t expected = 0, actual = 0;
    std::int64_t value = -1;  // the output index concerned (-1: none)
    std::int64_t cycle = -1;  // compute cycle of the layer
  };
  std::optional<Error> error;
};

// Another implementation of the vector unit, run by the unit in place of its own timed model
// (MatchLib's design swap). The unit hands it every layer that moves data, with the layer's
// operands; it calls `compute_clock` once per clock cycle it computes (the unit waits a clock edge
// there, so the system's time runs with it). Loading its input store and tables is not clocked
// there: the SystemC unit reads the activation buffer directly and its formula counts computing
// only. The unit compares the output with its own (golden arithmetic) and the cycles with its
// formula; the activation buffer receives the implementation's output.
class VectorImplementation {
 public:
  virtual ~VectorImplementation() = default;
  virtual std::string name() const = 0;
  virtual VectorImplementationRun run(const model::PackedLayer& layer, const std::vector<const model::Int8Tensor*>& operands,
                                      std::size_t output_size, const std::function<void()>& compute_clock) = 0;
};

// Makes the implementation for an array configuration (its vector lanes and store); throws
// std::invalid_argument naming what does not match what it was built with.
using VectorImplementationFactory = std::function<std::unique_ptr<VectorImplementation>(const ArrayConfig&)>;

}  // namespace ccsim::hw
