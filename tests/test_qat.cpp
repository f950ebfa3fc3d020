// Quantization-aware training: the fake-quantized network is the int8 network `ccsim pack`
// builds (same grid, same scales), and the QAT epochs hold masks and groups, resume exactly and
// can run alone on a trained network (--epochs 0 --init).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "models/fake_quant.hpp"
#include "models/fixed_point.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/pack.hpp"
#include "models/train.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

namespace fs = std::filesystem;

TEST(FakeQuant, RoundsHalfAwayClampsAndPassesGradientInsideTheRange) {
  const auto x = torch::tensor({-3.0f, -0.26f, 0.25f, 0.75f, 2.0f}, torch::requires_grad());
  const auto y = fake_quant(x, 0.5, -4, 2);  // grid -2.0 .. 1.0 in steps of 0.5
  const std::vector<float> expect{-2.0f, -0.5f, 0.5f, 1.0f, 1.0f};
  for (int i = 0; i < 5; ++i) EXPECT_FLOAT_EQ(y[i].item<float>(), expect[i]) << i;
  y.sum().backward();
  const std::vector<float> grad{0.0f, 1.0f, 1.0f, 1.0f, 0.0f};  // saturated values get none
  for (int i = 0; i < 5; ++i) EXPECT_FLOAT_EQ(x.grad()[i].item<float>(), grad[i]) << i;
}

TEST(FakeQuant, PerRowWeightsAreWhatPackStores) {
  torch::manual_seed(3);
  auto w = torch::randn({6, 5, 1, 1});
  w[2].zero_();  // an all-zero row keeps scale 1 and stays zero
  w.set_requires_grad(true);
  const auto q = fake_quant_rows(w);
  for (int r = 0; r < 6; ++r) {
    const auto row = w[r].detach().flatten();
    const float absmax = row.abs().max().item<float>();
    const float scale = symmetric_scale(absmax);
    for (int c = 0; c < 5; ++c) {
      const float v = row[c].item<float>();
      EXPECT_FLOAT_EQ(q[r][c][0][0].item<float>(), fixed::quantize_value(v, scale) * scale) << r << "," << c;
    }
  }
  q.sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::ones_like(w)));
}

TrainOptions qat_options() {
  TrainOptions o;
  o.net.filters = {8, 16, 16};
  o.net.layers = {1, 2, 2};
  o.net.groups = {2, 4, 8};
  o.epochs = 2;
  o.qat_epochs = 2;
  o.lr = 0.1;
  o.batch_size = 64;
  o.max_train_samples = 1280;
  o.max_test_samples = 200;
  o.calib_count = 128;
  o.threads = 1;  // a few batches: more threads only contend with the other tests
  return o;
}

std::string temp_path(const std::string& name) { return test::temp_path("ccsim-qat", name); }

torch::Tensor as_tensor(const FloatTensor& t) {
  return torch::from_blob(const_cast<float*>(t.data.data()), t.dims, torch::kFloat32).clone();
}

// The fake-quantized model's logits, in int8 steps, against the golden model on the packed file.
TEST(Qat, FakeQuantizedNetworkComputesWhatThePackedFileDoes) {
  TrainOptions o = qat_options();
  o.epochs = 4;  // enough to learn something (~40 %), so the logits are not all alike
  o.qat_epochs = 1;
  TrainResult r = train_network(o, nullptr);
  const Network net = r.network();
  const IdxDataset calib_data = load_idx_dataset(o.data_dir, "train", o.calib_count);
  const FloatTensor calib = to_batch(calib_data, net.preprocess, net.input, 0, calib_data.count);
  const PackedNetwork packed = pack_network(net, {}, calib).packed;

  const ActivationScales scales = r.model->calibrate(as_tensor(calib));
  EXPECT_NEAR(scales.input, packed.input_scale, 1e-6 * packed.input_scale);
  EXPECT_NEAR(scales.logits, packed.layers.back().out_scale, 1e-4 * scales.logits);
  r.model->set_fake_quant(scales);
  r.model->eval();

  const IdxDataset test = load_idx_dataset(o.data_dir, "t10k", 200);
  const FloatTensor batch = to_batch(test, net.preprocess, net.input, 0, test.count);
  torch::NoGradGuard no_grad;
  const auto steps = (r.model->forward(as_tensor(batch)) / scales.logits).contiguous();
  const auto golden = run_golden_batch(packed, batch.data.data(), static_cast<std::size_t>(test.count));
  int exact = 0;
  int total = 0;
  int same_class = 0;
  double worst = 0.0;
  for (int i = 0; i < test.count; ++i) {
    const float* ours = steps.data_ptr<float>() + i * 10;
    for (int k = 0; k < 10; ++k) {
      const double d = std::fabs(ours[k] - golden[i].data[k]);
      exact += d < 1e-3;
      worst = std::max(worst, d);
      ++total;
    }
    same_class += static_cast<std::size_t>(std::max_element(ours, ours + 10) - ours) == argmax(golden[i].data);
  }
  // Only the int32 bias rounding and the fixed-point requantization differ; an off-by-one
  // activation can move a logit a few steps.
  std::cout << "exact " << exact << "/" << total << " worst " << worst << " same class " << same_class << "\n";
  EXPECT_GE(exact, total * 9 / 10) << "of " << total << " logits";
  EXPECT_LE(worst, 4.0);
  EXPECT_GE(same_class, test.count * 96 / 100);
  ASSERT_TRUE(r.ptq_fake_quant_accuracy.has_value());
}

TEST(Qat, HoldsMasksAndGroupsResumesExactlyAndRunsAloneOnAnInitNetwork) {
  TrainOptions o = qat_options();
  const TrainResult straight = train_network(o, nullptr);
  ASSERT_EQ(straight.history.size(), 4u);
  EXPECT_FALSE(straight.history[1].qat);
  EXPECT_TRUE(straight.history[2].qat);
  for (int e = 2; e < 4; ++e) {  // the packing of the last combining epoch is kept
    EXPECT_EQ(straight.history[e].nonzeros, straight.history[1].nonzeros);
    EXPECT_DOUBLE_EQ(straight.history[e].utilization_after, straight.history[1].utilization_after);
    EXPECT_FALSE(straight.history[e].pruned);
  }
  EXPECT_GT(straight.history[3].utilization_after, 2.0 * straight.history[3].utilization_before);
  for (const auto& mc : straight.model->convs()) {
    EXPECT_EQ((mc.conv->weight * mc.mask).ne(0).sum().item<std::int64_t>(), mc.mask.sum().item<std::int64_t>()) << mc.name;
  }

  // Interrupted after the first QAT epoch and resumed: the same weights and PTQ accuracy.
  o.checkpoint = temp_path("ckpt.pt");
  int seen = 0;
  try {
    train_network(o, [&](const EpochStats&) {
      if (++seen == 3) throw std::runtime_error("interrupted");
    });
    FAIL() << "not interrupted";
  } catch (const std::runtime_error&) {
  }
  o.resume = true;
  const TrainResult resumed = train_network(o, nullptr);
  fs::remove(o.checkpoint);
  ASSERT_EQ(resumed.history.size(), 4u);
  EXPECT_EQ(resumed.ptq_fake_quant_accuracy, straight.ptq_fake_quant_accuracy);
  const auto a = straight.model->named_parameters();
  const auto b = resumed.model->named_parameters();
  for (const auto& p : a) EXPECT_TRUE(torch::allclose(p.value(), b[p.key()], 1e-5, 1e-6)) << p.key();

  // QAT alone on the exported network (--epochs 0 --init): its groups and masks are kept.
  const std::string json = temp_path("net.json");
  TrainOptions first = qat_options();
  first.qat_epochs = 0;
  const TrainResult combined = train_network(first, nullptr);
  save_network_json(combined.network(), json);
  TrainOptions alone = qat_options();
  alone.epochs = 0;
  alone.qat_epochs = 1;
  alone.init = json;
  const TrainResult tuned = train_network(alone, nullptr);
  fs::remove(json);
  ASSERT_EQ(tuned.history.size(), 1u);
  EXPECT_TRUE(tuned.history[0].qat);
  EXPECT_EQ(tuned.groups, combined.groups);
  EXPECT_EQ(tuned.history[0].nonzeros, combined.history.back().nonzeros);
  EXPECT_DOUBLE_EQ(tuned.history[0].utilization_after, combined.history.back().utilization_after);

  TrainOptions none = qat_options();
  none.epochs = 0;
  none.qat_epochs = 0;
  EXPECT_THROW(train_network(none, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace ccsim::model
