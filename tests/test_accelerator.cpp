// The clocked SystemC accelerator on whole networks: every layer bit-exact with the golden model
// and every counter equal to the fast mode's. Each run elaborates in a SystemC simulation context
// of its own, so the tests pass in one process (the binary run directly) as under ctest.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <utility>

#include "hw/accelerator.hpp"
#include "hw/memory_system.hpp"
#include "hw/systolic_array.hpp"
#include "hw/timing.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

// `ran` (may be null) receives the packed network it ran; `bits` are its activation and weight widths.
void check_network(const AcceleratorConfig& config, int alpha, model::PackedNetwork* ran = nullptr,
                   std::pair<int, int> bits = {8, 8}) {
  const auto net = test::shift_net(31, 0.35);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {alpha, 1.75, 0};
  opt.activation_bits = bits.first;
  opt.weight_bits = bits.second;
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  if (ran) *ran = packed;
  const auto batch = test::random_batch(net.input, 3, 2);
  std::vector<model::Int8Tensor> inputs;
  const auto per = static_cast<std::size_t>(net.input.size());
  for (int i = 0; i < 3; ++i) inputs.push_back(model::quantize_input(packed, batch.data.data() + i * per, per));

  const auto runs = run_cycle_accurate(packed, inputs, config);
  const auto fast_runs = run_fast(packed, inputs, config);
  ASSERT_EQ(runs.size(), 3u);
  for (std::size_t s = 0; s < runs.size(); ++s) {
    std::vector<model::Int8Tensor> golden;
    model::run_golden(packed, inputs[s], &golden);
    const NetworkRun& fast = fast_runs[s];
    EXPECT_EQ(runs[s].start_cycle, fast.start_cycle) << "sample " << s;
    EXPECT_EQ(runs[s].end_cycle, fast.end_cycle) << "sample " << s;
    ASSERT_EQ(runs[s].layer_outputs.size(), golden.size());
    for (std::size_t i = 0; i < golden.size(); ++i) {
      EXPECT_EQ(runs[s].layer_outputs[i].data, golden[i].data) << "sample " << s << " layer " << packed.layers[i].name;
      EXPECT_TRUE(runs[s].layers[i].same_counts(fast.layers[i]))
          << packed.layers[i].name << "\ncycle: " << runs[s].layers[i].to_json().dump()
          << "\nfast:  " << fast.layers[i].to_json().dump();
    }
    EXPECT_TRUE(runs[s].total.same_counts(fast.total));
    EXPECT_GT(runs[s].total.cycles, 0);
  }
  std::int64_t serial = 0;
  for (const auto& r : runs) serial += r.total.cycles;
  if (config.schedule == Schedule::SharedArray) {
    EXPECT_EQ(runs.back().end_cycle, serial);
  } else {
    EXPECT_LT(runs.back().end_cycle, serial);  // inputs overlap across the stages
    EXPECT_GE(runs.front().end_cycle, runs.front().total.cycles);
  }
}

TEST(Accelerator, ShiftNetworkOnA16x16Array) { check_network(ArrayConfig{}, 8); }

TEST(Accelerator, ShiftNetworkOnANonSquareArray) {
  ArrayConfig a;
  a.rows = 5;
  a.cols = 12;
  check_network(a, 4);
}

// Bit-parallel cells (one cycle per MAC) and arrays without shadow registers: the SystemC units
// give the golden outputs and the fast mode's counters, also with pixel blocks and slow memory.
TEST(Accelerator, BitParallelCellsInBothModes) {
  ArrayConfig a;
  a.mac = MacKind::BitParallel;
  check_network(a, 8);
  a.rows = 5;
  a.cols = 12;
  a.accumulator_pixels = 30;
  a.input_store_bytes = 900;
  check_network(a, 4);
}

// Low precision: a network quantized to 4-bit activations and 3-bit weights runs on a 4-bit
// data path (bit-serial: 4 cycles per MAC), every value within its width, both modes and the
// golden model agreeing; an 8-bit network on that data path is refused.
TEST(Accelerator, LowPrecisionNetworkOnANarrowDataPath) {
  ArrayConfig a;
  a.rows = 8;
  a.cols = 8;
  a.data_bits = 4;
  model::PackedNetwork packed;
  check_network(a, 4, &packed, {4, 3});
  EXPECT_EQ(packed.activation_bits, 4);
  EXPECT_EQ(packed.weight_bits, 3);
  int matmuls = 0;
  for (const auto& l : packed.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    ++matmuls;
    EXPECT_GE(l.act_min, -8) << l.name;
    EXPECT_LE(l.act_max, 7) << l.name;
    for (const auto w : l.weights) ASSERT_TRUE(w >= -4 && w <= 3) << l.name << " weight " << int(w);
    // Bit-serial cycles follow the width: T_compute = 4 (P + C - 1) + R.
    EXPECT_EQ(tile_compute_cycles(a, 10), 4 * (10 + 8 - 1) + 8);
  }
  EXPECT_GE(matmuls, 3);
  a.mac = MacKind::BitParallel;
  check_network(a, 4, nullptr, {4, 3});
  // The refusal of an 8-bit network on a narrower data path is tested in test_hw
  // (AcceleratorConfig.RefusesANetworkWiderThanTheDataPath): an exception thrown after SystemC's
  // coroutines have run trips AddressSanitizer's stack bookkeeping (google/sanitizers#189).
}

TEST(Accelerator, ExposedWeightLoadsInBothModes) {
  ArrayConfig a;
  a.shadow_weights = false;
  check_network(a, 8);
  a.mac = MacKind::BitParallel;
  a.rows = 4;
  a.cols = 6;
  check_network(a, 4);
  AcceleratorConfig slow = test::memory_bound_config(0.5);
  slow.array.shadow_weights = false;
  slow.array.mac = MacKind::BitParallel;
  check_network(slow, 4);
}

// A small accumulator buffer and input store: layers run in pixel blocks (each exposing its first
// weight load, its weights read again); both modes agree and give the golden outputs.
TEST(Accelerator, PixelBlocksInBothModes) {
  ArrayConfig a;
  a.rows = 4;
  a.cols = 6;
  a.accumulator_pixels = 30;
  a.input_store_bytes = 900;
  model::PackedNetwork packed;
  check_network(a, 4, &packed);
  int split = 0;
  for (std::size_t i = 0; i < packed.layers.size(); ++i) {
    if (packed.layers[i].kind != model::OpKind::Matmul) continue;
    split += pixel_blocks(a, packed.layers[i], fused_shift(packed, i)).size() > 1;
  }
  EXPECT_GE(split, 3);
}

// Small buffers, few weight banks, slow DRAM: weight loads and DMA stall the array; both modes agree.
TEST(Accelerator, MemoryBoundConfiguration) { check_network(test::memory_bound_config(0.5), 4); }

// One array per layer, inputs overlapping: same outputs and counters, pipelined start/end cycles.
TEST(Accelerator, PipelinedScheduleOverlapsInputs) {
  AcceleratorConfig c;
  c.array.rows = 8;
  c.array.cols = 8;
  c.schedule = Schedule::Pipelined;
  check_network(c, 4);
  c.array.mac = MacKind::BitParallel;  // and with bit-parallel cells, no shadow registers
  c.array.shadow_weights = false;
  check_network(c, 4);
}

// A random shift network packed at alpha 4, and one input for it.
std::pair<model::PackedNetwork, std::vector<model::Int8Tensor>> packed_shift_net_and_input(std::uint32_t seed) {
  const auto net = test::shift_net(seed, 0.35);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {4, 1.75, 0};
  auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  const auto batch = test::random_batch(net.input, 1, 2);
  std::vector<model::Int8Tensor> inputs{model::quantize_input(packed, batch.data.data(), batch.data.size())};
  return {std::move(packed), std::move(inputs)};
}

// SystemC elaborates once per simulation context: each run gets its own, so a process can run the
// accelerator any number of times (a sweep, a Python session, this binary run directly); without
// it the second run failed with E529.
TEST(Accelerator, SeveralSimulationsInOneProcess) {
  const auto made = packed_shift_net_and_input(33);
  const model::PackedNetwork& packed = made.first;
  const std::vector<model::Int8Tensor>& inputs = made.second;
  AcceleratorConfig small;
  small.array.rows = small.array.cols = 8;
  for (const AcceleratorConfig& config : {AcceleratorConfig{}, small, AcceleratorConfig{}}) {
    const auto runs = run_cycle_accurate(packed, inputs, config);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].layer_outputs.back().data, model::run_golden(packed, inputs[0]).data);
    EXPECT_EQ(runs[0].total.cycles, run_fast(packed, inputs, config)[0].total.cycles);
  }
}

// A run that writes a waveform steps the array cycle by cycle (the waveform samples its cells), as
// does one with array_every_cycle; one that does neither evaluates each tile in the skewed frame
// and waits out its cycles. Both give the same outputs, per-layer counters and cycles, with stalls
// (memory-bound), bit-parallel cells, exposed weight loads and the pipelined schedule.
TEST(Accelerator, SkewedTilesRunAsTheCycleByCycleArray) {
  const auto made = packed_shift_net_and_input(35);
  AcceleratorConfig parallel;
  parallel.array.mac = MacKind::BitParallel;
  AcceleratorConfig exposed;
  exposed.array.rows = 6;
  exposed.array.cols = 5;
  exposed.array.shadow_weights = false;
  AcceleratorConfig pipelined;
  pipelined.schedule = Schedule::Pipelined;
  const std::string vcd = test::temp_path("ccsim-skew", "cells");
  for (const AcceleratorConfig& config : {AcceleratorConfig{}, test::memory_bound_config(0.5), parallel, exposed, pipelined}) {
    // Stepped: every core's array (array_every_cycle); for the shared schedule also through a
    // waveform, which steps the one core it samples.
    AcceleratorConfig every_cycle = config;
    every_cycle.array_every_cycle = true;
    TraceOptions trace;
    if (config.schedule == Schedule::SharedArray) {
      every_cycle.array_every_cycle = false;
      trace.vcd_path = vcd;
      trace.end_cycle = 50;  // a short window: the cells are observed every cycle either way
    }
    const auto stepped = run_cycle_accurate(made.first, made.second, every_cycle, 1.0, trace);
    const auto skewed = run_cycle_accurate(made.first, made.second, config);
    std::remove((vcd + ".vcd").c_str());
    ASSERT_EQ(stepped.size(), skewed.size());
    for (std::size_t s = 0; s < stepped.size(); ++s) {
      EXPECT_EQ(stepped[s].end_cycle, skewed[s].end_cycle);
      ASSERT_EQ(stepped[s].layers.size(), skewed[s].layers.size());
      for (std::size_t i = 0; i < stepped[s].layers.size(); ++i) {
        EXPECT_EQ(stepped[s].layer_outputs[i].data, skewed[s].layer_outputs[i].data) << made.first.layers[i].name;
        EXPECT_TRUE(stepped[s].layers[i].same_counts(skewed[s].layers[i]))
            << made.first.layers[i].name << "\nstepped: " << stepped[s].layers[i].to_json().dump()
            << "\nskewed:  " << skewed[s].layers[i].to_json().dump();
      }
    }
  }
}

// A second implementation of the cells for the design-swap seam: the C++ SystolicArray again, and
// optionally one wrong partial sum (cell (1, C-1) at one tile cycle of one tile, + 2^20).
class CxxArray final : public ArrayImplementation {
 public:
  CxxArray(const ArrayConfig& config, std::int64_t bad_tile, std::int64_t bad_cycle)
      : cells_(config), bad_tile_(bad_tile), bad_cycle_(bad_cycle) {}
  std::string name() const override { return "c++"; }
  void start_tile(const TileWeights& tile) override {
    cells_.load(tile);
    t_ = 0;
    ++tile_;
  }
  void clock(const std::uint32_t* top, const fixed::Acc* left) override {
    cells_.clock(t_, top, [&](int r, std::int64_t) { return left[r]; }, [](int, std::int64_t, fixed::Acc) {});
    corrupt_ = tile_ == bad_tile_ && t_ == bad_cycle_;
    ++t_;
  }
  fixed::Acc psum(int r, int c) const override {
    const fixed::Acc v = cells_.cell(r, c).psum();
    return corrupt_ && r == 1 && c == cells_.config().cols - 1 ? v + (1 << 20) : v;
  }
  fixed::Acc product(int r, int c) const override { return cells_.cell(r, c).product(); }

 private:
  SystolicArray cells_;
  std::int64_t bad_tile_, bad_cycle_;
  std::int64_t tile_ = -1;
  std::int64_t t_ = 0;
  bool corrupt_ = false;
};

TEST(Accelerator, SwappedInArrayImplementationRunsInLockstepAndIsCompared) {
  const auto made = packed_shift_net_and_input(34);
  const model::PackedNetwork& packed = made.first;
  const std::vector<model::Int8Tensor>& inputs = made.second;
  AcceleratorConfig config;
  config.array.rows = config.array.cols = 8;
  const auto reference = run_cycle_accurate(packed, inputs, config);
  const auto compare = [&](std::int64_t bad_tile, std::int64_t bad_cycle, ArrayUnit::Stats& stats,
                           std::vector<ArrayMismatch>& found) {
    AcceleratorConfig swapped = config;
    swapped.array_implementation = [=](const ArrayConfig& a) { return std::make_unique<CxxArray>(a, bad_tile, bad_cycle); };
    const auto runs = run_cycle_accurate(packed, inputs, swapped, 1.0, {}, [&](Accelerator& acc) {
      stats = acc.core(0).array().stats();
      found = acc.core(0).array().mismatches();
    });
    return runs;
  };
  // A faithful implementation: every compute cycle compared, nothing differs, same run.
  ArrayUnit::Stats stats;
  std::vector<ArrayMismatch> found;
  const auto same = compare(-1, -1, stats, found);
  EXPECT_EQ(stats.mismatches, 0);
  EXPECT_EQ(stats.compared_cycles, stats.compute_cycles);
  EXPECT_GT(stats.compared_cycles, 0);
  EXPECT_EQ(same[0].total.cycles, reference[0].total.cycles);
  EXPECT_EQ(same[0].output().data, reference[0].output().data);
  // One wrong right-edge partial sum (row 1, column 7; the cycle row 1's column 7 finishes its
  // first pixel: b (C - 1) + 1 + b - 1): found with where and what, and, since the accumulator
  // buffer takes the implementation's results, the layer's output changes.
  const std::int64_t cycle = 8 * 7 + 1 + 7;
  const auto bad = compare(0, cycle, stats, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(stats.mismatches, 1);
  EXPECT_EQ(found[0].layer, 0);
  EXPECT_EQ(found[0].tile, 0);
  EXPECT_EQ(found[0].tile_cycle, cycle);
  EXPECT_EQ(found[0].row, 1);
  EXPECT_EQ(found[0].col, 7);
  EXPECT_EQ(found[0].signal, "psum");
  EXPECT_EQ(found[0].actual, found[0].expected + (1 << 20));
  EXPECT_NE(found[0].describe(packed.layers[0].name).find("layer 0 '" + packed.layers[0].name + "', tile 0"), std::string::npos);
  EXPECT_NE(bad[0].layer_outputs[0].data, reference[0].layer_outputs[0].data);
}

}  // namespace
}  // namespace ccsim::hw
