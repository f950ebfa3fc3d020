#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "models/fixed_point.hpp"

namespace ccsim::fixed {
namespace {

TEST(FixedPoint, DoublingHighMulRoundsAndSaturates) {
  constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int32_t>::max();
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);  // 0.5 * 0.5 = 0.25
  EXPECT_EQ(saturating_rounding_doubling_high_mul(100, 1 << 30), 50);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);    // 1.5 -> 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5 -> -1, as gemmlowp's nudge does
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);  // -2.5 -> -2
}

TEST(FixedPoint, RoundingDivideByPowerOfTwoTiesAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
  EXPECT_EQ(rounding_divide_by_pot(4, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);  // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(123, 0), 123);
}

TEST(FixedPoint, QuantizedMultiplierApproximatesTheRealProduct) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> mult(1e-6, 4.0);
  std::uniform_int_distribution<std::int32_t> acc(-(1 << 22), 1 << 22);
  for (int i = 0; i < 20000; ++i) {
    const double m = mult(rng);
    const Multiplier q = quantize_multiplier(m);
    ASSERT_GE(q.m0, 1 << 30);
    const std::int32_t a = acc(rng);
    const double exact = a * m;
    // Q31 multiplier error plus the two roundings: within one unit of the exact product.
    ASSERT_LE(std::fabs(apply_multiplier(a, q) - exact), 1.0 + std::fabs(exact) * 1e-8) << m << " " << a;
  }
}

// A concatenation operand is rescaled to round(x * M) for every int8 x and any M <= 1, as a
// float would round it (ties away from zero), except within the Q31 multiplier's error of a tie.
TEST(FixedPoint, RescaleRoundsOnceToTheNearestStep) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> mult(1e-3, 1.0);
  for (int i = 0; i < 2000; ++i) {
    const double m = i == 0 ? 1.0 : mult(rng);
    const Multiplier q = quantize_multiplier(m);
    for (int x = -128; x <= 127; ++x) {
      const double exact = x * m;
      if (std::fabs(std::fabs(exact) - std::floor(std::fabs(exact)) - 0.5) < 1e-6) continue;
      const double expect = std::clamp(std::round(exact), -128.0, 127.0);
      ASSERT_EQ(rescale(static_cast<std::int8_t>(x), q), expect) << x << " * " << m;
    }
  }
  EXPECT_EQ(rescale(1, quantize_multiplier(0.3546)), 0);  // once 1: the multiplier's shift rounded twice
  EXPECT_EQ(rescale(7, quantize_multiplier(0.3546)), 2);
  EXPECT_EQ(rescale(-7, quantize_multiplier(0.3546)), -2);
}

TEST(FixedPoint, QuantizeMultiplierEdgeCases) {
  EXPECT_EQ(quantize_multiplier(0.0).m0, 0);
  EXPECT_EQ(apply_multiplier(12345, quantize_multiplier(0.0)), 0);
  const Multiplier one = quantize_multiplier(1.0);
  EXPECT_EQ(apply_multiplier(-777, one), -777);
  EXPECT_EQ(quantize_multiplier(1e-12).m0, 0);  // below any int32 LSB
  EXPECT_THROW(quantize_multiplier(-1.0), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::nan("")), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(1e12), std::invalid_argument);
  // A mantissa that rounds up to 1.0 moves to the next exponent.
  const Multiplier almost_one = quantize_multiplier(std::nextafter(1.0, 0.0));
  EXPECT_EQ(almost_one.m0, 1 << 30);
  EXPECT_EQ(almost_one.shift, 1);
}

TEST(FixedPoint, RequantizeClampsToTheActivationRange) {
  const Multiplier half = quantize_multiplier(0.5);
  EXPECT_EQ(requantize(1000, half, -128, 127), 127);
  EXPECT_EQ(requantize(-1000, half, -128, 127), -128);
  EXPECT_EQ(requantize(-10, half, 0, 127), 0);  // fused ReLU
  EXPECT_EQ(requantize(21, half, -128, 127), 11);
  EXPECT_EQ(requantize(200, half, 0, 96), 96);   // ReLU6 bound
}

TEST(FixedPoint, MacWrapsAt32Bits) {
  EXPECT_EQ(mac(0, -128, -128), 16384);
  EXPECT_EQ(mac(std::numeric_limits<std::int32_t>::max(), 1, 1), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(mac(5, 3, -4), -7);
}

TEST(FixedPoint, RoundingDivideAndQuantizeValue) {
  EXPECT_EQ(rounding_divide(5, 2), 3);
  EXPECT_EQ(rounding_divide(-5, 2), -3);
  EXPECT_EQ(rounding_divide(4, 3), 1);
  EXPECT_EQ(rounding_divide(-4, 3), -1);
  EXPECT_EQ(rounding_divide(0, 9), 0);
  EXPECT_EQ(quantize_value(1.0f, 0.5f), 2);
  EXPECT_EQ(quantize_value(0.25f, 0.5f), 1);    // 0.5 away from zero
  EXPECT_EQ(quantize_value(-0.25f, 0.5f), -1);
  EXPECT_EQ(quantize_value(1000.0f, 1.0f), 127);
  EXPECT_EQ(quantize_value(-1000.0f, 1.0f), -128);
  EXPECT_THROW(quantize_value(1.0f, 0.0f), std::invalid_argument);
}

}  // namespace
}  // namespace ccsim::fixed
