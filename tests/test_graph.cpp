// Branching networks (issue 15, item 4): residual Add, Concat, Pad and ceil_mode pooling from the
// layer IR and ONNX through packing, the golden model, fast mode and the SystemC accelerator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include "hw/accelerator.hpp"
#include "hw/memory_system.hpp"
#include "hw/pipeline.hpp"
#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/onnx_fold.hpp"
#include "models/onnx_import.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim {
namespace {

using model::LayerKind;
using model::OpKind;

// input 4x8x8 -> a: conv 3x3 + ReLU; b: conv 1x1 of the network input; sum = ReLU(a + b);
// cat = [sum, a] (16 channels); pad 1 -> 16x10x10; max pool 2 -> 16x5x5; GAP; flatten; fc 10.
model::Network branching_net(std::uint32_t seed) {
  std::mt19937 rng(seed);
  model::Network net;
  net.name = "branches";
  net.input = {4, 8, 8};
  net.layers.push_back(test::conv("a", 4, 8, 3, 1, 1, rng));                 // 0
  net.layers.push_back(test::simple("a_relu", LayerKind::ReLU));             // 1
  model::Layer b = test::conv("b", 4, 8, 1, 1, 0, rng);                      // 2
  b.inputs = {-1};
  net.layers.push_back(b);
  model::Layer sum = test::simple("sum", LayerKind::Add);                    // 3
  sum.inputs = {1, 2};
  net.layers.push_back(sum);
  net.layers.push_back(test::simple("sum_relu", LayerKind::ReLU));           // 4
  model::Layer cat = test::simple("cat", LayerKind::Concat);                 // 5
  cat.inputs = {4, 1};
  net.layers.push_back(cat);
  model::Layer pad = test::simple("pad", LayerKind::Pad);                    // 6
  pad.window.pad_top = pad.window.pad_left = pad.window.pad_bottom = pad.window.pad_right = 1;
  net.layers.push_back(pad);
  model::Layer pool = test::simple("pool", LayerKind::MaxPool);              // 7
  pool.window = {2, 2, 2, 2, 0, 0, 0, 0};
  net.layers.push_back(pool);
  net.layers.push_back(test::simple("gap", LayerKind::GlobalAvgPool));       // 8
  net.layers.push_back(test::simple("flatten", LayerKind::Flatten));         // 9
  model::Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.out_channels = 10;
  fc.weight = test::random_values(10 * 16, rng, 0.25f);
  fc.bias = test::random_values(10, rng, 0.1f);
  net.layers.push_back(fc);
  return net;
}

model::PackedNetwork pack_dense(const model::Network& net, const model::FloatTensor& calibration) {
  model::PackOptions options;
  options.combine = {1, 0.0, 0};
  return model::pack_network(net, options, calibration).packed;
}

std::vector<model::Int8Tensor> quantized(const model::PackedNetwork& net, const model::FloatTensor& batch) {
  std::vector<model::Int8Tensor> out;
  const auto per = static_cast<std::size_t>(net.input.size());
  for (std::size_t i = 0; i < batch.data.size() / per; ++i) {
    out.push_back(model::quantize_input(net, batch.data.data() + i * per, per));
  }
  return out;
}

// The int8 network's dequantized outputs stay within 5 % of the float outputs' range.
void expect_within_quantization_error(const model::Network& net, const model::PackedNetwork& packed, const model::FloatTensor& x) {
  const model::FloatRun reference = model::run_float(net, x);
  const auto inputs = quantized(packed, x);
  double worst = 0.0;
  double range = 0.0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto y = model::dequantize(model::run_golden(packed, inputs[i]), packed.output_scale());
    for (std::size_t k = 0; k < y.size(); ++k) {
      worst = std::max(worst, static_cast<double>(std::fabs(y[k] - reference.output.data[i * y.size() + k])));
      range = std::max(range, static_cast<double>(std::fabs(reference.output.data[i * y.size() + k])));
    }
  }
  EXPECT_LT(worst, 0.05 * range) << "worst " << worst << " of " << range;
}

// A float initializer `name` of `dims` in g, for values to be added.
onnx::TensorProto& float_initializer(onnx::GraphProto& g, const char* name, const std::vector<int>& dims) {
  auto& t = *g.add_initializer();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (const int d : dims) t.add_dims(d);
  return t;
}

// An ONNX model (opset 13) whose graph has one float input "x" of `dims`, for nodes to be added.
onnx::ModelProto onnx_model_with_input(const std::vector<int>& dims) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto& in = *m.mutable_graph()->add_input();
  in.set_name("x");
  in.mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  for (const int d : dims) in.mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  return m;
}

TEST(GraphIr, ShapesJsonAndErrors) {
  const model::Network net = branching_net(1);
  const auto out = model::output_shapes(net);
  EXPECT_EQ(out[3], (model::Shape{8, 8, 8}));
  EXPECT_EQ(out[5], (model::Shape{16, 8, 8}));
  EXPECT_EQ(out[6], (model::Shape{16, 10, 10}));
  EXPECT_EQ(out.back(), (model::Shape{10, 1, 1}));
  EXPECT_FALSE(model::is_chain(net.layers));

  // The JSON form names inputs by layer ("@input" for the network input) and reads back the same.
  const nlohmann::json j = model::network_to_json(net);
  EXPECT_EQ(j["layers"][2]["inputs"], nlohmann::json({"@input"}));
  EXPECT_EQ(j["layers"][5]["inputs"], nlohmann::json({"sum_relu", "a_relu"}));
  EXPECT_FALSE(j["layers"][1].contains("inputs"));  // reads the layer before it
  const model::Network back = model::network_from_json(j, "net.json");
  for (std::size_t i = 0; i < net.layers.size(); ++i) EXPECT_EQ(back.layers[i].inputs, net.layers[i].inputs) << i;
  EXPECT_EQ(back.layers[6].window.pad_bottom, 1);

  const auto refused = [&](nlohmann::json bad, const std::string& fragment) {
    try {
      model::network_from_json(bad, "bad.json");
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  nlohmann::json later = j;
  later["layers"][3]["inputs"] = {"a_relu", "cat"};
  refused(later, "input 'cat' is not an earlier layer");
  nlohmann::json one = j;
  one["layers"][3]["inputs"] = {"a_relu"};
  refused(one, "layer 'sum' (add): needs two or more inputs, has 1");
  nlohmann::json shapes = j;
  shapes["layers"][3]["inputs"] = {"a_relu", "@input"};
  refused(shapes, "adds inputs of different shapes 8x8x8 and 4x8x8");
  nlohmann::json reserved = j;
  reserved["layers"][0]["name"] = "@input";
  refused(reserved, "reserved for the network input");
}

TEST(GraphPack, JoinsAreRequantizedAndTheGoldenModelFollowsTheFloatNetwork) {
  const model::Network net = branching_net(2);
  const model::FloatTensor calib = test::random_batch(net.input, 64, 3);
  const model::PackedNetwork packed = pack_dense(net, calib);
  // a (ReLU fused), b, sum (ReLU fused into the add), cat, pad, pool, gap, flatten, fc.
  ASSERT_EQ(packed.layers.size(), 9u);
  const model::PackedLayer& sum = packed.layers[2];
  EXPECT_EQ(sum.kind, OpKind::Add);
  EXPECT_EQ(sum.inputs, (std::vector<int>{0, 1}));
  EXPECT_EQ(sum.act_min, 0);
  EXPECT_EQ(sum.operand_scales, (std::vector<float>{packed.layers[0].out_scale, packed.layers[1].out_scale}));
  const model::PackedLayer& cat = packed.layers[3];
  EXPECT_EQ(cat.kind, OpKind::Concat);
  EXPECT_EQ(cat.inputs, (std::vector<int>{2, 0}));
  EXPECT_FLOAT_EQ(cat.out_scale, std::max(sum.out_scale, packed.layers[0].out_scale));
  EXPECT_EQ(packed.layers[4].kind, OpKind::Pad);
  EXPECT_TRUE(packed.layers[4].inputs.empty());

  // The add's arithmetic against its float meaning, term by term: within one output step.
  const model::FloatTensor x = test::random_batch(net.input, 16, 4);
  std::vector<model::Int8Tensor> trace;
  const auto inputs = quantized(packed, x);
  model::run_golden(packed, inputs[0], &trace);
  ASSERT_EQ(trace.size(), packed.layers.size());
  for (std::size_t j = 0; j < trace[2].data.size(); ++j) {
    const double real = trace[0].data[j] * sum.operand_scales[0] + trace[1].data[j] * sum.operand_scales[1];
    const double expect = std::clamp(std::round(real / sum.out_scale), 0.0, 127.0);
    EXPECT_LE(std::fabs(trace[2].data[j] - expect), 1.0) << j;
  }
  // Concat: the first input's channels rescaled, the second's copied (it has the output scale or is rescaled).
  for (std::size_t j = 0; j < trace[2].data.size(); ++j) {
    EXPECT_LE(std::fabs(trace[3].data[j] - trace[2].data[j] * sum.out_scale / cat.out_scale), 0.5 + 1e-6);
  }

  // The whole network stays within quantization error of the float one.
  expect_within_quantization_error(net, packed, x);
}

// A join's operands scale down to its output (fixed_point.hpp relies on it: no overflow, one rounding).
TEST(GraphIr, JoinOperandMultipliersAboveOneAreRefused) {
  const model::Network net = branching_net(3);
  for (const model::OpKind kind : {model::OpKind::Add, model::OpKind::Concat}) {
    model::PackedNetwork packed = pack_dense(net, test::random_batch(net.input, 8, 1));
    auto join = std::find_if(packed.layers.begin(), packed.layers.end(), [&](const auto& l) { return l.kind == kind; });
    ASSERT_NE(join, packed.layers.end());
    join->operand_requant[1] = fixed::quantize_multiplier(1.5);
    try {
      model::validate(packed);
      ADD_FAILURE() << to_string(kind) << " with an operand multiplier of 1.5 was accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("operand multiplier 1 exceeds 1"), std::string::npos) << e.what();
    }
    join->operand_requant[1] = fixed::quantize_multiplier(1.0);  // the largest operand of a concat
    EXPECT_NO_THROW(model::validate(packed)) << to_string(kind);
  }
}

TEST(GraphIr, DeadBranchesAreRefused) {
  nlohmann::json j = model::network_to_json(branching_net(3));
  j["layers"][6]["inputs"] = {"cat"};  // the pad now reads cat ...
  j["layers"][5]["inputs"] = {"a_relu", "a_relu"};  // ... and nothing reads sum_relu
  try {
    model::network_from_json(j, "dead.json");
    ADD_FAILURE() << "a dead branch was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'sum_relu': its output is never read (a dead branch)"), std::string::npos) << e.what();
  }
}

// The constant folder evaluates what exporters compute on constants, as ONNX defines it.
TEST(OnnxFold, SliceReshapeTransposeAndCastFollowTheSpec) {
  const auto int_tensor = [](std::vector<std::int64_t> dims, std::vector<std::int64_t> values) {
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::INT64);
    for (const auto d : dims) t.add_dims(d);
    for (const auto v : values) t.add_int64_data(v);
    return t;
  };
  const auto values = [](const onnx::TensorProto& t) { return std::vector<std::int64_t>(t.int64_data().begin(), t.int64_data().end()); };
  const auto node = [](const char* op) {
    onnx::NodeProto n;
    n.set_op_type(op);
    return n;
  };
  const onnx::TensorProto data = int_tensor({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  // PyTorch's pads: reversed with start -1, end -INT64_MAX, step -1.
  const onnx::TensorProto s1 = int_tensor({1}, {-1}), e1 = int_tensor({1}, {-kMax}), a0 = int_tensor({1}, {0}),
                          m1 = int_tensor({1}, {-1});
  EXPECT_EQ(values(model::fold_constant_node(node("Slice"), {&data, &s1, &e1, &a0, &m1}, "t")),
            (std::vector<std::int64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  const onnx::TensorProto s2 = int_tensor({1}, {2}), e2 = int_tensor({1}, {kMax}), st3 = int_tensor({1}, {3});
  EXPECT_EQ(values(model::fold_constant_node(node("Slice"), {&data, &s2, &e2, &a0, &st3}, "t")),
            (std::vector<std::int64_t>{2, 5, 8}));
  const onnx::TensorProto s3 = int_tensor({1}, {-3}), e3 = int_tensor({1}, {1}), back2 = int_tensor({1}, {-2});
  EXPECT_EQ(values(model::fold_constant_node(node("Slice"), {&data, &s3, &e3, &a0, &back2}, "t")),
            (std::vector<std::int64_t>{7, 5, 3}));
  // Reshape (0 copies, -1 infers) then Transpose.
  const onnx::TensorProto six = int_tensor({6}, {0, 1, 2, 3, 4, 5}), shape = int_tensor({2}, {-1, 3});
  const onnx::TensorProto matrix = model::fold_constant_node(node("Reshape"), {&six, &shape}, "t");
  EXPECT_EQ(std::vector<std::int64_t>(matrix.dims().begin(), matrix.dims().end()), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(values(model::fold_constant_node(node("Transpose"), {&matrix}, "t")), (std::vector<std::int64_t>{0, 3, 1, 4, 2, 5}));
  onnx::NodeProto cast = node("Cast");
  auto* to = cast.add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto::FLOAT);
  EXPECT_EQ(model::fold_constant_node(cast, {&six}, "t").float_data(5), 5.0f);
  try {
    model::fold_constant_node(node("Gather"), {&six, &six}, "model.onnx: node 'g' (Gather)");
    ADD_FAILURE() << "Gather folded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model.onnx: node 'g' (Gather): Gather on constant inputs cannot be folded"),
              std::string::npos) << e.what();
  }
}

// A constant Add is a MatMul's bias only on the MatMul's own output with no other reader: through
// an Identity, with the MatMul's output also read by a ReLU, folding it would add the bias to the
// ReLU's input too.
TEST(GraphImport, BiasAddNeedsTheMatMulsOwnOutput) {
  onnx::ModelProto m = onnx_model_with_input({1, 4});
  onnx::GraphProto& g = *m.mutable_graph();
  const auto constant = [&g](const char* name, std::vector<std::int64_t> dims) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (const auto d : dims) {
      t.add_dims(d);
      n *= d;
    }
    for (std::int64_t i = 0; i < n; ++i) t.add_float_data(0.1f * static_cast<float>(i % 5));
  };
  constant("w", {4, 3});
  constant("b", {3});
  const auto node = [&g](const char* op, std::vector<std::string> ins, const char* out) {
    auto& n = *g.add_node();
    n.set_op_type(op);
    n.set_name(std::string("/") + out);
    for (const auto& i : ins) n.add_input(i);
    n.add_output(out);
  };
  node("MatMul", {"x", "w"}, "m");
  node("Identity", {"m"}, "t");
  node("Add", {"t", "b"}, "s");
  node("Relu", {"m"}, "r");
  node("Add", {"s", "r"}, "y");
  g.add_output()->set_name("y");
  try {
    model::parse_onnx(m.SerializeAsString(), "alias.onnx");
    ADD_FAILURE() << "the bias was folded through an alias";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("node '/s' (Add): an Add of a constant is supported only as the bias of a MatMul"),
              std::string::npos) << e.what();
  }
  // Read directly and by nothing else, it is the bias.
  g.mutable_node(2)->set_input(0, "m");
  g.mutable_node(3)->set_input(0, "s");  // the ReLU now reads the sum
  g.mutable_node(4)->set_input(1, "s");
  g.mutable_node(4)->set_input(0, "r");
  g.mutable_node()->DeleteSubrange(1, 1);  // no Identity
  const model::Network net = model::parse_onnx(m.SerializeAsString(), "bias.onnx");
  ASSERT_EQ(net.layers[0].kind, LayerKind::Linear);
  EXPECT_EQ(net.layers[0].bias.size(), 3u);
  EXPECT_EQ(net.layers.back().kind, LayerKind::Add);
}

// Found by fuzz_onnx: a Pad value or Clip bound given as a tensor of no elements escaped as
// std::out_of_range (the harness aborted), and a one-hot-looking depthwise 3x3 whose weight had no
// values was read past its end while testing whether it is a shift. Each is a clear error.
TEST(GraphImport, EmptyScalarsAndWeightsAreRefusedNamingTheNode) {
  const auto expect_refused = [](const onnx::ModelProto& m, const char* file, const std::string& needle) {
    try {
      model::parse_onnx(m.SerializeAsString(), file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  const auto node = [](onnx::GraphProto& g, const char* op, std::vector<std::string> ins, const char* name) {
    auto& n = *g.add_node();
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& i : ins) n.add_input(i);
    n.add_output("y");
    g.add_output()->set_name("y");
    return &n;
  };
  {
    onnx::ModelProto m = onnx_model_with_input({1, 2, 4, 4});
    onnx::GraphProto& g = *m.mutable_graph();
    auto& pads = *g.add_initializer();
    pads.set_name("pads");
    pads.set_data_type(onnx::TensorProto::INT64);
    pads.add_dims(8);
    for (const int v : {0, 0, 1, 1, 0, 0, 1, 1}) pads.add_int64_data(v);
    float_initializer(g, "value", {0});
    node(g, "Pad", {"x", "pads", "value"}, "/pad");
    expect_refused(m, "pad.onnx", "node '/pad' (Pad): constant_value must hold one value, holds 0");
  }
  {
    onnx::ModelProto m = onnx_model_with_input({1, 2, 4, 4});
    onnx::GraphProto& g = *m.mutable_graph();
    float_initializer(g, "lo", {0});
    node(g, "Clip", {"x", "lo"}, "/clip");
    expect_refused(m, "clip.onnx", "node '/clip' (Clip): min must hold one value, holds 0");
  }
  {
    onnx::ModelProto m = onnx_model_with_input({1, 2, 4, 4});
    onnx::GraphProto& g = *m.mutable_graph();
    float_initializer(g, "w", {2, 0, 3, 3});
    auto* conv = node(g, "Conv", {"x", "w"}, "/dw");
    auto& group = *conv->add_attribute();
    group.set_name("group");
    group.set_type(onnx::AttributeProto::INT);
    group.set_i(2);
    auto& pads = *conv->add_attribute();
    pads.set_name("pads");
    pads.set_type(onnx::AttributeProto::INTS);
    for (int k = 0; k < 4; ++k) pads.add_ints(1);
    expect_refused(m, "dw.onnx", "weight has 0 values, expected 18");
  }
}

// A dilated convolution from ONNX (the dilations attribute); a dilated pool refused.
TEST(GraphImport, DilatedConvolutionFromOnnx) {
  std::mt19937 rng(11);
  const model::Layer d2 = test::conv("d2", 3, 8, 3, 1, 2, rng);
  onnx::ModelProto m = onnx_model_with_input({1, 3, 12, 12});
  onnx::GraphProto& g = *m.mutable_graph();
  auto& w = float_initializer(g, "w", {8, 3, 3, 3});
  for (const float v : d2.weight) w.add_float_data(v);
  auto& conv = *g.add_node();
  conv.set_op_type("Conv");
  conv.add_input("x");
  conv.add_input("w");
  conv.add_output("y");
  const auto ints = [&conv](const char* name, std::vector<int> v) {
    auto& a = *conv.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (const int x : v) a.add_ints(x);
  };
  ints("dilations", {2, 2});
  ints("pads", {2, 2, 2, 2});
  ints("kernel_shape", {3, 3});
  g.add_output()->set_name("y");
  const model::Network imported = model::parse_onnx(m.SerializeAsString(), "dilated.onnx");
  EXPECT_EQ(imported.layers[0].window.dilation_h, 2);
  EXPECT_EQ(model::output_shapes(imported)[0], (model::Shape{8, 12, 12}));
  conv.set_op_type("MaxPool");
  conv.mutable_input()->RemoveLast();
  try {
    model::parse_onnx(m.SerializeAsString(), "pool.onnx");
    ADD_FAILURE() << "a dilated pool was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("dilated pooling is not supported"), std::string::npos) << e.what();
  }
}

// The accelerator: SystemC simulations. Under ASan, Debian's SystemC coroutines make an exception
// thrown after a simulation look like a stack error (scripts/sanitize.sh), so every test that
// expects a throw is above this line.
TEST(GraphHardware, CycleModeFastModeAndTheGoldenModelAgree) {
  const model::Network net = branching_net(5);
  const model::PackedNetwork packed = pack_dense(net, test::random_batch(net.input, 32, 6));
  const auto inputs = quantized(packed, test::random_batch(net.input, 3, 7));
  std::vector<hw::AcceleratorConfig> configs(3);
  configs[1] = test::memory_bound_config(4.0);  // every layer spills
  configs[2].schedule = hw::Schedule::Pipelined;
  for (std::size_t c = 0; c < configs.size(); ++c) {
    SCOPED_TRACE("config " + std::to_string(c));
    configs[c].array.rows = configs[c].array.cols = 4;
    const auto fast = hw::run_fast(packed, inputs, configs[c]);
    const auto cycle = hw::run_cycle_accurate(packed, inputs, configs[c]);
    ASSERT_EQ(cycle.size(), inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      std::vector<model::Int8Tensor> golden;
      model::run_golden(packed, inputs[k], &golden);
      ASSERT_EQ(cycle[k].layer_outputs.size(), golden.size());
      for (std::size_t i = 0; i < golden.size(); ++i) {
        EXPECT_EQ(cycle[k].layer_outputs[i].data, golden[i].data) << "input " << k << " layer " << i;
        EXPECT_EQ(fast[k].layer_outputs[i].data, golden[i].data) << "input " << k << " layer " << i;
        EXPECT_EQ(cycle[k].layers[i].cycles, fast[k].layers[i].cycles) << "input " << k << " layer " << packed.layers[i].name;
        EXPECT_EQ(cycle[k].layers[i].dram_read_bytes, fast[k].layers[i].dram_read_bytes) << packed.layers[i].name;
        EXPECT_EQ(cycle[k].layers[i].dram_write_bytes, fast[k].layers[i].dram_write_bytes) << packed.layers[i].name;
        EXPECT_EQ(cycle[k].layers[i].act_buffer_read_bytes, fast[k].layers[i].act_buffer_read_bytes) << packed.layers[i].name;
      }
      EXPECT_EQ(cycle[k].end_cycle, fast[k].end_cycle);
    }
  }
  // The skip operands come from DRAM: b reads the network input a second time, the add reads a's
  // output (b ran last), the concatenation a's again; a and b write theirs to DRAM for them.
  hw::AcceleratorConfig config;
  const auto run = hw::run_fast(packed, inputs[0], config);
  const auto activations_read = [&run](std::size_t i) { return run.layers[i].dram_read_bytes - run.layers[i].weight_buffer_fill_bytes; };
  EXPECT_EQ(activations_read(1), packed.input.size());
  EXPECT_EQ(activations_read(2), packed.layers[0].out.size());
  EXPECT_EQ(activations_read(3), packed.layers[0].out.size());
  EXPECT_EQ(run.layers[0].dram_write_bytes, packed.layers[0].out.size());
  EXPECT_EQ(run.layers[1].dram_write_bytes, 0);  // the add reads it on chip
  EXPECT_EQ(run.layers[2].act_buffer_read_bytes, 2 * packed.layers[0].out.size());
  // The vector unit: 8 channels a cycle, one operand each: 64 output pixels x 2 operands per lane group.
  const std::int64_t lane_groups = (packed.layers[2].out.c + 7) / 8;
  EXPECT_EQ(run.layers[2].cycles - run.layers[2].memory_stall_cycles, lane_groups * 64 * 2);
}

// Pipelined skips: a stage passes its result on as soon as the next stage's slot is free, so a
// producer may be 2D inputs ahead of a reader D stages on; its output keeps 2D + 1 DRAM copies
// and the inputs in flight must not overwrite each other's (many inputs, a slow reader stage).
void expect_pipelined_runs_agree(const model::PackedNetwork& packed, int inputs_count) {
  hw::AcceleratorConfig config;
  config.schedule = hw::Schedule::Pipelined;
  config.array.rows = config.array.cols = 4;
  const auto inputs = quantized(packed, test::random_batch(packed.input, inputs_count, 10));
  const auto cycle = hw::run_cycle_accurate(packed, inputs, config);
  const auto fast = hw::run_fast(packed, inputs, config);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    std::vector<model::Int8Tensor> golden;
    model::run_golden(packed, inputs[k], &golden);
    for (std::size_t i = 0; i < golden.size(); ++i) {
      EXPECT_EQ(cycle[k].layer_outputs[i].data, golden[i].data) << "input " << k << " layer " << packed.layers[i].name;
    }
    EXPECT_EQ(cycle[k].end_cycle, fast[k].end_cycle) << k;
  }
}

TEST(GraphHardware, PipelinedSkipsKeepEnoughDramCopies) {
  std::mt19937 rng(8);
  model::Network net;
  net.name = "long-skip";
  net.input = {4, 6, 6};
  net.layers.push_back(test::conv("c0", 4, 4, 1, 1, 0, rng));
  net.layers.push_back(test::conv("c1", 4, 4, 3, 1, 1, rng));
  net.layers.push_back(test::conv("c2", 4, 4, 1, 1, 0, rng));
  model::Layer sum = test::simple("sum", LayerKind::Add);
  sum.inputs = {0, 2};
  net.layers.push_back(sum);
  const model::PackedNetwork packed = pack_dense(net, test::random_batch(net.input, 8, 9));
  hw::AcceleratorConfig config;
  config.schedule = hw::Schedule::Pipelined;
  const hw::MemorySystem memory(config, packed);
  EXPECT_EQ(hw::pipeline_stages(packed).size(), 3u);
  EXPECT_EQ(memory.region_copies(0), 5);  // read by the add, two stages on
  EXPECT_EQ(memory.region_copies(1), 2);
  expect_pipelined_runs_agree(packed, 9);

  // One stage on, behind a slow stage (c1: 3x3, more rows): three copies.
  model::Network near;
  near.name = "near-skip";
  near.input = {4, 8, 8};
  near.layers.push_back(test::conv("c0", 4, 4, 1, 1, 0, rng));
  near.layers.push_back(test::conv("c1", 4, 4, 3, 1, 1, rng));
  model::Layer add = test::simple("sum", LayerKind::Add);
  add.inputs = {1, 0};
  near.layers.push_back(add);
  const model::PackedNetwork near_packed = pack_dense(near, test::random_batch(near.input, 8, 19));
  EXPECT_EQ(hw::MemorySystem(config, near_packed).region_copies(0), 3);
  expect_pipelined_runs_agree(near_packed, 9);

  // A shift of an older tensor is not fused (its input is not in the slot before it): it runs on
  // the vector unit from DRAM, also when that tensor comes from an earlier stage.
  model::Network branch;
  branch.name = "shift-branch";
  branch.input = {4, 6, 6};
  branch.layers.push_back(test::conv("x", 4, 4, 1, 1, 0, rng));    // 0
  branch.layers.push_back(test::conv("a", 4, 4, 1, 1, 0, rng));    // 1
  model::Layer sh = test::shift("s", 4, rng);                       // 2, reads x
  sh.inputs = {0};
  branch.layers.push_back(sh);
  branch.layers.push_back(test::conv("b", 4, 4, 1, 1, 0, rng));    // 3
  model::Layer cat = test::simple("cat", LayerKind::Concat);       // 4
  cat.inputs = {1, 3};
  branch.layers.push_back(cat);
  const model::PackedNetwork branch_packed = pack_dense(branch, test::random_batch(branch.input, 8, 29));
  EXPECT_FALSE(hw::fused_into_next(branch_packed, 2));
  EXPECT_TRUE(hw::MemorySystem(config, branch_packed).moves_data(2));
  expect_pipelined_runs_agree(branch_packed, 5);
  hw::AcceleratorConfig shared;
  const auto inputs = quantized(branch_packed, test::random_batch(branch.input, 2, 30));
  const auto cycle = hw::run_cycle_accurate(branch_packed, inputs, shared);
  for (std::size_t k = 0; k < inputs.size(); ++k) EXPECT_EQ(cycle[k].output().data, model::run_golden(branch_packed, inputs[k]).data);
}

// Dilated convolutions: the feeder multiplies the kernel offsets by the dilation; the filter
// matrix keeps kh kw columns per channel. An ONNX Conv with dilations imports as one.
TEST(GraphHardware, DilatedConvolutionsRunEverywhere) {
  std::mt19937 rng(11);
  model::Network net;
  net.name = "dilated";
  net.input = {3, 12, 12};
  model::Layer d2 = test::conv("d2", 3, 8, 3, 1, 2, rng);
  d2.window.dilation_h = d2.window.dilation_w = 2;  // extent 5: 12 -> 12 with pad 2
  net.layers.push_back(d2);
  net.layers.push_back(test::simple("relu", LayerKind::ReLU));
  model::Layer d3 = test::conv("d3", 8, 8, 3, 2, 0, rng);
  d3.window.dilation_h = 3;  // extent 7 x 3: 12 -> 3 x 5
  net.layers.push_back(d3);
  EXPECT_EQ(model::output_shapes(net).back(), (model::Shape{8, 3, 5}));
  const model::Network back = model::network_from_json(model::network_to_json(net), "d.json");
  EXPECT_EQ(back.layers[2].window.dilation_h, 3);
  EXPECT_EQ(back.layers[2].window.dilation_w, 1);

  const model::FloatTensor x = test::random_batch(net.input, 4, 12);
  const model::PackedNetwork packed = pack_dense(net, x);
  EXPECT_EQ(packed.layers[1].cols(), 8 * 9);
  const auto inputs = quantized(packed, x);
  expect_within_quantization_error(net, packed, x);  // oneDNN's dilated conv agrees
  hw::AcceleratorConfig config;
  config.array.rows = config.array.cols = 4;
  const auto cycle = hw::run_cycle_accurate(packed, inputs, config);
  const auto fast = hw::run_fast(packed, inputs, config);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    EXPECT_EQ(cycle[k].output().data, model::run_golden(packed, inputs[k]).data);
    EXPECT_EQ(cycle[k].end_cycle, fast[k].end_cycle);
  }
}

// Models PyTorch trained and exported (tests/models/train_fmnist_graph.py), with PyTorch's outputs
// (their int8 accuracy and runs through the CLI: test_cli, Cli.BranchingPyTorchExportsRunEndToEnd).
class TorchGraph : public ::testing::TestWithParam<std::string> {
 protected:
  std::string model() const { return std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + GetParam() + ".onnx"; }
  nlohmann::json expected() const {
    return nlohmann::json::parse(read_file(std::string(CCSIM_SOURCE_DIR) + "/tests/models/" + GetParam() + ".expected.json"));
  }
};

TEST_P(TorchGraph, ImportedFloatNetworkGivesPyTorchsOutputs) {
  const model::Network net = model::load_onnx(model());
  EXPECT_FALSE(model::is_chain(net.layers));
  const auto count = [&net](LayerKind k) {
    return std::count_if(net.layers.begin(), net.layers.end(), [k](const model::Layer& l) { return l.kind == k; });
  };
  EXPECT_GE(count(LayerKind::Add), 2);
  if (GetParam().rfind("fmnist-resnet", 0) == 0) {  // also the twice-as-wide one (TRAINING.md)
    EXPECT_EQ(count(LayerKind::Concat), 1);
    EXPECT_EQ(count(LayerKind::Pad), 1);    // the one before a max pool; the other became a conv's padding
    EXPECT_EQ(count(LayerKind::Shift), 4);  // one-hot depthwise convolutions
    const auto pool = std::find_if(net.layers.begin(), net.layers.end(), [](const model::Layer& l) { return l.name == "/2/MaxPool"; });
    ASSERT_NE(pool, net.layers.end());
    EXPECT_EQ(pool->window.pad_bottom, 1);  // ceil_mode: 28 -> 14 with a 3x3 / 2 window
    EXPECT_EQ(pool->window.pad_right, 1);
  }
  const nlohmann::json e = expected();
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  const int n = e["test_images"].get<int>();
  const model::IdxDataset test_set = model::load_idx_dataset(dir, "t10k", n);
  model::FloatTensor x;
  x.dims = {n, 1, 28, 28};
  for (int i = 0; i < n * 784; ++i) x.data.push_back(test_set.images[static_cast<std::size_t>(i)] / 255.0f);
  const model::FloatRun run = model::run_float(net, x);
  double worst = 0.0;
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 10; ++k) {
      const double torch_value = e["outputs"][i][k].get<double>();
      worst = std::max(worst, std::fabs(run.output.data[static_cast<std::size_t>(i * 10 + k)] - torch_value) /
                                  std::max(1.0, std::fabs(torch_value)));
    }
  }
  EXPECT_LT(worst, 1e-3);  // oneDNN vs PyTorch kernels; the JSON keeps 6 decimals
}

INSTANTIATE_TEST_SUITE_P(Exported, TorchGraph, ::testing::Values("fmnist-resnet", "fmnist-mbv2", "fmnist-resnet-w2"),
                         [](const auto& info) {
                           std::string name = info.param.substr(std::string("fmnist-").size());
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace ccsim
