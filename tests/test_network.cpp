#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/network_json.hpp"
#include "models/onnx_import.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

using nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Network, JsonRoundTrip) {
  const Network net = test::shift_net(3);
  const Network back = network_from_json(network_to_json(net), "mem");
  EXPECT_EQ(network_to_json(back), network_to_json(net));
  EXPECT_EQ(infer_shapes(back).back(), (Shape{10, 1, 1}));
}

TEST(Network, JsonErrorsNameTheSourceAndField) {
  json j = network_to_json(test::shift_net(3));
  json bad = j;
  bad["version"] = 2;
  EXPECT_NE(error_of([&] { network_from_json(bad, "n.json"); }).find("unsupported version 2"), std::string::npos);
  bad = j;
  bad["layers"][0].erase("weight");
  auto msg = error_of([&] { network_from_json(bad, "n.json"); });
  EXPECT_NE(msg.find("n.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'weight'"), std::string::npos) << msg;
  bad = j;
  bad["layers"][0]["weight"].erase(0);
  msg = error_of([&] { network_from_json(bad, "n.json"); });
  EXPECT_NE(msg.find("conv0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 144"), std::string::npos) << msg;
  bad = j;
  bad["layers"][1]["type"] = "softmax";
  EXPECT_NE(error_of([&] { network_from_json(bad, "n.json"); }).find("unknown layer type 'softmax'"), std::string::npos);
  bad = j;
  bad["layers"][2]["name"] = "conv0";
  EXPECT_NE(error_of([&] { network_from_json(bad, "n.json"); }).find("duplicate layer name"), std::string::npos);
  bad = j;
  bad["layers"][3]["offsets"][0] = {2, 0};
  EXPECT_NE(error_of([&] { network_from_json(bad, "n.json"); }).find("offsets must be in"), std::string::npos);

  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "ccsim-bad.json").string();
  write_file_atomic(path, "{ not json");
  msg = error_of([&] { load_network_json(path); });
  EXPECT_NE(msg.find(path), std::string::npos);
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos);
  std::filesystem::remove(path);
}

// Values a hostile or broken file can hold, each refused with the file, the layer and the field.
TEST(Network, JsonValuesOfTheWrongKindOrSizeAreRefused) {
  const json j = network_to_json(test::shift_net(3));
  const auto error = [&](const std::function<void(json&)>& edit) {
    json bad = j;
    edit(bad);
    return error_of([&] { network_from_json(bad, "n.json"); });
  };
  // A pad of 2^30 gave a raw libtorch allocation failure with stack frames.
  auto msg = error([](json& b) { b["layers"][0]["pad"] = 1 << 30; });
  EXPECT_NE(msg.find("n.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("padded input larger than 65536 on a side"), std::string::npos) << msg;
  msg = error([](json& b) { b["layers"][0]["out_channels"] = 1 << 20; b["layers"][0]["weight"] = json::array(); });
  EXPECT_NE(msg.find("conv0"), std::string::npos) << msg;
  // Floats and out-of-range numbers where integers are expected (were cast, undefined beyond int).
  msg = error([](json& b) { b["layers"][0]["out_channels"] = 1e30; });
  EXPECT_NE(msg.find("'out_channels': expected an integer in [-2147483648, 2147483647], got 1e+30"), std::string::npos) << msg;
  msg = error([](json& b) { b["layers"][0]["pad"] = 1.5; });
  EXPECT_NE(msg.find("'pad': expected an integer"), std::string::npos) << msg;
  msg = error([](json& b) { b["layers"][3]["offsets"][0] = {300, 0}; });
  EXPECT_NE(msg.find("'offsets': expected an integer in [-128, 127], got 300"), std::string::npos) << msg;
  msg = error([](json& b) { b["layers"][0]["weight"][0] = 1e300; });
  EXPECT_NE(msg.find("'weight': element 0: expected a finite number"), std::string::npos) << msg;
  // Preprocessing that would divide by zero (was accepted by pack with a .pb calibration set).
  msg = error([](json& b) { b["input"]["preprocess"]["std"] = {0.0}; });
  EXPECT_NE(msg.find("input.preprocess: preprocess std[0] must be finite and non-zero"), std::string::npos) << msg;
  msg = error([](json& b) { b["input"]["preprocess"]["mean"] = {0.1, 0.2}; });
  EXPECT_NE(msg.find("mean has 2 values for 1 input channels"), std::string::npos) << msg;
  msg = error([](json& b) { b["input"]["height"] = 1 << 20; b["input"]["width"] = 1 << 20; });
  EXPECT_NE(msg.find("at most 2^28 values"), std::string::npos) << msg;

  // JSON nested past the bound is refused by the parser, before any recursion.
  const std::string path = (std::filesystem::temp_directory_path() / "ccsim-deep.json").string();
  write_file_atomic(path, std::string(100000, '[') + std::string(100000, ']'));
  msg = error_of([&] { load_network_json(path); });
  EXPECT_NE(msg.find(path + ": not valid JSON: nested deeper than 64 levels"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(Network, FilterMatrixOfGroupedConvIsBlockDiagonal) {
  std::mt19937 rng(1);
  const Layer l = test::conv("g", 4, 6, 3, 1, 1, rng, 1.0, 2);
  const FilterMatrix m = filter_matrix(l, {4, 5, 5});
  ASSERT_EQ(m.rows, 6);
  ASSERT_EQ(m.cols, 36);
  for (int o = 0; o < 6; ++o) {
    for (int c = 0; c < 4; ++c) {
      const bool in_group = (o / 3) == (c / 2);
      for (int t = 0; t < 9; ++t) {
        const float v = m.values[static_cast<std::size_t>(o) * 36 + c * 9 + t];
        if (in_group) {
          EXPECT_EQ(v, l.weight[(static_cast<std::size_t>(o) * 2 + c % 2) * 9 + t]);
        } else {
          EXPECT_EQ(v, 0.0f);
        }
      }
    }
  }
  // Written back, the layer computes the same function as a dense conv.
  Network a;
  a.input = {4, 5, 5};
  a.layers = {l};
  Network b = a;
  set_filter_matrix(b.layers[0], a.input, m);
  EXPECT_EQ(b.layers[0].groups, 1);
  const auto x = test::random_batch(a.input, 2, 9);
  const auto ya = run_float(a, x).output.data;
  const auto yb = run_float(b, x).output.data;
  for (std::size_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya[i], yb[i], 1e-5);
}

TEST(Network, BatchNormFoldingPreservesTheFunction) {
  Network net = test::shift_net(5);
  std::mt19937 rng(2);
  net.layers.insert(net.layers.begin() + 3, test::batch_norm("lonely_bn", 16, rng));  // after a ReLU6
  Network folded = net;
  fold_batch_norm(folded);
  for (const auto& l : folded.layers) EXPECT_NE(l.kind, LayerKind::BatchNorm);
  const auto x = test::random_batch(net.input, 4, 4);
  const auto a = run_float(net, x).output.data;
  const auto b = run_float(folded, x).output.data;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4);
}

TEST(OnnxImport, UnsupportedOperatorNamesTheNode) {
  const std::string dir = std::string(CCSIM_ONNX_TESTDATA) + "/pytorch-converted/";
  const auto msg = error_of([&] { load_onnx(dir + "test_Sigmoid/model.onnx"); });
  EXPECT_NE(msg.find("(Sigmoid)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported operator"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test_Sigmoid/model.onnx"), std::string::npos) << msg;
  const auto conv3d = error_of([&] { load_onnx(dir + "test_Conv3d/model.onnx"); });
  EXPECT_NE(conv3d.find("must be N x C x H x W"), std::string::npos) << conv3d;
}

TEST(OnnxImport, NotAnOnnxFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "ccsim-not.onnx").string();
  write_file_atomic(path, std::string("\xff\xff\xff garbage", 11));
  const auto msg = error_of([&] { load_onnx(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  std::filesystem::remove(path);
  EXPECT_NE(error_of([&] { load_onnx("/no/such/model.onnx"); }).find("/no/such/model.onnx"), std::string::npos);
}

}  // namespace
}  // namespace ccsim::model
