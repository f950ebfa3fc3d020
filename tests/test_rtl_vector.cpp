// The Verilated RTL vector unit (rtl/ccsim_vector_unit.sv) against the golden model: every layer
// kind it runs, on hand-made layers with random int8 inputs, at 8 lanes with a 64 KiB store and at
// 3 lanes with a 1 KiB store (so layers run in several passes and lane groups are partial). Each
// pass must take the cycles of its formula (VectorPass::cycles, checked by the driver) and write
// every output once.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "Vvector_l3_a10.h"
#include "Vvector_l8_a16.h"
#include "models/fixed_point.hpp"
#include "hw/timing.hpp"
#include "models/golden.hpp"
#include "sim/vector_driver.hpp"

namespace ccsim {
namespace {

using model::OpKind;
using model::PackedLayer;
using model::Shape;

model::Int8Tensor random_tensor(const Shape& s, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-128, 127);
  model::Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
  for (auto& v : t.data) v = static_cast<std::int8_t>(d(rng));
  return t;
}

PackedLayer layer(OpKind kind, const Shape& in, const Shape& out) {
  PackedLayer l;
  l.name = std::string("test_") + model::to_string(kind);
  l.kind = kind;
  l.in = in;
  l.out = out;
  return l;
}

PackedLayer pool(OpKind kind, const Shape& in, int k, int stride, int pad, bool include_pad = false, int extra = 0) {
  // extra: output rows/columns beyond the floor formula (PyTorch's ceil_mode overhang)
  const int oh = (in.h + 2 * pad - k) / stride + 1 + extra;
  const int ow = (in.w + 2 * pad - k) / stride + 1 + extra;
  PackedLayer l = layer(kind, in, {in.c, oh, ow});
  l.window.kh = l.window.kw = k;
  l.window.stride_h = l.window.stride_w = stride;
  l.window.pad_top = l.window.pad_left = pad;
  l.count_include_pad = include_pad;
  return l;
}

// The join multipliers pack.cpp derives from the operand scales.
PackedLayer add(const Shape& s, const std::vector<float>& scales, float out_scale, bool relu) {
  PackedLayer l = layer(OpKind::Add, s, s);
  const double largest = *std::max_element(scales.begin(), scales.end());
  for (const float s_k : scales) l.operand_requant.push_back(fixed::quantize_multiplier(s_k / (2.0 * largest)));
  l.requant = {fixed::quantize_multiplier(2.0 * largest / (std::ldexp(1.0, fixed::kAddLeftShift) * out_scale))};
  if (relu) l.act_min = 0;
  return l;
}

PackedLayer concat(const std::vector<Shape>& ins, const std::vector<float>& scales) {
  int c = 0;
  for (const Shape& s : ins) c += s.c;
  PackedLayer l = layer(OpKind::Concat, ins[0], {c, ins[0].h, ins[0].w});
  const float out_scale = *std::max_element(scales.begin(), scales.end());
  for (const float s_k : scales) l.operand_requant.push_back(fixed::quantize_multiplier(s_k / out_scale));
  return l;
}

template <typename V>
void expect_golden(const PackedLayer& l, const std::vector<Shape>& shapes, const cosim::VectorLimits& limits,
                   std::uint32_t seed, std::size_t min_passes = 1) {
  std::mt19937 rng(seed);
  std::vector<model::Int8Tensor> inputs;
  for (const Shape& s : shapes) inputs.push_back(random_tensor(s, rng));
  std::vector<const model::Int8Tensor*> operands;
  for (const auto& t : inputs) operands.push_back(&t);
  const model::Int8Tensor golden = model::run_layer(l, operands);
  const std::vector<cosim::VectorPass> passes = cosim::make_vector_passes(l, operands, limits);
  EXPECT_GE(passes.size(), min_passes) << l.name;

  V unit;
  cosim::VectorUnitDriver<V> driver(unit, limits);
  driver.reset();
  const cosim::VectorLayerRun run = driver.run(passes, golden.data.size());
  ASSERT_FALSE(run.error) << l.name << ": " << run.error->text();
  std::int64_t formula = 0;
  for (const auto& p : passes) formula += p.cycles(limits.lanes);
  EXPECT_EQ(run.compute_cycles, formula) << l.name;
  // The SystemC model and the fast mode count the same passes.
  hw::ArrayConfig array;
  array.vector_lanes = limits.lanes;
  array.vector_store_bytes = std::int64_t{1} << limits.addr_bits;
  std::vector<int> channels;
  for (const Shape& sh : shapes) channels.push_back(sh.c);
  EXPECT_EQ(hw::vector_unit_stats(array, l, channels, false).cycles, run.compute_cycles) << l.name;
  int wrong = 0;
  for (std::size_t k = 0; k < golden.data.size() && wrong < 5; ++k) {
    if (run.output[k] == golden.data[k]) continue;
    ++wrong;
    ADD_FAILURE() << l.name << " value " << k << " (channel " << k / (golden.shape.h * golden.shape.w) << "): golden "
                  << int{golden.data[k]} << ", RTL " << int{run.output[k]};
  }
}

const cosim::VectorLimits kWide{8, 16, 10, 16};
const cosim::VectorLimits kNarrow{3, 10, 10, 16};

template <typename V>
void run_all_kinds(const cosim::VectorLimits& limits, std::size_t many_passes) {
  const Shape s{11, 12, 10};
  expect_golden<V>(pool(OpKind::MaxPool, s, 3, 2, 1), {s}, limits, 1, many_passes);
  expect_golden<V>(pool(OpKind::MaxPool, s, 2, 2, 0, false, 1), {s}, limits, 2);  // ceil-mode overhang
  expect_golden<V>(pool(OpKind::AvgPool, s, 3, 1, 1, false), {s}, limits, 3);
  expect_golden<V>(pool(OpKind::AvgPool, s, 3, 1, 1, true), {s}, limits, 4);
  expect_golden<V>(pool(OpKind::AvgPool, s, 2, 2, 0, false, 1), {s}, limits, 5);
  expect_golden<V>(layer(OpKind::GlobalAvgPool, s, {s.c, 1, 1}), {s}, limits, 6);

  PackedLayer clamp = layer(OpKind::Clamp, s, s);
  clamp.act_min = 0;
  clamp.act_max = 48;
  expect_golden<V>(clamp, {s}, limits, 7);

  PackedLayer shift = layer(OpKind::Shift, s, s);
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> d(-4, 3);
  for (int c = 0; c < s.c; ++c) shift.shift.push_back({static_cast<std::int8_t>(d(rng)), static_cast<std::int8_t>(d(rng))});
  expect_golden<V>(shift, {s}, limits, 9);

  PackedLayer pad = layer(OpKind::Pad, s, {s.c, s.h + 3, s.w + 2});
  pad.window.pad_top = 2;
  pad.window.pad_left = 1;
  expect_golden<V>(pad, {s}, limits, 10);

  expect_golden<V>(add(s, {0.02f, 0.05f}, 0.06f, true), {s, s}, limits, 11, many_passes);
  expect_golden<V>(add(s, {0.03f, 0.01f, 0.02f}, 0.04f, false), {s, s, s}, limits, 12);
  const Shape a{5, 6, 7}, b{8, 6, 7}, c{2, 6, 7};
  expect_golden<V>(concat({a, b, c}, {0.02f, 0.035f, 0.011f}), {a, b, c}, limits, 13);
}

TEST(RtlVectorUnit, EveryLayerKindMatchesTheGoldenModel) {
  run_all_kinds<Vvector_l8_a16>(kWide, 1);
}

// 3 lanes and a 1 KiB store: layers of 11 x 12 x 10 run in passes of whole channels.
TEST(RtlVectorUnit, PassesOfWholeChannelsAndPartialLaneGroups) {
  run_all_kinds<Vvector_l3_a10>(kNarrow, 2);
}

TEST(RtlVectorUnit, ManyOperandAddAndLargeWindows) {
  const Shape s{9, 5, 6};
  std::vector<float> scales;
  for (int k = 0; k < 16; ++k) scales.push_back(0.01f + 0.003f * static_cast<float>(k));
  expect_golden<Vvector_l8_a16>(add(s, scales, 0.2f, false), std::vector<Shape>(16, s), kWide, 20);
  const Shape big{4, 40, 36};  // a 7 x 7 average with padding, and a global average of 1,440 values
  expect_golden<Vvector_l8_a16>(pool(OpKind::AvgPool, big, 7, 3, 3, true), {big}, kWide, 21);
  expect_golden<Vvector_l8_a16>(layer(OpKind::GlobalAvgPool, big, {big.c, 1, 1}), {big}, kWide, 22);
}

// The count on hand-made layers (hw/README.md "Vector unit").
TEST(VectorUnitTiming, PassesOfWholeChannels) {
  hw::ArrayConfig a;  // 8 lanes, 64 KiB
  // 3x3 max pool, 20 channels of 100 x 100 (10,000 bytes each): 6 channels per pass, fewer than
  // the lanes, so passes of 6, 6, 6, 2 channels: 4 lane groups of 50 x 50 outputs x 9 taps.
  PackedLayer big = pool(OpKind::MaxPool, {20, 100, 100}, 3, 2, 1);
  ASSERT_EQ(big.out.h, 50);
  EXPECT_EQ(hw::vector_unit_stats(a, big, {20}, false).cycles, 4 * 2500 * 9);
  // 2x2 average on 20 channels of 10 x 10: one pass, ceil(20 / 8) = 3 groups of 25 outputs x 4 taps.
  EXPECT_EQ(hw::vector_unit_stats(a, pool(OpKind::AvgPool, {20, 10, 10}, 2, 2, 0), {20}, false).cycles, 3 * 25 * 4);
  // A 3-operand add of 9 x 14 x 14: one pass, 2 groups x 196 pixels x 3 operands.
  EXPECT_EQ(hw::vector_unit_stats(a, add({9, 14, 14}, {0.1f, 0.2f, 0.3f}, 0.3f, false), {9, 9, 9}, false).cycles,
            2 * 196 * 3);
  // A concatenation of 5 and 8 channels runs one operand per pass: 1 + 1 groups.
  EXPECT_EQ(hw::vector_unit_stats(a, concat({{5, 7, 7}, {8, 7, 7}}, {0.1f, 0.2f}), {5, 8}, false).cycles, 2 * 49);
  // A shift folded into the next Matmul moves nothing.
  EXPECT_EQ(hw::vector_unit_stats(a, layer(OpKind::Shift, {20, 10, 10}, {20, 10, 10}), {20}, true).cycles, 0);
  // One channel over the store is refused naming the field and the run flag.
  a.vector_store_bytes = 4096;
  try {
    hw::vector_unit_stats(a, big, {20}, false);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("10000 bytes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--vector-store-kib"), std::string::npos) << e.what();
  }
}

TEST(RtlVectorUnit, AChannelOverTheStoreIsRefusedNamingTheParameter) {
  const Shape s{2, 40, 40};  // 1,600 bytes per channel, a 1 KiB store
  const PackedLayer l = pool(OpKind::MaxPool, s, 2, 2, 0);
  std::mt19937 rng(1);
  const model::Int8Tensor in = random_tensor(s, rng);
  try {
    cosim::make_vector_passes(l, {&in}, kNarrow);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1600 bytes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CCSIM_COSIM_VECTOR_ADDR_BITS"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ccsim
