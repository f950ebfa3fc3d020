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
#include "models/onnx_fold.hpp"
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
    producer_[find_input(net)] = -1;
    for (const auto& node : graph_.node()) {
      for (const auto& in : node.input()) readers_[in] += 1;
    }
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
      const std::size_t before = net.layers.size();
      const int produced = import_node(named, net);
      if (net.layers.size() > before) {
        compact_inputs(net.layers.back(), before);
        layer_output_[produced] = named.output(0);
      }
      producer_[named.output(0)] = produced;
    }
    if (graph_.output_size() != 1) {
      throw std::runtime_error(path_ + ": the graph has " + std::to_string(graph_.output_size()) +
                               " outputs; ccsim runs networks with one");
    }
    const auto out = producer_.find(graph_.output(0).name());
    if (net.layers.empty() || out == producer_.end() || out->second != static_cast<int>(net.layers.size()) - 1) {
      throw std::runtime_error(path_ + ": graph output '" + graph_.output(0).name() +
                               "' is not the output of the last node that computes");
    }
    const std::vector<int> readers = reader_counts(net.layers);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      if (readers[i] == 0) {
        throw std::runtime_error(path_ + ": the output of node '" + net.layers[i].name +
                                 "' is never used (a dead branch); remove it before exporting");
      }
    }
    fold_pads_into_convolutions(net);
    try {
      output_shapes(net);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path_ + ": " + e.what());
    }
    return net;
  }

 private:
  static void compact_inputs(Layer& layer, std::size_t index) {
    if (layer.inputs.size() == 1 && layer.inputs[0] == static_cast<int>(index) - 1) layer.inputs.clear();
  }

  // The layer producing a node's data input k (-1: the graph input).
  int source(const onnx::NodeProto& node, int k = 0) const {
    if (node.input_size() <= k || node.input(k).empty()) fail(node, "missing input " + std::to_string(k));
    const auto it = producer_.find(node.input(k));
    if (it == producer_.end()) fail(node, "input '" + node.input(k) + "' is produced by no node before it");
    return it->second;
  }

  Shape shape_of(const Network& net, int producer) const {
    try {
      return produced_shape(net, output_shapes(net), producer);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path_ + ": " + e.what());
    }
  }

  // A Pad whose only reader is a convolution (as its one operand) becomes the convolution's
  // padding: zeros either way, and no layer of its own.
  void fold_pads_into_convolutions(Network& net) const {
    const std::vector<int> readers = reader_counts(net.layers);
    const std::vector<std::vector<int>> old_inputs = all_input_indices(net.layers);
    std::vector<bool> folded(net.layers.size(), false);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      Layer& conv = net.layers[i];
      if (conv.kind != LayerKind::Conv || old_inputs[i][0] < 0) continue;
      const auto p = static_cast<std::size_t>(old_inputs[i][0]);
      if (net.layers[p].kind != LayerKind::Pad || readers[p] != 1) continue;
      const Window& pad = net.layers[p].window;
      conv.window.pad_top += pad.pad_top;
      conv.window.pad_left += pad.pad_left;
      conv.window.pad_bottom += pad.pad_bottom;
      conv.window.pad_right += pad.pad_right;
      folded[p] = true;
    }
    std::vector<Layer> kept;
    std::vector<std::size_t> origin;
    std::vector<int> new_of_old(net.layers.size(), -1);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      if (folded[i]) continue;
      new_of_old[i] = static_cast<int>(kept.size());
      origin.push_back(i);
      kept.push_back(std::move(net.layers[i]));
    }
    // A folded pad's value is its input's: readers of the pad read that instead.
    for (std::size_t i = 0; i < new_of_old.size(); ++i) {
      if (folded[i]) {
        const int in = old_inputs[i][0];
        new_of_old[i] = in < 0 ? -1 : new_of_old[static_cast<std::size_t>(in)];
      }
    }
    std::vector<std::vector<int>> inputs = old_inputs;
    for (auto& list : inputs) {
      for (int& q : list) {
        if (q >= 0 && folded[static_cast<std::size_t>(q)]) q = old_inputs[static_cast<std::size_t>(q)][0];
      }
    }
    renumber_inputs(kept, inputs, origin, new_of_old);
    net.layers = std::move(kept);
  }

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

  // Operations on constants only, as exporters emit them (a Transpose of a Linear weight, an
  // Identity of a shared weight, the shape arithmetic of a ZeroPad2d's pads): evaluated here.
  void fold_constant(const onnx::NodeProto& node) {
    std::vector<const onnx::TensorProto*> inputs;
    for (const auto& in : node.input()) inputs.push_back(in.empty() ? nullptr : constants_.at(in));
    const std::string where = path_ + ": node '" + node.name() + "' (" + node.op_type() + ")";
    owned_.push_back(fold_constant_node(node, inputs, where));
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

  // A constant operand that must be one value (a Pad's constant_value, a Clip bound).
  float scalar(const onnx::NodeProto& node, int input, const char* what) const {
    const FloatTensor t = floats(node, input);
    if (t.data.size() != 1) fail(node, std::string(what) + " must hold one value, holds " + std::to_string(t.data.size()));
    return t.data[0];
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
    const auto dilations = ints(node, "dilations");
    if (!dilations.empty() && dilations.size() != 2) fail(node, "dilations must be 2-D");
    const bool dilated = !dilations.empty() && (dilations[0] != 1 || dilations[1] != 1);
    if (dilated && node.op_type() != "Conv") fail(node, "dilated pooling is not supported");
    if (dilated && (dilations[0] < 1 || dilations[1] < 1 || dilations[0] > 64 || dilations[1] > 64)) {
      fail(node, "dilations must be in [1, 64]");
    }
    auto strides = ints(node, "strides");
    auto pads = ints(node, "pads");
    if (strides.empty()) strides = {1, 1};
    if (pads.empty()) pads = {0, 0, 0, 0};
    if (strides.size() != 2 || pads.size() != 4) fail(node, "strides/pads must be 2-D");
    layer.window = {static_cast<int>(kernel[0]), static_cast<int>(kernel[1]),
                    static_cast<int>(strides[0]), static_cast<int>(strides[1]),
                    static_cast<int>(pads[0]),    static_cast<int>(pads[1]),
                    static_cast<int>(pads[2]),    static_cast<int>(pads[3]),
                    dilated ? static_cast<int>(dilations[0]) : 1, dilated ? static_cast<int>(dilations[1]) : 1};
  }

  // A depthwise 3x3 convolution with one-hot kernels moves each channel by one pixel.
  static bool as_shift(const Layer& conv, int in_channels, Layer& shift) {
    const Window& w = conv.window;
    if (conv.groups != in_channels || conv.out_channels != in_channels || w.kh != 3 || w.kw != 3 ||
        conv.weight.size() != static_cast<std::size_t>(in_channels) * 9 ||
        w.stride_h != 1 || w.stride_w != 1 || w.dilation_h != 1 || w.dilation_w != 1 || w.pad_top != 1 || w.pad_left != 1 ||
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

  void import_conv(const onnx::NodeProto& node, Network& net) const {
    Layer layer;
    layer.inputs = {source(node)};
    layer.kind = LayerKind::Conv;
    layer.name = node.name();
    FloatTensor w = floats(node, 1);
    if (w.dims.size() != 4) fail(node, "only 2-D convolutions are supported (weight has " + std::to_string(w.dims.size()) + " dims)");
    layer.out_channels = static_cast<int>(w.dims[0]);
    layer.groups = static_cast<int>(int_attr(node, "group", 1));
    window(node, layer, {w.dims[2], w.dims[3]});
    layer.weight = std::move(w.data);
    if (has_input(node, 2)) layer.bias = floats(node, 2).data;
    const Shape in = shape_of(net, layer.inputs[0]);
    Layer shift;
    shift.inputs = layer.inputs;
    net.layers.push_back(as_shift(layer, in.c, shift) ? std::move(shift) : std::move(layer));
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
    layer.inputs = {source(node)};
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

  // An Add of a constant onto a MatMul that nothing else reads is its bias; an Add of tensors is a
  // residual join. Returns the layer producing the sum.
  int import_add(const onnx::NodeProto& node, Network& net) const {
    std::vector<int> data;
    int constant_input = -1;
    for (int k = 0; k < node.input_size(); ++k) {
      if (constants_.count(node.input(k))) {
        if (constant_input >= 0) fail(node, "adds more than one constant");
        constant_input = k;
      } else {
        data.push_back(source(node, k));
      }
    }
    if (constant_input < 0) {
      Layer layer;
      layer.kind = LayerKind::Add;
      layer.name = node.name();
      layer.inputs = data;
      net.layers.push_back(std::move(layer));
      return static_cast<int>(net.layers.size()) - 1;
    }
    const int p = data.at(0);
    const std::string& operand = node.input(constant_input == 0 ? 1 : 0);
    const auto readers = readers_.find(operand);
    const auto own = layer_output_.find(p);  // the tensor the MatMul wrote, not an alias of it
    if (p < 0 || own == layer_output_.end() || own->second != operand ||
        net.layers[static_cast<std::size_t>(p)].kind != LayerKind::Linear ||
        !net.layers[static_cast<std::size_t>(p)].bias.empty() || readers == readers_.end() || readers->second != 1) {
      fail(node, "an Add of a constant is supported only as the bias of a MatMul that nothing else reads");
    }
    Layer& lin = net.layers[static_cast<std::size_t>(p)];
    const FloatTensor c = floats(node, constant_input);
    if (c.data.size() != static_cast<std::size_t>(lin.out_channels)) fail(node, "bias must have one value per output");
    lin.bias = c.data;
    return p;
  }

  void import_concat(const onnx::NodeProto& node, Network& net) const {
    const auto axis = int_attr(node, "axis", 1);
    if (axis != 1 && axis != -3) fail(node, "only a concatenation along channels (axis 1) is supported");
    Layer layer;
    layer.kind = LayerKind::Concat;
    layer.name = node.name();
    for (int k = 0; k < node.input_size(); ++k) {
      if (constants_.count(node.input(k))) fail(node, "concatenates a constant");
      layer.inputs.push_back(source(node, k));
    }
    net.layers.push_back(std::move(layer));
  }

  // Constant zero padding of H and W (ONNX pads: begin of every axis, then end of every axis).
  void import_pad(const onnx::NodeProto& node, Network& net) const {
    const auto* mode = attr(node, "mode");
    if (mode && mode->s() != "constant") fail(node, "only constant padding is supported (mode " + mode->s() + ")");
    std::vector<std::int64_t> pads = ints(node, "pads");  // opset < 11
    if (has_input(node, 1)) pads = int64s_from_proto(constant(node, 1), path_ + ": node '" + node.name() + "' pads");
    float value = float_attr(node, "value", 0.0f);
    if (has_input(node, 2)) value = scalar(node, 2, "constant_value");
    if (has_input(node, 3)) fail(node, "padding selected axes is not supported");
    if (value != 0.0f) fail(node, "only zero padding is supported (value " + std::to_string(value) + ")");
    if (pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5]) {
      fail(node, "only padding of H and W of an N x C x H x W tensor is supported");
    }
    for (const auto v : pads) {
      if (v < 0 || v > 1024) fail(node, "pads must be in [0, 1024] (negative pads crop)");
    }
    Layer layer;
    layer.kind = LayerKind::Pad;
    layer.name = node.name();
    layer.inputs = {source(node)};
    layer.window.pad_top = static_cast<int>(pads[2]);
    layer.window.pad_left = static_cast<int>(pads[3]);
    layer.window.pad_bottom = static_cast<int>(pads[6]);
    layer.window.pad_right = static_cast<int>(pads[7]);
    net.layers.push_back(std::move(layer));
  }

  // ceil_mode: the bottom/right padding grows until the last window PyTorch and ONNX keep fits
  // (a window must start inside the input or its top/left padding). For MaxPool and for an
  // average that excludes padding this is exact; an average counting padding would count the
  // overhang, which PyTorch does not, so that case is refused.
  void import_pool(const onnx::NodeProto& node, Network& net, const std::string& op) const {
    if (int_attr(node, "storage_order", 0) != 0) fail(node, "storage_order is not supported");
    if (node.output_size() > 1 && !node.output(1).empty()) fail(node, "the Indices output is not supported");
    Layer layer;
    layer.name = node.name();
    layer.inputs = {source(node)};
    layer.kind = op == "MaxPool" ? LayerKind::MaxPool : LayerKind::AvgPool;
    window(node, layer, {});
    layer.count_include_pad = int_attr(node, "count_include_pad", 0) != 0;
    if (int_attr(node, "ceil_mode", 0) != 0) {
      const Shape in = shape_of(net, layer.inputs[0]);
      Window& w = layer.window;
      const auto grow = [&](int size, int k, int stride, int pad_a, int& pad_b, const char* side) {
        if (stride < 1 || k < 1) return;
        const std::int64_t span = std::int64_t{size} + pad_a + pad_b - k;
        if (span < 0) return;  // output_shape reports it
        std::int64_t out = (span + stride - 1) / stride + 1;
        if ((out - 1) * stride >= std::int64_t{size} + pad_a) out -= 1;
        const auto needed = static_cast<int>((out - 1) * stride + k - size - pad_a);
        if (needed <= pad_b) return;
        if (layer.kind == LayerKind::AvgPool && layer.count_include_pad) {
          fail(node, std::string("ceil_mode with count_include_pad: the last window on the ") + side +
                         " would count positions beyond the padding; export with ceil_mode=0 or count_include_pad=0");
        }
        pad_b = needed;
      };
      grow(in.h, w.kh, w.stride_h, w.pad_top, w.pad_bottom, "bottom");
      grow(in.w, w.kw, w.stride_w, w.pad_left, w.pad_right, "right");
    }
    net.layers.push_back(std::move(layer));
  }

  void import_clip(const onnx::NodeProto& node, Network& net) const {
    float lo = float_attr(node, "min", -std::numeric_limits<float>::infinity());
    float hi = float_attr(node, "max", std::numeric_limits<float>::infinity());
    if (has_input(node, 1)) lo = scalar(node, 1, "min");
    if (has_input(node, 2)) hi = scalar(node, 2, "max");
    Layer layer;
    layer.name = node.name();
    layer.inputs = {source(node)};
    if (lo == 0.0f && hi == 6.0f) {
      layer.kind = LayerKind::ReLU6;
    } else if (lo == 0.0f && std::isinf(hi)) {
      layer.kind = LayerKind::ReLU;
    } else {
      fail(node, "only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are supported");
    }
    net.layers.push_back(std::move(layer));
  }

  // Imports one node; returns the layer whose output is the node's output (a new layer, or an
  // existing one for a bias Add, Identity and Dropout).
  int import_node(const onnx::NodeProto& node, Network& net) const {
    const std::string& op = node.op_type();
    Layer layer;
    layer.name = node.name();
    const auto single = [&](LayerKind kind) {
      layer.kind = kind;
      layer.inputs = {source(node)};
      net.layers.push_back(std::move(layer));
    };
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
      return import_add(node, net);
    } else if (op == "Concat") {
      import_concat(node, net);
    } else if (op == "Pad") {
      import_pad(node, net);
    } else if (op == "BatchNormalization") {
      layer.bn_scale = floats(node, 1).data;
      layer.bn_bias = floats(node, 2).data;
      layer.bn_mean = floats(node, 3).data;
      layer.bn_var = floats(node, 4).data;
      layer.bn_eps = float_attr(node, "epsilon", 1e-5f);
      single(LayerKind::BatchNorm);
    } else if (op == "Relu") {
      single(LayerKind::ReLU);
    } else if (op == "Clip") {
      import_clip(node, net);
    } else if (op == "MaxPool" || op == "AveragePool") {
      import_pool(node, net, op);
    } else if (op == "GlobalAveragePool") {
      single(LayerKind::GlobalAvgPool);
    } else if (op == "Flatten") {
      if (int_attr(node, "axis", 1) != 1) fail(node, "only axis 1 is supported");
      single(LayerKind::Flatten);
    } else if (op == "Reshape") {
      const auto shape = int64s_from_proto(constant(node, 1), path_ + ": node '" + node.name() + "' shape");
      const auto features = shape_of(net, source(node)).size();
      if (shape.size() != 2 || (shape[1] != -1 && shape[1] != features)) {
        fail(node, "only a reshape to [N, -1] (flatten) is supported");
      }
      single(LayerKind::Flatten);
    } else if (op == "Identity" || op == "Dropout") {
      return source(node);
    } else {
      fail(node, "unsupported operator");
    }
    return static_cast<int>(net.layers.size()) - 1;
  }

  const onnx::GraphProto& graph_;
  std::string path_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::map<std::string, int> producer_;  // tensor -> layer index (-1: the graph input)
  std::map<std::string, int> readers_;   // tensor -> node inputs that read it
  std::map<int, std::string> layer_output_;  // layer -> the tensor its node wrote (Identity adds aliases)
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
