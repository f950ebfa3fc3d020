// The clocked SystemC accelerator on whole networks: every layer bit-exact with the golden model
// and every counter equal to the fast mode's. Each test is its own process (gtest_discover_tests),
// as SystemC elaborates once per process.
#include <gtest/gtest.h>

#include <random>

#include "hw/accelerator.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

void check_network(const ArrayConfig& array, int alpha) {
  const auto net = test::shift_net(31, 0.35);
  model::PackOptions opt;
  opt.combine = {alpha, 1.75, 0};
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  const auto batch = test::random_batch(net.input, 3, 2);
  std::vector<model::Int8Tensor> inputs;
  const auto per = static_cast<std::size_t>(net.input.size());
  for (int i = 0; i < 3; ++i) inputs.push_back(model::quantize_input(packed, batch.data.data() + i * per, per));

  const auto runs = run_cycle_accurate(packed, inputs, array);
  ASSERT_EQ(runs.size(), 3u);
  for (std::size_t s = 0; s < runs.size(); ++s) {
    std::vector<model::Int8Tensor> golden;
    model::run_golden(packed, inputs[s], &golden);
    const NetworkRun fast = run_fast(packed, inputs[s], array);
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
}

TEST(Accelerator, ShiftNetworkOnA16x16Array) { check_network(ArrayConfig{}, 8); }

TEST(Accelerator, ShiftNetworkOnANonSquareArray) {
  ArrayConfig a;
  a.rows = 5;
  a.cols = 12;
  check_network(a, 4);
}

}  // namespace
}  // namespace ccsim::hw
