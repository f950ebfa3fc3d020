#include "models/train/graph_net.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>

#include "models/pack.hpp"
#include "models/fixed_point.hpp"
#include "models/train/fake_quant.hpp"

namespace ccsim::model {

std::vector<float> to_floats(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

torch::Tensor GraphNetImpl::Weighted::effective() const {
  const torch::Tensor masked = weight * mask;
  return ternary ? ternary_straight_through(masked) : masked;
}

namespace {

namespace F = torch::nn::functional;

torch::Tensor from_floats(const std::vector<float>& v, std::vector<std::int64_t> shape) {
  return torch::tensor(v, torch::kFloat32).reshape(shape).clone();
}

// Explicit padding (top, left, bottom, right) with `value`: torch's pads are (left, right, top, bottom).
torch::Tensor pad(const torch::Tensor& x, const Window& w, double value) {
  if (w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0) return x;
  return F::pad(x, F::PadFuncOptions({w.pad_left, w.pad_right, w.pad_top, w.pad_bottom}).value(value));
}

}  // namespace

GraphNetImpl::GraphNetImpl(const Network& net)
    : net_(net), outputs_(output_shapes(net)), weighted_of_(net.layers.size(), -1), bn_of_(net.layers.size(), -1),
      shift_kernels_(net.layers.size()) {
  const std::vector<Shape> inputs = infer_shapes(net);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const std::string id = std::to_string(i);
    if (l.has_weights()) {
      Weighted w;
      w.layer = i;
      const std::int64_t in = l.kind == LayerKind::Linear ? inputs[i].size() : inputs[i].c / l.groups;
      std::vector<std::int64_t> shape{l.out_channels, in};
      if (l.kind == LayerKind::Conv) shape = {l.out_channels, in, l.window.kh, l.window.kw};
      w.weight = register_parameter("w" + id, from_floats(l.weight, shape));
      if (!l.bias.empty()) w.bias = register_parameter("b" + id, from_floats(l.bias, {l.out_channels}));
      w.mask = register_buffer("m" + id, (w.weight.detach() != 0).to(torch::kFloat32));
      weighted_of_[i] = static_cast<int>(weighted_.size());
      weighted_.push_back(w);
    } else if (l.kind == LayerKind::BatchNorm) {
      const int c = inputs[i].c;
      auto bn = register_module("bn" + id, torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c).eps(l.bn_eps)));
      torch::NoGradGuard no_grad;
      bn->weight.copy_(from_floats(l.bn_scale, {c}));
      bn->bias.copy_(from_floats(l.bn_bias, {c}));
      bn->running_mean.copy_(from_floats(l.bn_mean, {c}));
      bn->running_var.copy_(from_floats(l.bn_var, {c}));
      bn_of_[i] = static_cast<int>(bn_.size());
      bn_.push_back(bn);
    } else if (l.kind == LayerKind::Shift) {
      const int c = inputs[i].c;
      torch::Tensor k = torch::zeros({c, 1, 3, 3});
      for (int ch = 0; ch < c; ++ch) k[ch][0][1 + l.shift[ch][0]][1 + l.shift[ch][1]] = 1.0f;
      shift_kernels_[i] = register_buffer("s" + id, k);
    }
  }
  // What pack quantizes: the network with its batch norms folded, activations fused.
  folded_ = net_;
  const std::vector<int> folded_of = fold_batch_norm(folded_);
  origin_.assign(folded_.layers.size(), -1);
  bn_folded_.assign(folded_.layers.size(), -1);
  for (std::size_t i = 0; i < net_.layers.size(); ++i) {
    const int j = folded_of[i];
    const bool folded_in = net_.layers[i].kind == LayerKind::BatchNorm && i > 0 && folded_of[i - 1] == j;
    (folded_in ? bn_folded_ : origin_)[static_cast<std::size_t>(j)] = static_cast<int>(i);
  }
  const std::vector<int> readers = reader_counts(folded_.layers);
  fused_.assign(folded_.layers.size(), 0);
  for (std::size_t j = 0; j < folded_.layers.size(); ++j) fused_[j] = fuses_activation(folded_, readers, j);
}

torch::Tensor GraphNetImpl::weight_layer(std::size_t i, const torch::Tensor& x, const torch::Tensor& weight,
                                         const torch::Tensor& bias) const {
  const Layer& l = net_.layers[i];
  const Window& w = l.window;
  if (l.kind == LayerKind::Linear) {
    return F::linear(x.reshape({x.size(0), -1}), weight, bias).reshape({x.size(0), l.out_channels, 1, 1});
  }
  return F::conv2d(pad(x, w, 0.0), weight,
                   F::Conv2dFuncOptions().bias(bias).stride({w.stride_h, w.stride_w})
                       .dilation({w.dilation_h, w.dilation_w}).groups(l.groups));
}

namespace {

// A batch norm as y = x * k + b per channel, from its running statistics (constants) and its
// trainable scale and shift.
std::pair<torch::Tensor, torch::Tensor> bn_affine(const torch::nn::BatchNorm2d& bn) {
  const torch::Tensor k = bn->weight / torch::sqrt(bn->running_var.detach() + bn->options.eps());
  return {k, bn->bias - bn->running_mean.detach() * k};
}

// An average pool of int8 steps (x / s, on the grid) as the golden model computes it: each
// window's sum divided by its count, rounded half away from zero, in integer arithmetic (in float,
// a tie like 88 / 16 can land a hair below .5); times s.
torch::Tensor rounded_average(const Layer& l, const torch::Tensor& x, float s) {
  const torch::Tensor steps = (x.detach() / s).round();
  torch::Tensor sum;
  torch::Tensor count;
  if (l.kind == LayerKind::GlobalAvgPool) {
    sum = steps.sum({2, 3}, true);
    count = torch::full_like(sum, static_cast<double>(x.size(2) * x.size(3)));
  } else {
    const Window& w = l.window;
    const auto summed = F::AvgPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w}).divisor_override(1);
    sum = F::avg_pool2d(pad(steps, w, 0.0), summed);
    count = l.count_include_pad ? torch::full_like(sum, static_cast<double>(w.kh * w.kw))
                                : F::avg_pool2d(pad(torch::ones({1, 1, x.size(2), x.size(3)}), w, 0.0), summed);
  }
  const torch::Tensor total = sum.to(torch::kLong);
  const torch::Tensor n = count.to(torch::kLong).expand_as(total);
  const torch::Tensor magnitude = (total.abs() + n.div(2, "floor")).div(n, "floor");
  return (magnitude * total.sign()).to(torch::kFloat32) * s;
}

float absmax(const torch::Tensor& t) { return t.numel() ? t.detach().abs().max().item<float>() : 0.0f; }

}  // namespace

std::pair<torch::Tensor, float> GraphNetImpl::folded_layer(std::size_t j, const std::vector<torch::Tensor>& in,
                                                           const std::vector<float>& in_scale,
                                                           const FakeQuantScales* quant, torch::Tensor* unrounded) {
  const std::vector<Layer>& layers = folded_.layers;
  const int lo = quant ? fixed::min_of_bits(quant->activation_bits) : -128;
  const int hi = quant ? fixed::max_of_bits(quant->activation_bits) : 127;
  const int weight_bits = quant ? quant->weight_bits : 8;
  const auto round_to = [&](const torch::Tensor& t, float s) { return quant ? fake_quant(t, s, lo, hi) : t; };
  const auto i = static_cast<std::size_t>(origin_[j]);
  const Layer& l = net_.layers[i];
  torch::Tensor y;
  float s = in_scale[0];
  const bool requantized = layers[j].has_weights() || l.kind == LayerKind::Add;
  if (requantized && quant) s = quant->layer[j];
  if (layers[j].has_weights()) {
    torch::Tensor weight;
    torch::Tensor bias;
    if (l.kind == LayerKind::BatchNorm) {  // no weight layer to fold into: a depthwise 1x1 conv
      const auto [k, b] = bn_affine(bn_[static_cast<std::size_t>(bn_of_[i])]);
      weight = k.reshape({-1, 1, 1, 1});
      bias = b;
      y = F::conv2d(in[0], quant ? fake_quant_rows(weight, weight_bits) : weight,
                    F::Conv2dFuncOptions().bias(bias).groups(k.size(0)));
    } else {
      const Weighted& p = weighted_[static_cast<std::size_t>(weighted_of_[i])];
      weight = p.effective();
      bias = p.bias.defined() ? p.bias : torch::zeros({l.out_channels});
      if (bn_folded_[j] >= 0) {
        const auto [k, b] = bn_affine(bn_[static_cast<std::size_t>(bn_of_[static_cast<std::size_t>(bn_folded_[j])])]);
        std::vector<std::int64_t> per_row(static_cast<std::size_t>(weight.dim()), 1);
        per_row[0] = -1;
        weight = weight * k.reshape(per_row);
        bias = bias * k + b;
      }
      y = weight_layer(i, in[0], quant ? fake_quant_rows(weight, weight_bits) : weight, bias);
    }
  } else if (l.kind == LayerKind::Add) {
    y = in[0];
    for (std::size_t k = 1; k < in.size(); ++k) y = y + in[k];
  } else if (l.kind == LayerKind::Concat) {
    s = *std::max_element(in_scale.begin(), in_scale.end());  // pack: no operand saturates
    std::vector<torch::Tensor> parts;
    for (const auto& t : in) parts.push_back(round_to(t, s));
    y = torch::cat(parts, 1);
  } else if (l.kind == LayerKind::ReLU6 && quant) {  // clamps at round(6 / s) steps
    y = torch::clamp(in[0], 0.0, std::min(static_cast<float>(hi), std::round(6.0f / s)) * s);
  } else if ((l.kind == LayerKind::AvgPool || l.kind == LayerKind::GlobalAvgPool) && quant) {
    const torch::Tensor average = run_layer(i, in);
    y = average + (rounded_average(l, in[0], s) - average).detach();  // straight through
  } else {
    y = run_layer(i, in);
  }
  if (fused_[j]) {
    y = layers[j + 1].kind == LayerKind::ReLU ? torch::relu(y) : torch::clamp(y, 0.0, 6.0);
  }
  if (unrounded) *unrounded = y.detach() / s;
  if (requantized) y = round_to(y, s);
  return {y, s};
}

torch::Tensor GraphNetImpl::run_folded(torch::Tensor x, const FakeQuantScales* quant, FakeQuantScales* record) {
  const std::vector<Layer>& layers = folded_.layers;
  std::vector<torch::Tensor> value(layers.size());
  std::vector<float> scale(layers.size(), 1.0f);
  float input_scale = 1.0f;
  if (quant) {
    input_scale = quant->input;
    x = fake_quant(x, input_scale, fixed::min_of_bits(quant->activation_bits), fixed::max_of_bits(quant->activation_bits));
  }
  if (record) {
    record->input = std::max(record->input, absmax(x));
    record->layer.resize(layers.size(), 0.0f);
  }
  for (std::size_t j = 0; j < layers.size(); ++j) {
    if (j > 0 && fused_[j - 1]) {  // this activation ran in the layer before's output stage
      value[j] = value[j - 1];
      scale[j] = scale[j - 1];
      continue;
    }
    std::vector<torch::Tensor> in;
    std::vector<float> in_scale;
    for (const int p : input_indices(layers, j)) {
      in.push_back(p < 0 ? x : value[static_cast<std::size_t>(p)]);
      in_scale.push_back(p < 0 ? input_scale : scale[static_cast<std::size_t>(p)]);
    }
    std::tie(value[j], scale[j]) = folded_layer(j, in, in_scale, quant);
    if (record) record->layer[j] = std::max(record->layer[j], absmax(value[j]));
  }
  const torch::Tensor& out = value.empty() ? x : value.back();
  return out.reshape({out.size(0), -1});
}

std::pair<torch::Tensor, float> GraphNetImpl::fake_quant_layer(const std::string& name,
                                                               const std::vector<torch::Tensor>& operands,
                                                               const std::vector<float>& operand_scales,
                                                               torch::Tensor* unrounded) {
  if (!fake_quant_) throw std::logic_error("fake_quant_layer: fake quantization is off");
  for (std::size_t j = 0; j < folded_.layers.size(); ++j) {
    if (folded_.layers[j].name != name || (j > 0 && fused_[j - 1])) continue;
    if (operands.size() != input_indices(folded_.layers, j).size() || operand_scales.size() != operands.size()) {
      throw std::invalid_argument("fake_quant_layer: layer '" + name + "' takes " +
                                  std::to_string(input_indices(folded_.layers, j).size()) + " operands");
    }
    return folded_layer(j, operands, operand_scales, &*fake_quant_, unrounded);
  }
  throw std::invalid_argument("fake_quant_layer: no layer '" + name + "' in the folded network");
}

GraphNetImpl::FakeQuantScales GraphNetImpl::calibrate(const torch::Tensor& images, int activation_bits, int weight_bits) {
  torch::NoGradGuard no_grad;
  eval();
  FakeQuantScales absmax_of;
  absmax_of.input = 0.0f;
  constexpr std::int64_t kChunk = 256;
  for (std::int64_t first = 0; first < images.size(0); first += kChunk) {
    run_folded(images.slice(0, first, std::min(images.size(0), first + kChunk)), nullptr, &absmax_of);
  }
  FakeQuantScales scales;
  scales.activation_bits = activation_bits;
  scales.weight_bits = weight_bits;
  scales.input = symmetric_scale(absmax_of.input, activation_bits);
  for (const float a : absmax_of.layer) scales.layer.push_back(symmetric_scale(a, activation_bits));
  return scales;
}

torch::Tensor GraphNetImpl::run_layer(std::size_t i, const std::vector<torch::Tensor>& in) {
  const Layer& l = net_.layers[i];
  const torch::Tensor& x = in[0];
  const Window& w = l.window;
  switch (l.kind) {
    case LayerKind::Conv:
    case LayerKind::Linear: {
      const Weighted& p = weighted_[static_cast<std::size_t>(weighted_of_[i])];
      return weight_layer(i, x, p.effective(), p.bias);
    }
    case LayerKind::BatchNorm:
      return bn_[static_cast<std::size_t>(bn_of_[i])]->forward(x);
    case LayerKind::ReLU:
      return torch::relu(x);
    case LayerKind::ReLU6:
      return torch::clamp(x, 0.0, 6.0);
    case LayerKind::Shift:  // out[c][y][x] = in[c][y + dy][x + dx]: a one-hot depthwise 3x3, zero outside
      return F::conv2d(x, shift_kernels_[i], F::Conv2dFuncOptions().padding(1).groups(x.size(1)));
    case LayerKind::MaxPool:  // padding never wins a max
      return F::max_pool2d(pad(x, w, -std::numeric_limits<double>::infinity()),
                           F::MaxPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w}));
    case LayerKind::AvgPool: {
      const auto options = F::AvgPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w});
      const torch::Tensor sum = F::avg_pool2d(pad(x, w, 0.0), options);
      if (l.count_include_pad) return sum;
      // Divide by the real inputs in each window: the same pool over ones where the input is.
      const torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
      return sum / F::avg_pool2d(pad(ones, w, 0.0), options);
    }
    case LayerKind::GlobalAvgPool:
      return x.mean({2, 3}, true);
    case LayerKind::Flatten:
      return x.reshape({x.size(0), -1, 1, 1});
    case LayerKind::Pad:
      return pad(x, w, 0.0);
    case LayerKind::Add: {
      torch::Tensor sum = in[0];
      for (std::size_t k = 1; k < in.size(); ++k) sum = sum + in[k];
      return sum;
    }
    case LayerKind::Concat:
      return torch::cat(in, 1);
  }
  throw std::logic_error("unknown layer kind");
}

torch::Tensor GraphNetImpl::forward(torch::Tensor x) {
  if (fake_quant_) return run_folded(std::move(x), &*fake_quant_, nullptr);
  std::vector<torch::Tensor> outputs(net_.layers.size());
  for (std::size_t i = 0; i < net_.layers.size(); ++i) {
    std::vector<torch::Tensor> operands;
    for (const int p : input_indices(net_.layers, i)) operands.push_back(p < 0 ? x : outputs[static_cast<std::size_t>(p)]);
    outputs[i] = run_layer(i, operands);
  }
  const torch::Tensor& y = outputs.empty() ? x : outputs.back();
  return y.reshape({y.size(0), -1});
}

Network GraphNetImpl::to_network() const {
  Network out = net_;
  for (const Weighted& w : weighted_) {
    Layer& l = out.layers[w.layer];
    l.weight = to_floats(w.effective());
    if (w.bias.defined()) l.bias = to_floats(w.bias);
  }
  for (std::size_t i = 0; i < out.layers.size(); ++i) {
    if (bn_of_[i] < 0) continue;
    const auto& bn = bn_[static_cast<std::size_t>(bn_of_[i])];
    Layer& l = out.layers[i];
    l.bn_scale = to_floats(bn->weight);
    l.bn_bias = to_floats(bn->bias);
    l.bn_mean = to_floats(bn->running_mean);
    l.bn_var = to_floats(bn->running_var);
  }
  return out;
}

}  // namespace ccsim::model
