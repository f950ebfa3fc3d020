// The ccsim tool end to end: the happy path and every bad-input path (clear message naming the
// file or flag, non-zero exit, no output file written).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/atomic_file.hpp"
#include "models/network_json.hpp"
#include "models/onnx_tensor.hpp"
#include "models/packed_file.hpp"
#include "tests/cli_runner.hpp"
#include "tests/test_util.hpp"

namespace ccsim {
namespace {

namespace fs = std::filesystem;

using test::Result;

Result run(const std::string& args) { return test::run_ccsim(args); }

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccsim-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto net = test::shift_net(21, 0.3);
    model::save_network_json(net, path("net.json"));
    model::save_tensor_pb(test::random_batch(net.input, 8, 5), path("calib.pb"));
    model::save_tensor_pb(test::random_batch(net.input, 1, 6), path("x.pb"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void expect_failure(const std::string& args, const std::string& fragment, const std::string& must_not_exist = "") {
    const Result r = run(args);
    EXPECT_NE(r.status, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << args << "\n" << r.output;
    if (!must_not_exist.empty()) {
      EXPECT_FALSE(fs::exists(must_not_exist)) << must_not_exist;
    }
    // No temporary file left behind either.
    for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos);
  }

  fs::path dir_;
};

TEST_F(Cli, PackInspectGolden) {
  Result r = run("pack " + path("net.json") + " --alpha 4 --gamma 1.0 --layer pw3:alpha=8,gamma=0.5 --calib-input " +
                 path("calib.pb") + " -o " + path("n.ccpack") + " --report " + path("r.json") + " --pruned-model " +
                 path("pruned.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto report = nlohmann::json::parse(read_file(path("r.json")));
  ASSERT_EQ(report["layers"].size(), 5u);
  EXPECT_EQ(report["layers"][3]["name"], "pw3");
  EXPECT_EQ(report["layers"][3]["alpha"], 8);
  const auto& total = report["total"];
  EXPECT_EQ(total["pruned_by_combining"].get<long>(),
            total["nonzeros_before"].get<long>() - total["nonzeros_after"].get<long>());
  EXPECT_GT(total["utilization_after"].get<double>(), total["utilization_before"].get<double>());

  r = run("inspect " + path("n.ccpack"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto inspected = nlohmann::json::parse(r.output);
  EXPECT_EQ(inspected["format"], "ccsim-packed");
  EXPECT_TRUE(inspected["layers"][0]["weights"].is_array());

  r = run("golden " + path("n.ccpack") + " --input " + path("x.pb") + " -o " + path("y.pb"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["mode"], "int8-golden");
  // The pruned float network agrees with the int8 golden output within quantization error.
  r = run("golden " + path("pruned.json") + " --input " + path("x.pb") + " --expect " + path("y.pb") +
          " --atol 0.15 --rtol 0.05");
  EXPECT_EQ(r.status, 0) << r.output;
  // ... but not within float tolerance: the comparison can fail, and then exits non-zero.
  r = run("golden " + path("pruned.json") + " --input " + path("x.pb") + " --expect " + path("y.pb") +
          " --atol 1e-7 --rtol 0");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("differs from"), std::string::npos);
}

// A network written by --pruned-model carries the groups it was packed with; asking for other ones
// must not silently keep them (issue 15, point 3).
TEST_F(Cli, StoredGroupsThatContradictTheAskedAlphaAreRefused) {
  const std::string calib = " --calib-input " + path("calib.pb");
  ASSERT_EQ(run("pack " + path("net.json") + " --alpha 1" + calib + " -o " + path("a1.ccpack") + " --pruned-model " +
                path("a1.json")).status,
            0);
  const std::string out = path("a8.ccpack");
  expect_failure("pack " + path("a1.json") + " --alpha 8" + calib + " -o " + out, "made at alpha 1, gamma", out);
  expect_failure("pack " + path("a1.json") + " --alpha 8" + calib + " -o " + out, "--regroup", out);
  // Without --alpha the trained groups are kept, and the report says alpha 1.
  ASSERT_EQ(run("pack " + path("a1.json") + calib + " -o " + out + " --report " + path("kept.json")).status, 0);
  const auto kept = nlohmann::json::parse(read_file(path("kept.json")));
  for (const auto& l : kept["layers"]) EXPECT_EQ(l["alpha"], 1) << l["name"];
  // The same alpha as stored is no contradiction; --regroup applies the asked one.
  EXPECT_EQ(run("pack " + path("a1.json") + " --alpha 1" + calib + " -o " + out).status, 0);
  ASSERT_EQ(run("pack " + path("a1.json") + " --alpha 8 --regroup --combine-all" + calib + " -o " + out + " --report " +
                path("regrouped.json")).status,
            0);
  const auto regrouped = nlohmann::json::parse(read_file(path("regrouped.json")));
  for (const auto& l : regrouped["layers"]) EXPECT_EQ(l["alpha"], 8) << l["name"];
}

double accuracy_of(const Result& r) { return nlohmann::json::parse(r.output.substr(r.output.find('{')))["accuracy"]; }

// A network trained in PyTorch on ToTensor() inputs (pixel / 255) and exported with
// torch.onnx.export (tests/models/train_fmnist_cnn.py; 86.64 % in PyTorch). ONNX carries no
// preprocessing: without --input-scale the raw pixels go in, with a note saying so (issue 15, point 1).
TEST_F(Cli, PreprocessingFlagsGiveAPyTorchModelItsAccuracy) {
  const std::string model = std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-cnn.onnx";
  const std::string data = " --dataset /usr/share/datasets/fashion-mnist";
  const Result raw = run("golden " + model + data);
  ASSERT_EQ(raw.status, 0) << raw.output;
  EXPECT_NE(raw.output.find("carries no input preprocessing"), std::string::npos) << raw.output;
  EXPECT_NE(raw.output.find("--input-scale 1/255"), std::string::npos) << raw.output;

  const Result float_ref = run("golden " + model + data + " --input-scale 1/255");
  ASSERT_EQ(float_ref.status, 0) << float_ref.output;
  EXPECT_EQ(float_ref.output.find("note:"), std::string::npos) << float_ref.output;
  const double float_accuracy = accuracy_of(float_ref);
  EXPECT_GT(float_accuracy, 0.86);  // as in PyTorch
  EXPECT_GT(float_accuracy - accuracy_of(raw), 0.05);

  // Packed dense with the same preprocessing, stored in the file: the int8 golden model is within
  // quantization error of the float reference (0.10 point measured under SSE4.1, AVX2 and AVX-512 kernels).
  const Result pack = run("pack " + model + " --alpha 1 --input-scale 1/255 --calib-count 1000 --calib-dataset "
                          "/usr/share/datasets/fashion-mnist -o " + path("cnn.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  EXPECT_NE(pack.output.find("input: x = pixel * 0.00392157"), std::string::npos) << pack.output;
  const Result int8 = run("golden " + path("cnn.ccpack") + data);
  ASSERT_EQ(int8.status, 0) << int8.output;
  EXPECT_LE(std::fabs(float_accuracy - accuracy_of(int8)), 0.0015);
  const auto inspected = nlohmann::json::parse(run("inspect --summary " + path("cnn.ccpack")).output);
  EXPECT_FLOAT_EQ(inspected["preprocess"]["scale"].get<float>(), 1.0f / 255.0f);

  // Mean and std, one value for every channel or one per channel, are applied in that order.
  const Result normalized = run("golden " + model + data + " --count 500 --input-scale 1/255 --input-mean 0.5 --input-std 0.5");
  ASSERT_EQ(normalized.status, 0) << normalized.output;
  EXPECT_NE(normalized.output.find("x = (pixel * 0.00392157 - 0.5) / 0.5"), std::string::npos) << normalized.output;

  const std::string out = path("never.ccpack");
  expect_failure("golden " + path("cnn.ccpack") + data + " --input-scale 1", "keeps the preprocessing it was calibrated with");
  expect_failure("golden " + model + " --input " + path("x.pb") + " --input-scale 1/255", "applies to --dataset images");
  expect_failure("golden " + model + data + " --input-scale 1/0", "--input-scale '1/0': must be finite and non-zero");
  expect_failure("golden " + model + data + " --input-scale x", "expected a number or a fraction");
  // The golden model's kernel cap (tests and benchmarks) refuses a value it does not know.
  const char* outer = std::getenv("CCSIM_GOLDEN_ISA");
  const std::string outer_isa = outer ? outer : "";
  ::setenv("CCSIM_GOLDEN_ISA", "avx9", 1);  // the child inherits it
  const Result bad_isa = run("golden " + path("cnn.ccpack") + data + " --count 1");
  if (outer) {
    ::setenv("CCSIM_GOLDEN_ISA", outer_isa.c_str(), 1);
  } else {
    ::unsetenv("CCSIM_GOLDEN_ISA");
  }
  EXPECT_NE(bad_isa.status, 0) << bad_isa.output;
  EXPECT_NE(bad_isa.output.find("CCSIM_GOLDEN_ISA='avx9': expected default, avx2 or avx512"), std::string::npos)
      << bad_isa.output;
  // So does column combining's.
  const char* outer_combine = std::getenv("CCSIM_COMBINE_ISA");
  const std::string outer_combine_isa = outer_combine ? outer_combine : "";
  ::setenv("CCSIM_COMBINE_ISA", "avx9", 1);
  expect_failure("pack " + model + " --alpha 4 --combine-all --check-count 0 --calib-dataset /usr/share/datasets/fashion-mnist -o " + out,
                 "CCSIM_COMBINE_ISA='avx9': expected default, avx2 or avx512", out);
  if (outer_combine) {
    ::setenv("CCSIM_COMBINE_ISA", outer_combine_isa.c_str(), 1);
  } else {
    ::unsetenv("CCSIM_COMBINE_ISA");
  }
  expect_failure("pack " + model + " --input-mean 0.1,0.2 --calib-dataset /usr/share/datasets/fashion-mnist -o " + out,
                 "mean has 2 values for 1 input channels", out);
  expect_failure("pack " + model + " --input-std 0 --calib-dataset /usr/share/datasets/fashion-mnist -o " + out,
                 "std[0] must be finite and non-zero", out);
  // A network with its own preprocessing keeps it unless told otherwise, and is told when it is replaced.
  const std::string bundled = std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.json" + data + " --count 10";
  const Result kept = run("golden " + bundled);
  ASSERT_EQ(kept.status, 0) << kept.output;
  EXPECT_EQ(kept.output.find("note:"), std::string::npos) << kept.output;
  EXPECT_NE(kept.output.find("x = (pixel * 0.00392157 - 0.286) / 0.353"), std::string::npos) << kept.output;
  const Result replaced = run("golden " + bundled + " --input-scale 1/255");
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  EXPECT_NE(replaced.output.find("--input-scale 0.00392157 replaces the preprocessing"), std::string::npos)
      << replaced.output;
}

// Branching PyTorch exports (tests/models/train_fmnist_graph.py: residual blocks, a projection
// shortcut, a concatenation, pads, ceil_mode pooling; MobileNetV2 inverted residuals), packed
// dense: the int8 golden model keeps PyTorch's float accuracy within quantization error, and the
// fast, cycle, TLM and pipelined runs agree with it.
class CliGraph : public Cli, public ::testing::WithParamInterface<std::string> {};

TEST_P(CliGraph, BranchingPyTorchExportsRunEndToEnd) {
  const std::string base = std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + GetParam();
  const std::string data = " --dataset /usr/share/datasets/fashion-mnist";
  const std::string packed = path("net.ccpack");
  const Result pack = run("pack " + base + ".onnx --alpha 1 --input-scale 1/255 --calib-count 1000 --calib-dataset "
                          "/usr/share/datasets/fashion-mnist -o " + packed);
  ASSERT_EQ(pack.status, 0) << pack.output;
  const Result golden = run("golden " + packed + data);
  ASSERT_EQ(golden.status, 0) << golden.output;
  const double torch_accuracy = nlohmann::json::parse(read_file(base + ".expected.json"))["float_accuracy"].get<double>();
  EXPECT_LE(std::fabs(accuracy_of(golden) - torch_accuracy), 0.01) << golden.output;  // 10,000 images
  const std::string on = "run " + packed + data + " --count 2 --array 8x8 ";
  for (const std::string mode : {"--mode fast", "--mode cycle", "--tlm lt", "--schedule pipelined --mode cycle"}) {
    const Result r = run(on + mode + " --report " + path("r.json"));
    ASSERT_EQ(r.status, 0) << mode << "\n" << r.output;
    EXPECT_NE(r.output.find("PASS"), std::string::npos) << mode << "\n" << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Exported, CliGraph, ::testing::Values("fmnist-resnet", "fmnist-mbv2"),
                         [](const auto& info) { return info.param == "fmnist-resnet" ? std::string("resnet") : std::string("mbv2"); });

// `ccsim train --init MODEL.onnx` retrains an imported network with column combining on pack's
// default scope; the packed file it writes is what the golden model scores and runs on the
// accelerator; its exported JSON (not a shift network) trains again as a graph, with a note.
TEST_F(Cli, TrainRetrainsAnImportedNetwork) {
  const std::string onnx = std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-resnet.onnx";
  const std::string few = " --max-train-samples 256 --max-test-samples 200 --batch-size 64 --threads 1 --calib-count 64 ";
  const std::string base = "train --init " + onnx + " --input-scale 1/255" + few;
  const Result r = run(base + "--alpha 4 --epochs 2 --lr 0.01 -o " + path("t.ccpack") + " --export " + path("t.json") +
                       " --report " + path("t.report.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("combining /3/main/main.1/main.1.0/Conv (alpha 4)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("before training"), std::string::npos) << r.output;
  std::ifstream in(path("t.report.json"));
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report.at("options").at("combine").at("alpha").get<int>(), 4);
  EXPECT_TRUE(report.contains("initial_float_test_accuracy"));
  int combined = 0;
  for (const auto& l : report.at("combining").at("layers")) {
    combined += l.at("alpha").get<int>() == 4;
    EXPECT_EQ(l.at("pruned_by_combining").get<long>(), 0) << l.at("name");  // the trained groups hold
  }
  EXPECT_EQ(combined, 8);  // the convolutions after the first; the first and the classifier stay dense
  const Result golden = run("golden " + path("t.ccpack") + " --dataset /usr/share/datasets/fashion-mnist --count 200");
  ASSERT_EQ(golden.status, 0) << golden.output;
  EXPECT_DOUBLE_EQ(accuracy_of(golden), report.at("int8_test_accuracy").get<double>());
  const Result cycle = run("run " + path("t.ccpack") + " --dataset /usr/share/datasets/fashion-mnist --count 1 "
                           "--array 8x8 --mode cycle");
  ASSERT_EQ(cycle.status, 0) << cycle.output;
  EXPECT_NE(cycle.output.find("PASS"), std::string::npos) << cycle.output;

  // Dense retraining with a quantization-aware epoch, of the network just trained.
  const Result again = run("train --init " + path("t.json") + few + "--mode dense --epochs 1 --qat-epochs 1 --report " +
                           path("d.json") + " -o " + path("d.ccpack"));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("is not a shift network of the configured shape"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("dense (no pruning, its zeros and column groups kept)"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("fake-quantized test accuracy before QAT"), std::string::npos) << again.output;
  std::ifstream dense_in(path("d.json"));
  const auto dense_report = nlohmann::json::parse(dense_in);
  ASSERT_EQ(dense_report.at("history").size(), 2u);
  EXPECT_TRUE(dense_report.at("history")[1].at("qat").get<bool>());
  EXPECT_TRUE(dense_report.contains("fake_quant_test_accuracy_before_qat"));

  // Its preprocessing given again is no replacement and gets no note.
  const Result same = run("train --init " + path("t.json") + few + "--input-scale 1/255 --mode dense --epochs 1 -o " +
                          path("s.ccpack"));
  ASSERT_EQ(same.status, 0) << same.output;
  EXPECT_EQ(same.output.find("replaces the preprocessing"), std::string::npos) << same.output;

  const std::string out = " -o " + path("x.ccpack");
  expect_failure(base + "--epochs 2 --filters 8 8 8" + out, "shape the built-in shift network", path("x.ccpack"));
  expect_failure(base + "--epochs 2 --layer /no/Conv:alpha=2" + out, "names no weight layer: '/no/Conv'", path("x.ccpack"));
  expect_failure(base + "--epochs 1" + out, "no pruning epoch", path("x.ccpack"));
  expect_failure("train --alpha 4 --epochs 1" + few + out, "need --init MODEL", path("x.ccpack"));
}

// A sweep applies its calibration.preprocess to its networks and says when that replaces one a
// network carries; a network without any gets the raw-pixel note.
TEST_F(Cli, SweepPreprocessingIsAppliedAndSaid) {
  const std::string bundled = std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.json";
  const std::string onnx = std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-cnn.onnx";
  const auto sweep = [this](const std::string& network, const nlohmann::json& calibration) {
    write_file_atomic(path("sweep.json"), nlohmann::json{{"network", network},
                                                         {"axes", {{"scheme", {"dense"}}, {"alpha", {1}}}},
                                                         {"calibration", calibration}}
                                              .dump());
    fs::remove(path("s.csv"));
    return run("explore " + path("sweep.json") + " -o " + path("s.csv"));
  };
  Result r = sweep(bundled, {{"count", 4}, {"preprocess", {{"scale", 1.0 / 255}}}});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("calibration.preprocess replaces the preprocessing " + bundled +
                          " carries (x = (pixel * 0.00392157 - 0.286) / 0.353)"),
            std::string::npos)
      << r.output;
  r = sweep(onnx, {{"count", 4}});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(onnx + " carries no input preprocessing"), std::string::npos) << r.output;
  r = sweep(onnx, {{"count", 4}, {"preprocess", {{"scale", 1.0 / 255}}}});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("note:"), std::string::npos) << r.output;
  r = sweep(onnx, {{"count", 4}, {"preprocess", {{"mean", {0.1, 0.2}}}}});
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("calibration.preprocess for " + onnx + ": preprocess mean has 2 values for 1 input channels"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(path("s.csv")));
}

// pack's defaults follow the reference: the first weight layer and fully connected layers stay
// dense unless asked, and combining a network not trained for it says what it cost (issue 15, point 2).
TEST_F(Cli, PackDefaultsCombineAsTheReferenceAndWarnWhatCombiningCosts) {
  const std::string model = std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-cnn.onnx";
  const std::string common = model + " --input-scale 1/255 --calib-dataset /usr/share/datasets/fashion-mnist";
  const auto alphas = [this](const std::string& report) {
    std::map<std::string, int> a;
    const auto json = nlohmann::json::parse(read_file(path(report)));
    for (const auto& l : json["layers"]) a[l["name"].get<std::string>()] = l["alpha"].get<int>();
    return a;
  };
  Result r = run("pack " + common + " -o " + path("ref.ccpack") + " --report " + path("ref.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(alphas("ref.json"), (std::map<std::string, int>{{"/0/Conv", 1}, {"/3/Conv", 8}, {"/6/Conv", 8}, {"/9/Gemm", 1}}));
  EXPECT_NE(r.output.find("kept dense (alpha 1) as the reference does, the first weight layer and fully connected "
                          "layers: /0/Conv, /9/Gemm"),
            std::string::npos)
      << r.output;
  // /3/Conv and /6/Conv are dense-trained: at alpha 8, gamma 1.75 half their weights lose a conflict.
  EXPECT_NE(r.output.find("combining pruned 2816 of 5632 non-zero weights (50.0 %) in layers not trained with these "
                          "groups (/3/Conv, /6/Conv)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("float accuracy on 1000 test images"), std::string::npos) << r.output;
  // The summary shows the alpha each layer used.
  EXPECT_NE(r.output.find("/9/Gemm                  1   1.75     10    1568    1568     15680     15680"), std::string::npos)
      << r.output;

  r = run("pack " + common + " --combine-all -o " + path("all.ccpack") + " --report " + path("all.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  for (const auto& [name, alpha] : alphas("all.json")) EXPECT_EQ(alpha, 8) << name;
  EXPECT_NE(r.output.find("(/0/Conv, /3/Conv, /6/Conv, /9/Gemm)"), std::string::npos) << r.output;
  // Combining the first and the classifier layer too costs accuracy the reference scope keeps (87.5 % -> 75.2 %).
  const auto at = r.output.find("test images of");
  ASSERT_NE(at, std::string::npos) << r.output;
  double before = 0;
  double after = 0;
  ASSERT_EQ(std::sscanf(r.output.c_str() + r.output.find(": ", at) + 2, "%lf %% before combining, %lf", &before, &after), 2)
      << r.output;
  EXPECT_GT(before - after, 5.0) << r.output;
  r = run("pack " + common + " --combine-all --check-count 0 -o " + path("all.ccpack"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("float accuracy on"), std::string::npos) << r.output;

  r = run("pack " + common + " --layer /9/Gemm:alpha=4 -o " + path("fc.ccpack") + " --report " + path("fc.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(alphas("fc.json").at("/9/Gemm"), 4);
  EXPECT_NE(r.output.find("fully connected layers: /0/Conv;"), std::string::npos) << r.output;

  // Dense packing prunes nothing and warns of nothing.
  r = run("pack " + common + " --alpha 1 -o " + path("dense.ccpack"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("warning"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("note:"), std::string::npos) << r.output;
}

// `ccsim storage` on a topology: every format's bits are its formula on the layer shapes
// (hand-computed here), the JSON's layers add up to its totals, and bad input is refused.
TEST_F(Cli, StorageOfEveryFormatOnATopology) {
  write_file_atomic(path("s.csv"),
                    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                    "c3, 6, 6, 3, 3, 8, 20, 1,\n"
                    "pw, 4, 4, 1, 1, 40, 24, 1,\n");
  Result r = run("storage " + path("s.csv") + " --density 0.5 --json " + path("s.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2400 weights in 2 weight layers, 8-bit values"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("s.json")));
  std::map<std::string, nlohmann::json> by;
  for (const auto& s : j["schemes"]) by[s["scheme"].get<std::string>()] = s;
  ASSERT_EQ(by.size(), 8u);
  const auto bits = [&](const std::string& scheme) {
    return std::make_pair(by.at(scheme)["value_bits"].get<long>(), by.at(scheme)["index_bits"].get<long>());
  };
  // 1,440 + 960 weights; half kept (synthetic normal weights: no zeros, no ties).
  EXPECT_EQ(bits("dense"), std::make_pair(2400L * 8, 0L));
  EXPECT_EQ(bits("bitmap"), std::make_pair(1200L * 8, 2400L));
  // CSR: nnz lg(Ci K) + (Co + 1) lg(nnz + 1): 720 x 7 + 21 x 10, 480 x 6 + 25 x 9.
  EXPECT_EQ(bits("csr"), std::make_pair(1200L * 8, 720L * 7 + 21 * 10 + 480 * 6 + 25 * 9));
  // Periodic (P 4): n = round(0.5 x 9) = 5 of 9, 1 of 1 (a 1x1 kernel keeps its weight);
  // index P K + lg P per layer: 36 + 2, 4 + 2.
  EXPECT_EQ(bits("periodic"), std::make_pair((160L * 5 + 960) * 8, 38L + 6));
  // PCNN (Np 8): 5 of 9 per 3x3 kernel, index Co Ci lg(Np) + Np K = 160 x 3 + 72; the 1x1 layer
  // in 1-D vectors of 8 input channels (5 per filter), 4 of 8 kept: 24 x 5 x 4 values, index
  // 24 x 5 x 3 + 8 x 8.
  EXPECT_EQ(bits("pcnn"), std::make_pair((160L * 5 + 24 * 5 * 4) * 8, 160L * 3 + 72 + 24 * 5 * 3 + 64));
  const double dense_bits = 2400.0 * 8;
  for (const auto& [name, s] : by) {
    const long total = s["value_bits"].get<long>() + s["index_bits"].get<long>();
    EXPECT_EQ(s["total_bits"].get<long>(), total) << name;
    EXPECT_DOUBLE_EQ(s["compression_vs_dense"].get<double>(), dense_bits / total) << name;
    long value = 0, index = 0;
    for (const auto& l : s["layers"]) {
      value += l["value_bits"].get<long>();
      index += l["index_bits"].get<long>();
    }
    EXPECT_EQ(value, s["value_bits"].get<long>()) << name;
    EXPECT_EQ(index, s["index_bits"].get<long>()) << name;
  }
  EXPECT_DOUBLE_EQ(by.at("csr")["index_vs_csr"].get<double>(), 1.0);

  r = run("storage " + path("missing.csv"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find(path("missing.csv")), std::string::npos) << r.output;
  r = run("storage " + path("s.csv") + " --density 0");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--density"), std::string::npos) << r.output;
  r = run("storage " + path("s.csv") + " --schemes csr,zip");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("zip"), std::string::npos) << r.output;
  // The restricted code is (8, 2): another density is refused, not counted unrestricted.
  r = run("storage " + path("s.csv") + " --schemes ternary --restricted --density 0.5");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--restricted: the restricted code keeps 2 of every block of 8, --density 0.5"),
            std::string::npos)
      << r.output;
  r = run("storage " + path("s.csv") + " --schemes ternary --restricted --density 0.25");
  EXPECT_EQ(r.status, 0) << r.output;
}

// SCALE-Sim topology CSVs time layers with synthetic weights; each layer's cycles are the
// documented formula (hw/README.md, "Timing of a layer" and the DMA phases), in both modes
// (issue 15, point 6).
TEST_F(Cli, TopologyCsvLayersTakeTheDocumentedCycles) {
  write_file_atomic(path("conv.csv"),
                    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                    "c3s2, 10, 10, 3, 3, 8, 20, 2,\n"
                    "pw, 6, 6, 1, 1, 40, 24, 1,\n"
                    "DP3, 8, 8, 3, 3, 16, 16, 1,\n");
  write_file_atomic(path("gemm.csv"), "Layer, M, N, K,\ng, 5, 24, 40,\n");
  struct Expect {
    long pixels, rows, cols, in_bytes, out_bytes;
  };
  // 16x16 array, b = 8, default weight buffer (T_load = R = 16), 16 DRAM bytes per cycle.
  const auto cycles = [](const Expect& e) {
    const long n = ((e.rows + 15) / 16) * ((e.cols + 15) / 16);
    const long compute = 8 * (e.pixels + 16 - 1) + 16;
    const long layer = 16 + (n - 1) * std::max(compute, 16L) + compute;
    return (e.in_bytes + 15) / 16 + layer + (e.out_bytes + 15) / 16;
  };
  for (const std::string mode : {"fast", "cycle"}) {
    Result r = run("run --topology " + path("conv.csv") + " --mode " + mode + " --compute-report " + path("c.csv") +
                   " --report " + path("c.json"));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(mode == "fast" ? "timed (no values computed)" : "bit-exact with the golden model"),
              std::string::npos)
        << r.output;
    const auto report = nlohmann::json::parse(read_file(path("c.json")));
    ASSERT_EQ(report["layers"].size(), 3u);
    // c3s2: 4x4 outputs, 20 filters over 8 x 3 x 3 = 72 columns; pw: 36 pixels, 24 x 40.
    EXPECT_EQ(report["layers"][0]["cycles"].get<long>(), cycles({16, 20, 72, 800, 320})) << mode;
    EXPECT_EQ(report["layers"][1]["cycles"].get<long>(), cycles({36, 24, 40, 1440, 864})) << mode;
    EXPECT_TRUE(report["layers"][2]["depthwise"].get<bool>());
    const std::string csv = read_file(path("c.csv"));
    EXPECT_EQ(csv.rfind("LayerID, Total Cycles", 0), 0u) << csv;
    EXPECT_NE(csv.find("\n1, " + std::to_string(cycles({36, 24, 40, 1440, 864})) + ", "), std::string::npos) << csv;

    r = run("run --topology " + path("gemm.csv") + " --mode " + mode + " --report " + path("g.json"));
    ASSERT_EQ(r.status, 0) << r.output;
    // GEMM form M=5, N=24, K=40: 5 pixels of 40 channels through 24 filters.
    EXPECT_EQ(nlohmann::json::parse(read_file(path("g.json")))["layers"][0]["cycles"].get<long>(),
              cycles({5, 24, 40, 200, 120}))
        << mode;
  }
  // Column combining packs the synthetic weights at the asked density.
  Result r = run("run --topology " + path("conv.csv") + " --mode fast --scheme cc --density 0.25 --alpha 8 --report " +
                 path("cc.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto cc = nlohmann::json::parse(read_file(path("cc.json")));
  EXPECT_LT(cc["layers"][0]["packed_columns"].get<int>(), 72);
  EXPECT_LT(cc["layers"][0]["cycles"].get<long>(), cycles({16, 20, 72, 800, 320}));
  EXPECT_EQ(r.output.find("pixel blocks"), std::string::npos) << r.output;
  // A GEMM of 5,000 rows exceeds the 4,096-pixel accumulator buffer: two pixel blocks, each
  // exposing its first weight load, and a note that says so.
  write_file_atomic(path("tall.csv"), "Layer, M, N, K,\ntall, 5000, 4, 4,\n");
  r = run("run --topology " + path("tall.csv") + " --mode fast --report " + path("t.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("ccsim: note: layer 'tall' runs in 2 pixel blocks of up to 4096 output rows: its 5000 output "
                          "pixels exceed the accumulator buffer (4096 per array row)"),
            std::string::npos)
      << r.output;
  const long first = 8 * (4096 + 15) + 16;
  const long second = 8 * (904 + 15) + 16;
  EXPECT_EQ(nlohmann::json::parse(read_file(path("t.json")))["layers"][0]["cycles"].get<long>(),
            (16 + first) + (16 + second) + (5000 * 4 + 15) / 16 + (5000 * 4 + 15) / 16);

  const std::string header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";
  const auto refused = [&](const std::string& text, const std::string& fragment) {
    write_file_atomic(path("bad.csv"), text);
    expect_failure("run --topology " + path("bad.csv") + " --mode fast --report " + path("never.json"), fragment,
                   path("never.json"));
  };
  refused("name, h, w\n", path("bad.csv") + ":1: the header is neither SCALE-Sim's conv form");
  refused(header, "the topology has a header and no layer");
  refused(header + "a, 10, x, 3, 3, 8, 20, 1,\n", path("bad.csv") + ":2: 'IFMAP Width' is 'x', expected an integer");
  refused(header + "a, 10, 10, 3, 3, 8, 0, 1,\n", "'Num Filter' is '0'");
  refused(header + "a, 10, 10, 3, 3, 8, 20,\n", ":2: has 7 fields, the header 8");
  refused(header + "a, 2, 10, 3, 3, 8, 20, 1,\n", "the 3x3 filter is larger than the 2x10 IFMAP");
  refused(header + "DP, 10, 10, 3, 3, 8, 20, 1,\n", "is depthwise (its name contains DP) but has 20 filters for 8 channels");
  refused(header + "a, 100000, 100000, 3, 3, 8, 20, 1,\n", "beyond ccsim's limits");
  expect_failure("run " + path("x.ccpack") + " --topology " + path("conv.csv"), "not both");
  expect_failure("run --topology " + path("conv.csv") + " --dataset /usr/share/datasets/fashion-mnist", "--input and --dataset are for a .ccpack");
  expect_failure("run --topology " + path("conv.csv") + " --tlm lt", "--vcd, --tlm and --rtl are for a .ccpack");
  expect_failure("run", "run needs FILE.ccpack or --topology TOPO.csv");
  expect_failure("run " + path("x.ccpack") + " --scheme cc", "--scheme, --density, --alpha and --gamma go with --topology");
}

// Bit-parallel cells without shadow registers are SCALE-Sim's weight-stationary array. Against
// SCALE-Sim v2's own COMPUTE_REPORT.csv files (tests/scalesim: measured, with the commands that
// made them), every layer of every run takes exactly
//   ccsim:     n (2 W + H + P - 2) + 1   (array cycles: the layer's cycles without its DMA phases)
//   SCALE-Sim: n (2 H + W + T - 2) - 1
// for a SCALE-Sim array of H rows (the reduction) and W columns (the filters), run by ccsim as a
// W x H array (rows are filters in ccsim), n folds, P ccsim's output pixels and T SCALE-Sim's
// (one more row or column when (IFMAP - filter) is not a multiple of the stride). On square
// arrays with P = T that is 2 cycles a layer apart: within 1 %.
TEST_F(Cli, BitParallelWeightStationaryMatchesScaleSim) {
  const std::string dir = std::string(CCSIM_SOURCE_DIR) + "/tests/scalesim/";
  std::ifstream manifest(dir + "runs.csv");
  ASSERT_TRUE(manifest) << dir + "runs.csv";
  std::string line;
  std::getline(manifest, line);  // topology,height,width,report
  int compared = 0;
  int within_1_percent = 0;
  while (std::getline(manifest, line)) {
    if (line.empty()) continue;
    std::stringstream fields(line);
    std::string topology, report;
    long H = 0, W = 0;
    char comma = 0;
    std::getline(fields, topology, ',');
    fields >> H >> comma >> W >> comma >> report;
    SCOPED_TRACE(topology + " on SCALE-Sim " + std::to_string(H) + "x" + std::to_string(W));
    const Result r = run("run --topology " + dir + topology + " --mode fast --mac parallel --weight-load exposed --array " +
                         std::to_string(W) + "x" + std::to_string(H) +
                         " --acc-pixels 1048576 --input-store-kib 65536 --report " + path("s.json"));
    ASSERT_EQ(r.status, 0) << r.output;
    const auto layers = nlohmann::json::parse(read_file(path("s.json")))["layers"];
    // SCALE-Sim's rows: LayerID, Total Cycles, ...
    std::ifstream compute(dir + report);
    ASSERT_TRUE(compute) << dir + report;
    std::getline(compute, line);
    std::size_t k = 0;
    while (std::getline(compute, line)) {
      if (line.empty()) continue;
      ASSERT_LT(k, layers.size()) << report << " has more layers than ccsim ran";
      const long scalesim = std::stol(line.substr(line.find(',') + 1));
      const auto& l = layers[k++];
      const long ccsim = l["cycles"].get<long>() - l["memory_stall_cycles"].get<long>();
      // The layer's shape from ccsim's report: filters M, reduction K, output pixels P.
      const long M = l["filters"].get<long>();
      const long K = l["reduction"].get<long>();
      const long P = l["output_pixels"].get<long>();
      const long T = l["scalesim_output_pixels"].get<long>();
      const long n = ((K + H - 1) / H) * ((M + W - 1) / W);
      EXPECT_EQ(scalesim, n * (2 * H + W + T - 2) - 1) << "SCALE-Sim's count, layer " << k - 1;
      EXPECT_EQ(ccsim, n * (2 * W + H + P - 2) + 1) << "ccsim's count, layer " << k - 1;
      if (H == W && P == T) {
        EXPECT_LE(std::abs(ccsim - scalesim), 0.01 * scalesim) << "layer " << k - 1;
        ++within_1_percent;
      }
      ++compared;
    }
    EXPECT_EQ(k, layers.size()) << report << " has fewer layers than ccsim ran";
  }
  EXPECT_GE(compared, 20);
  EXPECT_GE(within_1_percent, 15);
}

// pack --activation-bits / --weight-bits: a 4-bit network runs on a 4-bit data path (cycle mode
// PASS against the golden model, fast mode the same cycles, 4 cycles per MAC instead of 8); the
// 8-bit network is refused there, naming the flag; a width outside [2, 8] is refused.
TEST_F(Cli, LowPrecisionNetworksRunOnNarrowDataPaths) {
  const std::string pack = "pack " + path("net.json") + " --alpha 4 --calib-input " + path("calib.pb");
  Result r = run(pack + " --activation-bits 4 --weight-bits 4 -o " + path("n4.ccpack"));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(run(pack + " -o " + path("n8.ccpack")).status, 0);
  const std::string base = " --array 8x8 --input " + path("x.pb") + " --report ";
  r = run("run " + path("n4.ccpack") + " --data-bits 4 --mode cycle" + base + path("c4.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
  ASSERT_EQ(run("run " + path("n4.ccpack") + " --data-bits 4 --mode fast" + base + path("f4.json")).status, 0);
  ASSERT_EQ(run("run " + path("n8.ccpack") + " --mode fast" + base + path("f8.json")).status, 0);
  const auto cycles = [&](const char* file) {
    return nlohmann::json::parse(read_file(path(file)))["per_inference"]["cycles"].get<long>();
  };
  EXPECT_EQ(cycles("c4.json"), cycles("f4.json"));
  EXPECT_LT(cycles("f4.json"), cycles("f8.json"));
  const auto inspect = run("inspect " + path("n4.ccpack"));
  EXPECT_NE(inspect.output.find("4-bit symmetric per tensor"), std::string::npos) << inspect.output;
  expect_failure("run " + path("n8.ccpack") + " --data-bits 4 --mode fast" + base + path("never.json"),
                 "has 8-bit activations, wider than the array's 4-bit data path (run --data-bits", path("never.json"));
  expect_failure(pack + " --activation-bits 9 -o " + path("n9.ccpack"), "--activation-bits", path("n9.ccpack"));
  // A topology's synthetic layers take the data path's width: 4-bit activations at --data-bits 4,
  // bit-exact in cycle mode, and the cycles of b = 4.
  write_file_atomic(path("t.csv"), "Layer, M, N, K,\ng, 5, 24, 40,\n");
  r = run("run --topology " + path("t.csv") + " --data-bits 4 --mode cycle --report " + path("t.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("4-bit activations for --data-bits 4"), std::string::npos) << r.output;
  const auto t = nlohmann::json::parse(read_file(path("t.json")));
  EXPECT_EQ(t["activation_bits"], 4);
  // 2 x 3 tiles of 16 x 16; T_compute = 4 (5 + 15) + 16 = 96; DMA 200 + 120 bytes at 16 per cycle.
  EXPECT_EQ(t["layers"][0]["cycles"].get<long>(), 16 + 5 * std::max(96L, 16L) + 96 + (200 + 15) / 16 + (120 + 15) / 16);
}

TEST_F(Cli, RunCycleFastTlmAndWaveform) {
  ASSERT_EQ(run("pack " + path("net.json") + " --alpha 4 --calib-input " + path("calib.pb") + " -o " + path("n.ccpack"))
                .status,
            0);
  const std::string base = "run " + path("n.ccpack") + " --array 6x5 --input " + path("x.pb");
  Result r = run(base + " --mode cycle --report " + path("cycle.json") + " --vcd " + path("w.vcd") +
                 " --trace-window 10:400");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos);
  ASSERT_EQ(run(base + " --mode fast --report " + path("fast.json")).status, 0);
  ASSERT_EQ(run(base + " --tlm at --report " + path("tlm.json")).status, 0);
  const auto cycle = nlohmann::json::parse(read_file(path("cycle.json")));
  const auto fast = nlohmann::json::parse(read_file(path("fast.json")));
  const auto tlm = nlohmann::json::parse(read_file(path("tlm.json")));
  EXPECT_EQ(cycle["per_inference"], fast["per_inference"]);
  EXPECT_EQ(cycle["layers"], fast["layers"]);
  EXPECT_EQ(tlm["cycles_per_inference"], fast["cycles_per_inference"]);
  EXPECT_GT(tlm["tlm"]["dma_bytes_read"].get<long>(), 0);
  const std::string vcd = read_file(path("w.vcd"));
  // --trace-tile narrows the window to one tile of the traced layer; a tile that does not exist
  // leaves no value changes after the header.
  ASSERT_EQ(run(base + " --vcd " + path("t0.vcd") + " --trace-layer 0 --trace-tile 0").status, 0);
  ASSERT_EQ(run(base + " --vcd " + path("t9.vcd") + " --trace-layer 0 --trace-tile 999").status, 0);
  const auto timestamps = [](const std::string& text) { return std::count(text.begin(), text.end(), '#'); };
  EXPECT_GT(timestamps(read_file(path("t0.vcd"))), timestamps(read_file(path("t9.vcd"))) + 10);
  EXPECT_NE(vcd.find("row0_psum_out"), std::string::npos);
  EXPECT_NE(vcd.find("col4_lines"), std::string::npos);
  for (const char* unit_signal : {"weight_buffer_filling", "dma_busy", "array_computing", "vector_unit_busy",
                                  "feeder_values_fed", "accumulator_writes", "dma_bytes"}) {
    EXPECT_NE(vcd.find(unit_signal), std::string::npos) << unit_signal;
  }

  // The pipelined schedule: same per-layer counters, inputs overlapped, both modes agree.
  const std::string two = base + " --input " + path("x.pb") + " --schedule pipelined";
  ASSERT_EQ(run(two + " --mode cycle --report " + path("pc.json")).status, 0);
  ASSERT_EQ(run(two + " --mode fast --report " + path("pf.json")).status, 0);
  const auto pc = nlohmann::json::parse(read_file(path("pc.json")));
  const auto pf = nlohmann::json::parse(read_file(path("pf.json")));
  EXPECT_EQ(pc["makespan_cycles"], pf["makespan_cycles"]);
  EXPECT_EQ(pc["layers"], cycle["layers"]);
  EXPECT_LT(pc["makespan_cycles"].get<long>(), 2 * cycle["cycles_per_inference"].get<long>());
  EXPECT_GT(pc["arrays"].get<int>(), 1);

  // The TLM system with a slow memory: slower than the fast mode's estimate, per layer never faster.
  ASSERT_EQ(run(base + " --tlm at --dram-latency-ns 100 --report " + path("slow.json")).status, 0);
  const auto slow = nlohmann::json::parse(read_file(path("slow.json")));
  EXPECT_GT(slow["cycles_per_inference"].get<long>(), fast["cycles_per_inference"].get<long>());
  ASSERT_FALSE(slow["tlm"]["fast_estimate_vs_tlm"].empty());
  for (const auto& l : slow["tlm"]["fast_estimate_vs_tlm"]) EXPECT_GE(l["tlm_cycles"].get<long>(), l["fast_cycles"].get<long>());
  EXPECT_TRUE(slow["tlm"]["protocol_violations"].empty());
  // A second initiator taking half the memory's bandwidth slows the accelerator down.
  ASSERT_EQ(run(base + " --tlm lt --traffic-bytes-per-ns 8 --report " + path("busy.json")).status, 0);
  const auto busy = nlohmann::json::parse(read_file(path("busy.json")));
  EXPECT_GT(busy["tlm"]["traffic_bytes"].get<long>(), 0);
  EXPECT_GT(busy["cycles_per_inference"].get<long>(), fast["cycles_per_inference"].get<long>());

  const std::string out = path("bad.json");
  const std::string no_array = "run " + path("n.ccpack") + " --input " + path("x.pb");
  expect_failure(base + " --dram-latency-ns 50 --report " + out, "--dram-latency-ns, --dmi and --traffic-bytes-per-ns need --tlm", out);
  expect_failure(base + " --tlm at --dmi --report " + out, "--dmi is for --tlm lt", out);
  expect_failure(no_array + " --array 6 --report " + out, "ROWSxCOLS", out);
  expect_failure(no_array + " --array 0x4 --report " + out, "must be >= 1", out);
  expect_failure(base + " --vcd " + path("v.vcd") + " --trace-window 9:3", "--trace-window '9:3'", path("v.vcd"));
  expect_failure(base + " --mode fast --vcd " + path("v.vcd"), "--vcd needs --mode cycle", path("v.vcd"));
  expect_failure(base + " --schedule ring --report " + out, "--schedule", out);
  expect_failure(base + " --weight-buffer-kib 0.05 --report " + out, "cannot double-buffer", out);
  expect_failure(base + " --tlm lt --schedule pipelined --report " + out, "shared-array schedule only", out);
  expect_failure("run " + path("net.json") + " --input " + path("x.pb"), "bad magic");
}

// train --scheme on an imported layer graph (the ResNet export): the convolutions between the
// first and the classifier are pruned the scheme's way and, for ternary, trained as ternary
// layers; the packed file maps them onto the multiplexers and runs bit-exact in cycle mode.
TEST_F(Cli, TrainImportedNetworkUnderAScheme) {
  const std::string onnx = std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-resnet.onnx";
  const std::string base = "train --init " + onnx + " --input-scale 1/255 --max-train-samples 256 --max-test-samples 100 "
                           "--batch-size 64 --threads 1 --calib-count 64 --epochs 2 --lr 0.01 ";
  Result r = run(base + "--scheme ternary --density 0.25 -o " + path("g.ccpack") + " --export " + path("g.json") +
                 " --report " + path("g.report.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pruning to 0.25 the ternary way"), std::string::npos) << r.output;
  const auto report = nlohmann::json::parse(read_file(path("g.report.json")));
  EXPECT_EQ(report.at("options").at("scheme").at("name"), "ternary");
  EXPECT_EQ(report.at("options").at("scheme").at("values"), "ternary");
  // The exported network: every pruned layer holds one magnitude (its ternary scale), <= 2 of
  // every block of 8 of a row; the first layer and the classifier keep many magnitudes.
  const auto net = model::load_network_json(path("g.json"));
  const auto shapes = model::infer_shapes(net);
  int ternary_layers = 0;
  std::size_t first = net.layers.size(), last = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != model::LayerKind::Conv && net.layers[i].kind != model::LayerKind::Linear) continue;
    first = std::min(first, i);
    last = i;
  }
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    if (l.kind != model::LayerKind::Conv && l.kind != model::LayerKind::Linear) continue;
    std::set<float> magnitudes;
    for (const float w : l.weight) {
      if (w != 0.0f) magnitudes.insert(std::fabs(w));
    }
    if (i == first || i == last) {
      EXPECT_GT(magnitudes.size(), 2u) << l.name << " stays dense";
      continue;
    }
    ++ternary_layers;
    EXPECT_EQ(magnitudes.size(), 1u) << l.name;
    const auto m = model::filter_matrix(l, shapes[i]);
    for (int row = 0; row < m.rows; ++row) {
      for (int b = 0; b < m.cols; b += 8) {
        int kept = 0;
        for (int k = b; k < std::min(m.cols, b + 8); ++k) kept += m.values[static_cast<std::size_t>(row) * m.cols + k] != 0.0f;
        ASSERT_LE(kept, 2) << l.name << " row " << row << " block " << b / 8;
      }
    }
  }
  EXPECT_EQ(ternary_layers, 8);
  // Packed as explore packs ternary: the pruned layers on 2-of-8 multiplexers, every weight the
  // training kept still there (packing pruned nothing more; a ternary row quantizes to +-127).
  const auto packed = model::decode_packed(read_file(path("g.ccpack")), "g.ccpack");
  int mapped = 0;
  for (const auto& l : packed.layers) {
    if (l.kind != model::OpKind::Matmul || l.alpha != 8) continue;
    ++mapped;
    const auto trained = std::find_if(net.layers.begin(), net.layers.end(), [&](const model::Layer& t) { return t.name == l.name; });
    ASSERT_NE(trained, net.layers.end()) << l.name;
    EXPECT_EQ(l.nonzeros_int8(), std::count_if(trained->weight.begin(), trained->weight.end(), [](float w) { return w != 0.0f; }))
        << l.name;
  }
  EXPECT_EQ(mapped, 8);
  r = run("run " + path("g.ccpack") + " --mode cycle --array 8x8 --dataset /usr/share/datasets/fashion-mnist --count 1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
  // Combining's flags do not go with a scheme.
  r = run(base + "--scheme nm --density 0.5 --alpha 4 -o " + path("x.ccpack"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--alpha sets column combining"), std::string::npos) << r.output;
}

// A packed column wider than any cell's multiplexer (32 inputs) is refused by `run`, naming the
// file, the layer and what to pack it with, before anything is written.
TEST_F(Cli, RunRefusesGroupsWiderThanAnyMultiplexer) {
  const Result p = run("pack " + std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-resnet.onnx -o " + path("a40.ccpack") +
                       " --alpha 40 --gamma 1000 --combine-all --input-scale 1/255 --calib-count 8 --calib-dataset "
                       "/usr/share/datasets/fashion-mnist --check-count 0");
  ASSERT_EQ(p.status, 0) << p.output;
  for (const char* mode : {"fast", "cycle"}) {
    const Result r = run("run " + path("a40.ccpack") + " --mode " + mode + " --array 8x8 --dataset "
                         "/usr/share/datasets/fashion-mnist --count 1 --report " + path("r.json"));
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(path("a40.ccpack") + ": layer '"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("columns into one packed column; an array cell's multiplexer selects among at most 32 "
                            "(pack it with --alpha 32 or less)"),
              std::string::npos)
        << r.output;
    EXPECT_FALSE(fs::exists(path("r.json")));
  }
}

// `ccsim train` end to end on a few batches: the packed file it writes is what the golden model
// scores, and the report records the options that shaped the run (the training table reads them).
// train --scheme: a PCNN-trained network's packed file runs bit-exact in cycle mode, its report
// says the scheme, and what does not go with it is refused.
TEST_F(Cli, TrainUnderAnotherSchemeAndItsRefusals) {
  const std::string base = "train --filters 4 8 8 --layers 1 1 1 --strides 1 2 2 --max-train-samples 256 "
                           "--max-test-samples 100 --batch-size 64 --threads 1 --calib-count 64 --prune-steps 1 --epochs 2 ";
  Result r = run(base + "--scheme pcnn --density 0.5 --patterns 4 -o " + path("p.ccpack") + " --report " + path("p.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto o = nlohmann::json::parse(read_file(path("p.json"))).at("options");
  EXPECT_EQ(o.at("mode"), "scheme");
  EXPECT_EQ(o.at("scheme").at("name"), "pcnn");
  EXPECT_EQ(o.at("scheme").at("patterns"), 4);
  r = run("run " + path("p.ccpack") + " --mode cycle --array 8x8 --dataset /usr/share/datasets/fashion-mnist --count 1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
  // Ternary blocks of 16 map onto 16-input multiplexers: `run` builds them, and says so.
  std::string wide = base;
  wide.replace(wide.find("--filters 4 8 8"), 15, "--filters 4 16 16");  // rows of 16 and more weights
  r = run(wide + "--scheme ternary --block 16 --density 0.25 -o " + path("t16.ccpack"));
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* mode : {"cycle", "fast"}) {
    r = run("run " + path("t16.ccpack") + " --mode " + mode + " --array 8x8 --dataset /usr/share/datasets/fashion-mnist --count 1");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("multiplexers select among 16 inputs, not 8"), std::string::npos) << r.output;
  }

  const auto refused = [&](const std::string& args, const std::string& fragment) {
    const Result f = run(args);
    EXPECT_NE(f.status, 0) << args << "\n" << f.output;
    EXPECT_NE(f.output.find(fragment), std::string::npos) << args << "\n" << f.output;
  };
  refused(base + "--scheme cc", "--scheme: cc not in");
  refused(base + "--scheme nm --mode prune", "--scheme sets the training mode: drop --mode prune");
  refused(base + "--density 0.5", "--density goes with --scheme");
  refused(base + "--scheme nm --patterns 4", "--patterns does not go with --scheme nm");
  refused(base + "--scheme csr --final-prune 0.5", "--final-prune is column combining's");
  refused(base + "--scheme periodic --density 0.5", "prunes nothing in this network");
  refused(base + "--scheme ternary --restricted --density 0.5", "--restricted: the restricted code keeps 2 of every block");
  refused("train --filters 4 8 8 --layers 1 1 1 --scheme nm --density 0.5 --epochs 1", "has no pruning epoch");
  // An imported network is checked the same way before any data is read.
  refused("train --scheme nm --epochs 1 --init " + std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-resnet.onnx",
          "has no pruning epoch");
}

TEST_F(Cli, TrainWritesPackedNetworkReportAndExport) {
  const std::string base = "train --filters 4 8 8 --layers 1 1 1 --strides 1 2 2 --groups 2 2 4 "
                           "--max-train-samples 256 --max-test-samples 300 --batch-size 64 --threads 1 "
                           "--calib-count 64 --final-prune 0.5 --prune-steps 1 ";
  const Result r = run(base + "--epochs 2 -o " + path("t.ccpack") + " --export " + path("t.json") + " --report " +
                       path("t.report.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(path("t.report.json"));
  const auto report = nlohmann::json::parse(in);
  const auto& o = report.at("options");
  EXPECT_EQ(o.at("mode"), "combine");
  EXPECT_DOUBLE_EQ(o.at("final_prune").get<double>(), 0.5);
  EXPECT_EQ(o.at("prune_steps").get<int>(), 1);
  EXPECT_EQ(o.at("calib_count").get<int>(), 64);
  EXPECT_EQ(o.at("net").at("groups"), nlohmann::json::array({2, 2, 4}));
  ASSERT_EQ(report.at("history").size(), 2u);
  // One pruning step over the first half of two epochs: at the start of epoch 2.
  EXPECT_FALSE(report.at("history")[0].at("pruned").get<bool>());
  EXPECT_TRUE(report.at("history")[1].at("pruned").get<bool>());
  const Result golden = run("golden " + path("t.ccpack") + " --dataset /usr/share/datasets/fashion-mnist --count 300");
  ASSERT_EQ(golden.status, 0) << golden.output;
  const auto scored = nlohmann::json::parse(golden.output.substr(golden.output.find('{')));
  EXPECT_DOUBLE_EQ(scored.at("accuracy").get<double>(), report.at("int8_test_accuracy").get<double>());
  EXPECT_NO_THROW(model::load_network_json(path("t.json")));

  // Quantization-aware fine-tuning alone on the exported network keeps its packing.
  const Result q = run(base + "--epochs 0 --qat-epochs 1 --init " + path("t.json") + " -o " + path("q.ccpack") +
                       " --report " + path("q.report.json"));
  ASSERT_EQ(q.status, 0) << q.output;
  EXPECT_NE(q.output.find("fake-quantized test accuracy before QAT"), std::string::npos) << q.output;
  std::ifstream qin(path("q.report.json"));
  const auto qreport = nlohmann::json::parse(qin);
  ASSERT_EQ(qreport.at("history").size(), 1u);
  EXPECT_TRUE(qreport.at("history")[0].at("qat").get<bool>());
  EXPECT_TRUE(qreport.contains("fake_quant_test_accuracy_before_qat"));
  EXPECT_EQ(qreport.at("combining"), report.at("combining"));
  const Result qgolden = run("golden " + path("q.ccpack") + " --dataset /usr/share/datasets/fashion-mnist --count 300");
  ASSERT_EQ(qgolden.status, 0) << qgolden.output;
  const auto qscored = nlohmann::json::parse(qgolden.output.substr(qgolden.output.find('{')));
  EXPECT_DOUBLE_EQ(qscored.at("accuracy").get<double>(), qreport.at("int8_test_accuracy").get<double>());
  // At 4-bit activations and 5-bit weights: the packed network has those widths (its golden
  // accuracy is the report's) and runs on a 4-bit data path.
  const Result n = run(base + "--epochs 0 --qat-epochs 1 --activation-bits 4 --weight-bits 5 --init " + path("t.json") + " -o " +
                       path("n.ccpack") + " --report " + path("n.report.json"));
  ASSERT_EQ(n.status, 0) << n.output;
  EXPECT_NE(n.output.find("4/5-bit golden test accuracy"), std::string::npos) << n.output;
  std::ifstream nin(path("n.report.json"));
  const auto nreport = nlohmann::json::parse(nin);
  EXPECT_EQ(nreport.at("activation_bits"), 4);
  EXPECT_EQ(nreport.at("options").at("weight_bits"), 5);
  const Result ngolden = run("golden " + path("n.ccpack") + " --dataset /usr/share/datasets/fashion-mnist --count 300");
  ASSERT_EQ(ngolden.status, 0) << ngolden.output;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(ngolden.output.substr(ngolden.output.find('{'))).at("accuracy").get<double>(),
                   nreport.at("int8_test_accuracy").get<double>());
  EXPECT_NE(run("inspect " + path("n.ccpack")).output.find("\"activation_bits\": 4"), std::string::npos);
  const Result nrun = run("run " + path("n.ccpack") + " --data-bits 4 --mode cycle --dataset /usr/share/datasets/fashion-mnist");
  EXPECT_EQ(nrun.status, 0) << nrun.output;
  expect_failure(base + "--epochs 0 -o " + path("none.ccpack"), "epochs + QAT epochs >= 1", path("none.ccpack"));
}

// `ccsim` does not load libsystemc (nor libtorch): packing, fast mode, sweeps and reports start
// without its static initialisation; cycle, TLM and cosim runs become ccsim-systemc, beside it.
TEST_F(Cli, SystemcRunsAreHandedToCcsimSystemc) {
  const fs::path tool(CCSIM_BINARY);
  const auto needed = [](const fs::path& program) { return test::run_shell("readelf -d " + program.string()).output; };
  const std::string light = needed(tool);
  ASSERT_NE(light.find("(NEEDED)"), std::string::npos) << light;
  EXPECT_EQ(light.find("libsystemc"), std::string::npos) << light;
  EXPECT_EQ(light.find("libtorch"), std::string::npos) << light;
  EXPECT_NE(needed(tool.parent_path() / "ccsim-systemc").find("libsystemc"), std::string::npos);

  const std::string topology = " --topology " + std::string(CCSIM_SOURCE_DIR) + "/sim/examples/scalesim-three-layers.csv";
  const Result cycle = run("run" + topology + " --mode cycle --array 16x16 --count 1");
  EXPECT_EQ(cycle.status, 0) << cycle.output;
  EXPECT_NE(cycle.output.find("bit-exact with the golden model"), std::string::npos) << cycle.output;

  // `ccsim cosim` is listed by ccsim and parsed by ccsim-systemc, its help included.
  const Result help = run("cosim --help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_NE(help.output.find("Usage: ccsim cosim"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--design"), std::string::npos) << help.output;

  // Alone in a directory, ccsim still runs what needs no SystemC and names the missing program.
  fs::create_directories(dir_ / "alone");
  const fs::path alone = dir_ / "alone" / "ccsim";
  fs::copy_file(tool, alone);
  const Result fast = test::run_shell(alone.string() + " run" + topology + " --mode fast");
  EXPECT_EQ(fast.status, 0) << fast.output;
  for (const std::string& args : {"run" + topology + " --mode cycle", std::string("cosim x.ccpack --array 4x4")}) {
    const Result r = test::run_shell(alone.string() + " " + args);
    EXPECT_EQ(r.status, 1) << args << "\n" << r.output;
    EXPECT_NE(r.output.find((dir_ / "alone" / "ccsim-systemc").string() + ", which could not be started"), std::string::npos)
        << r.output;
  }
  // What --topology does not combine with is refused by ccsim itself, before any hand-over.
  const Result tlm = test::run_shell(alone.string() + " run" + topology + " --tlm lt");
  EXPECT_EQ(tlm.status, 1) << tlm.output;
  EXPECT_NE(tlm.output.find("--topology runs --mode fast or cycle; --vcd, --tlm and --rtl are for a .ccpack"),
            std::string::npos) << tlm.output;
}

TEST_F(Cli, BadInputsGetClearErrorsAndWriteNothing) {
  const std::string out = path("out.ccpack");
  const std::string calib = " --calib-input " + path("calib.pb");
  expect_failure("pack " + path("missing.json") + calib + " -o " + out, "missing.json: no such file", out);
  write_file_atomic(path("m.txt"), "x");
  expect_failure("pack " + path("m.txt") + calib + " -o " + out, "unknown model type", out);
  write_file_atomic(path("broken.json"), "{\"format\": \"ccsim-network\"");
  expect_failure("pack " + path("broken.json") + calib + " -o " + out, "broken.json: not valid JSON", out);
  expect_failure("pack " + path("net.json") + " -o " + out, "calibration source", out);
  expect_failure("pack " + path("net.json") + calib + " --alpha 0 -o " + out, "--alpha", out);
  expect_failure("pack " + path("net.json") + calib + " --layer pw3 -o " + out, "--layer 'pw3'", out);
  expect_failure("pack " + path("net.json") + calib + " --layer pw3:beta=2 -o " + out, "bad item 'beta=2'", out);
  expect_failure("pack " + path("net.json") + calib + " --layer nosuch:alpha=2 -o " + out, "'nosuch'", out);
  expect_failure("pack " + path("net.json") + " --calib-input " + path("x.pb") + " --calib-dataset /nonexistent -o " + out,
                 "exactly one calibration source", out);
  expect_failure("pack " + path("net.json") + " --calib-dataset /nonexistent -o " + out,
                 "/nonexistent/train-images-idx3-ubyte", out);
  expect_failure("pack " + path("net.json") + " --calib-input " + path("net.json") + " -o " + out,
                 "not an ONNX TensorProto", out);
  expect_failure("pack " + path("net.json") + calib + " -o /nonexistent-dir/out.ccpack", "/nonexistent-dir/out.ccpack");

  ASSERT_EQ(run("pack " + path("net.json") + calib + " -o " + out).status, 0);
  std::string bytes = read_file(out);
  write_file_atomic(path("trunc.ccpack"), bytes.substr(0, bytes.size() - 10));
  expect_failure("inspect " + path("trunc.ccpack"), "trunc.ccpack: truncated");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  write_file_atomic(path("corrupt.ccpack"), bytes);
  expect_failure("inspect " + path("corrupt.ccpack"), "corrupt.ccpack: corrupt: checksum mismatch");
  expect_failure("inspect " + path("net.json"), "bad magic");
  expect_failure("golden " + out, "exactly one input source");
  expect_failure("golden " + out + " --input " + path("calib.pb") + " --expect " + path("x.pb"), "expected output has");
  expect_failure("golden " + out + " --dataset " + path("nodata"), "nodata/t10k-images-idx3-ubyte");
  expect_failure("golden " + out + " --input " + path("x.pb") + " -o /nonexistent-dir/y.pb", "/nonexistent-dir/y.pb");
  expect_failure("frobnicate", "subcommand");
}

// An IDX data set of `count` rows x cols images with the given labels, as the test split.
void write_idx(const std::string& dir, std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
               const std::vector<std::uint8_t>& labels, std::size_t pixel_bytes) {
  fs::create_directories(dir);
  const auto be32 = [](std::string& s, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::string images;
  be32(images, 0x803);
  be32(images, count);
  be32(images, rows);
  be32(images, cols);
  images.append(pixel_bytes, '\x40');
  std::string label_file;
  be32(label_file, 0x801);
  be32(label_file, count);
  label_file.append(labels.begin(), labels.end());
  write_file_atomic(dir + "/t10k-images-idx3-ubyte", images);
  write_file_atomic(dir + "/t10k-labels-idx1-ubyte", label_file);
}

// Each of these was accepted, crashed or said something misleading before (issue 19).
TEST_F(Cli, HostileInputsAreRefusedNamingTheFile) {
  const std::string out = path("out.ccpack");
  ASSERT_EQ(run("pack " + path("net.json") + " --calib-input " + path("calib.pb") + " -o " + out).status, 0);
  // .pb dims whose product overflows (the message said the tensor "holds 0 values").
  model::FloatTensor huge;
  huge.dims = {std::int64_t{1} << 60, 1, 28, 28};
  model::save_tensor_pb(huge, path("huge.pb"));
  expect_failure("golden " + out + " --input " + path("huge.pb"), "huge.pb: dims [1152921504606846976, 1, 28, 28] hold more than 2^31 values");
  // .pb of the right size but another rank.
  model::FloatTensor flat = test::random_batch({1, 12, 12}, 1, 3);
  flat.dims = {144};
  model::save_tensor_pb(flat, path("flat.pb"));
  expect_failure("run " + out + " --input " + path("flat.pb"), "flat.pb: dims [144] are neither the network input [1, 12, 12]");
  // NaN and infinity in an input.
  model::FloatTensor nan = test::random_batch({1, 12, 12}, 1, 3);
  nan.data[3] = std::nanf("");
  model::save_tensor_pb(nan, path("nan.pb"));
  expect_failure("run " + out + " --input " + path("nan.pb"), "nan.pb: value 3 is NaN");
  nan.data[3] = std::numeric_limits<float>::infinity();
  model::save_tensor_pb(nan, path("inf.pb"));
  expect_failure("golden " + out + " --input " + path("inf.pb"), "inf.pb: value 3 is infinite");

  // IDX headers: sides of 2^31 wrapped the size check; 0 x 0 images and labels >= 10 were accepted.
  write_idx(path("big"), 1, 1u << 31, 1u << 31, {1}, 16);
  expect_failure("golden " + out + " --dataset " + path("big"), "t10k-images-idx3-ubyte: image size 2147483648x2147483648 is outside 1..16384");
  write_idx(path("empty"), 2, 0, 0, {1, 2}, 0);
  expect_failure("run " + out + " --dataset " + path("empty"), "image size 0x0 is outside");
  write_idx(path("labels"), 2, 12, 12, {3, 12}, 2 * 144);
  expect_failure("golden " + out + " --dataset " + path("labels"),
                 "t10k-labels-idx1-ubyte: label 12 of sample 1 is not one of the network's 10 classes");
  expect_failure("run " + out + " --dataset " + path("labels") + " --count 2", "label 12 of sample 1");

  // Counts and sizes: 0 is refused alike by golden and run, and messages stay short.
  expect_failure("golden " + out + " --dataset " + path("labels") + " --count 0", "--count: must be more than 0, got 0");
  const Result r = run("run " + out + " --input " + path("x.pb") + " --count -1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--count: must be more than 0, got -1"), std::string::npos) << r.output;
  EXPECT_LT(r.output.size(), 200u) << r.output;  // was the largest double, 309 digits
  expect_failure("run " + out + " --input " + path("x.pb") + " --weight-banks 0", "--weight-banks: must be more than 0, got 0");
}

// Two runs of the same command give the same bytes (timing fields aside), and explore's thread
// count does not change its results.
TEST_F(Cli, OutputsAreByteIdenticalAcrossRunsAndThreadCounts) {
  const std::string calib = " --calib-input " + path("calib.pb");
  for (const char* n : {"1", "2"}) {
    ASSERT_EQ(run("pack " + path("net.json") + calib + " -o " + path(std::string("p") + n + ".ccpack") + " --report " +
                  path(std::string("p") + n + ".json") + " --pruned-model " + path(std::string("m") + n + ".json"))
                  .status,
              0);
    ASSERT_EQ(run("golden " + path("p1.ccpack") + " --input " + path("calib.pb") + " -o " + path(std::string("g") + n + ".json"))
                  .status,
              0);
    ASSERT_EQ(run("run " + path("p1.ccpack") + " --array 6x5 --input " + path("calib.pb") + " --report " +
                  path(std::string("r") + n + ".json") + " --compute-report " + path(std::string("c") + n + ".csv"))
                  .status,
              0);
  }
  for (const char* f : {"p%.ccpack", "p%.json", "m%.json", "g%.json", "c%.csv"}) {
    std::string a = f, b = f;
    a.replace(a.find('%'), 1, "1");
    b.replace(b.find('%'), 1, "2");
    EXPECT_EQ(read_file(path(a)), read_file(path(b))) << f;
  }
  auto r1 = nlohmann::json::parse(read_file(path("r1.json")));
  auto r2 = nlohmann::json::parse(read_file(path("r2.json")));
  for (auto* r : {&r1, &r2}) {
    ASSERT_TRUE(r->contains("wall_seconds"));
    r->erase("wall_seconds");
    r->erase("simulated_mac_slots_per_second");
  }
  EXPECT_EQ(r1, r2);

  // A sweep needs a network of the data set's 28x28 images: the bundled dense one.
  const nlohmann::json sweep = {{"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
                                {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 8}}},
                                {"axes", {{"scheme", {"cc", "nm"}}, {"array", {"8x8", "16x16"}}, {"alpha", {2, 4}}}}};
  write_file_atomic(path("sweep.json"), sweep.dump());
  for (const char* t : {"1", "2"}) {
    const Result e = run("explore " + path("sweep.json") + " --threads " + t + " --quiet -o " + path(std::string("e") + t + ".csv"));
    ASSERT_EQ(e.status, 0) << e.output;
  }
  EXPECT_EQ(read_file(path("e1.csv")), read_file(path("e2.csv")));
}

// Outputs: all or none, through symlinks, never replacing a device node.
TEST_F(Cli, OutputsAreWrittenAllOrNoneWhereTheUserPointsThem) {
  const std::string calib = " --calib-input " + path("calib.pb");
  // An unwritable report used to leave the .ccpack behind.
  expect_failure("pack " + path("net.json") + calib + " -o " + path("n.ccpack") + " --report /nonexistent-dir/r.json",
                 "/nonexistent-dir/r.json", path("n.ccpack"));
  expect_failure("pack " + path("net.json") + calib + " -o " + path("n.ccpack") + " --pruned-model " + path("n.ccpack") + "/x",
                 path("n.ccpack") + "/x", path("n.ccpack"));
  // -o through a symlink writes its target and keeps the link.
  fs::create_symlink("real.ccpack", path("link.ccpack"));
  ASSERT_EQ(run("pack " + path("net.json") + calib + " -o " + path("link.ccpack")).status, 0);
  EXPECT_TRUE(fs::is_symlink(path("link.ccpack")));
  EXPECT_TRUE(fs::is_regular_file(path("real.ccpack")));
  EXPECT_EQ(run("inspect " + path("link.ccpack")).status, 0);
  // -o /dev/null: written in place, the device stays a device.
  ASSERT_EQ(run("pack " + path("net.json") + calib + " -o /dev/null --report /dev/null").status, 0);
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

}  // namespace
}  // namespace ccsim
