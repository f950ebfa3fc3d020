#include "models/onnx_import.hpp"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <list>
#include <map>
#include <set>
#include <stdexcept>

#include <onnx/onnx_pb.h>

#include "models/atomic_file.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::model {
namespace {

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string path) : graph_(model.graph()), path_(std::move(path)) {
    for (const auto& t : graph_.initializer()) constants_[t.name()] = &t;
  }

  Network run() {
    Network net;
    net.name = std::filesystem::path(path_).stem().string();
    std::string current = find_input(net);
    for (const auto& node : graph_.node()) {
      onnx::NodeProto named = node;
      if (named.name().empty()) named.set_name(default_name(node));
      if (named.output_size() < 1) fail(named, "has no output");
      if (named.op_type() == "Constant") {
        add_constant(named);
        continue;
      }
      if (all_inputs_constant(named)) {
        fold_constant(named);
        continue;
      }
      if (named.input_size() < 1 || named.input(0) != current) {
        fail(named, "consumes '" + (named.input_size() ? named.input(0) : std::string()) +
                        "' instead of the previous output '" + current +
                        "': only sequential networks are supported");
      }
      import_node(named, net);
      current = named.output(0);
    }
    if (graph_.output_size() < 1 || graph_.output(0).name() != current) {
      throw std::runtime_error(path_ + ": graph output is not the end of the node chain '" + current + "'");
    }
    try {
      infer_shapes(net);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path_ + ": " + e.what());
    }
    return net;
  }

 private:
  // PyTorch exports often leave nodes unnamed; layers need unique names for per-layer options.
  std::string default_name(const onnx::NodeProto& node) {
    std::string op = node.op_type();
    for (auto& ch : op) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return op + "_" + std::to_string(unnamed_++);
  }

  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& what) const {
    throw std::runtime_error(path_ + ": node '" + node.name() + "' (" + node.op_type() + "): " + what);
  }

  std::string find_input(Network& net) const {
    for (const auto& in : graph_.input()) {
      if (constants_.count(in.name())) continue;
      const auto& shape = in.type().tensor_type().shape();
      std::vector<std::int64_t> dims;
      for (const auto& d : shape.dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      if (dims.size() == 4 && dims[1] > 0 && dims[2] > 0 && dims[3] > 0) {
        net.input = {static_cast<int>(dims[1]), static_cast<int>(dims[2]), static_cast<int>(dims[3])};
      } else if (dims.size() == 2 && dims[1] > 0) {
        net.input = {static_cast<int>(dims[1]), 1, 1};
      } else {
        throw std::runtime_error(path_ + ": graph input '" + in.name() +
                                 "' must be N x C x H x W or N x F with known C, H, W / F");
      }
      return in.name();
    }
    throw std::runtime_error(path_ + ": graph has no non-constant input");
  }

  void add_constant(const onnx::NodeProto& node) {
    for (const auto& a : node.attribute()) {
      if (a.name() == "value" && a.has_t()) {
        owned_.push_back(a.t());
        constants_[node.output(0)] = &owned_.back();
        return;
      }
    }
    fail(node, "only tensor-valued Constant nodes are supported");
  }

  bool all_inputs_constant(const onnx::NodeProto& node) const {
    if (node.input_size() == 0) return false;
    for (const auto& in : node.input()) {
      if (!in.empty() && !constants_.count(in)) return false;
    }
    return true;
  }

  // Operations on weights only, as exporters emit them (e.g. Transpose of a Linear weight).
  void fold_constant(const onnx::NodeProto& node) {
    if (node.op_type() != "Transpose") fail(node, "only Transpose can be folded on constant inputs");
    const FloatTensor t = floats(node, 0);
    const auto perm = ints(node, "perm");
    if (t.dims.size() != 2 || (!perm.empty() && perm != std::vector<std::int64_t>{1, 0})) {
      fail(node, "only 2-D transposes of constants are supported");
    }
    const auto rows = t.dims[0];
    const auto cols = t.dims[1];
    onnx::TensorProto out;
    out.set_data_type(onnx::TensorProto::FLOAT);
    out.add_dims(cols);
    out.add_dims(rows);
    for (std::int64_t c = 0; c < cols; ++c) {
      for (std::int64_t r = 0; r < rows; ++r) out.add_float_data(t.data[r * cols + c]);
    }
    owned_.push_back(std::move(out));
    constants_[node.output(0)] = &owned_.back();
  }

  const onnx::TensorProto& constant(const onnx::NodeProto& node, int input) const {
    if (node.input_size() <= input || node.input(input).empty()) fail(node, "missing input " + std::to_string(input));
    const auto it = constants_.find(node.input(input));
    if (it == constants_.end()) fail(node, "input '" + node.input(input) + "' must be a constant (initializer)");
    return *it->second;
  }
  bool has_input(const onnx::NodeProto& node, int input) const {
    return node.input_size() > input && !node.input(input).empty();
  }
  FloatTensor floats(const onnx::NodeProto& node, int input) const {
    return tensor_from_proto(constant(node, input), path_ + ": node '" + node.name() + "' input '" + node.input(input) + "'");
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& node, const char* name) {
    for (const auto& a : node.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  static std::vector<std::int64_t> ints(const onnx::NodeProto& node, const char* name) {
    const auto* a = attr(node, name);
    if (!a) return {};
    return {a->ints().begin(), a->ints().end()};
  }
  static std::int64_t int_attr(const onnx::NodeProto& node, const char* name, std::int64_t fallback) {
    const auto* a = attr(node, name);
    return a ? a->i() : fallback;
  }
  static float float_attr(const onnx::NodeProto& node, const char* name, float fallback) {
    const auto* a = attr(node, name);
    return a ? a->f() : fallback;
  }

  void window(const onnx::NodeProto& node, Layer& layer, std::vector<std::int64_t> kernel) const {
    if (kernel.empty()) kernel = ints(node, "kernel_shape");
    if (kernel.size() != 2) fail(node, "only 2-D kernels are supported");
    const auto* auto_pad = attr(node, "auto_pad");
    if (auto_pad && auto_pad->s() != "NOTSET" && auto_pad->s() != "VALID") {
      fail(node, "auto_pad " + auto_pad->s() + " is not supported (export with explicit pads)");
    }
    for (const auto d : ints(node, "dilations")) {
      if (d != 1) fail(node, "dilation other than 1 is not supported");
    }
    auto strides = ints(node, "strides");
    auto pads = ints(node, "pads");
    if (strides.empty()) strides = {1, 1};
    if (pads.empty()) pads = {0, 0, 0, 0};
    if (strides.size() != 2 || pads.size() != 4) fail(node, "strides/pads must be 2-D");
    layer.window = {static_cast<int>(kernel[0]), static_cast<int>(kernel[1]),
                    static_cast<int>(strides[0]), static_cast<int>(strides[1]),
                    static_cast<int>(pads[0]),    static_cast<int>(pads[1]),
                    static_cast<int>(pads[2]),    static_cast<int>(pads[3])};
  }

  // A depthwise 3x3 convolution with one-hot kernels moves each channel by one pixel.
  static bool as_shift(const Layer& conv, int in_channels, Layer& shift) {
    const Window& w = conv.window;
    if (conv.groups != in_channels || conv.out_channels != in_channels || w.kh != 3 || w.kw != 3 ||
        w.stride_h != 1 || w.stride_w != 1 || w.pad_top != 1 || w.pad_left != 1 ||
        w.pad_bottom != 1 || w.pad_right != 1) {
      return false;
    }
    for (float b : conv.bias) {
      if (b != 0.0f) return false;
    }
    shift.kind = LayerKind::Shift;
    shift.name = conv.name;
    for (int c = 0; c < in_channels; ++c) {
      int hot = -1;
      for (int t = 0; t < 9; ++t) {
        const float v = conv.weight[static_cast<std::size_t>(c) * 9 + t];
        if (v == 0.0f) continue;
        if (v != 1.0f || hot >= 0) return false;
        hot = t;
      }
      if (hot < 0) return false;
      shift.shift.push_back({static_cast<std::int8_t>(hot / 3 - 1), static_cast<std::int8_t>(hot % 3 - 1)});
    }
    return true;
  }

  Shape current_shape(const Network& net) const {
    try {
      return infer_shapes(net).back();
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path_ + ": " + e.what());
    }
  }

  void import_conv(const onnx::NodeProto& node, Network& net) const {
    Layer layer;
    layer.kind = LayerKind::Conv;
    layer.name = node.name();
    const FloatTensor w = floats(node, 1);
    if (w.dims.size() != 4) fail(node, "only 2-D convolutions are supported (weight has " + std::to_string(w.dims.size()) + " dims)");
    layer.out_channels = static_cast<int>(w.dims[0]);
    layer.groups = static_cast<int>(int_attr(node, "group", 1));
    window(node, layer, {w.dims[2], w.dims[3]});
    layer.weight = w.data;
    if (has_input(node, 2)) layer.bias = floats(node, 2).data;
    const Shape in = current_shape(net);
    Layer shift;
    net.layers.push_back(as_shift(layer, in.c, shift) ? shift : layer);
  }

  void import_gemm(const onnx::NodeProto& node, Network& net) const {
    if (int_attr(node, "transA", 0) != 0) fail(node, "transA is not supported");
    const float alpha = float_attr(node, "alpha", 1.0f);
    const float beta = float_attr(node, "beta", 1.0f);
    const FloatTensor b = floats(node, 1);
    if (b.dims.size() != 2) fail(node, "weight must be 2-D");
    const bool trans_b = int_attr(node, "transB", 0) != 0;
    Layer layer;
    layer.kind = LayerKind::Linear;
    layer.name = node.name();
    const auto k = trans_b ? b.dims[1] : b.dims[0];
    const auto n = trans_b ? b.dims[0] : b.dims[1];
    layer.out_channels = static_cast<int>(n);
    layer.weight.resize(static_cast<std::size_t>(n * k));
    for (std::int64_t o = 0; o < n; ++o) {
      for (std::int64_t i = 0; i < k; ++i) {
        layer.weight[o * k + i] = alpha * (trans_b ? b.data[o * k + i] : b.data[i * n + o]);
      }
    }
    if (has_input(node, 2)) {
      const FloatTensor c = floats(node, 2);
      if (c.data.size() != static_cast<std::size_t>(n) && c.data.size() != 1) fail(node, "bias must have one value per output");
      layer.bias.resize(n);
      for (std::int64_t o = 0; o < n; ++o) layer.bias[o] = beta * c.data[c.data.size() == 1 ? 0 : o];
    }
    net.layers.push_back(std::move(layer));
  }

  void import_add(const onnx::NodeProto& node, Network& net) const {
    if (net.layers.empty() || net.layers.back().kind != LayerKind::Linear || !net.layers.back().bias.empty()) {
      fail(node, "Add is supported only as the bias of a MatMul");
    }
    Layer& lin = net.layers.back();
    const FloatTensor c = floats(node, 1);
    if (c.data.size() != static_cast<std::size_t>(lin.out_channels)) fail(node, "bias must have one value per output");
    lin.bias = c.data;
  }

  void import_clip(const onnx::NodeProto& node, Network& net) const {
    float lo = float_attr(node, "min", -std::numeric_limits<float>::infinity());
    float hi = float_attr(node, "max", std::numeric_limits<float>::infinity());
    if (has_input(node, 1)) lo = floats(node, 1).data.at(0);
    if (has_input(node, 2)) hi = floats(node, 2).data.at(0);
    Layer layer;
    layer.name = node.name();
    if (lo == 0.0f && hi == 6.0f) {
      layer.kind = LayerKind::ReLU6;
    } else if (lo == 0.0f && std::isinf(hi)) {
      layer.kind = LayerKind::ReLU;
    } else {
      fail(node, "only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are supported");
    }
    net.layers.push_back(std::move(layer));
  }

  void import_node(const onnx::NodeProto& node, Network& net) const {
    const std::string& op = node.op_type();
    Layer layer;
    layer.name = node.name();
    if (op == "Conv") {
      import_conv(node, net);
    } else if (op == "Gemm") {
      import_gemm(node, net);
    } else if (op == "MatMul") {
      // x[N,K] @ W[K,N'] is Gemm without transB.
      onnx::NodeProto gemm = node;
      gemm.clear_attribute();
      import_gemm(gemm, net);
    } else if (op == "Add") {
      import_add(node, net);
    } else if (op == "BatchNormalization") {
      layer.kind = LayerKind::BatchNorm;
      layer.bn_scale = floats(node, 1).data;
      layer.bn_bias = floats(node, 2).data;
      layer.bn_mean = floats(node, 3).data;
      layer.bn_var = floats(node, 4).data;
      layer.bn_eps = float_attr(node, "epsilon", 1e-5f);
      net.layers.push_back(std::move(layer));
    } else if (op == "Relu") {
      layer.kind = LayerKind::ReLU;
      net.layers.push_back(std::move(layer));
    } else if (op == "Clip") {
      import_clip(node, net);
    } else if (op == "MaxPool" || op == "AveragePool") {
      if (int_attr(node, "ceil_mode", 0) != 0) fail(node, "ceil_mode is not supported");
      if (int_attr(node, "storage_order", 0) != 0) fail(node, "storage_order is not supported");
      if (node.output_size() > 1 && !node.output(1).empty()) fail(node, "the Indices output is not supported");
      layer.kind = op == "MaxPool" ? LayerKind::MaxPool : LayerKind::AvgPool;
      window(node, layer, {});
      layer.count_include_pad = int_attr(node, "count_include_pad", 0) != 0;
      net.layers.push_back(std::move(layer));
    } else if (op == "GlobalAveragePool") {
      layer.kind = LayerKind::GlobalAvgPool;
      net.layers.push_back(std::move(layer));
    } else if (op == "Flatten") {
      if (int_attr(node, "axis", 1) != 1) fail(node, "only axis 1 is supported");
      layer.kind = LayerKind::Flatten;
      net.layers.push_back(std::move(layer));
    } else if (op == "Reshape") {
      const auto shape = int64s_from_proto(constant(node, 1), path_ + ": node '" + node.name() + "' shape");
      const auto features = current_shape(net).size();
      if (shape.size() != 2 || (shape[1] != -1 && shape[1] != features)) {
        fail(node, "only a reshape to [N, -1] (flatten) is supported");
      }
      layer.kind = LayerKind::Flatten;
      net.layers.push_back(std::move(layer));
    } else if (op == "Identity" || op == "Dropout") {
      return;
    } else {
      fail(node, "unsupported operator");
    }
  }

  const onnx::GraphProto& graph_;
  std::string path_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::list<onnx::TensorProto> owned_;
  int unnamed_ = 0;
};

}  // namespace

Network load_onnx(const std::string& path) { return parse_onnx(read_file(path), path); }

Network parse_onnx(const std::string& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) {
    throw std::runtime_error(source + ": not an ONNX model (protobuf parse failed)");
  }
  return Importer(model, source).run();
}

}  // namespace ccsim::model
