// The training loop on a few batches of the real Fashion-MNIST data (runs in seconds).
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <string>
#include <map>
#include <random>
#include <cmath>

#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/train/graph_net.hpp"
#include "models/idx_dataset.hpp"
#include "models/onnx_import.hpp"
#include "models/pack.hpp"
#include "models/scheme_packing.hpp"
#include <set>
#include "models/train/train.hpp"
#include "models/train/trainee.hpp"
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
  g.layers.push_back(test::linear("fc", 150, 5, rng, 0.1f, false));
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

// Training under another scheme (issue 17): the convolutions after the first end with the
// scheme's structure at its density (2 of every 4 along the reduction; PCNN: every 1-D vector of
// 8 input channels on one of the layer's 2 patterns), the first stays dense, masked weights get no
// gradient, and packing the exported network the scheme's way prunes nothing more.
TEST(Train, SchemeTrainingEndsWithTheSchemesStructure) {
  for (const auto scheme : {SparsityScheme::NM, SparsityScheme::Pcnn}) {
    TrainOptions o = small_options();
    o.mode = PruneMode::Scheme;
    o.scheme = scheme;
    o.density = 0.5;
    o.scheme_params.patterns = 2;
    const TrainResult r = train_network(o, nullptr);
    const auto& convs = r.model->convs();
    EXPECT_EQ(convs[0].mask.sum().item<float>(), convs[0].mask.numel()) << "the first layer stays dense";
    for (std::size_t i = 1; i < convs.size(); ++i) {
      const auto m = convs[i].mask.reshape({convs[i].mask.size(0), -1}).contiguous();
      const std::int64_t rows = m.size(0), cols = m.size(1);
      const float* v = m.data_ptr<float>();
      if (scheme == SparsityScheme::NM) {
        ASSERT_EQ(cols % 4, 0);
        for (std::int64_t r0 = 0; r0 < rows; ++r0) {
          for (std::int64_t g = 0; g < cols; g += 4) {
            EXPECT_EQ(v[r0 * cols + g] + v[r0 * cols + g + 1] + v[r0 * cols + g + 2] + v[r0 * cols + g + 3], 2.0f)
                << convs[i].name << " row " << r0 << " group " << g / 4;
          }
        }
      } else {
        std::set<int> patterns;
        for (std::int64_t r0 = 0; r0 < rows; ++r0) {
          for (std::int64_t g = 0; g < cols; g += 8) {
            int bits = 0, kept = 0;
            for (std::int64_t k = g; k < std::min(cols, g + 8); ++k) {
              bits |= (v[r0 * cols + k] != 0.0f) << (k - g);
              kept += v[r0 * cols + k] != 0.0f;
            }
            patterns.insert(bits);
            EXPECT_EQ(kept, 4) << convs[i].name;
          }
        }
        EXPECT_LE(patterns.size(), 2u) << convs[i].name;
      }
    }
    auto model = r.model;
    model->train();
    model->zero_grad();
    torch::nn::functional::cross_entropy(model->forward(torch::randn({4, 1, 28, 28})), torch::tensor({1, 2, 3, 4}, torch::kInt64))
        .backward();
    for (std::size_t i = 1; i < convs.size(); ++i) {
      EXPECT_EQ((convs[i].conv->weight.grad() * (1 - convs[i].mask)).abs().max().item<float>(), 0.0f) << convs[i].name;
    }
    const Network net = r.network();
    std::int64_t nonzeros = 0;
    for (const auto& l : net.layers) {
      for (const float w : l.weight) nonzeros += w != 0.0f;
    }
    SchemeSpec spec;
    spec.scheme = scheme;
    spec.density = o.density;
    spec.params = o.scheme_params;
    spec.scope = CombineScope::Reference;
    spec.timing_only = true;
    EXPECT_EQ(pack_with_scheme(net, spec, {}).nonzeros, nonzeros) << to_string(scheme);
  }
}

// Ternary training (issue 17): the pruned layers end as ternary layers (one magnitude per layer, at
// most K per block), the trained network computes with exactly those values, packing changes
// nothing, and gradients reach the latent weights.
TEST(Train, TernaryTrainingLearnsTheValuesPackStores) {
  TrainOptions o = small_options();
  o.mode = PruneMode::Scheme;
  o.scheme = SparsityScheme::Ternary;
  o.density = 0.25;  // 2 of every block of 8
  const TrainResult r = train_network(o, nullptr);
  const auto& convs = r.model->convs();
  EXPECT_FALSE(convs[0].ternary) << "the first layer stays dense and full precision";
  const Network net = r.network();
  SchemeSpec spec;
  spec.scheme = SparsityScheme::Ternary;
  spec.density = o.density;
  spec.params = o.scheme_params;
  int ternary_layers = 0;
  for (const auto& l : net.layers) {
    if (l.kind != LayerKind::Conv || l.name == convs[0].name) continue;
    ++ternary_layers;
    std::set<float> magnitudes;
    for (const float w : l.weight) {
      if (w != 0.0f) magnitudes.insert(std::fabs(w));
    }
    ASSERT_EQ(magnitudes.size(), 1u) << l.name << ": one scale per layer";
    for (std::size_t b = 0; b < l.weight.size(); b += 8) {
      int kept = 0;
      for (std::size_t k = b; k < std::min(l.weight.size(), b + 8); ++k) kept += l.weight[k] != 0.0f;
      EXPECT_LE(kept, 2) << l.name << " block " << b / 8;
    }
    // Packing ternarizes what training learned and changes nothing.
    const int co = l.out_channels;
    const int k = l.window.kh;
    LayerWeights lw{co, static_cast<int>(l.weight.size()) / (co * k * k), k, k, l.weight};
    EXPECT_EQ(scheme_prune(lw, spec).w, l.weight) << l.name;
  }
  EXPECT_EQ(ternary_layers, static_cast<int>(convs.size()) - 1);
  auto model = r.model;
  {  // The trained model computes with the exported (ternary) values, not its latent weights.
    model->eval();
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({4, 1, 28, 28});
    const FloatTensor batch{{4, 1, 28, 28}, std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel())};
    const auto expect = model->forward(x).contiguous();
    const auto ours = run_float(net, batch).output;
    ASSERT_EQ(static_cast<std::int64_t>(ours.data.size()), expect.numel());
    for (std::int64_t i = 0; i < expect.numel(); ++i) ASSERT_NEAR(ours.data[i], expect.data_ptr<float>()[i], 1e-4) << i;
  }
  // The gradient reaches the latent weights through the ternary values.
  model->train();
  model->zero_grad();
  torch::nn::functional::cross_entropy(model->forward(torch::randn({4, 1, 28, 28})), torch::tensor({1, 2, 3, 4}, torch::kInt64))
      .backward();
  EXPECT_GT((convs[1].conv->weight.grad() * convs[1].mask).abs().sum().item<float>(), 0.0f);
}

// A checkpoint of ternary training says its values were trained: one from a mask-only run (before
// ternary values trained) has different options and is refused on resume.
TEST(Train, TernaryTrainingIsMarkedInItsOptions) {
  TrainOptions o;
  o.mode = PruneMode::Scheme;
  o.scheme = SparsityScheme::Ternary;
  EXPECT_EQ(o.to_json().at("scheme").at("values"), "ternary");
  o.scheme = SparsityScheme::NM;
  EXPECT_FALSE(o.to_json().at("scheme").contains("values"));
}

// A weight at exactly 0 (pruned in an --init network) is selected like the smallest magnitude: a
// group of 4 with one non-zero keeps 2 positions under 2:4, so training can bring one back.
// The schedule's last scheme step prunes to the scheme's density itself: at D = 0.1 on 5 weights,
// 1 - (1 - D) = 0.09999999999999998 would keep round(0.4999...) = 0 where packing keeps 1.
TEST(Train, TheLastSchemeStepPrunesToTheDensityPackingUses) {
  TrainOptions o;
  o.mode = PruneMode::Scheme;
  o.scheme = SparsityScheme::Bitmap;
  o.density = 0.1;
  o.epochs = 4;
  o.prune_steps = 2;
  const double last = prune_schedule(o).back().second;
  ASSERT_NE(1.0 - last, o.density);  // the float step this guards against
  EXPECT_EQ(detail::scheme_step_density(last, o), o.density);
  EXPECT_EQ(detail::scheme_step_density(0.5 * last, o), 1.0 - 0.5 * last);
  const auto w = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f}).reshape({1, 5, 1, 1});
  const auto mask = detail::scheme_mask(w, detail::scheme_step_density(last, o), o).flatten();
  EXPECT_EQ(mask.sum().item<float>(), 1.0f);
  EXPECT_EQ(mask[4].item<float>(), 1.0f);
}

TEST(Train, SchemeMasksSelectPositionsNotNonZeroValues) {
  TrainOptions o;
  o.mode = PruneMode::Scheme;
  o.scheme = SparsityScheme::NM;
  const auto w = torch::tensor({0.0f, 0.0f, 0.0f, 5.0f, 1.0f, 2.0f, 3.0f, 4.0f}).reshape({1, 8, 1, 1});
  const auto mask = detail::scheme_mask(w, 0.5, o).flatten();
  EXPECT_EQ(mask.slice(0, 0, 4).sum().item<float>(), 2.0f);
  EXPECT_EQ(mask[3].item<float>(), 1.0f);
  EXPECT_EQ(mask.slice(0, 4, 8).sum().item<float>(), 2.0f);
  EXPECT_EQ(mask[6].item<float>() + mask[7].item<float>(), 2.0f);
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

// Retraining an imported network (issue 15, item 5): PyTorch's MobileNetV2-style and
// ResNet-style exports through train_graph on a few batches.
namespace ccsim::model {
namespace {

Network exported_model(const std::string& name) {
  Network net = load_onnx(std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + name + ".onnx");
  net.preprocess.scale = 1.0f / 255.0f;  // trained on ToTensor() inputs
  return net;
}

TrainOptions graph_options() {
  TrainOptions o;
  o.epochs = 2;  // one pruning step, at the start of epoch 2
  o.batch_size = 64;
  o.lr = 0.01;
  o.max_train_samples = 256;
  o.max_test_samples = 100;
  o.threads = 1;
  return o;
}

FloatTensor calibration_images(const Network& net, int count) {
  const IdxDataset d = load_idx_dataset("/usr/share/datasets/fashion-mnist", "train", count);
  return to_batch(d, net.preprocess, net.input, 0, d.count);
}

// Whether another member of `col`'s group holds a weight in row `r`: a zero there is a conflict
// loser of combining, not of magnitude pruning.
bool lost_a_conflict(const FilterMatrix& m, const std::vector<std::uint32_t>& group, int r, std::uint32_t col) {
  return std::any_of(group.begin(), group.end(), [&](std::uint32_t other) {
    return other != col && m.values[static_cast<std::size_t>(r) * m.cols + other] != 0.0f;
  });
}

TEST(GraphTrain, CombinesTheLayersPackWouldOnTheirFilterMatricesAndPacksWithoutFurtherPruning) {
  const Network net = exported_model("fmnist-mbv2");
  GraphCombineOptions c;
  c.combine = {8, 1.75, 0};
  const std::vector<CombineOptions> plan = graph_combine_plan(net, c);
  const TrainResult r = train_graph(net, graph_options(), c, nullptr);
  ASSERT_TRUE(r.initial_test_accuracy.has_value());
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_TRUE(r.history[1].pruned);
  EXPECT_GT(r.history[1].utilization_after, 2.0 * r.history[1].utilization_before);

  const Network trained = r.network();
  const std::vector<Shape> in = infer_shapes(trained);
  int combined = 0;
  int depthwise = 0;
  for (std::size_t i = 0; i < trained.layers.size(); ++i) {
    const Layer& l = trained.layers[i];
    if (!l.has_weights()) continue;
    const FilterMatrix m = filter_matrix(l, in[i]);
    if (plan[i].alpha == 1) {  // the first conv and the classifier: neither grouped nor pruned
      EXPECT_FALSE(l.column_groups.has_value()) << l.name;
      EXPECT_EQ(std::count(l.weight.begin(), l.weight.end(), 0.0f), 0) << l.name;
      continue;
    }
    ++combined;
    ASSERT_TRUE(l.column_groups.has_value()) << l.name;
    EXPECT_EQ(l.column_groups->alpha, 8) << l.name;
    std::vector<int> seen(static_cast<std::size_t>(m.cols), 0);
    for (const auto& g : l.column_groups->groups) {
      EXPECT_LE(g.size(), 8u) << l.name;
      for (const auto col : g) ++seen[col];
      for (int row = 0; row < m.rows; ++row) {  // one weight per (row, group): nothing left to prune
        int weights = 0;
        for (const auto col : g) weights += m.values[static_cast<std::size_t>(row) * m.cols + col] != 0.0f;
        EXPECT_LE(weights, 1) << l.name << " row " << row;
      }
    }
    for (int col = 0; col < m.cols; ++col) {  // a column with a weight is in one group (an empty one may be dropped)
      bool empty = true;
      for (int row = 0; row < m.rows; ++row) empty = empty && m.values[static_cast<std::size_t>(row) * m.cols + col] == 0.0f;
      EXPECT_LE(seen[static_cast<std::size_t>(col)], 1) << l.name << " column " << col;
      if (!empty) {
        EXPECT_EQ(seen[static_cast<std::size_t>(col)], 1) << l.name << " column " << col;
      }
    }
    if (l.groups > 1) {  // depthwise: only conflict losers are gone, magnitude pruning kept every weight
      ++depthwise;
      const std::vector<float> dense = filter_matrix(net.layers[i], in[i]).values;
      std::vector<const std::vector<std::uint32_t>*> group_of(static_cast<std::size_t>(m.cols), nullptr);
      for (const auto& g : l.column_groups->groups) {
        for (const auto col : g) group_of[col] = &g;
      }
      for (int row = 0; row < m.rows; ++row) {
        for (int col = 0; col < m.cols; ++col) {
          const std::size_t cell = static_cast<std::size_t>(row) * m.cols + col;
          if (dense[cell] == 0.0f || m.values[cell] != 0.0f) continue;
          const auto* g = group_of[static_cast<std::size_t>(col)];
          EXPECT_TRUE(g != nullptr && lost_a_conflict(m, *g, row, static_cast<std::uint32_t>(col)))
              << l.name << " row " << row << " column " << col << ": magnitude-pruned";
        }
      }
    }
  }
  EXPECT_EQ(combined, 10);  // 3 x (expand, depthwise, project) + the last 1x1: pack's default scope
  EXPECT_EQ(depthwise, 3);

  // pack keeps the trained groups (alpha 1 for the rest) and prunes nothing more.
  PackOptions keep;
  keep.combine = {1, 1.75, 0};
  keep.scope = CombineScope::AllWeightLayers;
  const PackResult packed = pack_network(trained, keep, calibration_images(trained, 16));
  EXPECT_TRUE(packed.combined_untrained.empty());
  int packed_combined = 0;
  for (const auto& l : packed.packed.layers) {
    if (l.kind != OpKind::Matmul) continue;
    EXPECT_EQ(l.nonzeros_after, l.nonzeros_before) << l.name;
    packed_combined += l.alpha == 8;
  }
  EXPECT_EQ(packed_combined, 10);
}

TEST(GraphTrain, DenseRetrainingKeepsTheZerosAndGroupsANetworkCarries) {
  const Network net = exported_model("fmnist-resnet");
  PackOptions p;
  p.combine = {4, 1.75, 0};
  const Network pruned = pack_network(net, p, calibration_images(net, 16)).pruned;  // groups and conflict losers
  TrainOptions o = graph_options();
  o.epochs = 1;
  o.mode = PruneMode::Dense;
  const TrainResult r = train_graph(pruned, o, {}, nullptr);
  const Network trained = r.network();
  ASSERT_EQ(trained.layers.size(), pruned.layers.size());
  int changed = 0;
  for (std::size_t i = 0; i < pruned.layers.size(); ++i) {
    const Layer& a = pruned.layers[i];
    const Layer& b = trained.layers[i];
    if (!a.has_weights()) continue;
    ASSERT_EQ(a.weight.size(), b.weight.size());
    for (std::size_t k = 0; k < a.weight.size(); ++k) ASSERT_EQ(a.weight[k] == 0.0f, b.weight[k] == 0.0f) << a.name << " " << k;
    changed += a.weight != b.weight;
    ASSERT_EQ(a.column_groups.has_value(), b.column_groups.has_value()) << a.name;
    if (a.column_groups) {
      EXPECT_EQ(a.column_groups->groups, b.column_groups->groups) << a.name;
    }
  }
  EXPECT_GT(changed, 0);  // it did train
}

TEST(GraphTrain, CheckpointResumeReproducesAnUninterruptedRun) {
  const Network net = exported_model("fmnist-resnet");
  GraphCombineOptions c;
  c.combine = {4, 1.75, 0};
  TrainOptions o = graph_options();
  o.epochs = 3;
  const TrainResult straight = train_graph(net, o, c, nullptr);
  o.checkpoint = temp_path("graph-ckpt.pt");
  try {
    train_graph(net, o, c, [](const EpochStats& s) {
      if (s.epoch == 2) throw std::runtime_error("interrupted");
    });
    FAIL() << "not interrupted";
  } catch (const std::runtime_error&) {
  }
  o.resume = true;
  const TrainResult resumed = train_graph(net, o, c, nullptr);
  ASSERT_EQ(resumed.history.size(), 3u);
  EXPECT_EQ(resumed.groups, straight.groups);
  const Network a = straight.network();
  const Network b = resumed.network();
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    for (std::size_t k = 0; k < a.layers[i].weight.size(); ++k) {
      ASSERT_NEAR(a.layers[i].weight[k], b.layers[i].weight[k], 1e-5) << a.layers[i].name << " " << k;
    }
  }
  GraphCombineOptions other = c;
  other.combine.alpha = 8;  // not what the checkpoint was made with
  EXPECT_THROW(train_graph(net, o, other, nullptr), std::runtime_error);
  fs::remove(o.checkpoint);
}

// Quantization-aware epochs on an imported graph (what they compute: test_qat GraphQat): they hold
// the masks and groups of the last combining epoch and report the fake-quantized accuracy before them.
TEST(GraphTrain, QatEpochsKeepTheGroupsAndMasks) {
  const Network net = exported_model("fmnist-resnet");
  GraphCombineOptions c;
  c.combine = {4, 1.75, 0};
  TrainOptions o = graph_options();
  o.qat_epochs = 1;
  o.calib_count = 64;
  const TrainResult r = train_graph(net, o, c, nullptr);
  ASSERT_EQ(r.history.size(), 3u);
  EXPECT_FALSE(r.history[1].qat);
  EXPECT_TRUE(r.history[2].qat);
  EXPECT_FALSE(r.history[2].pruned);
  EXPECT_EQ(r.history[2].nonzeros, r.history[1].nonzeros);
  EXPECT_DOUBLE_EQ(r.history[2].utilization_after, r.history[1].utilization_after);
  ASSERT_TRUE(r.ptq_fake_quant_accuracy.has_value());
  const Network trained = r.network();
  int combined = 0;
  for (const Layer& l : trained.layers) combined += l.column_groups.has_value() && l.column_groups->alpha == 4;
  EXPECT_GT(combined, 0);
}

// --scheme on a layer graph prunes the layers packing prunes: decided on the network with its
// batch norms folded, where a standalone batch norm before the first convolution is the first
// weight layer, so that convolution is pruned too. Packing the result prunes nothing more.
TEST(GraphTrain, SchemeTrainingPrunesWhatPackingPrunes) {
  std::mt19937 rng(5);
  Network net;
  net.name = "bn-first";
  net.input = {1, 28, 28};
  net.preprocess.scale = 1.0f / 255.0f;
  net.layers.push_back(test::batch_norm("bn_in", 1, rng));
  net.layers.push_back(test::conv("c1", 1, 8, 3, 2, 1, rng));
  net.layers.push_back(test::simple("r1", LayerKind::ReLU));
  net.layers.push_back(test::conv("c2", 8, 16, 1, 2, 0, rng));
  net.layers.push_back(test::simple("r2", LayerKind::ReLU));
  net.layers.push_back(test::simple("pool", LayerKind::GlobalAvgPool));
  net.layers.push_back(test::simple("flatten", LayerKind::Flatten));
  net.layers.push_back(test::linear("fc", 16, 10, rng, 0.25f));
  TrainOptions o = graph_options();
  o.mode = PruneMode::Scheme;
  o.scheme = SparsityScheme::NM;
  o.density = 0.5;  // 2 of 4
  GraphCombineOptions c;  // reference scope
  const TrainResult r = train_graph(net, o, c, nullptr);
  ASSERT_TRUE(r.trained_graph.has_value());
  const Network& trained = *r.trained_graph;
  SchemeSpec spec;
  spec.scheme = o.scheme;
  spec.density = o.density;
  spec.scope = CombineScope::Reference;
  const SchemeStorage packed = scheme_storage(trained, spec);
  std::map<std::string, std::int64_t> kept;
  for (const auto& l : packed.layers) kept[l.layer] = l.storage.nonzeros;
  for (const auto& l : trained.layers) {
    if (!l.has_weights() || l.kind == LayerKind::BatchNorm) continue;
    const auto nonzeros = std::count_if(l.weight.begin(), l.weight.end(), [](float w) { return w != 0.0f; });
    EXPECT_EQ(kept.at(l.name), nonzeros) << l.name << ": packing pruned more than training";
    if (l.name == "fc") {
      EXPECT_EQ(nonzeros, static_cast<std::int64_t>(l.weight.size())) << "the classifier stays dense";
    } else {  // 2 of every 4 columns of a row (c1's rows of 9: 2 + 2 + 1)
      const std::int64_t cols = static_cast<std::int64_t>(l.weight.size()) / l.out_channels;
      std::int64_t per_row = 0;
      for (std::int64_t first = 0; first < cols; first += 4) per_row += std::min<std::int64_t>(2, cols - first);
      EXPECT_LE(nonzeros, per_row * l.out_channels) << l.name << " is pruned 2 of 4";
      EXPECT_LT(nonzeros, static_cast<std::int64_t>(l.weight.size())) << l.name;
    }
  }
}

TEST(GraphTrain, RefusesWhatItCannotDo) {
  const Network net = exported_model("fmnist-resnet");
  GraphCombineOptions c;
  c.combine = {8, 1.75, 0};
  TrainOptions one = graph_options();
  one.epochs = 1;  // no pruning epoch: the combined layers would get no groups
  try {
    train_graph(net, one, c, nullptr);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no pruning epoch"), std::string::npos) << e.what();
  }
  GraphCombineOptions typo = c;
  typo.per_layer["/no/such/Conv"] = {2, 1.75, 0};
  EXPECT_THROW(graph_combine_plan(net, typo), std::invalid_argument);
}

}  // namespace
}  // namespace ccsim::model
