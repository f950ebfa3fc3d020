#include "models/fixed_point.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ccsim::fixed {

Multiplier quantize_multiplier(double real_multiplier) {
  if (!std::isfinite(real_multiplier) || real_multiplier < 0.0) {
    throw std::invalid_argument("requantization multiplier must be finite and >= 0, got " +
                                std::to_string(real_multiplier));
  }
  if (real_multiplier == 0.0) return {};
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);  // real = q * 2^exponent, q in [0.5,1)
  auto q_fixed = static_cast<std::int64_t>(std::llround(q * static_cast<double>(1LL << 31)));
  if (q_fixed == (1LL << 31)) {  // rounding reached 1.0
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent > 30) {
    throw std::invalid_argument("requantization multiplier too large: " +
                                std::to_string(real_multiplier));
  }
  if (exponent < -31) return {};  // smaller than one LSB of any int32: the product is always 0
  return {static_cast<std::int32_t>(q_fixed), exponent};
}

std::int8_t quantize_value(float x, float scale) {
  if (!(scale > 0.0f)) throw std::invalid_argument("quantization scale must be > 0");
  const float q = std::round(x / scale);  // std::round: half away from zero
  if (std::isnan(q)) return 0;
  return static_cast<std::int8_t>(q > 127.0f ? 127.0f : (q < -128.0f ? -128.0f : q));
}

}  // namespace ccsim::fixed
