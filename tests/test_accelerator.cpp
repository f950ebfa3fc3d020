// The clocked SystemC accelerator on whole networks: every layer bit-exact with the golden model
// and every counter equal to the fast mode's. Each run elaborates in a SystemC simulation context
// of its own, so the tests pass in one process (the binary run directly) as under ctest.
#include <gtest/gtest.h>

#include <random>

#include "hw/accelerator.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

void check_network(const AcceleratorConfig& config, int alpha) {
  const auto net = test::shift_net(31, 0.35);
  model::PackOptions opt;
  opt.combine = {alpha, 1.75, 0};
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
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

// Small buffers, few weight banks, slow DRAM: weight loads and DMA stall the array; both modes agree.
TEST(Accelerator, MemoryBoundConfiguration) { check_network(test::memory_bound_config(0.5), 4); }

// One array per layer, inputs overlapping: same outputs and counters, pipelined start/end cycles.
TEST(Accelerator, PipelinedScheduleOverlapsInputs) {
  AcceleratorConfig c;
  c.array.rows = 8;
  c.array.cols = 8;
  c.schedule = Schedule::Pipelined;
  check_network(c, 4);
}

// SystemC elaborates once per simulation context: each run gets its own, so a process can run the
// accelerator any number of times (a sweep, a Python session, this binary run directly); without
// it the second run failed with E529.
TEST(Accelerator, SeveralSimulationsInOneProcess) {
  const auto net = test::shift_net(33, 0.35);
  model::PackOptions opt;
  opt.combine = {4, 1.75, 0};
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  const auto batch = test::random_batch(net.input, 1, 2);
  const std::vector<model::Int8Tensor> inputs{model::quantize_input(packed, batch.data.data(), batch.data.size())};
  AcceleratorConfig small;
  small.array.rows = small.array.cols = 8;
  for (const AcceleratorConfig& config : {AcceleratorConfig{}, small, AcceleratorConfig{}}) {
    const auto runs = run_cycle_accurate(packed, inputs, config);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].layer_outputs.back().data, model::run_golden(packed, inputs[0]).data);
    EXPECT_EQ(runs[0].total.cycles, run_fast(packed, inputs, config)[0].total.cycles);
  }
}

}  // namespace
}  // namespace ccsim::hw
