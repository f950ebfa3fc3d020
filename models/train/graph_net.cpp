#include "models/train/graph_net.hpp"

#include <limits>
#include <string>

namespace ccsim::model {
namespace {

namespace F = torch::nn::functional;

torch::Tensor from_floats(const std::vector<float>& v, std::vector<std::int64_t> shape) {
  return torch::tensor(v, torch::kFloat32).reshape(shape).clone();
}

std::vector<float> to_floats(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
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
}

torch::Tensor GraphNetImpl::run_layer(std::size_t i, const std::vector<torch::Tensor>& in) {
  const Layer& l = net_.layers[i];
  const torch::Tensor& x = in[0];
  const Window& w = l.window;
  switch (l.kind) {
    case LayerKind::Conv: {
      const Weighted& p = weighted_[static_cast<std::size_t>(weighted_of_[i])];
      return F::conv2d(pad(x, w, 0.0), p.weight * p.mask,
                       F::Conv2dFuncOptions().bias(p.bias).stride({w.stride_h, w.stride_w})
                           .dilation({w.dilation_h, w.dilation_w}).groups(l.groups));
    }
    case LayerKind::Linear: {
      const Weighted& p = weighted_[static_cast<std::size_t>(weighted_of_[i])];
      const torch::Tensor y = F::linear(x.reshape({x.size(0), -1}), p.weight * p.mask, p.bias);
      return y.reshape({x.size(0), l.out_channels, 1, 1});
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
    l.weight = to_floats(w.weight * w.mask);
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
