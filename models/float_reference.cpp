#include "models/float_reference.hpp"

#include <stdexcept>

#include <torch/torch.h>

namespace ccsim::model {
namespace {

namespace F = torch::nn::functional;

torch::Tensor from_vector(const std::vector<float>& v, std::vector<std::int64_t> dims) {
  return torch::from_blob(const_cast<float*>(v.data()), dims, torch::kFloat32).clone();
}

// The input must be padded explicitly: torch pads symmetrically, ONNX allows asymmetric pads.
torch::Tensor pad(const torch::Tensor& x, const Window& w, double value) {
  if (w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0) return x;
  return torch::constant_pad_nd(x, {w.pad_left, w.pad_right, w.pad_top, w.pad_bottom}, value);
}

torch::Tensor shift(const torch::Tensor& x, const Layer& layer) {
  // out[c][y][x] = in[c][y + dy][x + dx]: a depthwise 3x3 conv with a one-hot kernel at (dy+1, dx+1).
  const auto channels = static_cast<std::int64_t>(layer.shift.size());
  auto kernel = torch::zeros({channels, 1, 3, 3});
  for (std::int64_t c = 0; c < channels; ++c) {
    kernel[c][0][layer.shift[c][0] + 1][layer.shift[c][1] + 1] = 1.0f;
  }
  return F::conv2d(x, kernel, F::Conv2dFuncOptions().padding(1).groups(channels));
}

torch::Tensor avg_pool(const torch::Tensor& x, const Layer& layer) {
  const Window& w = layer.window;
  const auto padded = pad(x, w, 0.0);
  const auto sums = F::avg_pool2d(padded, F::AvgPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w})) *
                    static_cast<float>(w.kh * w.kw);
  if (layer.count_include_pad) return sums / static_cast<float>(w.kh * w.kw);
  // Divide by the number of real (unpadded) inputs of each window.
  auto ones = pad(torch::ones({1, 1, x.size(2), x.size(3)}), w, 0.0);
  auto counts = F::avg_pool2d(ones, F::AvgPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w})) *
                static_cast<float>(w.kh * w.kw);
  return sums / counts;
}

torch::Tensor run_layer(const torch::Tensor& x, const Layer& layer, const Shape& in) {
  switch (layer.kind) {
    case LayerKind::Conv: {
      const Window& w = layer.window;
      const auto weight = from_vector(layer.weight, {layer.out_channels, in.c / layer.groups, w.kh, w.kw});
      auto y = F::conv2d(pad(x, w, 0.0), weight,
                         F::Conv2dFuncOptions().stride({w.stride_h, w.stride_w}).groups(layer.groups));
      if (!layer.bias.empty()) y = y + from_vector(layer.bias, {1, layer.out_channels, 1, 1});
      return y;
    }
    case LayerKind::Linear: {
      const auto weight = from_vector(layer.weight, {layer.out_channels, in.size()});
      auto y = F::linear(x.reshape({x.size(0), -1}), weight);
      if (!layer.bias.empty()) y = y + from_vector(layer.bias, {1, layer.out_channels});
      return y.reshape({x.size(0), layer.out_channels, 1, 1});
    }
    case LayerKind::BatchNorm: {
      const auto c = static_cast<std::int64_t>(layer.bn_scale.size());
      const auto k = from_vector(layer.bn_scale, {1, c, 1, 1}) /
                     torch::sqrt(from_vector(layer.bn_var, {1, c, 1, 1}) + layer.bn_eps);
      return (x - from_vector(layer.bn_mean, {1, c, 1, 1})) * k + from_vector(layer.bn_bias, {1, c, 1, 1});
    }
    case LayerKind::ReLU:
      return torch::relu(x);
    case LayerKind::ReLU6:
      return torch::clamp(x, 0.0, 6.0);
    case LayerKind::Shift:
      return shift(x, layer);
    case LayerKind::MaxPool: {
      const Window& w = layer.window;
      return F::max_pool2d(pad(x, w, -std::numeric_limits<double>::infinity()),
                           F::MaxPool2dFuncOptions({w.kh, w.kw}).stride({w.stride_h, w.stride_w}));
    }
    case LayerKind::AvgPool:
      return avg_pool(x, layer);
    case LayerKind::GlobalAvgPool:
      return x.mean({2, 3}, /*keepdim=*/true);
    case LayerKind::Flatten:
      return x.reshape({x.size(0), -1, 1, 1});
  }
  throw std::logic_error("unknown layer kind");
}

}  // namespace

FloatRun run_float(const Network& net, const FloatTensor& batch) {
  const auto shapes = infer_shapes(net);
  const Shape& in = net.input;
  std::int64_t n = 0;
  if (batch.dims.size() == 4 && batch.dims[1] == in.c && batch.dims[2] == in.h && batch.dims[3] == in.w) {
    n = batch.dims[0];
  } else if (batch.dims.size() == 3 && batch.dims[0] == in.c && batch.dims[1] == in.h && batch.dims[2] == in.w) {
    n = 1;
  } else if (batch.dims.size() == 2 && in.h == 1 && in.w == 1 && batch.dims[1] == in.c) {
    n = batch.dims[0];
  } else {
    std::string dims;
    for (auto d : batch.dims) dims += (dims.empty() ? "" : "x") + std::to_string(d);
    throw std::invalid_argument("input of shape " + dims + " does not match the network input " + to_string(in));
  }
  if (batch.data.size() != static_cast<std::size_t>(n * in.size())) {
    throw std::invalid_argument("input holds " + std::to_string(batch.data.size()) + " values, shape needs " +
                                std::to_string(n * in.size()));
  }
  torch::NoGradGuard no_grad;
  FloatRun run;
  auto x = from_vector(batch.data, {n, in.c, in.h, in.w});
  run.input_absmax = x.abs().max().item<float>();
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    x = run_layer(x, net.layers[i], shapes[i]).contiguous();
    run.layer_absmax.push_back(x.numel() ? x.abs().max().item<float>() : 0.0f);
  }
  x = x.reshape({n, -1}).contiguous();
  run.output.dims = {x.size(0), x.size(1)};
  run.output.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
  return run;
}

}  // namespace ccsim::model
