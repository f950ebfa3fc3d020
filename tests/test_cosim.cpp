// ccsim cosim end to end on the bundled network: the Verilated RTL tile and the SystemC cycle
// model agree every cycle and with the golden model; every injected fault is reported with its
// cycle, layer, tile, cell and values and a waveform around it; either design runs alone; the
// waveforms and the GTKWave save file are consistent; bad options fail cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/accelerator.hpp"
#include "hw/memory_system.hpp"
#include "hw/timing.hpp"
#include "hw/units/core.hpp"
#include "models/atomic_file.hpp"
#include "models/packed_file.hpp"
#include "sim/rtl_array.hpp"
#include "sim/rtl_feeder.hpp"
#include "sim/rtl_output.hpp"
#include "sim/rtl_tile.hpp"
#include "sim/rtl_vector.hpp"
#include "sim/vector_program.hpp"
#include "models/network_json.hpp"
#include "tests/cli_runner.hpp"
#include "tests/test_util.hpp"

namespace ccsim {
namespace {

namespace fs = std::filesystem;

const std::string kNet = std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.ccpack";
const std::string kData = "/usr/share/datasets/fashion-mnist";
const std::string kArray = "16x16";

class Cosim : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccsim-cosim-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string base(int count) {
    return std::string("cosim ") + kNet + " --array " + kArray + " --dataset " + kData + " --count " +
           std::to_string(count);
  }
  fs::path dir_;
};

// A run report's Matmul compute cycles: each layer's cycles less its stalls, summed.
long matmul_compute_cycles(const std::string& report) {
  const auto j = nlohmann::json::parse(read_file(report));  // named: the loop must not range over a temporary's member
  long compute = 0;
  for (const auto& l : j["layers"]) {
    if (l["op"] == "matmul") compute += l["cycles"].get<long>() - l["stall_cycles"].get<long>();
  }
  return compute;
}

// The output values of a packed network's Matmul layers (what an output stage drains per inference).
long matmul_output_values(const std::string& packed) {
  const model::PackedNetwork net = model::load_packed(packed);
  long values = 0;
  for (const auto& l : net.layers) {
    if (l.kind == model::OpKind::Matmul) values += static_cast<long>(l.out.size());
  }
  return values;
}

// The built array sizes (CMake CCSIM_COSIM_ARRAYS).
std::vector<std::string> built_arrays() {
  std::vector<std::string> arrays;
  std::stringstream list(CCSIM_COSIM_ARRAYS);
  for (std::string a; std::getline(list, a, ',');) arrays.push_back(a);
  return arrays;
}

// Cycles the fast mode's formulas give the Matmul layers of one inference (compute only: the
// tile runs from its buffers and the tile stream, no DMA time).
long fast_matmul_cycles(const std::string& net, const std::string& array, const std::string& report) {
  const auto fast = test::run_ccsim("run " + net + " --mode fast --array " + array + " --dataset " + kData +
                                    " --count 1 --report " + report);
  EXPECT_EQ(fast.status, 0) << fast.output;
  long cycles = 0;
  const auto j = nlohmann::json::parse(read_file(report));
  for (const auto& l : j["layers"]) {
    if (l["op"] == "matmul") cycles += l["cycles"].get<long>() - l["memory_stall_cycles"].get<long>();
  }
  return cycles;
}

class CosimArray : public Cosim, public ::testing::WithParamInterface<std::string> {};

TEST_P(CosimArray, BundledNetworkAgreesEveryCycle) {
  const std::string array = GetParam();
  const auto r = test::run_ccsim("cosim " + kNet + " --array " + array + " --dataset " + kData + " --count 2 --report " +
                                 path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos);
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["layers_run"].get<int>(), 16);  // 8 Matmul layers x 2 images
  // Every cycle of every Matmul layer, as many as the fast mode's formulas count.
  const long matmul_cycles = fast_matmul_cycles(kNet, array, path("fast.json"));
  EXPECT_GT(matmul_cycles, 0);
  EXPECT_EQ(j["cycles_compared"].get<long>(), 2 * matmul_cycles);
}

TEST_P(CosimArray, BiggerBundledNetworkAgreesEveryCycle) {
  const std::string net = std::string(CCSIM_SOURCE_DIR) + "/models/examples/training-runs/big-comb-from-dense-a244-qat3.ccpack";
  const auto r = test::run_ccsim("cosim " + net + " --array " + GetParam() + " --dataset " + kData + " --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["cycles_compared"].get<long>(), fast_matmul_cycles(net, GetParam(), path("fast.json")));
}

INSTANTIATE_TEST_SUITE_P(Built, CosimArray, ::testing::ValuesIn(built_arrays()),
                         [](const auto& info) { return "array_" + info.param; });

// A network made as a PyTorch user's export looks (tests/models/make_wide_cnn.py, ONNX): 28x28x32
// activations, 3x3 and 5x5 convolutions, a fused shift, a depthwise convolution, max and average
// pooling, a fully connected classifier; its layers exceed the tile's old fixed tables (16 KB
// output buffer, 256 packed columns), so they run only because the tile streams.
class WideCnn : public Cosim {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ccsim-cosim-wide-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    net_ = make(32, "wide");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  // Writes the ONNX model with `width` channels and packs it; returns the .ccpack path.
  static std::string make(int width, const std::string& name, const std::string& pack_options = "") {
    const std::string onnx = (dir_ / (name + ".onnx")).string();
    const std::string packed = (dir_ / (name + ".ccpack")).string();
    const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
    const int made = std::system(("/usr/bin/python3 " + script + " " + onnx + " --width " + std::to_string(width)).c_str());
    EXPECT_EQ(made, 0) << script;
    const auto pack = test::run_ccsim("pack " + onnx + " -o " + packed + " --calib-dataset " + kData +
                                      " --calib-count 32 --report " + (dir_ / (name + ".report.json")).string() + " " + pack_options);
    EXPECT_EQ(pack.status, 0) << pack.output;
    return packed;
  }
  static inline fs::path dir_;
  static inline std::string net_;
};

TEST_F(WideCnn, ExceedsTheOldFixedTables) {
  const auto report = nlohmann::json::parse(read_file((dir_ / "wide.report.json").string()));
  int max_packed = 0;
  for (const auto& l : report["layers"]) max_packed = std::max(max_packed, l["packed_columns"].get<int>());
  EXPECT_GT(max_packed, 256);  // the old group table (GroupW 8)
  const auto inspect = test::run_ccsim("inspect " + net_);
  ASSERT_EQ(inspect.status, 0) << inspect.output;
  const auto first = nlohmann::json::parse(inspect.output)["layers"][0];
  EXPECT_EQ(first["name"], "/c1/Conv");
  EXPECT_EQ(first["out"], nlohmann::json({32, 28, 28}));  // 25,088 bytes > the old 16 KiB output buffer
}

class WideCnnArray : public WideCnn, public ::testing::WithParamInterface<std::string> {};

TEST_P(WideCnnArray, AgreesEveryCycleAndWithTheGoldenModel) {
  const std::string array = GetParam();
  const auto r = test::run_ccsim("cosim " + net_ + " --array " + array + " --dataset " + kData + " --count 1 --report " +
                                 path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["layers_run"].get<int>(), 5);  // c1, pw1 (shift fused), c5, dw, fc
  EXPECT_EQ(j["cycles_compared"].get<long>(), fast_matmul_cycles(net_, array, path("fast.json")));
}

INSTANTIATE_TEST_SUITE_P(Built, WideCnnArray, ::testing::ValuesIn(built_arrays()),
                         [](const auto& info) { return "array_" + info.param; });

TEST_F(WideCnn, SlowTileStreamMakesTheTileWaitNotFail) {
  // The controller starts a block once its first two tiles are in. A tile-stream DMA keeping pace
  // (its port refused 3 cycles after each read: 16 records x 4 cycles <= T_compute >= 72 on 8x8) then never makes a
  // tile wait, and the RTL alone takes exactly the SystemC model's cycles.
  const auto fast = test::run_ccsim("cosim " + net_ + " --array 8x8 --design rtl --stream-gap 3 --dataset " + kData +
                                    " --report " + path("fast.json"));
  ASSERT_EQ(fast.status, 0) << fast.output;
  const auto jf = nlohmann::json::parse(read_file(path("fast.json")));
  EXPECT_EQ(jf["rtl_wait_cycles"].get<long>(), 0);
  EXPECT_EQ(jf["cycles_compared"].get<long>(), fast_matmul_cycles(net_, "8x8", path("f0.json")));
  // Too slow: tiles after the first two wait for their weights, the outputs stay bit-exact.
  const auto slow = test::run_ccsim("cosim " + net_ + " --array 8x8 --design rtl --stream-gap 40 --dataset " + kData +
                                    " --report " + path("slow.json"));
  ASSERT_EQ(slow.status, 0) << slow.output;
  const auto j = nlohmann::json::parse(read_file(path("slow.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_GT(j["rtl_wait_cycles"].get<long>(), 1000);
  EXPECT_EQ(j["cycles_compared"].get<long>(), fast_matmul_cycles(net_, "8x8", path("f.json")) + j["rtl_wait_cycles"].get<long>());
}

TEST_F(WideCnn, ActivationsBeyondTheBuffersRunInPixelBlocks) {
  // 96 x 28 x 28 = 75,264 bytes into pw1 (a fused shift), more than the tile's 64 KiB activation
  // buffer: pw1 runs in two pixel blocks (23 and 5 output rows, bands of 24 and 6 input rows), on
  // the RTL and the SystemC model alike; the fully connected layer's 4,704 inputs fit ChW 16.
  const std::string big = make(96, "wide96", "--alpha 8 --combine-all --check-count 0");
  const auto r = test::run_ccsim("cosim " + big + " --array 16x16 --dataset " + kData + " --count 1 --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["cycles_compared"].get<long>(), fast_matmul_cycles(big, "16x16", path("fast.json")));
  const auto fast = nlohmann::json::parse(read_file(path("fast.json")));
  const auto inspect = nlohmann::json::parse(test::run_ccsim("inspect " + big).output);
  // The RTL controller walked one descriptor per block: pw1's two, one for each other Matmul layer.
  EXPECT_EQ(j["blocks_started"].get<long>(), j["layers_run"].get<long>() + 1);
  EXPECT_GT(j["controller_cycles"].get<long>(), 0);
  for (std::size_t i = 0; i < inspect["layers"].size(); ++i) {
    if (inspect["layers"][i]["name"] != "/pw1/Conv") continue;
    const int rows = inspect["layers"][i]["rows"].get<int>();
    const int packed = inspect["layers"][i]["packed_cols"].get<int>();
    const int per_block = (rows + 15) / 16 * ((packed + 15) / 16);
    EXPECT_EQ(fast["layers"][i]["tiles"].get<int>(), 2 * per_block);  // two blocks
  }
  // The same blocks through the RTL tile inside the system: each a descriptor its controller reads
  // from DRAM.
  const auto tile = test::run_ccsim("run " + big + " --array 16x16 --tlm lt --rtl tile --dataset " + kData +
                                    " --count 1 --report " + path("t.json"));
  ASSERT_EQ(tile.status, 0) << tile.output;
  const auto t = nlohmann::json::parse(read_file(path("t.json")))["rtl"]["tile"];
  EXPECT_EQ(t["layers_compared"].get<long>(), j["layers_run"].get<long>());
  EXPECT_EQ(t["blocks"].get<long>(), j["layers_run"].get<long>() + 1);
  EXPECT_EQ(t["cycles_compared"].get<long>(), j["cycles_compared"].get<long>());
}

// Layers beyond the tile's buffers, made to need every kind of pixel block (an ONNX model as a
// PyTorch export lays it out, tests/models/make_wide_cnn.py --pixel-blocks): 72 x 72 outputs
// (5,184 pixels > the 4,096-pixel accumulator buffer) from a 3x3 convolution and from a 1x1 one
// with a fused shift (a block's band starts one row above its first window row: negative top
// padding in the descriptor), then a stride-2 3x3 convolution whose 82,944-byte input exceeds
// the 64 KiB activation buffer (blocks bounded by their bands).
class PixelBlockCosim : public Cosim, public ::testing::WithParamInterface<std::string> {};

TEST_P(PixelBlockCosim, AgreesEveryCycleAndWithTheGoldenModel) {
  const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + path("net.onnx") + " --pixel-blocks " + path("x.pb") + " " +
                         path("calib.pb")).c_str()),
            0);
  const auto pack = test::run_ccsim("pack " + path("net.onnx") + " --alpha 4 --combine-all --check-count 0 --calib-input " +
                                    path("calib.pb") + " -o " + path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto r = test::run_ccsim("cosim " + path("net.ccpack") + " --array " + GetParam() + " --input " + path("x.pb") +
                                 " --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  // Each split layer is named with what splits it.
  EXPECT_NE(r.output.find("ccsim: note: layer '/c1/Conv' runs in 2 pixel blocks of up to 56 output rows: its 5184 output "
                          "pixels exceed the accumulator buffer (4096 per array row)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("layer '/down/Conv' runs in 2 pixel blocks of up to 28 output rows: its 82944-byte input exceeds "
                          "the input store (65536 bytes)"),
            std::string::npos)
      << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["layers_run"].get<int>(), 3);
  const auto fast = test::run_ccsim("run " + path("net.ccpack") + " --mode fast --array " + GetParam() + " --input " +
                                    path("x.pb") + " --report " + path("fast.json") + " --compute-report " + path("fast.csv"));
  ASSERT_EQ(fast.status, 0) << fast.output;
  EXPECT_NE(fast.output.find("ccsim: note: layer '/pw1/Conv' runs in 2 pixel blocks"), std::string::npos) << fast.output;
  long cycles = 0;
  const auto report = nlohmann::json::parse(read_file(path("fast.json")));
  for (const auto& l : report["layers"]) {
    if (l["op"] == "matmul") cycles += l["cycles"].get<long>() - l["memory_stall_cycles"].get<long>();
  }
  EXPECT_EQ(j["cycles_compared"].get<long>(), cycles);
  // Each of the three layers runs in two blocks: twice the tiles of buffers that hold it whole.
  const auto whole = test::run_ccsim("run " + path("net.ccpack") + " --mode fast --array " + GetParam() + " --input " +
                                     path("x.pb") + " --acc-pixels 8192 --input-store-kib 128 --report " + path("whole.json") +
                                     " --compute-report " + path("whole.csv"));
  ASSERT_EQ(whole.status, 0) << whole.output;
  EXPECT_EQ(whole.output.find("pixel blocks"), std::string::npos) << whole.output;
  const auto unsplit = nlohmann::json::parse(read_file(path("whole.json")));
  int matmuls = 0;
  for (std::size_t i = 0; i < report["layers"].size(); ++i) {
    if (report["layers"][i]["op"] != "matmul") continue;
    ++matmuls;
    EXPECT_EQ(report["layers"][i]["tiles"].get<long>(), 2 * unsplit["layers"][i]["tiles"].get<long>()) << report["layers"][i]["name"];
  }
  EXPECT_EQ(matmuls, 3);
  // Mapping efficiency (SCALE-Sim's column) is of one pass: the same whether the layer is split or not.
  const auto mapping = [&](const std::string& csv) {
    std::vector<std::string> column;
    std::stringstream rows(read_file(path(csv)));
    std::string row;
    std::getline(rows, row);  // header
    while (std::getline(rows, row)) {
      std::stringstream cells(row);
      std::string cell;
      for (int k = 0; k < 5; ++k) std::getline(cells, cell, ',');
      column.push_back(cell);
    }
    return column;
  };
  EXPECT_EQ(mapping("fast.csv"), mapping("whole.csv"));
}

INSTANTIATE_TEST_SUITE_P(Built, PixelBlockCosim, ::testing::ValuesIn(built_arrays()),
                         [](const auto& info) { return "array_" + info.param; });

// The layers beside the array the other networks lack (an average pool counting its padding, a
// standalone shift, ceil_mode max and average pools, a clamp, a global average over two lane
// groups), on the RTL vector unit: bit-exact, and the documented cycles (hw/README.md "RTL
// vector unit": ceil(C / 8) * H_out * W_out * taps per layer).
TEST_P(PixelBlockCosim, VectorUnitLayersAgreeWithTheGoldenModel) {
  const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + path("zoo.onnx") + " --vector-zoo " + path("x.pb") + " " +
                         path("calib.pb")).c_str()),
            0);
  const auto pack = test::run_ccsim("pack " + path("zoo.onnx") + " --alpha 1 --calib-input " + path("calib.pb") + " -o " +
                                    path("zoo.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  for (const std::string design : {"both", "rtl"}) {
    const auto r = test::run_ccsim("cosim " + path("zoo.ccpack") + " --array " + GetParam() + " --design " + design +
                                   " --input " + path("x.pb") + " --report " + path("r.json"));
    ASSERT_EQ(r.status, 0) << r.output;
    const auto j = nlohmann::json::parse(read_file(path("r.json")));
    EXPECT_TRUE(j["pass"].get<bool>());
    EXPECT_EQ(j["vector_layers_run"].get<long>(), 6) << design;
    // avg 3x3 on 8 x 13 x 13: 169 * 9; shift: 169; max 2x2 to 7 x 7: 49 * 4; clamp: 49;
    // avg 2x2 to 4 x 4: 16 * 4; global average of 16 channels (two lane groups) over 4 x 4: 2 * 16.
    EXPECT_EQ(j["vector_cycles"].get<long>(), 169 * 9 + 169 + 49 * 4 + 49 + 16 * 4 + 2 * 16) << design;
    EXPECT_NE(r.output.find("vector unit (RTL): 6 layer run(s)"), std::string::npos) << r.output;
  }
}

// A layer one output row of which reads more than the buffer can hold cannot be split: refused
// naming the parameter, by cosim (the RTL's ActAddrW) and by run (--input-store-kib, which raises it).
TEST_F(Cosim, AnOutputRowBeyondTheActivationBufferNamesTheParameter) {
  std::mt19937 rng(19);
  model::Network net;
  net.name = "wide-rows";
  net.input = {128, 3, 600};  // one 1x1 output row reads 128 x 600 = 76,800 bytes
  net.layers.push_back(test::conv("pw", 128, 4, 1, 1, 0, rng));
  model::save_network_json(net, path("net.json"));
  model::save_tensor_pb(test::random_batch(net.input, 2, 3), path("calib.pb"));
  model::save_tensor_pb(test::random_batch(net.input, 1, 4), path("x.pb"));
  const auto pack = test::run_ccsim("pack " + path("net.json") + " --calib-input " + path("calib.pb") + " -o " + path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto cosim = test::run_ccsim("cosim " + path("net.ccpack") + " --array 8x8 --input " + path("x.pb"));
  EXPECT_NE(cosim.status, 0);
  EXPECT_NE(cosim.output.find("layer 'pw' does not fit the RTL tile: one output row reads 76800 bytes"), std::string::npos)
      << cosim.output;
  EXPECT_NE(cosim.output.find("raise ActAddrW (now 16)"), std::string::npos) << cosim.output;
  const auto run = test::run_ccsim("run " + path("net.ccpack") + " --mode fast --input " + path("x.pb"));
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("raise input_store_bytes (run --input-store-kib, explore axis input_store_kib)"), std::string::npos) << run.output;
  const auto raised = test::run_ccsim("run " + path("net.ccpack") + " --mode cycle --input-store-kib 80 --input " + path("x.pb"));
  EXPECT_EQ(raised.status, 0) << raised.output;
}

// Branching networks PyTorch exported (tests/models/train_fmnist_graph.py): residual adds,
// a concatenation, a pad and ceil_mode pooling on the vector unit (C++ beside the RTL tile), their
// convolutions on the RTL tile, compared every cycle at every built size (issue 15, item 4).
class GraphCosimArray : public Cosim, public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

TEST_P(GraphCosimArray, ResidualAndInceptionBlocksAgreeEveryCycle) {
  const auto& [model, array] = GetParam();
  const std::string onnx = std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + model + ".onnx";
  const auto pack = test::run_ccsim("pack " + onnx + " --input-scale 1/255 --calib-count 64 --calib-dataset " + kData +
                                    " -o " + path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto r = test::run_ccsim("cosim " + path("net.ccpack") + " --array " + array + " --dataset " + kData +
                                 " --count 1 --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["cycles_compared"].get<long>(), fast_matmul_cycles(path("net.ccpack"), array, path("fast.json")));
  // Every layer beside the array that moves data ran on the RTL vector unit.
  const model::PackedNetwork net = model::load_packed(path("net.ccpack"));
  long on_vector_unit = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    on_vector_unit += cosim::runs_on_vector_unit(net.layers[i].kind) && !hw::is_view(net, i);
  }
  EXPECT_GE(on_vector_unit, 3) << "the network lost its joins and pools";
  EXPECT_EQ(j["vector_layers_run"].get<long>(), on_vector_unit);
  EXPECT_GT(j["vector_cycles"].get<long>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Built, GraphCosimArray,
                         ::testing::Combine(::testing::Values("fmnist-resnet", "fmnist-mbv2"), ::testing::ValuesIn(built_arrays())),
                         [](const auto& info) {
                           const std::string model = std::get<0>(info.param) == "fmnist-resnet" ? "resnet" : "mbv2";
                           return model + "_array_" + std::get<1>(info.param);
                         });

// A dilated convolution on the RTL tile: the tile program gives each member its kernel offset
// times the dilation; the RTL feeder adds it as any other offset. The input (3 x 11 x 11 = 363
// bytes) is no whole number of memory words: the DMA writes the last one's 3 bytes alone.
TEST_F(Cosim, DilatedConvolutionAgreesEveryCycle) {
  std::mt19937 rng(13);
  model::Network net;
  net.name = "dilated";
  net.input = {3, 11, 11};
  model::Layer d2 = test::conv("d2", 3, 8, 3, 1, 2, rng);
  d2.window.dilation_h = d2.window.dilation_w = 2;
  net.layers.push_back(d2);
  model::Layer d3 = test::conv("d3", 8, 8, 3, 1, 3, rng);
  d3.window.dilation_h = d3.window.dilation_w = 3;  // extent 7: offsets up to 6 in the 3-bit fields
  net.layers.push_back(d3);
  model::save_network_json(net, path("net.json"));
  model::save_tensor_pb(test::random_batch(net.input, 8, 14), path("calib.pb"));
  model::save_tensor_pb(test::random_batch(net.input, 1, 15), path("x.pb"));
  const auto pack = test::run_ccsim("pack " + path("net.json") + " --alpha 1 --calib-input " + path("calib.pb") + " -o " +
                                    path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto r = test::run_ccsim("cosim " + path("net.ccpack") + " --array 8x8 --input " + path("x.pb") + " --report " +
                                 path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(nlohmann::json::parse(read_file(path("r.json")))["pass"].get<bool>());
  // The same offsets through the RTL feeder inside the SystemC accelerator.
  const auto swapped = test::run_ccsim("run " + path("net.ccpack") + " --array 8x8 --mode cycle --rtl feeder,array --input " +
                                       path("x.pb") + " --report " + path("s.json"));
  ASSERT_EQ(swapped.status, 0) << swapped.output;
  EXPECT_GT(matmul_compute_cycles(path("s.json")), 0);
  EXPECT_EQ(nlohmann::json::parse(read_file(path("s.json")))["rtl"]["feeder"]["cycles_compared"].get<long>(),
            matmul_compute_cycles(path("s.json")));
  // And through the whole RTL tile inside the system.
  const auto tile = test::run_ccsim("run " + path("net.ccpack") + " --array 8x8 --tlm lt --rtl tile --input " + path("x.pb") +
                                    " --report " + path("t.json"));
  ASSERT_EQ(tile.status, 0) << tile.output;
  EXPECT_EQ(nlohmann::json::parse(read_file(path("t.json")))["rtl"]["tile"]["layers_compared"].get<long>(), 2);
  // A 5 x 5 kernel at dilation 2 reaches 8 rows down: beyond the feeder's 3-bit offsets, refused.
  net.layers[1] = test::conv("d5", 8, 8, 5, 1, 4, rng);
  net.layers[1].window.dilation_h = net.layers[1].window.dilation_w = 2;
  model::save_network_json(net, path("net5.json"));
  const auto pack5 = test::run_ccsim("pack " + path("net5.json") + " --alpha 1 --calib-input " + path("calib.pb") + " -o " +
                                     path("net5.ccpack"));
  ASSERT_EQ(pack5.status, 0) << pack5.output;
  const auto refused = test::run_ccsim("run " + path("net5.ccpack") + " --array 8x8 --mode cycle --rtl feeder --input " + path("x.pb"));
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("--rtl feeder: layer 'd5' does not fit the RTL feeder: kernel extent (with dilation) larger than 8x8"),
            std::string::npos)
      << refused.output;
}

// The design swap of the feeder: the Verilated feeder and shift unit gives every core's array its
// bit lines (im2col addresses, fused shifts, padding, pixel blocks, the skew), compared with the
// SystemC feeder's every compute cycle, with the RTL array or the C++ cells behind it.
TEST_P(CosimArray, RtlFeederInsideTheSystemCAccelerator) {
  const std::string array = GetParam();
  const std::string run = "run " + kNet + " --array " + array + " --dataset " + kData + " --count 1 ";
  const auto plain = test::run_ccsim(run + "--report " + path("plain.json"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  for (const std::string mode : {"--mode cycle --rtl feeder", "--tlm lt --rtl feeder,output", "--mode cycle --rtl array,feeder,output"}) {
    const auto r = test::run_ccsim(run + mode + " --report " + path("rtl.json"));
    ASSERT_EQ(r.status, 0) << mode << "\n" << r.output;
    const auto j = nlohmann::json::parse(read_file(path("rtl.json")));
    EXPECT_EQ(j["rtl"]["mismatches"].get<long>(), 0);
    long compute = 0;
    for (const auto& l : j["layers"]) {
      if (l["op"] == "matmul") compute += l["cycles"].get<long>() - l["stall_cycles"].get<long>();
    }
    EXPECT_EQ(j["rtl"]["feeder"]["cycles_compared"].get<long>(), compute) << mode;
    EXPECT_NE(r.output.find("in place of every core's feeder bit lines: " + std::to_string(compute) + " cycles compared"),
              std::string::npos)
        << r.output;
    if (mode.find("array") != std::string::npos) {
      EXPECT_EQ(j["rtl"]["array"]["cycles_compared"].get<long>(), compute);
    }
    if (mode.find("output") != std::string::npos) {  // every output value of every Matmul layer, from the network
      EXPECT_EQ(j["rtl"]["output"]["values_compared"].get<long>(), matmul_output_values(kNet)) << mode;
    } else {
      EXPECT_FALSE(j["rtl"].contains("output"));
    }
    EXPECT_EQ(j["cycles_per_inference"], nlohmann::json::parse(read_file(path("plain.json")))["cycles_per_inference"]) << mode;
  }
}

// The design swap: the Verilated array in place of the SystemC accelerator's array cells, through
// the whole system (controller, weight buffer, feeder, output stage, DMA; the TLM host, CSRs and
// memory with --tlm), compared with the SystemC cells every cycle and with the golden model.
TEST_P(CosimArray, RtlArrayInsideTheSystemCAccelerator) {
  const std::string array = GetParam();
  const std::string run = "run " + kNet + " --array " + array + " --dataset " + kData + " --count 1 ";
  const auto plain = test::run_ccsim(run + "--report " + path("plain.json"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  for (const std::string mode : {"--mode cycle", "--tlm lt", "--schedule pipelined"}) {
    const auto r = test::run_ccsim(run + mode + " --rtl array --report " + path("rtl.json"));
    ASSERT_EQ(r.status, 0) << mode << "\n" << r.output;
    EXPECT_NE(r.output.find("0 mismatches"), std::string::npos) << r.output;
    const auto j = nlohmann::json::parse(read_file(path("rtl.json")));
    EXPECT_EQ(j["rtl"]["unit"], "array");
    EXPECT_EQ(j["rtl"]["mismatches"].get<long>(), 0);
    EXPECT_FALSE(j["rtl"].contains("vector"));
    // Every compute cycle of every tile: the array's busy cycles, from the counters.
    long compute = 0;
    for (const auto& l : j["layers"]) {
      if (l["op"] == "matmul") compute += l["cycles"].get<long>() - l["stall_cycles"].get<long>();
    }
    EXPECT_EQ(j["rtl"]["array"]["cycles_compared"].get<long>(), compute) << mode;
    if (mode == "--mode cycle") {
      EXPECT_EQ(j["cycles_per_inference"], nlohmann::json::parse(read_file(path("plain.json")))["cycles_per_inference"]);
    }
  }
}

// The design swap at the tile's boundary: the Verilated accelerator (controller, tile-stream,
// stored-input and output DMAs, buffers, feeder, array, output stage) runs every Matmul layer
// inside the SystemC accelerator, its memory ports on the core's TLM socket (through the
// interconnect and the memory model with --tlm). The SystemC model beside it is compared every
// cycle (every cycle the fast mode's formulas give the Matmul layers), every output value with
// the model and the golden model; with a slow memory the RTL's tile waits for its weights and the
// model waits with it.
TEST_P(CosimArray, RtlTileInsideTheSystemCAccelerator) {
  const std::string array = GetParam();
  const model::PackedNetwork net = model::load_packed(kNet);
  long matmul_layers = 0;
  for (const auto& l : net.layers) matmul_layers += l.kind == model::OpKind::Matmul;
  const long compared = fast_matmul_cycles(kNet, array, path("fast.json"));
  const std::string run = "run " + kNet + " --array " + array + " --dataset " + kData + " --count 1 --rtl ";
  for (const std::string mode : {"tile --mode cycle", "tile --tlm lt", "tile,vector --tlm at --dram-latency-ns 100"}) {
    const auto r = test::run_ccsim(run + mode + " --report " + path("rtl.json"));
    ASSERT_EQ(r.status, 0) << mode << "\n" << r.output;
    EXPECT_NE(r.output.find("PASS: 1 sample(s) bit-exact with the golden model"), std::string::npos) << r.output;
    const auto j = nlohmann::json::parse(read_file(path("rtl.json")));
    EXPECT_EQ(j["rtl"]["mismatches"].get<long>(), 0);
    const auto& t = j["rtl"]["tile"];
    EXPECT_EQ(t["layers_compared"].get<long>(), matmul_layers) << mode;
    EXPECT_EQ(t["blocks"].get<long>(), matmul_layers) << mode;  // every layer fits one block
    EXPECT_EQ(t["cycles_compared"].get<long>(), compared) << mode;
    EXPECT_EQ(t["values_compared"].get<long>(), matmul_output_values(kNet)) << mode;
    EXPECT_GT(t["memory_reads"].get<long>(), 0);
    for (const auto& l : j["layers"]) {  // a swapped layer's traffic: what crossed the core's port, the tile stream
      if (l["op"] != "matmul") continue;
      EXPECT_GT(l["dram_read_bytes"].get<long>(), 0) << l["name"];
      EXPECT_GT(l["dram_write_bytes"].get<long>(), 0) << l["name"];
      EXPECT_GT(l["weight_buffer_fill_bytes"].get<long>(), 0) << l["name"];
      EXPECT_GT(l["act_buffer_read_bytes"].get<long>(), 0) << l["name"];
    }
    if (j.contains("tlm")) {
      EXPECT_TRUE(j["tlm"]["protocol_violations"].empty()) << j["tlm"]["protocol_violations"].dump();
    }
    EXPECT_GE(t["memory_writes"].get<long>(), matmul_output_values(kNet) / 8) << mode;  // 8-byte words
    if (mode.find("latency") == std::string::npos) {
      EXPECT_EQ(t["wait_cycles"].get<long>(), 0) << mode;  // the ideal memory keeps the tile stream in time
    } else {
      EXPECT_GT(t["wait_cycles"].get<long>(), 0) << mode;  // 100 cycles per read: the tile waits, compared all the same
      EXPECT_GT(j["rtl"]["vector"]["layers_compared"].get<long>(), 0);
    }
  }
}

// A difference between the RTL tile and the SystemC model beside it is named (cycle, layer,
// block, tile, cell, signal, expected, actual) and fails the run; the activation buffer receives
// the RTL's outputs.
TEST_F(Cosim, ADifferenceBetweenTheRtlTileAndTheModelBesideItIsNamed) {
  const model::PackedNetwork net = model::load_packed(kNet);
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  std::mt19937 rng(41);
  for (auto& v : input.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  for (const hw::Fault fault : {hw::Fault::SelectStuckAt0, hw::Fault::SkewOffByOne}) {
    hw::AcceleratorConfig config;
    config.tile_implementation = cosim::rtl_tile_factory(fault);
    hw::TileCheckStats stats;
    std::vector<hw::TileMismatch> found;
    const auto runs = hw::run_cycle_accurate(net, {input}, config, 1.0, {}, [&](hw::Accelerator& acc) {
      stats = acc.core(0).tile_implementation()->stats();
      found = acc.core(0).tile_implementation()->mismatches();
    });
    EXPECT_GT(stats.mismatches, 0);
    ASSERT_FALSE(found.empty());
    const hw::TileMismatch& m = found.front();
    ASSERT_GE(m.layer, 0);
    const auto layer = static_cast<std::size_t>(m.layer);
    ASSERT_EQ(net.layers[layer].kind, model::OpKind::Matmul);
    EXPECT_EQ(m.block, 0);
    EXPECT_GE(m.tile, 0);
    EXPECT_GE(m.row, 0);
    EXPECT_GE(m.col, 0);
    EXPECT_NE(m.expected, m.actual);
    // In the named layer's cycles (the layers run one after another from cycle 0).
    std::int64_t start = 0;
    for (std::size_t i = 0; i < layer; ++i) start += runs.front().layers[i].cycles;
    EXPECT_GE(m.cycle, start);
    EXPECT_LT(m.cycle, start + runs.front().layers[layer].cycles);
    const std::string text = m.describe(net.layers[layer].name);
    const std::regex named("^tile: cycle \\d+, layer " + std::to_string(layer) + " '" + net.layers[layer].name +
                           R"(', block 0, tile \d+ \(tile cycle \d+\), row \d+, col \d+: \w+ expected -?\d+, actual -?\d+$)");
    EXPECT_TRUE(std::regex_search(text, named)) << text;
    // The model was wrong, not the RTL: what the next layers read is the golden output.
    std::vector<model::Int8Tensor> golden;
    model::run_golden(net, input, &golden);
    EXPECT_EQ(runs.front().output().data, golden.back().data);
  }
}

// The swapped units' C++ models make Verilated contexts of their own; one made and gone before
// the RTL tile is built (the array swapped in one run, the tile in the next, one process) must
// not be the context the tile's SystemC model is made in (it hung).
TEST_F(Cosim, TheRtlTileFollowsOtherVerilatedModelsInOneProcess) {
  const model::PackedNetwork net = model::load_packed(kNet);
  const model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()), 3)};
  hw::AcceleratorConfig with_array;
  with_array.array_implementation = rtl::rtl_array_factory();
  (void)hw::run_cycle_accurate(net, {input}, with_array);
  hw::AcceleratorConfig with_tile;
  with_tile.tile_implementation = cosim::rtl_tile_factory();
  hw::TileCheckStats stats;
  (void)hw::run_cycle_accurate(net, {input}, with_tile, 1.0, {},
                               [&](hw::Accelerator& acc) { stats = acc.core(0).tile_implementation()->stats(); });
  EXPECT_EQ(stats.mismatches, 0);
  EXPECT_GT(stats.cycles_compared, 0);
}

// The other way around: the RTL reads one wrong byte of its input (a bit flipped on the way from
// memory): its cells and its outputs differ from the model's and the golden model's, named; the
// model beside it stays right.
TEST_F(Cosim, AWrongWordTheRtlTileReadsIsFound) {
  const model::PackedNetwork net = model::load_packed(kNet);
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  std::mt19937 rng(43);
  for (auto& v : input.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  hw::AcceleratorConfig config;
  cosim::RtlTileCorruption corruption;
  corruption.flip_input_word = 40;  // a word of layer 0's input (784 bytes: 98 words)
  config.tile_implementation = cosim::rtl_tile_factory(hw::Fault::None, {}, corruption);
  hw::TileCheckStats stats;
  std::vector<hw::TileMismatch> found;
  const auto runs = hw::run_cycle_accurate(net, {input}, config, 1.0, {}, [&](hw::Accelerator& acc) {
    stats = acc.core(0).tile_implementation()->stats();
    found = acc.core(0).tile_implementation()->mismatches();
  });
  // What the RTL computed went on: layer 0's output in the activation buffer is not the golden one.
  std::vector<model::Int8Tensor> golden;
  model::run_golden(net, input, &golden);
  EXPECT_NE(runs.front().layer_outputs[0].data, golden[0].data);
  EXPECT_GT(stats.mismatches, 0);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().layer, 0);
  EXPECT_TRUE(found.front().signal == "psum" || found.front().signal == "product" || found.front().signal == "top_lines")
      << found.front().describe("conv0");
  std::set<std::string> signals;
  for (const auto& m : found) signals.insert(m.signal);
  EXPECT_FALSE(signals.count("SystemC model vs golden (row = channel, col = pixel)"));
  EXPECT_GT(stats.mismatches, static_cast<std::int64_t>(found.size()));  // the first 10 are kept, all counted
}

// Settings the RTL tile was not built for are refused before simulating, naming them.
TEST_F(Cosim, WhatTheRtlTileCannotRunIsRefused) {
  const std::string run = "run " + kNet + " --dataset " + kData + " --count 1 --rtl ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tile --mode fast", "--rtl tile needs --mode cycle or --tlm"},
      {"tile,array --mode cycle", "the RTL tile holds its own array, feeder and output stage"},
      {"tile --mode cycle --mac parallel", "--rtl tile: the RTL tile has bit-serial cells"},
      {"tile --mode cycle --array 12x12", "no Verilated tile for a 12x12 array; this build has"},
      {"tile --mode cycle --vcd w.vcd", "--vcd traces the SystemC units, which run no Matmul layer with --rtl tile"},
      {"tile --mode cycle --schedule pipelined --rtl-trace t.fst", "--rtl-trace traces the one tile of the shared schedule"},
  };
  for (const auto& [flags, message] : cases) {
    const auto r = test::run_ccsim(run + flags);
    EXPECT_NE(r.status, 0) << flags;
    EXPECT_NE(r.output.find(message), std::string::npos) << flags << "\n" << r.output;
  }
}

// The design swap for the vector unit: the Verilated vector unit runs every layer that moves
// data inside the SystemC accelerator (clocked by the SystemC unit in the cycles it computes;
// with --tlm behind the host, CSRs and memory), its values and cycles compared with the SystemC
// unit's, its output what the next layers read. The vector zoo (pooling with padding, a
// standalone shift, ceil-mode pools, a clamp, a global average over two lane groups) and a
// PyTorch ResNet export (residual adds, a concatenation, pads).
TEST_F(Cosim, RtlVectorUnitInsideTheSystemCAccelerator) {
  const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + path("zoo.onnx") + " --vector-zoo " + path("x.pb") + " " +
                         path("calib.pb")).c_str()),
            0);
  auto pack = test::run_ccsim("pack " + path("zoo.onnx") + " --alpha 1 --calib-input " + path("calib.pb") + " -o " + path("zoo.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  pack = test::run_ccsim("pack " + std::string(CCSIM_SOURCE_DIR) + "/tests/models/fmnist-resnet.onnx --alpha 1 --calib-dataset " + kData +
                         " --calib-count 16 -o " + path("resnet.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  for (const auto& [net, input] : {std::pair<std::string, std::string>{"zoo", "--input " + path("x.pb")},
                                   {"resnet", "--dataset " + kData + " --count 2"}}) {
    const std::string run = "run " + path(net + ".ccpack") + " " + input + " ";
    const auto plain = test::run_ccsim(run + "--mode cycle --report " + path("plain.json"));
    ASSERT_EQ(plain.status, 0) << plain.output;
    const auto p = nlohmann::json::parse(read_file(path("plain.json")));
    // What the vector unit computes per inference: the layers that move data besides the Matmuls,
    // in the cycles of its formula (a layer's cycles in the report include its DRAM traffic).
    const model::PackedNetwork packed = model::load_packed(path(net + ".ccpack"));
    long layers = 0, cycles = 0, values = 0;
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < packed.layers.size(); ++i) {
      const auto& l = p["layers"][i];
      ASSERT_EQ(l["name"], packed.layers[i].name);
      if (l["op"] == "matmul" || l["op"] == "flatten" || l["activations_written"].get<long>() == 0) continue;
      ++layers;
      cycles += static_cast<long>(hw::vector_unit_stats(hw::ArrayConfig{}, packed, i, false).cycles);
      values += l["activations_written"].get<long>();
      kinds.insert(l["op"].get<std::string>());
    }
    const long samples = net == "zoo" ? 1 : 2;
    if (net == "zoo") {
      EXPECT_EQ(layers, 6);
      EXPECT_EQ(cycles, 169 * 9 + 169 + 49 * 4 + 49 + 16 * 4 + 2 * 16);  // as the cosim test of the zoo
    } else {
      EXPECT_TRUE(kinds.count("add") && kinds.count("concat")) << p["layers"].dump();
    }
    for (const std::string mode : {"--mode cycle --rtl vector", "--tlm lt --rtl vector", "--tlm at --rtl array,vector",
                                   "--tlm at --rtl feeder,output,vector", "--mode cycle --rtl array,feeder,output,vector",
                                   "--mode cycle --schedule pipelined --rtl feeder,output,vector"}) {
      const auto r = test::run_ccsim(run + mode + " --report " + path("rtl.json"));
      ASSERT_EQ(r.status, 0) << net << " " << mode << "\n" << r.output;
      EXPECT_NE(r.output.find("RTL vector unit (rtl/ccsim_vector_unit.sv, Verilated) in place of every core's vector unit: " +
                              std::to_string(layers * samples) + " layer(s), " + std::to_string(cycles * samples) +
                              " compute cycles, " + std::to_string(values * samples) + " values compared"),
                std::string::npos)
          << net << " " << mode << "\n" << r.output;
      const auto j = nlohmann::json::parse(read_file(path("rtl.json")));
      EXPECT_EQ(j["rtl"]["mismatches"].get<long>(), 0);
      EXPECT_EQ(j["rtl"]["vector"]["layers_compared"].get<long>(), layers * samples) << net << " " << mode;
      EXPECT_EQ(j["rtl"]["vector"]["cycles_compared"].get<long>(), cycles * samples) << net << " " << mode;
      EXPECT_EQ(j["rtl"]["vector"]["values_compared"].get<long>(), values * samples) << net << " " << mode;
      EXPECT_EQ(j["rtl"].contains("array"), mode.find("array") != std::string::npos);
      EXPECT_EQ(j["rtl"].contains("feeder"), mode.find("feeder") != std::string::npos);
      if (j["rtl"].contains("feeder")) {  // every compute cycle of every Matmul tile, on every core
        long compute = 0;
        for (const auto& l : j["layers"]) {
          if (l["op"] == "matmul") compute += l["cycles"].get<long>() - l["stall_cycles"].get<long>();
        }
        EXPECT_GT(compute, 0);
        EXPECT_EQ(j["rtl"]["feeder"]["cycles_compared"].get<long>(), compute * samples) << net << " " << mode;
      }
      EXPECT_EQ(j["rtl"].contains("output"), mode.find("output") != std::string::npos);
      if (j["rtl"].contains("output")) {
        EXPECT_EQ(j["rtl"]["output"]["values_compared"].get<long>(), matmul_output_values(path(net + ".ccpack")) * samples)
            << net << " " << mode;
      }
      // The RTL computes in the SystemC unit's cycles: the system's timing is the model's.
      EXPECT_EQ(j["cycles_per_inference"], p["cycles_per_inference"]) << net << " " << mode;
    }
    // The whole RTL tile for every Matmul layer beside the RTL vector unit: the layers read what
    // the vector unit wrote (adds, concatenations, pads) through the core, and the reverse.
    long matmuls = 0;
    for (const auto& l : packed.layers) matmuls += l.kind == model::OpKind::Matmul;
    for (const std::string mode : {"--tlm at --rtl tile,vector", "--mode cycle --schedule pipelined --rtl tile"}) {
      const auto r = test::run_ccsim(run + mode + " --report " + path("tile.json"));
      ASSERT_EQ(r.status, 0) << net << " " << mode << "\n" << r.output;
      const auto j = nlohmann::json::parse(read_file(path("tile.json")));
      EXPECT_EQ(j["rtl"]["mismatches"].get<long>(), 0);
      EXPECT_EQ(j["rtl"]["tile"]["layers_compared"].get<long>(), matmuls * samples) << net << " " << mode;
      EXPECT_EQ(j["rtl"]["tile"]["values_compared"].get<long>(), matmul_output_values(path(net + ".ccpack")) * samples)
          << net << " " << mode;
      EXPECT_EQ(j["rtl"].contains("vector"), mode.find("vector") != std::string::npos);
    }
  }
}

// Only the layers the swapped unit runs must fit it: a shift fused into the next convolution (the
// feeder's addressing) may read more than the RTL unit's 64 KiB store; a global average that does
// not fit is refused before simulating, naming the layer.
TEST_F(Cosim, OnlyTheLayersTheSwappedVectorUnitRunsMustFitIt) {
  std::mt19937 rng(29);
  model::Network net;
  net.name = "wide-shift";
  net.input = {1, 260, 260};  // a channel of 67,600 bytes
  net.layers.push_back(test::conv("c1", 1, 2, 3, 1, 1, rng));
  net.layers.push_back(test::simple("r1", model::LayerKind::ReLU));
  net.layers.push_back(test::shift("s1", 2, rng));  // fused into pw
  net.layers.push_back(test::conv("pw", 2, 4, 1, 2, 0, rng));
  net.layers.push_back(test::simple("gap", model::LayerKind::GlobalAvgPool));  // 130 x 130: 16,900 bytes per channel
  net.layers.push_back(test::simple("fl", model::LayerKind::Flatten));
  net.layers.push_back(test::linear("fc", 4, 10, rng, 0.3f));
  model::save_network_json(net, path("net.json"));
  model::save_tensor_pb(test::random_batch(net.input, 2, 5), path("calib.pb"));
  model::save_tensor_pb(test::random_batch(net.input, 1, 6), path("x.pb"));
  const auto pack = test::run_ccsim("pack " + path("net.json") + " --calib-input " + path("calib.pb") + " -o " + path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto r = test::run_ccsim("run " + path("net.ccpack") + " --mode cycle --rtl vector,feeder --input " + path("x.pb") +
                                 " --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("in place of every core's vector unit: 1 layer(s), 33800 compute cycles"), std::string::npos) << r.output;
  // The feeder too, through 18 and 5 pixel blocks (c1, and pw with the shift fused): every compute cycle.
  EXPECT_NE(r.output.find("layer 'c1' runs in 18 pixel blocks"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("layer 'pw' runs in 5 pixel blocks"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_EQ(j["layers"][1]["name"], "s1");
  EXPECT_EQ(j["layers"][1]["cycles"], 0);  // fused: the feeder's addressing
  EXPECT_EQ(j["rtl"]["feeder"]["cycles_compared"].get<long>(), matmul_compute_cycles(path("r.json")));
  // Without the stride the global average reads 260 x 260 bytes per channel: refused (the SystemC
  // model, whose store is the same, refuses it too).
  net.layers[3] = test::conv("pw", 2, 4, 1, 1, 0, rng);
  model::save_network_json(net, path("net2.json"));
  const auto pack2 = test::run_ccsim("pack " + path("net2.json") + " --calib-input " + path("calib.pb") + " -o " + path("net2.ccpack"));
  ASSERT_EQ(pack2.status, 0) << pack2.output;
  const auto refused = test::run_ccsim("run " + path("net2.ccpack") + " --mode cycle --rtl vector --input " + path("x.pb"));
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("layer 'gap' (global_avgpool)"), std::string::npos) << refused.output;
}

// Passes every layer through the Verilated vector unit, then corrupts what the second one reports:
// one output value, or one compute cycle more.
class CorruptedVectorUnit : public hw::VectorImplementation {
 public:
  enum class Fault { Value, Cycle };
  CorruptedVectorUnit(std::unique_ptr<hw::VectorImplementation> rtl, Fault fault) : rtl_(std::move(rtl)), fault_(fault) {}
  std::string name() const override { return "corrupted RTL vector unit"; }
  hw::VectorImplementationRun run(const model::PackedLayer& layer, const std::vector<const model::Int8Tensor*>& operands,
                                  std::size_t output_size, const std::function<void()>& compute_clock) override {
    hw::VectorImplementationRun r = rtl_->run(layer, operands, output_size, compute_clock);
    if (++layers_ == 2) {
      if (fault_ == Fault::Value) {
        r.output[output_size / 2] ^= 1;
      } else {
        compute_clock();
        ++r.compute_cycles;
      }
    }
    return r;
  }

 private:
  std::unique_ptr<hw::VectorImplementation> rtl_;
  Fault fault_;
  int layers_ = 0;
};

TEST_F(Cosim, AWrongValueOrCycleOfTheSwappedVectorUnitIsNamed) {
  const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + path("zoo.onnx") + " --vector-zoo " + path("x.pb") + " " +
                         path("calib.pb")).c_str()),
            0);
  const auto pack =
      test::run_ccsim("pack " + path("zoo.onnx") + " --alpha 1 --calib-input " + path("calib.pb") + " -o " + path("zoo.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const model::PackedNetwork net = model::load_packed(path("zoo.ccpack"));
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  std::mt19937 rng(23);
  for (auto& v : input.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  // The second layer the vector unit runs, and its formula's cycles.
  std::size_t second = 0;
  for (std::size_t i = 0, seen = 0; i < net.layers.size() && seen < 2; ++i) {
    if (!cosim::runs_on_vector_unit(net.layers[i].kind)) continue;
    second = i;
    ++seen;
  }
  const hw::ArrayConfig array;  // 8 lanes, 64 KiB: the built vector unit
  const std::int64_t formula = hw::vector_unit_stats(array, net, second, false).cycles;
  const std::vector<model::Int8Tensor> inputs{input};
  const hw::NetworkRun plain = hw::run_cycle_accurate(net, inputs, hw::AcceleratorConfig(array)).front();
  const std::int64_t plain_cycles = plain.end_cycle;
  // The layers run one after another from cycle 0: the second vector layer starts at the sum of
  // the cycles before it.
  std::int64_t layer_start = 0;
  for (std::size_t i = 0; i < second; ++i) layer_start += plain.layers[i].cycles;
  for (const auto fault : {CorruptedVectorUnit::Fault::Value, CorruptedVectorUnit::Fault::Cycle}) {
    hw::AcceleratorConfig config(array);
    config.vector_implementation = [fault](const hw::ArrayConfig& a) -> std::unique_ptr<hw::VectorImplementation> {
      return std::make_unique<CorruptedVectorUnit>(cosim::rtl_vector_factory()(a), fault);
    };
    hw::VectorUnit::Stats stats;
    std::vector<hw::VectorMismatch> found;
    const auto runs = hw::run_cycle_accurate(net, inputs, config, 1.0, {}, [&](hw::Accelerator& acc) {
      stats = acc.core(0).vector_unit().stats();
      found = acc.core(0).vector_unit().mismatches();
    });
    EXPECT_EQ(stats.compared_layers, 6);
    ASSERT_EQ(stats.mismatches, 1);  // the later layers read the corrupted value in both models alike
    ASSERT_EQ(found.size(), 1u);
    const hw::VectorMismatch& m = found.front();
    EXPECT_EQ(m.layer, static_cast<int>(second));
    const std::string text = m.describe(net.layers[second].name);
    EXPECT_NE(text.find("layer " + std::to_string(second) + " '" + net.layers[second].name + "'"), std::string::npos) << text;
    if (fault == CorruptedVectorUnit::Fault::Value) {
      const model::Shape out = net.layers[second].out;
      const std::int64_t middle = out.size() / 2, plane = static_cast<std::int64_t>(out.h) * out.w;
      EXPECT_EQ(m.signal, "output value");
      EXPECT_EQ(m.actual, m.expected ^ 1);
      EXPECT_EQ(m.channel, middle / plane);
      EXPECT_EQ(m.pixel, middle % plane);
      EXPECT_GE(m.layer_cycle, 0);
      EXPECT_LT(m.layer_cycle, formula);
      EXPECT_EQ(m.cycle, layer_start + m.layer_cycle + 1);  // the rising edge that ended that compute cycle
      EXPECT_NE(text.find("(vector unit cycle " + std::to_string(m.layer_cycle) + " of the layer), channel " +
                          std::to_string(m.channel) + ", pixel " + std::to_string(m.pixel) + ": output value expected " +
                          std::to_string(m.expected) + ", actual " + std::to_string(m.actual)),
                std::string::npos)
          << text;
      EXPECT_EQ(runs.front().end_cycle, plain_cycles);
    } else {
      EXPECT_NE(text.find(": cycles (corrupted RTL vector unit against the unit's formula) expected " + std::to_string(formula) +
                          ", actual " + std::to_string(formula + 1)),
                std::string::npos)
          << text;
      EXPECT_EQ(m.cycle, layer_start + formula + 1);  // when the layer ended, one cycle late
      EXPECT_EQ(runs.front().end_cycle, plain_cycles + 1);  // the system waited for the implementation
    }
  }
}

// Gives the array the Verilated feeder's lines, but flips line 0 of column 1 in one cycle of the
// first tile of the first Matmul layer.
class CorruptedFeeder : public hw::FeederImplementation {
 public:
  CorruptedFeeder(std::unique_ptr<hw::FeederImplementation> rtl, int cols) : rtl_(std::move(rtl)), cols_(cols) {}
  std::string name() const override { return "corrupted RTL feeder"; }
  void configure(const model::PackedLayer& matmul, const model::PackedLayer* shift) override {
    ++layers_;
    tiles_ = 0;
    rtl_->configure(matmul, shift);
  }
  void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) override {
    ++tiles_;
    rtl_->begin_tile(first_group, first_pixel, pixels);
  }
  const std::uint32_t* lines(std::int64_t t, const std::function<std::int8_t(std::int64_t)>& read) override {
    const std::uint32_t* lines = rtl_->lines(t, read);
    copy_.assign(lines, lines + cols_);
    if (layers_ == 1 && tiles_ == 1 && t == 20) copy_[1] ^= 1u;
    return copy_.data();
  }

 private:
  std::unique_ptr<hw::FeederImplementation> rtl_;
  int cols_;
  std::vector<std::uint32_t> copy_;
  int layers_ = 0;
  int tiles_ = 0;
};

TEST_F(Cosim, AWrongBitLineOfTheSwappedFeederIsNamed) {
  const model::PackedNetwork net = model::load_packed(kNet);
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  std::mt19937 rng(31);
  for (auto& v : input.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  hw::AcceleratorConfig config;  // 16 x 16
  config.feeder_implementation = [](const hw::ArrayConfig& a) -> std::unique_ptr<hw::FeederImplementation> {
    return std::make_unique<CorruptedFeeder>(rtl::rtl_feeder_factory()(a), a.cols);
  };
  hw::FeederUnit::Stats stats;
  std::vector<hw::FeederMismatch> found;
  const auto runs = hw::run_cycle_accurate(net, {input}, config, 1.0, {}, [&](hw::Accelerator& acc) {
    stats = acc.core(0).feeder().stats();
    found = acc.core(0).feeder().mismatches();
  });
  EXPECT_GT(stats.compared_cycles, 1000);
  ASSERT_EQ(stats.mismatches, 1);  // that word of that cycle only: the unit computes its own lines every cycle
  ASSERT_EQ(found.size(), 1u);
  const hw::FeederMismatch& m = found.front();
  EXPECT_EQ(m.layer, 0);
  EXPECT_EQ(m.tile, 0);
  EXPECT_EQ(m.tile_cycle, 20);
  EXPECT_EQ(m.col, 1);
  EXPECT_EQ(m.actual, m.expected ^ 1);
  EXPECT_NE(m.describe(net.layers[0].name).find("layer 0 '" + net.layers[0].name + "', tile 0 (tile cycle 20), col 1: feeder bit lines"),
            std::string::npos)
      << m.describe(net.layers[0].name);
  // The array computed on the swapped-in lines: layer 0's output is not the golden one.
  std::vector<model::Int8Tensor> golden;
  model::run_golden(net, input, &golden);
  EXPECT_NE(runs.front().layer_outputs.front().data, golden.front().data);
  // Without the corruption it is.
  config.feeder_implementation = rtl::rtl_feeder_factory();
  EXPECT_EQ(hw::run_cycle_accurate(net, {input}, config).front().layer_outputs.front().data, golden.front().data);
}

// The Verilated output stage against fixed::requantize over every multiplier the packed format
// allows (m0 in [0, 2^31), shifts in [-31, 30], quantize_multiplier gives {0, 0} for a zero row),
// the accumulator's extremes and random values, and several activation ranges.
TEST(RtlOutputStage, RequantizesAsTheGoldenModelOverTheWholeRange) {
  const auto rtl = rtl::rtl_output_factory()(hw::ArrayConfig{});
  std::mt19937 rng(41);
  std::vector<std::int32_t> m0s = {0, 1, 1 << 30, (1 << 30) + 12345, 0x7fffffff};
  std::vector<int> shifts = {-31, -30, -17, -1, 0, 1, 7, 29, 30};
  std::vector<std::int32_t> accs = {INT32_MIN, INT32_MIN + 1, -65536, -1, 0, 1, 65535, INT32_MAX - 1, INT32_MAX};
  for (int i = 0; i < 40; ++i) {
    accs.push_back(static_cast<std::int32_t>(rng()));
    m0s.push_back(static_cast<std::int32_t>(rng() & 0x7fffffffu));
    shifts.push_back(static_cast<int>(rng() % 62) - 31);
  }
  const std::vector<std::pair<std::int8_t, std::int8_t>> ranges = {{-128, 127}, {0, 127}, {0, 6}, {-3, -3}};
  long checked = 0;
  for (const std::int32_t m0 : m0s) {
    for (const int shift : shifts) {
      for (const std::int32_t acc : accs) {
        for (const auto& [lo, hi] : ranges) {
          const fixed::Multiplier m{m0, shift};
          ASSERT_EQ(rtl->requantize(acc, m, lo, hi), fixed::requantize(acc, m, lo, hi))
              << "acc " << acc << ", m0 " << m0 << ", shift " << shift << ", range [" << int{lo} << ", " << int{hi} << "]";
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 45L * 49 * 49 * 4);
}

// Requantizes through the Verilated output stage, but one value of the second Matmul layer comes
// out one too high (a 127 would be left alone, and the test then fails).
class CorruptedOutput : public hw::OutputImplementation {
 public:
  explicit CorruptedOutput(std::unique_ptr<hw::OutputImplementation> rtl) : rtl_(std::move(rtl)) {}
  std::string name() const override { return "corrupted RTL output stage"; }
  std::int8_t requantize(fixed::Acc acc, fixed::Multiplier m, std::int8_t act_min, std::int8_t act_max) override {
    const std::int8_t v = rtl_->requantize(acc, m, act_min, act_max);
    return ++values_ == kCorrupted && v < 127 ? static_cast<std::int8_t>(v + 1) : v;
  }
  static constexpr long kCorrupted = 12544 + 100;  // conv0 writes 16 x 28 x 28 values first

 private:
  std::unique_ptr<hw::OutputImplementation> rtl_;
  long values_ = 0;
};

TEST_F(Cosim, AWrongValueOfTheSwappedOutputStageIsNamed) {
  const model::PackedNetwork net = model::load_packed(kNet);
  ASSERT_EQ(net.layers[0].out.size(), 12544);
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  std::mt19937 rng(37);
  for (auto& v : input.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  hw::AcceleratorConfig config;
  config.output_implementation = [](const hw::ArrayConfig& a) -> std::unique_ptr<hw::OutputImplementation> {
    return std::make_unique<CorruptedOutput>(rtl::rtl_output_factory()(a));
  };
  hw::OutputStage::Stats stats;
  std::vector<hw::OutputMismatch> found;
  const auto runs = hw::run_cycle_accurate(net, {input}, config, 1.0, {}, [&](hw::Accelerator& acc) {
    stats = acc.core(0).output_stage().stats();
    found = acc.core(0).output_stage().mismatches();
  });
  std::vector<model::Int8Tensor> golden;
  model::run_golden(net, input, &golden);
  long matmul_values = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind == model::OpKind::Matmul) matmul_values += static_cast<long>(golden[i].data.size());
  }
  EXPECT_EQ(stats.compared_values, matmul_values);
  ASSERT_EQ(stats.mismatches, 1);
  const hw::OutputMismatch& m = found.at(0);
  const std::size_t layer = 2;  // pw1_1: the second Matmul layer (a fused shift before it)
  ASSERT_EQ(net.layers[layer].kind, model::OpKind::Matmul);
  EXPECT_EQ(m.layer, static_cast<int>(layer));
  EXPECT_EQ(m.actual, m.expected + 1);
  const model::PackedLayer& l = net.layers[layer];
  EXPECT_EQ(fixed::requantize(m.acc, l.requant[static_cast<std::size_t>(m.channel)], l.act_min, l.act_max), m.expected);
  EXPECT_GE(m.cycle, runs.front().layers[0].cycles);  // during layer 2 (after conv0, before the run's end)
  EXPECT_LE(m.cycle, runs.front().end_cycle);
  // The value the stage got wrong is the one the buffer received: the layer differs from golden
  // at exactly that channel and pixel.
  const auto& out = runs.front().layer_outputs[layer].data;
  const std::int64_t plane = static_cast<std::int64_t>(net.layers[layer].out.h) * net.layers[layer].out.w;
  const std::size_t at = static_cast<std::size_t>(m.channel * plane + m.pixel);
  EXPECT_EQ(out[at], m.actual);
  EXPECT_EQ(golden[layer].data[at], m.expected);
  long differing = 0;
  for (std::size_t k = 0; k < out.size(); ++k) differing += out[k] != golden[layer].data[k];
  EXPECT_EQ(differing, 1);
  EXPECT_NE(m.describe(net.layers[layer].name).find("layer 2 'pw1_1', channel " + std::to_string(m.channel) + ", pixel " +
                                                     std::to_string(m.pixel) + ": output stage value (accumulator "),
            std::string::npos)
      << m.describe(net.layers[layer].name);
}

class CosimFault : public Cosim, public ::testing::WithParamInterface<std::string> {};

TEST_P(CosimFault, IsReportedWithAWaveformAroundIt) {
  const std::string trace = path("f.fst");
  const auto r = test::run_ccsim(base(1) + " --inject " + GetParam() + " --mismatch-trace " + trace + " --report " +
                                 path("r.json"));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  const std::regex named(R"(cycle \d+, sample 0, layer \d+ '[^']+', tile \d+ \(tile cycle \d+\), row \d+, col \d+: \w+ expected -?\d+, actual -?\d+)");
  EXPECT_TRUE(std::regex_search(r.output, named)) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_FALSE(j["pass"].get<bool>());
  ASSERT_FALSE(j["mismatches"].empty());
  EXPECT_TRUE(fs::exists(trace));
  EXPECT_TRUE(fs::exists(path("f.gtkw")));
  EXPECT_GT(fs::file_size(trace), 1000u);
}

INSTANTIATE_TEST_SUITE_P(Faults, CosimFault, ::testing::Values("select", "skew", "acc"));

TEST_F(Cosim, EitherDesignRunsAlone) {
  for (const std::string design : {"rtl", "systemc"}) {
    const auto r = test::run_ccsim(base(1) + " --design " + design);
    EXPECT_EQ(r.status, 0) << design << "\n" << r.output;
    EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
  }
  // The SystemC model alone is checked against the golden model: a fault still fails.
  const auto bad = test::run_ccsim(base(1) + " --design systemc --inject select --mismatch-trace " + path("m.fst"));
  EXPECT_NE(bad.status, 0) << bad.output;
  EXPECT_NE(bad.output.find("systemc_output vs golden"), std::string::npos) << bad.output;
}

// The variables a VCD declares: name with its scopes ("a.b.c[7:0]") -> identifier code (the
// first one, when several scopes name the same).
std::map<std::string, std::string> vcd_variables(const std::string& file) {
  std::ifstream in(file);
  std::map<std::string, std::string> vars;
  std::vector<std::string> scope;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream t(line);
    std::string w;
    t >> w;
    if (w == "$scope") {
      std::string kind, name;
      t >> kind >> name;
      scope.push_back(name);
    } else if (w == "$upscope") {
      scope.pop_back();
    } else if (w == "$var") {
      std::string type, width, id, name, range;
      t >> type >> width >> id >> name >> range;
      std::string full;
      for (const auto& s : scope) full += s + ".";
      vars.emplace(full + name + (range.rfind('[', 0) == 0 ? range : ""), id);
    } else if (w == "$enddefinitions") {
      break;
    }
  }
  return vars;
}

std::set<std::string> vcd_signals(const std::string& file) {
  std::set<std::string> names;
  for (const auto& [name, id] : vcd_variables(file)) names.insert(name);
  return names;
}

TEST_F(Cosim, WaveformsOnOneTimeBaseAndAGtkwaveSaveFile) {
  const auto r = test::run_ccsim(base(1) + " --trace " + path("w.vcd") + " --trace-window 2000:2600");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(fs::exists(path("w.vcd")));
  ASSERT_TRUE(fs::exists(path("w-systemc.vcd")));
  ASSERT_TRUE(fs::exists(path("w.gtkw")));
  EXPECT_FALSE(fs::exists(path("w-vector.vcd"))) << "no vector-unit layer starts in the window";
  const auto rtl = vcd_signals(path("w.vcd"));
  std::ifstream gtkw(path("w.gtkw"));
  std::string line;
  int listed = 0;
  while (std::getline(gtkw, line)) {
    if (line.empty() || line[0] == '[' || line[0] == '@' || line[0] == '-') continue;
    ++listed;
    EXPECT_TRUE(rtl.count(line)) << line << " is not in the waveform";
  }
  EXPECT_GT(listed, 16);  // every cell's partial sum, grouped per row; column bit lines
  // Both files use picoseconds: the clock is 1 ns, the window 2000..2600 cycles.
  const std::string sc = read_file(path("w-systemc.vcd"));
  EXPECT_NE(sc.find("1 ps"), std::string::npos);
  EXPECT_NE(read_file(path("w.vcd")).find("ps"), std::string::npos);
}

// Time stamps of a VCD (fst2vcd of an FST the tool wrote).
std::vector<long long> vcd_stamps(const std::string& file) {
  std::ifstream in(file);
  std::vector<long long> stamps;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == '#') stamps.push_back(std::stoll(line.substr(1)));
  }
  return stamps;
}

// The value (binary digits) of `signal` (as vcd_variables names it) at time `at`: the last
// change at or before it. Empty when the signal is not in the file.
std::string vcd_value_at(const std::string& file, const std::string& signal, long long at) {
  const auto vars = vcd_variables(file);
  const auto found = vars.find(signal);
  if (found == vars.end()) return "";
  const std::string& id = found->second;
  std::ifstream in(file);
  std::string value;
  bool body = false;
  for (std::string line; std::getline(in, line);) {
    if (!body) {
      body = line.find("$enddefinitions") != std::string::npos;
      continue;
    }
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (std::stoll(line.substr(1)) > at) break;
    } else if (line[0] == 'b') {
      const auto space = line.find(' ');
      if (space != std::string::npos && line.substr(space + 1) == id) value = line.substr(1, space - 1);
    } else if ((line[0] == '0' || line[0] == '1') && line.substr(1) == id) {
      value = line.substr(0, 1);
    }
  }
  return value;
}

long long binary(const std::string& bits) { return bits.empty() ? -1 : std::stoll(bits, nullptr, 2); }

std::string fst_to_vcd(const fs::path& fst) {
  const std::string vcd = fst.string() + ".vcd";
  EXPECT_EQ(std::system(("fst2vcd -f '" + fst.string() + "' -o '" + vcd + "' >/dev/null 2>&1").c_str()), 0) << fst;
  return vcd;
}

// Every signal a .gtkw lists is in the waveform; returns how many it lists.
int gtkw_signals_in(const std::string& gtkw_path, const std::set<std::string>& waveform) {
  std::ifstream gtkw(gtkw_path);
  int listed = 0;
  for (std::string line; std::getline(gtkw, line);) {
    if (line.empty() || line[0] == '[' || line[0] == '@' || line[0] == '-') continue;
    ++listed;
    EXPECT_TRUE(waveform.count(line)) << line << " (" << gtkw_path << ") is not in the waveform";
  }
  return listed;
}

// run --rtl tile --rtl-trace: the Verilated tile's waveform inside the system, on the system's time
// base (a falling edge per cycle it runs, inside the window) with a GTKWave save file whose every
// signal is in it.
TEST_F(Cosim, TheRtlTileInsideTheSystemWritesAWaveform) {
  const auto r = test::run_ccsim("run " + kNet + " --array 8x8 --dataset " + kData + " --count 1 --tlm lt --rtl tile --rtl-trace " +
                                 path("t.fst") + " --trace-window 12000:12400");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("waveform of the RTL tile: " + path("t.fst")), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(path("t.fst")));
  ASSERT_TRUE(fs::exists(path("t.gtkw")));
  const std::string vcd = fst_to_vcd(path("t.fst"));
  std::vector<long long> stamps = vcd_stamps(vcd);
  stamps.erase(std::remove(stamps.begin(), stamps.end(), 0LL), stamps.end());  // the initial values
  ASSERT_GT(stamps.size(), 100u);
  for (const long long t : stamps) {
    EXPECT_EQ(t % 1000, 500) << t;  // falling edges of the 1 ns clock, in ps
    EXPECT_GE(t, 12000 * 1000LL);
    EXPECT_LE(t, 12400 * 1000LL + 500);
  }
  EXPECT_GT(gtkw_signals_in(path("t.gtkw"), vcd_signals(vcd)), 16);
  EXPECT_NE(read_file(path("t.gtkw")).find("[dumpfile] \"" + path("t.fst") + "\""), std::string::npos);
  for (const std::string& bad : {std::string("--rtl tile --rtl-trace ") + path("t.vcd"), std::string("--rtl array --rtl-trace ") + path("a.fst"),
                                 std::string("--rtl tile --rtl-trace ") + path("nodir/t.fst")}) {
    const auto refused = test::run_ccsim("run " + kNet + " --dataset " + kData + " --count 1 --mode cycle " + bad);
    EXPECT_NE(refused.status, 0) << bad;
    EXPECT_NE(refused.output.find("--rtl-trace"), std::string::npos) << refused.output;
  }
  EXPECT_FALSE(fs::exists(path("a.fst")));
  // A network without a Matmul layer never runs the tile: no waveform, said, nothing left behind.
  model::Network pool_only;
  pool_only.name = "pool-only";
  pool_only.input = {2, 8, 8};
  model::Layer pool = test::simple("pool", model::LayerKind::MaxPool);
  pool.window = {2, 2, 2, 2, 0, 0, 0, 0};
  pool_only.layers.push_back(pool);
  model::save_network_json(pool_only, path("pool.json"));
  model::save_tensor_pb(test::random_batch(pool_only.input, 4, 3), path("pcalib.pb"));
  model::save_tensor_pb(test::random_batch(pool_only.input, 1, 4), path("px.pb"));
  const auto pack = test::run_ccsim("pack " + path("pool.json") + " --calib-input " + path("pcalib.pb") + " -o " + path("pool.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto none = test::run_ccsim("run " + path("pool.ccpack") + " --mode cycle --rtl tile --rtl-trace " + path("p.fst") +
                                    " --input " + path("px.pb"));
  ASSERT_EQ(none.status, 0) << none.output;
  EXPECT_NE(none.output.find("no waveform of the RTL tile: no Matmul layer ran on it"), std::string::npos) << none.output;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find("p.fst"), std::string::npos) << entry.path();
    EXPECT_EQ(entry.path().filename().string().find("p.gtkw"), std::string::npos) << entry.path();
  }
}

TEST_F(Cosim, AVectorUnitMismatchComesWithTheVectorUnitsWaveform) {
  const int lanes = ccsim::cosim::RtlVectorUnit::limits().lanes;
  const std::string unit = "vector_unit.ccsim_vector_unit.";
  // The fault makes the reference of every vector-unit layer wrong in one value: the RTL unit's
  // (right) output then disagrees there, and the waveform holds the unit around that clock cycle.
  const auto r = test::run_ccsim(base(1) + " --inject vector --mismatch-trace " + path("f.fst") + " --report " + path("r.json"));
  EXPECT_NE(r.status, 0) << r.output;
  std::smatch m;
  const std::regex named(R"(cycle (\d+), sample 0, layer \d+ '[^']+', vector unit cycle (\d+) of the layer, row (\d+), col (\d+): )"
                         R"(vector_unit_output vs golden \(row = channel, col = pixel\) expected -?\d+, actual -?\d+)");
  ASSERT_TRUE(std::regex_search(r.output, m, named)) << r.output;
  EXPECT_NE(r.output.find("waveform around the first mismatch (RTL vector unit): " + path("f.fst")), std::string::npos)
      << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_EQ(j["waveform_unit"], "vector_unit");
  EXPECT_EQ(j["mismatches"][0]["tile"], -1);
  const long long layer_start = std::stoll(m[1]);
  const long long fault_cycle = std::stoll(m[2]);
  const long long channel = std::stoll(m[3]);
  const long long pixel = std::stoll(m[4]);
  EXPECT_EQ(j["mismatches"][0]["tile_cycle"].get<long long>(), fault_cycle);
  ASSERT_TRUE(fs::exists(path("f.fst")));
  ASSERT_TRUE(fs::exists(path("f.gtkw")));
  const std::string vcd = fst_to_vcd(path("f.fst"));
  EXPECT_GT(gtkw_signals_in(path("f.gtkw"), vcd_signals(vcd)), 3 * lanes);  // every lane's accumulator and output
  // The window: both clock edges of each cycle from 64 before the faulty value's write to at most
  // 64 after it (the layer may end sooner), 1 ns apart.
  const std::vector<long long> stamps = vcd_stamps(vcd);
  const long long first_cycle = std::max(0LL, fault_cycle - 64);
  ASSERT_GE(stamps.size(), 2u * static_cast<std::size_t>(fault_cycle - first_cycle + 1)) << vcd;
  EXPECT_LE(stamps.size(), 2u * 129) << vcd;
  for (std::size_t k = 1; k < stamps.size(); ++k) ASSERT_EQ(stamps[k] - stamps[k - 1], 500) << k;
  // ... and at the faulty cycle's rising edge the unit's output stream writes that value (the
  // pass has one output pixel per channel here: index = channel * pixels + pixel).
  const long long rise = stamps.front() + (fault_cycle - first_cycle) * 1000;
  const long long valid = binary(vcd_value_at(vcd, unit + "vo_valid_o[" + std::to_string(lanes - 1) + ":0]", rise));
  ASSERT_GT(valid, 0) << "no output at the faulty cycle, " << rise << " ps";
  bool written = false;
  for (int l = 0; l < lanes; ++l) {
    const long long index = binary(vcd_value_at(vcd, unit + "out_index_q[" + std::to_string(l) + "][31:0]", rise));
    written = written || (((valid >> l) & 1) != 0 && index == channel + pixel);
  }
  EXPECT_TRUE(written) << "channel " << channel << " is not written at " << rise << " ps";

  // --trace: the vector unit gets a waveform of its own on the tile's time base, between the
  // tile's layers (the tile idles while it runs).
  const std::string window = std::to_string(layer_start - 20) + ":" + std::to_string(layer_start + 20);
  const auto t = test::run_ccsim(base(1) + " --trace " + path("w.fst") + " --trace-window " + window + " --report " +
                                 path("t.json"));
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("vector unit waveform (same time base): " + path("w-vector.fst")), std::string::npos) << t.output;
  ASSERT_TRUE(fs::exists(path("w-vector.gtkw")));
  const std::string vector_vcd = fst_to_vcd(path("w-vector.fst"));
  EXPECT_GT(gtkw_signals_in(path("w-vector.gtkw"), vcd_signals(vector_vcd)), 3 * lanes);
  const std::vector<long long> vector_stamps = vcd_stamps(vector_vcd);
  const std::vector<long long> tile_stamps = vcd_stamps(fst_to_vcd(path("w.fst")));
  const long long vector_cycles = nlohmann::json::parse(read_file(path("t.json")))["vector_cycles"].get<long long>();
  ASSERT_GE(vector_stamps.size(), 2u * static_cast<std::size_t>(vector_cycles));  // at least its compute cycles
  ASSERT_FALSE(tile_stamps.empty());
  // Its first rising edge comes half a cycle after the tile's last sample before it; the tile's
  // next samples come after its last falling edge.
  const auto before = std::count_if(tile_stamps.begin(), tile_stamps.end(), [&](long long x) { return x < vector_stamps.front(); });
  const auto after = std::count_if(tile_stamps.begin(), tile_stamps.end(), [&](long long x) { return x >= vector_stamps.back(); });
  ASSERT_GT(before, 0);
  EXPECT_GT(after, 0);
  EXPECT_EQ(tile_stamps[static_cast<std::size_t>(before) - 1] + 500, vector_stamps.front());
  EXPECT_EQ(static_cast<std::size_t>(before + after), tile_stamps.size()) << "the tile's waveform moved while the vector unit ran";
  for (const auto& f : fs::directory_iterator(dir_)) {
    EXPECT_EQ(f.path().filename().string().find(".tmp."), std::string::npos) << f.path() << " left behind";
  }

  // The fault is in what the RTL vector unit is compared with: with the RTL alone it fails the
  // same way; the SystemC model alone has no vector unit to check.
  const auto rtl = test::run_ccsim(base(1) + " --design rtl --inject vector --mismatch-trace " + path("rtl.fst"));
  EXPECT_NE(rtl.status, 0) << rtl.output;
  EXPECT_NE(rtl.output.find("vector_unit_output vs golden"), std::string::npos) << rtl.output;
  const auto systemc = test::run_ccsim(base(1) + " --design systemc --inject vector");
  EXPECT_NE(systemc.status, 0) << systemc.output;
  EXPECT_NE(systemc.output.find("--inject vector"), std::string::npos) << systemc.output;
  // A waveform into a directory that does not exist is refused before anything runs.
  const auto nowhere = test::run_ccsim(base(1) + " --trace " + path("missing/w.fst"));
  EXPECT_NE(nowhere.status, 0) << nowhere.output;
  EXPECT_NE(nowhere.output.find("directory '" + path("missing") + "' does not exist"), std::string::npos) << nowhere.output;
}

TEST_F(Cosim, TheStoredInputComesThroughTheDmasMemoryPort) {
  // Every block's band is read by the tile's DMA from the bench's memory: a slower memory (more
  // cycles per read than the DMA keeps in flight) takes more load cycles, the compared cycles and
  // the outputs stay the same.
  const auto fast = test::run_ccsim(base(1) + " --mem-latency 1 --report " + path("fast.json"));
  ASSERT_EQ(fast.status, 0) << fast.output;
  const auto slow = test::run_ccsim(base(1) + " --mem-latency 16 --mem-busy 3 --report " + path("slow.json"));
  ASSERT_EQ(slow.status, 0) << slow.output;
  const auto f = nlohmann::json::parse(read_file(path("fast.json")));
  const auto s = nlohmann::json::parse(read_file(path("slow.json")));
  EXPECT_EQ(f["mem_latency"], 1);
  EXPECT_EQ(s["mem_latency"], 16);
  EXPECT_EQ(s["mem_busy"], 3);
  EXPECT_EQ(f["cycles_compared"], s["cycles_compared"]);
  EXPECT_GT(s["cycles_simulated"].get<long long>(), f["cycles_simulated"].get<long long>());
  const auto zero = test::run_ccsim(base(1) + " --mem-latency 0");
  EXPECT_NE(zero.status, 0) << zero.output;
  EXPECT_NE(zero.output.find("--mem-latency"), std::string::npos) << zero.output;
  const auto negative = test::run_ccsim(base(1) + " --mem-busy -1");
  EXPECT_NE(negative.status, 0) << negative.output;
  EXPECT_NE(negative.output.find("--mem-busy"), std::string::npos) << negative.output;
}

TEST_F(Cosim, TheOutputsGoToMemoryThroughTheOutputDma) {
  // Every output leaves the tile through its output DMA's write port, into a channel-major tensor
  // in the bench's memory (at an 8-byte-aligned address), which the next layer reads: row m of a
  // layer with P pixels per channel writes bytes [m P, (m + 1) P), so as many words as those bytes
  // touch. A memory refusing 3 cycles after each write keeps up on 16x16 (hw/README.md, "Output
  // DMA": Rows (busy + 1) <= 8 DataBits); one refusing 4 loses a word there, which fails naming
  // the overflow. After each of the 8 Matmul layers the bench drains what the DMA still holds,
  // at most two words per row, mem_busy + 1 cycles each.
  const model::PackedNetwork net = model::load_packed(kNet);
  std::int64_t words = 0;
  for (const auto& l : net.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    const std::int64_t P = static_cast<std::int64_t>(l.out.h) * l.out.w;
    for (std::int64_t m = 0; m < l.out.c; ++m) words += (m * P + P - 1) / 8 - (m * P) / 8 + 1;
  }
  const auto slow = test::run_ccsim(base(1) + " --mem-busy 3 --report " + path("slow.json"));
  ASSERT_EQ(slow.status, 0) << slow.output;
  EXPECT_NE(slow.output.find("DMAs (RTL): every output written to memory once"), std::string::npos) << slow.output;
  const auto r = nlohmann::json::parse(read_file(path("slow.json")));
  EXPECT_EQ(r["output_words_written"].get<long long>(), words);
  EXPECT_EQ(r["layers_run"].get<long long>(), 8);
  EXPECT_GE(r["output_drain_cycles"].get<long long>(), 8);
  EXPECT_LE(r["output_drain_cycles"].get<long long>(), 8 * (2 * 16 * 4 + 2));
  const auto slower = test::run_ccsim(base(1) + " --mem-busy 4 --report " + path("slower.json"));
  EXPECT_NE(slower.status, 0) << slower.output;
  EXPECT_NE(slower.output.find("output DMA overflow"), std::string::npos) << slower.output;
  const auto f = nlohmann::json::parse(read_file(path("slower.json")));
  EXPECT_EQ(f["mismatches"][0]["layer"], 0);
}

TEST_F(Cosim, BandsStartingInsideAWordAreGatheredSegmentBySegment) {
  // 71 x 71 inputs (make_wide_cnn.py --pixel-blocks --side 71): rows of 71 bytes and channels of
  // 5,041, so a pixel block's band (a segment of band rows per channel) starts inside 8-byte
  // words of the input tensor, which the DMA gathers from memory (the previous layer's output as
  // the output DMA wrote it) under back-pressure.
  const std::string script = std::string(CCSIM_SOURCE_DIR) + "/tests/models/make_wide_cnn.py";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + path("net.onnx") + " --pixel-blocks " + path("x.pb") + " " +
                         path("calib.pb") + " --side 71").c_str()),
            0);
  const auto pack = test::run_ccsim("pack " + path("net.onnx") + " --alpha 4 --combine-all --check-count 0 --calib-input " +
                                    path("calib.pb") + " -o " + path("net.ccpack"));
  ASSERT_EQ(pack.status, 0) << pack.output;
  const auto r = test::run_ccsim("cosim " + path("net.ccpack") + " --array 8x16 --input " + path("x.pb") +
                                 " --mem-latency 3 --mem-busy 1 --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("layer '/c1/Conv' runs in 2 pixel blocks"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_GT(j["input_unaligned_segments"].get<long long>(), 8);
  EXPECT_GT(j["input_segments"].get<long long>(), j["input_unaligned_segments"].get<long long>());
}

TEST_F(Cosim, BadOptionsFailCleanly) {
  auto fails = [&](const std::string& args, const std::string& fragment) {
    const auto r = test::run_ccsim(args);
    EXPECT_NE(r.status, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << args << "\n" << r.output;
  };
  fails("cosim " + kNet + " --array 3x7 --dataset " + kData,
        "no Verilated tile for a 3x7 array; this build has " + std::regex_replace(CCSIM_COSIM_ARRAYS, std::regex(","), ", ") +
            " (add it to the CMake option CCSIM_COSIM_ARRAYS");
  fails(base(1) + " --stream-gap 4", "--stream-gap needs --design rtl");
  fails(base(1) + " --design systemc --mem-busy 2", "--mem-latency and --mem-busy time the RTL tile's memory port");
  fails("run " + kNet + " --rtl array --mode fast --dataset " + kData, "--rtl array needs --mode cycle or --tlm");
  fails("run " + kNet + " --rtl array --array 3x7 --dataset " + kData, "no Verilated array for 3x7; this build has");
  fails("run " + kNet + " --rtl vector --mode fast --dataset " + kData, "--rtl vector needs --mode cycle or --tlm");
  fails("run " + kNet + " --rtl output --mode fast --dataset " + kData, "--rtl output needs --mode cycle or --tlm");
  fails("run " + kNet + " --rtl feeder,cells --dataset " + kData, "'cells' is not a unit with RTL to swap in (array, feeder, output, vector");
  for (const std::string list : {"array,", ",array", "array,,feeder", "\"\""}) {
    fails("run " + kNet + " --rtl " + list + " --dataset " + kData, "an empty unit");
  }
  fails("run " + kNet + " --rtl none,array --dataset " + kData, "'none' goes alone");
  fails("run " + kNet + " --rtl feeder --array 3x7 --dataset " + kData, "--rtl feeder: no Verilated feeder for 7 array columns; this build has");
  fails("run " + kNet + " --rtl feeder --mac parallel --dataset " + kData, "--rtl feeder: the RTL feeder drives bit lines");
  fails("run " + kNet + " --rtl array,vector --tlm lt --vector-lanes 4 --dataset " + kData,
        "--rtl vector: the Verilated vector unit has 8 lanes; this configuration 4 (use --vector-lanes 8)");
  fails("run " + kNet + " --rtl vector --mode cycle --vector-store-kib 32 --dataset " + kData,
        "the Verilated vector unit has a 64 KiB input store; this configuration 32 KiB (use --vector-store-kib 64");
  fails(base(1) + " --trace " + path("w.txt"), "must end in .fst or .vcd");
  fails(base(1) + " --design rtl --inject skew", "--inject puts the fault into the SystemC model");
  fails(base(1) + " --trace-window 5:1 --trace " + path("w.fst"), "--trace-window '5:1'");
  // Beside the SystemC model the tile stream must keep pace: on 4x4 the fully connected layer's
  // tiles (12 records, 36 compute cycles) allow a latency of 10 at most, 4 records per L + 2
  // cycles (hw/README.md "Controller"); 10 passes in lockstep.
  const std::string slow = "cosim " + kNet + " --array 4x4 --dataset " + kData + " --count 1 --mem-latency 11";
  fails(slow, "a tile of layer 'fc' (12 records) needs 39 cycles, more than its 36 compute cycles");
  fails(slow, "use --mem-latency 10 or less, or --design rtl");
  const auto at_limit = test::run_ccsim("cosim " + kNet + " --array 4x4 --dataset " + kData + " --count 1 --mem-latency 10");
  EXPECT_EQ(at_limit.status, 0) << at_limit.output;
  // The RTL alone may be slower than that: the tile waits for its weights, counted, outputs exact.
  const auto alone = test::run_ccsim(slow + " --design rtl --report " + path("alone.json"));
  ASSERT_EQ(alone.status, 0) << alone.output;
  EXPECT_GT(nlohmann::json::parse(read_file(path("alone.json")))["rtl_wait_cycles"].get<long>(), 0);
  fs::remove(path("alone.json"));
  for (const auto& e : fs::directory_iterator(dir_)) ADD_FAILURE() << "left behind: " << e.path();
}

}  // namespace
}  // namespace ccsim
