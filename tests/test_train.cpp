// The training loop on a few batches of the real Fashion-MNIST data (runs in seconds).
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <string>
#include <random>
#include <cmath>

#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/graph_net.hpp"
#include "models/idx_dataset.hpp"
#include "models/onnx_import.hpp"
#include "models/pack.hpp"
#include "models/train.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

namespace fs = std::filesystem;

TrainOptions small_options() {
  TrainOptions o;
  o.net.filters = {8, 16, 16};
  o.net.layers = {1, 2, 2};
  o.net.groups = {2, 4, 8};
  o.epochs = 4;
  o.batch_size = 64;
  o.lr = 0.05;
  o.max_train_samples = 640;
  o.max_test_samples = 200;
  o.threads = 1;  // a few batches: more threads only contend with the other tests
  return o;
}

std::string temp_path(const std::string& name) { return test::temp_path("ccsim-train", name); }

// An imported graph as a libtorch module (groundwork for training imported networks): in eval
// mode it computes what the float reference does, on PyTorch's own branching exports, and gives
// the network back unchanged.
TEST(GraphNet, EvalForwardIsTheFloatReference) {
  torch::NoGradGuard no_grad;
  const IdxDataset test_set = load_idx_dataset("/usr/share/datasets/fashion-mnist", "t10k", 16);
  for (const std::string name : {"fmnist-resnet", "fmnist-mbv2"}) {
    Network net = load_onnx(std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + name + ".onnx");
    net.preprocess.scale = 1.0f / 255.0f;
    const FloatTensor x = to_batch(test_set, net.preprocess, net.input, 0, test_set.count);
    const FloatRun reference = run_float(net, x);
    GraphNet module(net);
    module->eval();
    const torch::Tensor images = torch::from_blob(const_cast<float*>(x.data.data()), {16, 1, 28, 28}, torch::kFloat32);
    const torch::Tensor y = module->forward(images).contiguous();
    ASSERT_EQ(y.numel(), static_cast<std::int64_t>(reference.output.data.size())) << name;
    double worst = 0.0;
    for (std::int64_t k = 0; k < y.numel(); ++k) {
      const double r = reference.output.data[static_cast<std::size_t>(k)];
      worst = std::max(worst, std::fabs(y.data_ptr<float>()[k] - r) / std::max(1.0, std::fabs(r)));
    }
    EXPECT_LT(worst, 1e-4) << name;
    const Network back = module->to_network();
    for (std::size_t i = 0; i < net.layers.size(); ++i) EXPECT_EQ(back.layers[i].weight, net.layers[i].weight) << name << " " << i;
  }
  // A hand-made graph with the layers the exports lack: BN of a branch, average pooling with and
  // without its padding counted, a dilated strided conv, a flatten and a linear layer.
  std::mt19937 rng(3);
  Network g;
  g.name = "graph";
  g.input = {3, 9, 9};
  Layer c = test::conv("c", 3, 6, 3, 2, 2, rng);
  c.window.dilation_h = c.window.dilation_w = 2;
  g.layers.push_back(c);                                         // 6 x 5 x 5 (extent 5, stride 2)
  g.layers.push_back(test::batch_norm("bn", 6, rng));
  Layer avg = test::simple("avg", LayerKind::AvgPool);
  avg.window = {3, 3, 1, 1, 1, 1, 1, 1};
  g.layers.push_back(avg);
  Layer avg_in = avg;
  avg_in.name = "avg_in";
  avg_in.count_include_pad = true;
  avg_in.inputs = {1};
  g.layers.push_back(avg_in);
  Layer sum = test::simple("sum", LayerKind::Add);
  sum.inputs = {2, 3};
  g.layers.push_back(sum);
  g.layers.push_back(test::simple("relu6", LayerKind::ReLU6));
  g.layers.push_back(test::simple("flat", LayerKind::Flatten));
  Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.out_channels = 5;
  fc.weight = test::random_values(5 * 150, rng, 0.1f);
  g.layers.push_back(fc);
  const FloatTensor gx = test::random_batch(g.input, 4, 4);
  const FloatRun gref = run_float(g, gx);
  GraphNet gm(g);
  gm->eval();
  const torch::Tensor gy = gm->forward(torch::from_blob(const_cast<float*>(gx.data.data()), {4, 3, 9, 9}, torch::kFloat32)).contiguous();
  ASSERT_EQ(gy.numel(), 20);
  for (std::int64_t k = 0; k < gy.numel(); ++k) {
    EXPECT_NEAR(gy.data_ptr<float>()[k], gref.output.data[static_cast<std::size_t>(k)], 1e-4) << k;
  }
}

TEST(Train, PruneScheduleIsEvenlySpacedOverTheFirstHalfAndCubic) {
  TrainOptions o;
  o.epochs = 20;
  o.prune_steps = 10;
  const auto s = prune_schedule(o);
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s.front().first, 2);
  EXPECT_EQ(s.back().first, 11);
  EXPECT_DOUBLE_EQ(s.back().second, 0.8);
  for (std::size_t i = 1; i < s.size(); ++i) {
    EXPECT_GT(s[i].first, s[i - 1].first);
    EXPECT_GT(s[i].second, s[i - 1].second);
    if (i > 1) {  // cubic: the increments shrink
      EXPECT_LT(s[i].second - s[i - 1].second, s[i - 1].second - s[i - 2].second);
    }
  }
  o.mode = PruneMode::Dense;
  EXPECT_TRUE(prune_schedule(o).empty());
}

TEST(Train, LossDecreasesOnAFewBatches) {
  TrainOptions o = small_options();
  o.mode = PruneMode::Dense;
  o.epochs = 6;
  o.lr = 0.1;
  const TrainResult r = train_network(o, [](const EpochStats& s) {
    std::cout << "epoch " << s.epoch << " loss " << s.train_loss << " test " << s.test_accuracy << "\n";
  });
  ASSERT_EQ(r.history.size(), 6u);
  EXPECT_LT(r.history.back().train_loss, 0.8 * r.history.front().train_loss);
  EXPECT_GT(r.history.back().test_accuracy, 0.4);  // chance is 0.1
}

TEST(Train, CombinedMasksStayZeroAndPackWithoutFurtherPruning) {
  TrainOptions o = small_options();
  const TrainResult r = train_network(o, nullptr);
  const auto& last = r.history.back();
  EXPECT_LT(last.nonzeros, last.weights);
  EXPECT_GT(last.utilization_after, 2.0 * last.utilization_before);

  // Masked weights get no gradient: retraining keeps them out of the network.
  auto model = r.model;
  model->train();
  model->zero_grad();
  const auto x = torch::randn({4, 1, 28, 28});
  torch::nn::functional::cross_entropy(model->forward(x), torch::tensor({1, 2, 3, 4}, torch::kInt64)).backward();
  for (const auto& mc : model->convs()) {
    EXPECT_EQ((mc.conv->weight.grad() * (1 - mc.mask)).abs().max().item<float>(), 0.0f) << mc.name;
  }

  // Every (row, group) of a combined layer holds at most one weight, so packing with the trained
  // groups prunes nothing more; and the exported float network computes what the model does.
  const Network net = r.network();
  const auto calib = torch::randn({8, 1, 28, 28});
  FloatTensor batch{{8, 1, 28, 28}, std::vector<float>(calib.data_ptr<float>(), calib.data_ptr<float>() + calib.numel())};
  const PackResult packed = pack_network(net, {}, batch);
  int combined_layers = 0;
  for (const auto& l : packed.packed.layers) {
    if (l.kind != OpKind::Matmul) continue;
    EXPECT_EQ(l.nonzeros_after, l.nonzeros_before) << l.name;
    combined_layers += l.alpha > 1;
    if (l.alpha > 1) {
      EXPECT_LT(l.packed_cols(), l.cols()) << l.name;
    }
  }
  EXPECT_EQ(combined_layers, 4);  // pw2_1 (alpha 2), pw2_2 (4), pw3_1 (4), pw3_2 (8)

  model->eval();
  torch::NoGradGuard no_grad;
  const auto expect = model->forward(calib).contiguous();
  const auto ours = run_float(net, batch).output;
  for (std::int64_t i = 0; i < expect.numel(); ++i) ASSERT_NEAR(ours.data[i], expect.data_ptr<float>()[i], 1e-4) << i;
}

TEST(Train, CheckpointResumeReproducesAnUninterruptedRun) {
  TrainOptions o = small_options();
  o.epochs = 3;
  const TrainResult straight = train_network(o, nullptr);

  o.checkpoint = temp_path("ckpt.pt");
  int seen = 0;
  try {
    train_network(o, [&](const EpochStats& s) {
      if (++seen == 2) throw std::runtime_error("interrupted after epoch " + std::to_string(s.epoch));
    });
    FAIL() << "not interrupted";
  } catch (const std::runtime_error&) {
  }
  o.resume = true;
  const TrainResult resumed = train_network(o, nullptr);
  ASSERT_EQ(resumed.history.size(), 3u);
  EXPECT_EQ(resumed.groups, straight.groups);
  for (std::size_t e = 0; e < 3; ++e) {  // the epochs before the interruption come back whole
    EXPECT_EQ(resumed.history[e].nonzeros, straight.history[e].nonzeros) << e;
    EXPECT_EQ(resumed.history[e].pruned, straight.history[e].pruned) << e;
    EXPECT_DOUBLE_EQ(resumed.history[e].utilization_after, straight.history[e].utilization_after) << e;
    EXPECT_DOUBLE_EQ(resumed.history[e].lr, straight.history[e].lr) << e;
  }
  const auto a = straight.model->named_parameters();
  const auto b = resumed.model->named_parameters();
  for (const auto& p : a) {
    EXPECT_TRUE(torch::allclose(p.value(), b[p.key()], 1e-5, 1e-6)) << p.key();
  }
  EXPECT_NEAR(resumed.history.back().test_accuracy, straight.history.back().test_accuracy, 0.011);

  // A checkpoint from other options, a corrupt one, or none at all: clear errors.
  TrainOptions other = o;
  other.gamma = 0.5;
  EXPECT_THROW(train_network(other, nullptr), std::runtime_error);
  write_file_atomic(o.checkpoint, "not a checkpoint");
  try {
    train_network(o, nullptr);
    FAIL() << "corrupt checkpoint accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(o.checkpoint), std::string::npos) << e.what();
  }
  fs::remove(o.checkpoint);
  EXPECT_THROW(train_network(o, nullptr), std::runtime_error);
}

TEST(Train, MissingDataSetIsAClearError) {
  TrainOptions o = small_options();
  o.data_dir = "/nonexistent/fmnist";
  try {
    train_network(o, nullptr);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/fmnist/train-images-idx3-ubyte"), std::string::npos) << e.what();
  }
  const std::string dir = temp_path("bad-data");
  fs::create_directories(dir);
  write_file_atomic(dir + "/train-images-idx3-ubyte", std::string(100, '\0'));
  write_file_atomic(dir + "/train-labels-idx1-ubyte", std::string(100, '\0'));
  o.data_dir = dir;
  try {
    train_network(o, nullptr);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not an IDX3"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ccsim::model

namespace ccsim::model {
namespace {

TEST(Train, InitFromAnExportedNetworkReproducesIt) {
  TrainOptions o = small_options();
  o.epochs = 2;
  TrainResult r = train_network(o, nullptr);
  const Network exported = r.network();
  ShiftNet copy(o.net);
  copy->load_from(exported);
  r.model->eval();
  copy->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({3, 1, 28, 28});
  EXPECT_TRUE(torch::equal(r.model->forward(x), copy->forward(x)));

  ShiftNetConfig other = o.net;
  other.filters = {8, 16, 32};
  ShiftNet wrong(other);
  try {
    wrong->load_from(exported);
    FAIL() << "a network of another shape was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pw3_1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ccsim::model
