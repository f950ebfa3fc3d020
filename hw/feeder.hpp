// The feeder with the shift unit: reads the activation buffer in im2col order for the array
// columns, applying a preceding shift layer as an address offset (no multiplies, no extra pass).
#pragma once

#include <cstdint>

#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

class Feeder {
 public:
  // `input` is the stored activation: the Matmul's input, or, with `shift`, the shift layer's.
  Feeder(const model::PackedLayer& matmul, const model::Int8Tensor& input, const model::PackedLayer* shift);

  // The value filter-matrix column `column` reads at output pixel p (0 in padding).
  std::int8_t value(std::int64_t p, std::uint32_t column) const;

 private:
  const model::PackedLayer& layer_;
  const model::Int8Tensor& input_;
  const model::PackedLayer* shift_;
  int kernel_ = 1;
};

}  // namespace ccsim::hw
