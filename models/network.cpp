#include "models/network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ccsim::model {
namespace {

struct KindName {
  LayerKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {LayerKind::Conv, "conv"},         {LayerKind::Linear, "linear"},
    {LayerKind::BatchNorm, "batchnorm"}, {LayerKind::ReLU, "relu"},
    {LayerKind::ReLU6, "relu6"},       {LayerKind::Shift, "shift"},
    {LayerKind::MaxPool, "maxpool"},   {LayerKind::AvgPool, "avgpool"},
    {LayerKind::GlobalAvgPool, "global_avgpool"}, {LayerKind::Flatten, "flatten"},
    {LayerKind::Add, "add"},           {LayerKind::Concat, "concat"},
    {LayerKind::Pad, "pad"},
};

[[noreturn]] void fail(const Layer& layer, const std::string& what) {
  throw std::invalid_argument("layer '" + layer.name + "' (" + to_string(layer.kind) + "): " + what);
}

// The largest padded side a window may see; sides beyond it are refused before any size overflows.
constexpr std::int64_t kMaxPaddedSide = std::int64_t{1} << 16;

int window_out(int in, std::int64_t extent, int stride, int pad_a, int pad_b) {
  return static_cast<int>((std::int64_t{in} + pad_a + pad_b - extent) / stride + 1);
}

Shape windowed_shape(const Layer& layer, const Shape& in, int channels) {
  const Window& w = layer.window;
  if (w.kh < 1 || w.kw < 1 || w.stride_h < 1 || w.stride_w < 1) fail(layer, "kernel and stride must be >= 1");
  if (w.dilation_h < 1 || w.dilation_w < 1 || w.dilation_h > 64 || w.dilation_w > 64) fail(layer, "dilation must be in [1, 64]");
  if ((w.dilation_h != 1 || w.dilation_w != 1) && layer.kind != LayerKind::Conv) fail(layer, "only convolutions may be dilated");
  const std::int64_t extent_h = std::int64_t{w.kh - 1} * w.dilation_h + 1;
  const std::int64_t extent_w = std::int64_t{w.kw - 1} * w.dilation_w + 1;
  if (w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0) fail(layer, "negative padding");
  if (std::int64_t{in.h} + w.pad_top + w.pad_bottom > kMaxPaddedSide ||
      std::int64_t{in.w} + w.pad_left + w.pad_right > kMaxPaddedSide) {
    fail(layer, "padded input larger than " + std::to_string(kMaxPaddedSide) + " on a side (input " + to_string(in) +
                    ", pad " + std::to_string(w.pad_top) + "/" + std::to_string(w.pad_left) + "/" +
                    std::to_string(w.pad_bottom) + "/" + std::to_string(w.pad_right) + ")");
  }
  if (std::int64_t{in.h} + w.pad_top + w.pad_bottom < extent_h || std::int64_t{in.w} + w.pad_left + w.pad_right < extent_w) {
    fail(layer, "kernel larger than padded input " + to_string(in));
  }
  return {channels, window_out(in.h, extent_h, w.stride_h, w.pad_top, w.pad_bottom),
          window_out(in.w, extent_w, w.stride_w, w.pad_left, w.pad_right)};
}

void check_bias(const Layer& layer) {
  if (!layer.bias.empty() && layer.bias.size() != static_cast<std::size_t>(layer.out_channels)) {
    fail(layer, "bias has " + std::to_string(layer.bias.size()) + " values, expected " +
                    std::to_string(layer.out_channels));
  }
}

}  // namespace

std::string to_string(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

const char* to_string(LayerKind kind) {
  for (const auto& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

LayerKind layer_kind_from_string(const std::string& s) {
  for (const auto& k : kKindNames) {
    if (s == k.name) return k.kind;
  }
  throw std::invalid_argument("unknown layer type '" + s + "'");
}

void validate(const Preprocess& p, int channels) {
  if (!std::isfinite(p.scale) || p.scale == 0.0f) throw std::invalid_argument("preprocess scale must be finite and non-zero");
  const auto check = [channels](const std::vector<float>& v, const char* name, bool nonzero) {
    if (v.size() > 1 && v.size() != static_cast<std::size_t>(channels)) {
      throw std::invalid_argument(std::string("preprocess ") + name + " has " + std::to_string(v.size()) +
                                  " values for " + std::to_string(channels) + " input channels");
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i]) || (nonzero && v[i] == 0.0f)) {
        throw std::invalid_argument(std::string("preprocess ") + name + "[" + std::to_string(i) + "] must be finite" +
                                    (nonzero ? " and non-zero" : ""));
      }
    }
  };
  check(p.mean, "mean", false);
  check(p.std, "std", true);
}

namespace {

Shape unchecked_output_shape(const Layer& layer, const Shape& in) {
  if (in.c < 1 || in.h < 1 || in.w < 1) fail(layer, "empty input " + to_string(in));
  switch (layer.kind) {
    case LayerKind::Conv: {
      if (layer.out_channels < 1) fail(layer, "out_channels must be >= 1");
      if (layer.groups < 1 || in.c % layer.groups != 0 || layer.out_channels % layer.groups != 0) {
        fail(layer, "groups " + std::to_string(layer.groups) + " must divide input channels " +
                        std::to_string(in.c) + " and output channels " +
                        std::to_string(layer.out_channels));
      }
      const auto expected = static_cast<std::size_t>(layer.out_channels) * (in.c / layer.groups) *
                            layer.window.kh * layer.window.kw;
      if (layer.weight.size() != expected) {
        fail(layer, "weight has " + std::to_string(layer.weight.size()) + " values, expected " +
                        std::to_string(expected) + " for input " + to_string(in));
      }
      check_bias(layer);
      return windowed_shape(layer, in, layer.out_channels);
    }
    case LayerKind::Linear: {
      if (layer.out_channels < 1) fail(layer, "out_features must be >= 1");
      const auto expected = static_cast<std::size_t>(layer.out_channels) * in.size();
      if (layer.weight.size() != expected) {
        fail(layer, "weight has " + std::to_string(layer.weight.size()) + " values, expected " +
                        std::to_string(expected) + " for input " + to_string(in));
      }
      check_bias(layer);
      return {layer.out_channels, 1, 1};
    }
    case LayerKind::BatchNorm: {
      const auto n = static_cast<std::size_t>(in.c);
      if (layer.bn_scale.size() != n || layer.bn_bias.size() != n || layer.bn_mean.size() != n ||
          layer.bn_var.size() != n) {
        fail(layer, "needs scale, bias, mean and var of " + std::to_string(n) + " channels");
      }
      return in;
    }
    case LayerKind::Shift: {
      if (layer.shift.size() != static_cast<std::size_t>(in.c)) {
        fail(layer, "has " + std::to_string(layer.shift.size()) + " offsets for " +
                        std::to_string(in.c) + " channels");
      }
      for (const auto& o : layer.shift) {
        if (o[0] < -1 || o[0] > 1 || o[1] < -1 || o[1] > 1) fail(layer, "offsets must be in {-1,0,1}");
      }
      return in;
    }
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      return windowed_shape(layer, in, in.c);
    case LayerKind::GlobalAvgPool:
      return {in.c, 1, 1};
    case LayerKind::Flatten:
      return {static_cast<int>(in.size()), 1, 1};
    case LayerKind::Pad: {
      const Window& w = layer.window;
      if (w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0) fail(layer, "negative padding");
      if (std::int64_t{in.h} + w.pad_top + w.pad_bottom > kMaxPaddedSide ||
          std::int64_t{in.w} + w.pad_left + w.pad_right > kMaxPaddedSide) {
        fail(layer, "padded input larger than " + std::to_string(kMaxPaddedSide) + " on a side");
      }
      return {in.c, in.h + w.pad_top + w.pad_bottom, in.w + w.pad_left + w.pad_right};
    }
    case LayerKind::Add:
    case LayerKind::Concat:
      fail(layer, "needs the shapes of all its operands");
    case LayerKind::ReLU:
    case LayerKind::ReLU6:
      return in;
  }
  fail(layer, "unknown kind");
}

}  // namespace

Shape output_shape(const Layer& layer, const Shape& in) {
  const Shape out = unchecked_output_shape(layer, in);
  if (out.size() > kMaxActivationValues) {
    fail(layer, "output " + to_string(out) + " would hold more than 2^28 values per image");
  }
  return out;
}

void check_operand_count(const Layer& layer, std::size_t operands) {
  const bool join = layer.kind == LayerKind::Add || layer.kind == LayerKind::Concat;
  if (join && operands < 2) fail(layer, "needs two or more inputs, has " + std::to_string(operands));
  if (!join && operands != 1) fail(layer, "takes one input, has " + std::to_string(operands));
}

Shape output_shape(const Layer& layer, const std::vector<Shape>& inputs) {
  check_operand_count(layer, inputs.size());
  if (layer.kind == LayerKind::Add) {
    for (const Shape& s : inputs) {
      if (s != inputs[0]) fail(layer, "adds inputs of different shapes " + to_string(inputs[0]) + " and " + to_string(s));
    }
    return inputs[0];
  }
  if (layer.kind == LayerKind::Concat) {
    std::int64_t channels = 0;
    for (const Shape& s : inputs) {
      if (s.h != inputs[0].h || s.w != inputs[0].w) {
        fail(layer, "concatenates inputs of different sizes " + to_string(inputs[0]) + " and " + to_string(s));
      }
      channels += s.c;
    }
    const Shape out{static_cast<int>(std::min<std::int64_t>(channels, kMaxActivationValues + 1)), inputs[0].h, inputs[0].w};
    if (channels > kMaxActivationValues || out.size() > kMaxActivationValues) {
      fail(layer, "output would hold more than 2^28 values per image");
    }
    return out;
  }
  return output_shape(layer, inputs[0]);
}

std::vector<Shape> output_shapes(const Network& net) {
  validate_inputs(net.layers, check_operand_count);
  std::vector<Shape> out;
  out.reserve(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    std::vector<Shape> in;
    for (const int p : input_indices(net.layers, i)) in.push_back(produced_shape(net, out, p));
    out.push_back(output_shape(net.layers[i], in));
  }
  return out;
}

std::vector<Shape> infer_shapes(const Network& net) {
  const std::vector<Shape> out = output_shapes(net);
  std::vector<Shape> shapes;
  shapes.reserve(out.size() + 1);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    shapes.push_back(produced_shape(net, out, input_indices(net.layers, i)[0]));
  }
  shapes.push_back(out.empty() ? net.input : out.back());
  return shapes;
}

FilterMatrix filter_matrix(const Layer& layer, const Shape& in) {
  if (!layer.has_weights()) fail(layer, "has no filter matrix");
  output_shape(layer, in);  // validates sizes
  FilterMatrix m;
  m.rows = layer.out_channels;
  if (layer.kind == LayerKind::Linear) {
    m.cols = static_cast<int>(in.size());
    m.values = layer.weight;
    return m;
  }
  const int k = layer.window.kh * layer.window.kw;
  const int in_per_group = in.c / layer.groups;
  const int out_per_group = layer.out_channels / layer.groups;
  m.cols = in.c * k;
  m.values.assign(static_cast<std::size_t>(m.rows) * m.cols, 0.0f);
  for (int o = 0; o < m.rows; ++o) {
    const int first_in = (o / out_per_group) * in_per_group;
    for (int ci = 0; ci < in_per_group; ++ci) {
      for (int t = 0; t < k; ++t) {
        m.values[static_cast<std::size_t>(o) * m.cols + (first_in + ci) * k + t] =
            layer.weight[(static_cast<std::size_t>(o) * in_per_group + ci) * k + t];
      }
    }
  }
  return m;
}

void set_filter_matrix(Layer& layer, const Shape& in, const FilterMatrix& m) {
  if (!layer.has_weights()) fail(layer, "has no filter matrix");
  output_shape(layer, in);  // validates sizes
  const int cols = layer.kind == LayerKind::Linear ? static_cast<int>(in.size()) : in.c * layer.window.kh * layer.window.kw;
  if (m.rows != layer.out_channels || m.cols != cols || m.values.size() != static_cast<std::size_t>(m.rows) * m.cols) {
    fail(layer, "filter matrix shape mismatch");
  }
  layer.weight = m.values;
  if (layer.kind == LayerKind::Conv) layer.groups = 1;
}

std::vector<int> fold_batch_norm(Network& net) {
  const std::vector<Shape> shapes = infer_shapes(net);
  const std::vector<int> readers = reader_counts(net.layers);
  const std::vector<std::vector<int>> old_inputs = all_input_indices(net.layers);
  std::vector<Layer> folded;
  std::vector<std::size_t> origin;
  std::vector<int> new_of_old(net.layers.size(), -1);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    Layer& layer = net.layers[i];
    if (layer.kind != LayerKind::BatchNorm) {
      new_of_old[i] = static_cast<int>(folded.size());
      origin.push_back(i);
      folded.push_back(std::move(layer));
      continue;
    }
    const int channels = shapes[i].c;
    std::vector<float> k(channels);
    for (int o = 0; o < channels; ++o) {
      if (!(layer.bn_var[o] + layer.bn_eps > 0.0f)) fail(layer, "variance + eps must be > 0");
      k[o] = layer.bn_scale[o] / std::sqrt(layer.bn_var[o] + layer.bn_eps);
    }
    // Only a weight layer whose output nothing else reads can take the batch norm in.
    const bool foldable = i > 0 && new_of_old[i - 1] == static_cast<int>(folded.size()) - 1 &&
                          folded.back().has_weights() && only_read_by_next(net.layers, readers, i - 1);
    if (!foldable) {
      // No weight layer to fold into: the batch norm becomes a per-channel (depthwise) 1x1 conv.
      Layer dw;
      dw.name = layer.name;
      dw.kind = LayerKind::Conv;
      dw.out_channels = channels;
      dw.groups = channels;
      dw.weight = k;
      for (int o = 0; o < channels; ++o) dw.bias.push_back(layer.bn_bias[o] - layer.bn_mean[o] * k[o]);
      new_of_old[i] = static_cast<int>(folded.size());
      origin.push_back(i);
      folded.push_back(std::move(dw));
      continue;
    }
    Layer& w = folded.back();
    if (w.bias.empty()) w.bias.assign(channels, 0.0f);
    const std::size_t per_out = w.weight.size() / channels;
    for (int o = 0; o < channels; ++o) {
      for (std::size_t j = 0; j < per_out; ++j) w.weight[o * per_out + j] *= k[o];
      w.bias[o] = (w.bias[o] - layer.bn_mean[o]) * k[o] + layer.bn_bias[o];
    }
    new_of_old[i] = new_of_old[i - 1];
  }
  renumber_inputs(folded, old_inputs, origin, new_of_old);
  net.layers = std::move(folded);
  return new_of_old;
}

}  // namespace ccsim::model
