// Bit-exact integer arithmetic of ccsim, defined once and shared by every model that computes
// (golden model, SystemC model, RTL checkers). The requantization follows gemmlowp / TFLite:
// int32 accumulate, a Q31 fixed-point multiplier with a power-of-two shift, round to nearest.
#pragma once

#include <cstdint>
#include <limits>

namespace ccsim::fixed {

// Accumulators are 32-bit two's complement and wrap on overflow, as the hardware's do.
using Acc = std::int32_t;

constexpr Acc wrap_add(Acc a, std::int64_t b) {
  return static_cast<Acc>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}

// One multiply-accumulate step: acc + w * x with int8 operands, wrapping at 32 bits.
constexpr Acc mac(Acc acc, std::int8_t w, std::int8_t x) {
  return wrap_add(acc, static_cast<std::int32_t>(w) * static_cast<std::int32_t>(x));
}

// One cycle of a bit-serial multiply: bit `i` (LSB first) of a `bits`-wide two's-complement
// input contributes w * 2^i, the MSB (i = bits - 1) -w * 2^i. Summed over i = 0 .. bits-1 this is
// w * x exactly, so a bit-serial cell and mac() agree.
// Needs 0 <= i < bits <= 32 (data widths are 2..16). Branch-free: the cycle engines call it for every cell in every cycle, and a branch on an input
// bit mispredicts about half the time (it was the largest cost of the engine's inner loop).
constexpr Acc serial_mac_step(Acc prod, std::int8_t w, bool x_bit, int i, int bits) {
  const std::uint32_t term = static_cast<std::uint32_t>(static_cast<std::int32_t>(w)) << i;  // w * 2^i mod 2^32
  const std::uint32_t negate = 0u - static_cast<std::uint32_t>(i == bits - 1);  // all ones at the MSB
  const std::uint32_t take = 0u - static_cast<std::uint32_t>(x_bit);            // all ones when the bit is set
  return static_cast<Acc>(static_cast<std::uint32_t>(prod) + (((term ^ negate) - negate) & take));
}

// gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one overflow
// case (INT32_MIN * INT32_MIN).
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == b && a == std::numeric_limits<std::int32_t>::min()) {
    return std::numeric_limits<std::int32_t>::max();
  }
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  return static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
  return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

// A real multiplier M > 0 as M0 * 2^shift with M0 in [2^30, 2^31) (Q31 in [0.5, 1)).
// shift > 0 is a left shift, shift < 0 a right shift (TFLite QuantizeMultiplier convention).
struct Multiplier {
  std::int32_t m0 = 0;
  int shift = 0;
};

// Converts a real multiplier to fixed point. Throws std::invalid_argument when M is not finite,
// negative, or outside what a Q31 multiplier with a shift in [-31, 30] can represent.
Multiplier quantize_multiplier(double real_multiplier);

// TFLite MultiplyByQuantizedMultiplier: round(acc * M) in fixed point.
constexpr std::int32_t apply_multiplier(std::int32_t acc, Multiplier m) {
  const int left = m.shift > 0 ? m.shift : 0;
  const int right = m.shift > 0 ? 0 : -m.shift;
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(acc) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, m.m0), right);
}

constexpr std::int32_t clamp(std::int32_t v, std::int32_t lo, std::int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// Output stage of a weight layer: requantize the accumulator and clamp to the activation range
// (the clamp also carries a fused ReLU / ReLU6).
constexpr std::int8_t requantize(Acc acc, Multiplier m, std::int8_t act_min, std::int8_t act_max) {
  return static_cast<std::int8_t>(clamp(apply_multiplier(acc, m), act_min, act_max));
}

// Residual add, as TFLite's int8 ADD: operand k is scaled up by 2^kAddLeftShift and multiplied by
// M_k = s_k / (2 max_j s_j) (<= 1/2), the terms are summed in 32 bits and the sum requantized by
// M_out = 2 max_j s_j / (2^kAddLeftShift s_out), then clamped (a fused ReLU). Each term is below
// 2^26 in magnitude, so up to kMaxAddOperands terms cannot overflow.
constexpr int kAddLeftShift = 20;
constexpr int kMaxAddOperands = 16;
constexpr std::int32_t add_term(std::int8_t x, Multiplier m) {
  return apply_multiplier(static_cast<std::int32_t>(x) * (std::int32_t{1} << kAddLeftShift), m);
}

// A concatenation operand at the output's scale: round(x * s_k / s_out), saturated to int8
// (s_k / s_out <= 1). The operand is scaled up by 2^kAddLeftShift first, as an add's is: applied to
// x itself, the multiplier's rounding shift would round twice (1 * 0.35 gave 1, 7 * 0.35 gave 3).
constexpr std::int8_t rescale(std::int8_t x, Multiplier m) {
  const std::int32_t scaled = apply_multiplier(static_cast<std::int32_t>(x) * (std::int32_t{1} << kAddLeftShift), m);
  return static_cast<std::int8_t>(clamp(rounding_divide_by_pot(scaled, kAddLeftShift), -128, 127));
}

// Integer division rounded to nearest, ties away from zero (average pooling). divisor > 0.
constexpr std::int32_t rounding_divide(std::int32_t sum, std::int32_t divisor) {
  const std::int32_t half = divisor / 2;
  return sum >= 0 ? (sum + half) / divisor : -((-sum + half) / divisor);
}

// The range of an n-bit two's-complement value (n in [2, 8]): [-2^(n-1), 2^(n-1) - 1].
constexpr std::int32_t min_of_bits(int bits) { return -(std::int32_t{1} << (bits - 1)); }
constexpr std::int32_t max_of_bits(int bits) { return (std::int32_t{1} << (bits - 1)) - 1; }

// Float to an n-bit integer (held in int8) with a symmetric scale (zero point 0): round half
// away from zero, saturate to the n-bit range.
std::int8_t quantize_value(float x, float scale, int bits = 8);

}  // namespace ccsim::fixed
