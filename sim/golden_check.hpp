// The check every accelerator run ends with: each layer's output against the golden model's.
#pragma once

#include <cstddef>

#include "hw/network_run.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cli {

// Runs the golden model on `input` and throws std::runtime_error naming the sample, layer,
// channel, y, x, expected and actual value of the first difference from `run`.
void check_against_golden(const model::PackedNetwork& net, const model::Int8Tensor& input, const hw::NetworkRun& run,
                          std::size_t sample);

}  // namespace ccsim::cli
