#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "models/float_reference.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/onnx_import.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

// Independent dense evaluation of a packed Matmul: rebuild the full int8 filter matrix from
// groups and selects, then convolve with plain loops.
Int8Tensor dense_matmul(const PackedLayer& l, const Int8Tensor& in) {
  const int cols = l.cols();
  std::vector<int> dense(static_cast<std::size_t>(l.rows()) * cols, 0);
  for (int r = 0; r < l.rows(); ++r) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      const auto col = l.groups[g][l.select[l.cell(r, g)]];
      dense[static_cast<std::size_t>(r) * cols + col] += l.weights[l.cell(r, g)];
    }
  }
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  const Window& w = l.window;
  for (int r = 0; r < l.rows(); ++r) {
    for (int oy = 0; oy < l.out.h; ++oy) {
      for (int ox = 0; ox < l.out.w; ++ox) {
        std::int64_t acc = l.bias[r];
        for (int c = 0; c < l.in.c; ++c) {
          for (int ky = 0; ky < w.kh; ++ky) {
            for (int kx = 0; kx < w.kw; ++kx) {
              const int y = oy * w.stride_h - w.pad_top + ky;
              const int x = ox * w.stride_w - w.pad_left + kx;
              if (y < 0 || x < 0 || y >= l.in.h || x >= l.in.w) continue;
              acc += dense[static_cast<std::size_t>(r) * cols + (c * w.kh + ky) * w.kw + kx] *
                     in.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
            }
          }
        }
        out.data[(static_cast<std::size_t>(r) * l.out.h + oy) * l.out.w + ox] =
            fixed::requantize(static_cast<std::int32_t>(acc), l.requant[r], l.act_min, l.act_max);
      }
    }
  }
  return out;
}

Shape output_shape_of(const PackedLayer& l) {
  const Window& w = l.window;
  return {l.in.c, (l.in.h + w.pad_top + w.pad_bottom - w.kh) / w.stride_h + 1,
          (l.in.w + w.pad_left + w.pad_right - w.kw) / w.stride_w + 1};
}

Int8Tensor random_int8(const Shape& s, std::mt19937& rng) {
  std::uniform_int_distribution<int> v(-128, 127);
  Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
  for (auto& x : t.data) x = static_cast<std::int8_t>(v(rng));
  return t;
}

TEST(Golden, PackedMatmulEqualsDenseEvaluation) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 12; ++trial) {
    Network net;
    net.name = "one-layer";
    const int in_c = 3 + trial % 5;
    const int k = trial % 3 == 0 ? 1 : 3;
    const int stride = 1 + trial % 2;
    const int pad = k == 3 ? trial % 2 : 0;
    net.input = {in_c, 7 + trial % 3, 6 + trial % 4};
    net.layers.push_back(test::conv("c", in_c, 4 + trial % 7, k, stride, pad, rng, 0.3 + 0.05 * trial));
    PackOptions opt;
    opt.scope = CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
    opt.combine = {1 + trial % 6, 0.5 * (trial % 5), 0};
    const auto packed = pack_network(net, opt, test::random_batch(net.input, 4, trial)).packed;
    const PackedLayer& l = packed.layers.at(0);
    ASSERT_EQ(l.kind, OpKind::Matmul);
    const Int8Tensor x = random_int8(l.in, rng);
    EXPECT_EQ(run_layer(l, x).data, dense_matmul(l, x).data) << "trial " << trial;
  }
}

// Packed layers made by hand, not by the front end: any alpha, selects and zero cells, biases over
// the whole int32 range (so sums wrap at 32 bits), pixel and group counts that leave every
// remainder of the vectorized loops. The golden Matmul must equal the dense evaluation.
TEST(Golden, MatmulEqualsDenseEvaluationOnArbitraryPackedLayers) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (int trial = 0; trial < 40; ++trial) {
    PackedLayer l;
    l.name = "m";
    l.kind = OpKind::Matmul;
    const int k = trial % 4 == 0 ? 1 : 3;
    l.window.kh = l.window.kw = k;
    l.window.stride_h = 1 + trial % 2;
    l.window.stride_w = 1 + (trial / 2) % 2;
    l.window.pad_top = l.window.pad_left = k == 3 ? trial % 2 : 0;
    l.window.pad_bottom = l.window.pad_right = l.window.pad_top;
    l.in = {1 + trial % 6, 3 + trial % 11, 2 + trial % 13};
    const Shape conv_out = output_shape_of(l);
    l.out = {1 + trial % 9, conv_out.h, conv_out.w};
    // Columns in random groups of 1..alpha.
    const int alpha = 1 + trial % 8;
    std::vector<std::uint32_t> columns(static_cast<std::size_t>(l.cols()));
    for (std::size_t c = 0; c < columns.size(); ++c) columns[c] = static_cast<std::uint32_t>(c);
    std::shuffle(columns.begin(), columns.end(), rng);
    for (std::size_t c = 0; c < columns.size();) {
      const std::size_t n = std::min<std::size_t>(columns.size() - c, 1 + rng() % alpha);
      l.groups.emplace_back(columns.begin() + static_cast<std::ptrdiff_t>(c), columns.begin() + static_cast<std::ptrdiff_t>(c + n));
      c += n;
    }
    l.alpha = alpha;
    for (int r = 0; r < l.rows(); ++r) {
      for (const auto& g : l.groups) {
        l.weights.push_back(rng() % 4 == 0 ? 0 : static_cast<std::int8_t>(byte(rng)));
        l.select.push_back(static_cast<std::uint8_t>(rng() % g.size()));
      }
      const bool near_limit = trial % 3 == 0;  // the products then cross +-2^31
      l.bias.push_back(near_limit ? std::numeric_limits<std::int32_t>::max() - static_cast<std::int32_t>(rng() % 20000)
                                  : static_cast<std::int32_t>(rng()));
      l.requant.push_back(fixed::quantize_multiplier(std::ldexp(1.0 + (rng() % 1000) / 1000.0, -8 - static_cast<int>(rng() % 20))));
    }
    l.act_min = trial % 2 ? 0 : -128;
    const Int8Tensor x = random_int8(l.in, rng);
    EXPECT_EQ(run_layer(l, x).data, dense_matmul(l, x).data) << "trial " << trial << ", kernels " << golden_kernel_isa();
  }
  // Under the kernels label each instruction set is forced in turn (a cap above the CPU falls back).
  const char* cap = std::getenv("CCSIM_GOLDEN_ISA");
  if (cap && std::string(cap) == "default") {
    EXPECT_STREQ(golden_kernel_isa(), "default");
  }
  if (cap && std::string(cap) == "avx2") {
    EXPECT_STRNE(golden_kernel_isa(), "avx512");
  }
}

TEST(Golden, ShiftMovesEachChannelWithZeroFill) {
  PackedLayer l;
  l.name = "s";
  l.kind = OpKind::Shift;
  l.in = l.out = {2, 2, 3};
  l.shift = {{1, 0}, {0, -1}};
  Int8Tensor x{l.in, {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}};
  // channel 0: out[y][x] = in[y+1][x]; channel 1: out[y][x] = in[y][x-1]
  EXPECT_EQ(run_layer(l, x).data, (std::vector<std::int8_t>{4, 5, 6, 0, 0, 0, 0, 10, 20, 0, 40, 50}));
}

TEST(Golden, PoolingRoundsAndSkipsPadding) {
  PackedLayer l;
  l.name = "p";
  l.kind = OpKind::AvgPool;
  l.in = {1, 2, 2};
  l.out = {1, 2, 2};
  l.window = {2, 2, 1, 1, 0, 0, 1, 1};
  Int8Tensor x{l.in, {1, 2, 4, -8}};
  // windows (exclusive of padding): {1,2,4,-8}/4 = -0.25 -> 0, {2,-8}/2 = -3, {4,-8}/2 = -2, {-8}
  EXPECT_EQ(run_layer(l, x).data, (std::vector<std::int8_t>{0, -3, -2, -8}));
  l.count_include_pad = true;  // {2,-8}/4 = -1.5 -> -2, {4,-8}/4 = -1, -8/4 = -2
  EXPECT_EQ(run_layer(l, x).data, (std::vector<std::int8_t>{0, -2, -1, -2}));
  l.kind = OpKind::MaxPool;
  x.data = {-5, -7, -9, -100};
  EXPECT_EQ(run_layer(l, x).data, (std::vector<std::int8_t>{-5, -7, -9, -100}));
}

TEST(Golden, RejectsInputOfTheWrongShape) {
  const auto net = test::shift_net(1);
  const auto packed = pack_network(net, {}, test::random_batch(net.input, 2, 1)).packed;
  Int8Tensor bad{{1, 3, 3}, std::vector<std::int8_t>(9)};
  EXPECT_THROW(run_golden(packed, bad), std::invalid_argument);
  std::vector<float> v(5);
  EXPECT_THROW(quantize_input(packed, v.data(), v.size()), std::invalid_argument);
}

// Dequantized int8 outputs against the float outputs of the same (pruned) network.
double relative_error(const PackedNetwork& packed, const Network& pruned, const FloatTensor& batch) {
  const auto expect = run_float(pruned, batch).output;
  const auto per = static_cast<std::size_t>(packed.input.size());
  double max_err = 0.0;
  double max_ref = 0.0;
  for (std::int64_t i = 0; i < batch.dims[0]; ++i) {
    const auto q = quantize_input(packed, batch.data.data() + i * per, per);
    const auto y = dequantize(run_golden(packed, q), packed.output_scale());
    for (std::size_t k = 0; k < y.size(); ++k) {
      const float e = expect.data[i * y.size() + k];
      max_err = std::max(max_err, static_cast<double>(std::fabs(y[k] - e)));
      max_ref = std::max(max_ref, static_cast<double>(std::fabs(e)));
    }
  }
  return max_err / max_ref;
}

TEST(Golden, Int8TracksFloatOnAShiftNetwork) {
  for (int alpha : {1, 4, 8}) {
    const auto net = test::shift_net(7, 0.3);
    PackOptions opt;
    opt.scope = CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
    opt.combine = {alpha, 1.75, 0};
    const auto calib = test::random_batch(net.input, 64, 3);
    const auto result = pack_network(net, opt, calib);
    // Held-out inputs from the same distribution.
    const double err = relative_error(result.packed, result.pruned, test::random_batch(net.input, 32, 99));
    EXPECT_LT(err, 0.08) << "alpha " << alpha;
    if (alpha > 1) {
      EXPECT_LT(result.packed.layers[3].packed_cols(), result.packed.layers[3].cols());
    }
  }
}

// A real model exported from PyTorch, with the inputs and outputs stored beside it.
class RealOnnxModel : public ::testing::TestWithParam<const char*> {};

TEST_P(RealOnnxModel, Int8GoldenWithinQuantizationErrorOfFloat) {
  const std::string dir = std::string(CCSIM_ONNX_TESTDATA) + "/pytorch-converted/" + GetParam();
  const Network net = load_onnx(dir + "/model.onnx");
  const FloatTensor input = load_tensor_pb(dir + "/test_data_set_0/input_0.pb");
  const FloatTensor stored = load_tensor_pb(dir + "/test_data_set_0/output_0.pb");
  // The float path reproduces PyTorch's stored output.
  const FloatTensor ours = run_float(net, input).output;
  ASSERT_EQ(ours.data.size(), stored.data.size());
  for (std::size_t i = 0; i < ours.data.size(); ++i) ASSERT_NEAR(ours.data[i], stored.data[i], 1e-4) << i;

  PackOptions opt;
  opt.scope = CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {1, 0.0, 0};  // no combining: pure quantization error
  const auto packed = pack_network(net, opt, input).packed;
  const double err = relative_error(packed, net, input);
  // int8 inputs and weights with per-channel scales: a few LSB of the output range.
  EXPECT_LT(err, 0.04) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(PytorchConverted, RealOnnxModel,
                         ::testing::Values("test_Conv2d", "test_Conv2d_strided", "test_Conv2d_padding",
                                           "test_Conv2d_groups", "test_Conv2d_depthwise_padded",
                                           "test_Conv2d_depthwise_strided", "test_Conv2d_no_bias", "test_Linear",
                                           "test_Linear_no_bias", "test_BatchNorm2d_eval", "test_MaxPool2d",
                                           "test_AvgPool2d", "test_AvgPool2d_stride"));

}  // namespace
}  // namespace ccsim::model

namespace ccsim::model {
namespace {

TEST(Golden, ParallelBatchEqualsSequentialRuns) {
  const auto net = test::shift_net(17, 0.3);
  const auto packed = pack_network(net, {}, test::random_batch(net.input, 16, 1)).packed;
  const auto batch = test::random_batch(net.input, 64, 2);
  const auto per = static_cast<std::size_t>(net.input.size());
  const auto outs = run_golden_batch(packed, batch.data.data(), 64);
  ASSERT_EQ(outs.size(), 64u);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    EXPECT_EQ(outs[i].data, run_golden(packed, quantize_input(packed, batch.data.data() + i * per, per)).data) << i;
  }
}

}  // namespace
}  // namespace ccsim::model

namespace ccsim::model {
namespace {

// The packed networks in models/examples reach, on all 10,000 test images, exactly the int8
// accuracy their training reports state (the figures README and TRAINING.md quote).
TEST(Golden, BundledNetworksReachTheirReportedAccuracy) {
  const std::string dir = std::string(CCSIM_SOURCE_DIR) + "/models/examples/";
  const std::vector<std::pair<std::string, std::string>> bundled{
      {"fmnist-shift.ccpack", "fmnist-shift.train-report.json"},
      {"training-runs/big-comb-from-dense-a244-qat3.ccpack", "training-runs/big-comb-from-dense-a244-qat3.report.json"}};
  const IdxDataset data = load_idx_dataset("/usr/share/datasets/fashion-mnist", "t10k", 0);
  ASSERT_EQ(data.count, 10000);
  for (const auto& [packed_file, report_file] : bundled) {
    const PackedNetwork net = load_packed(dir + packed_file);
    const FloatTensor batch = to_batch(data, net.preprocess, net.input, 0, data.count);
    const auto outputs = run_golden_batch(net, batch.data.data(), static_cast<std::size_t>(data.count));
    int correct = 0;
    for (int i = 0; i < data.count; ++i) correct += argmax(outputs[i].data) == data.labels[i];
    std::ifstream in(dir + report_file);
    const auto report = nlohmann::json::parse(in);
    EXPECT_DOUBLE_EQ(correct / 10000.0, report.at("int8_test_accuracy").get<double>()) << packed_file;
  }
}

}  // namespace
}  // namespace ccsim::model
