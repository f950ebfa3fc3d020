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

std::int8_t quantize_value(float x, float scale, int bits) {
  if (!(scale > 0.0f)) throw std::invalid_argument("quantization scale must be > 0");
  if (bits < 2 || bits > 8) throw std::invalid_argument("quantization width must be in [2, 8] bits");
  const float q = std::round(x / scale);  // std::round: half away from zero
  if (std::isnan(q)) return 0;
  const auto lo = static_cast<float>(min_of_bits(bits));
  const auto hi = static_cast<float>(max_of_bits(bits));
  return static_cast<std::int8_t>(q > hi ? hi : (q < lo ? lo : q));
}

}  // namespace ccsim::fixed
