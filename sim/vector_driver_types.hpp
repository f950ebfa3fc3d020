// What a run of the RTL vector unit returns (sim/vector_driver.hpp, sim/rtl_vector.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/vector_program.hpp"

namespace ccsim::cosim {

// The first protocol error of a layer: a pass's cycle count, an output index outside the pass, a
// value written twice or never.
struct VectorError {
  std::string signal;
  std::int64_t expected = 0, actual = 0;
  std::int64_t value = -1;  // the layer output index concerned (-1: none)
  std::int64_t cycle = -1;  // the unit's clock cycle of the layer run it was seen in (as write_cycle)
  std::string text() const {
    return signal + ": expected " + std::to_string(expected) + ", got " + std::to_string(actual) +
           (value >= 0 ? " (output value " + std::to_string(value) + ")" : "");
  }
};

struct VectorLayerRun {
  std::vector<std::int8_t> output;  // the layer's output, as the output stream wrote it
  std::vector<char> written;
  // Per output value: the clock cycle of the layer run (0 = its first table or store write) in
  // which the output stream wrote it; -1 for a value never written.
  std::vector<std::int64_t> write_cycle;
  std::int64_t compute_cycles = 0;  // start_i to done_o, all passes
  std::int64_t host_cycles = 0;     // table and store writes
  std::optional<VectorError> error;
};

}  // namespace ccsim::cosim
