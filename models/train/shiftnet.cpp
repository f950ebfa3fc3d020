#include "models/train/shiftnet.hpp"

#include "models/column_combine.hpp"
#include "models/fixed_point.hpp"
#include "models/train/fake_quant.hpp"
#include "models/pack.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace ccsim::model {
namespace {

namespace F = torch::nn::functional;

// Per axis: -1, 0, +1 with probabilities 0.3, 0.4, 0.3 (the reference net.py), so some channels stay put.
std::vector<std::array<std::int8_t, 2>> draw_offsets(int channels, std::mt19937& rng) {
  std::discrete_distribution<int> axis({0.3, 0.4, 0.3});
  std::vector<std::array<std::int8_t, 2>> out;
  for (int c = 0; c < channels; ++c) {
    const auto dy = static_cast<std::int8_t>(axis(rng) - 1);
    const auto dx = static_cast<std::int8_t>(axis(rng) - 1);
    out.push_back({dy, dx});
  }
  return out;
}

torch::Tensor shift_kernel(const std::vector<std::array<std::int8_t, 2>>& offsets) {
  auto k = torch::zeros({static_cast<std::int64_t>(offsets.size()), 1, 3, 3});
  for (std::size_t c = 0; c < offsets.size(); ++c) k[c][0][offsets[c][0] + 1][offsets[c][1] + 1] = 1.0f;
  return k;
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat32).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace

void ShiftNetConfig::validate() const {
  const std::size_t blocks = filters.size();
  if (blocks == 0 || layers.size() != blocks || strides.size() != blocks || groups.size() != blocks) {
    throw std::invalid_argument("--filters, --layers, --strides and --groups need one value per block each");
  }
  for (std::size_t b = 0; b < blocks; ++b) {
    if (filters[b] < 1 || layers[b] < 1 || strides[b] < 1 || groups[b] < 1 || groups[b] > 256) {
      throw std::invalid_argument("block " + std::to_string(b) + ": filters, layers, strides >= 1 and groups in [1, 256]");
    }
  }
  if (in_channels < 1 || image_size < 1 || classes < 2) throw std::invalid_argument("bad input/classes");
}

nlohmann::json ShiftNetConfig::to_json() const {
  return {{"in_channels", in_channels}, {"image_size", image_size}, {"classes", classes}, {"filters", filters},
          {"layers", layers}, {"strides", strides}, {"groups", groups}, {"seed", seed}};
}

ShiftNetConfig ShiftNetConfig::from_json(const nlohmann::json& j) {
  ShiftNetConfig c;
  c.in_channels = j.at("in_channels");
  c.image_size = j.at("image_size");
  c.classes = j.at("classes");
  c.filters = j.at("filters").get<std::vector<int>>();
  c.layers = j.at("layers").get<std::vector<int>>();
  c.strides = j.at("strides").get<std::vector<int>>();
  c.groups = j.at("groups").get<std::vector<int>>();
  c.seed = j.at("seed");
  return c;
}

ShiftNetImpl::ShiftNetImpl(const ShiftNetConfig& config) : config_(config) {
  config_.validate();
  torch::manual_seed(config_.seed);
  std::mt19937 rng(static_cast<std::uint32_t>(config_.seed));

  auto add = [this](MaskedConv mc, int in_c, int out_c, int k) {
    mc.conv = register_module(mc.name, torch::nn::Conv2d(torch::nn::Conv2dOptions(in_c, out_c, k).bias(false)));
    mc.bn = register_module(mc.name + "_bn", torch::nn::BatchNorm2d(out_c));
    mc.mask = register_buffer(mc.name + "_mask", torch::ones_like(mc.conv->weight));
    if (!mc.offsets.empty()) mc.shift_kernel = register_buffer(mc.name + "_shift", shift_kernel(mc.offsets));
    convs_.push_back(std::move(mc));
  };

  MaskedConv first;
  first.name = "conv0";
  first.padding = 1;
  add(std::move(first), config_.in_channels, config_.filters[0], 3);
  int channels = config_.filters[0];
  int prev_alpha = 1;
  for (std::size_t b = 0; b < config_.filters.size(); ++b) {
    for (int l = 0; l < config_.layers[b]; ++l) {
      MaskedConv mc;
      mc.name = "pw" + std::to_string(b + 1) + "_" + std::to_string(l + 1);
      mc.stride = l == 0 ? config_.strides[b] : 1;
      mc.alpha = l == 0 ? prev_alpha : config_.groups[b];
      mc.offsets = draw_offsets(channels, rng);
      add(std::move(mc), channels, config_.filters[b], 1);
      channels = config_.filters[b];
    }
    prev_alpha = config_.groups[b];
  }
  fc_ = register_module("fc", torch::nn::Linear(channels, config_.classes));
}

torch::Tensor ShiftNetImpl::forward(torch::Tensor x) {
  return run(std::move(x), fake_quant_ ? &*fake_quant_ : nullptr, nullptr);
}

ActivationScales ShiftNetImpl::calibrate(const torch::Tensor& images, int activation_bits, int weight_bits) {
  torch::NoGradGuard no_grad;
  eval();
  ActivationScales absmax;
  absmax.conv.assign(convs_.size(), 0.0f);
  absmax.input = absmax.logits = 0.0f;
  for (std::int64_t first = 0; first < images.size(0); first += kInferenceChunk) {
    run(images.slice(0, first, std::min(images.size(0), first + kInferenceChunk)), nullptr, &absmax);
  }
  ActivationScales scales;
  scales.activation_bits = activation_bits;
  scales.weight_bits = weight_bits;
  scales.input = symmetric_scale(absmax.input, activation_bits);
  for (const float m : absmax.conv) scales.conv.push_back(symmetric_scale(m, activation_bits));
  scales.logits = symmetric_scale(absmax.logits, activation_bits);
  return scales;
}

torch::Tensor effective_weight(const MaskedConv& mc) {
  const torch::Tensor masked = mc.conv->weight * mc.mask;
  return mc.ternary ? ternary_straight_through(masked) : masked;
}

namespace {

torch::Tensor shifted(const MaskedConv& mc, torch::Tensor x) {
  if (!mc.shift_kernel.defined()) return x;
  return F::conv2d(x, mc.shift_kernel, F::Conv2dFuncOptions().padding(1).groups(mc.shift_kernel.size(0)));
}

}  // namespace

torch::Tensor ShiftNetImpl::fake_quant_stage(std::size_t stage, torch::Tensor x, const ActivationScales& quant,
                                            torch::Tensor* unrounded) {
  const int lo = fixed::min_of_bits(quant.activation_bits);
  const int hi = fixed::max_of_bits(quant.activation_bits);
  if (stage < convs_.size()) {
    MaskedConv& mc = convs_[stage];
    // Batch norm folded as fold_batch_norm does, with the running statistics.
    const auto k = mc.bn->weight * torch::rsqrt(mc.bn->running_var + mc.bn->options.eps());
    const auto w = effective_weight(mc) * k.reshape({-1, 1, 1, 1});
    const auto b = mc.bn->bias - mc.bn->running_mean * k;
    const double s = quant.conv[stage];
    x = F::conv2d(shifted(mc, std::move(x)), fake_quant_rows(w, quant.weight_bits),
                  F::Conv2dFuncOptions().stride(mc.stride).padding(mc.padding).bias(b));
    if (unrounded) *unrounded = (x / s).detach();
    return fake_quant(x, s, 0, static_cast<int>(std::min(static_cast<double>(hi), std::round(6.0 / s))));  // fused ReLU6
  }
  if (stage != convs_.size()) throw std::out_of_range("fake_quant_stage: no stage " + std::to_string(stage));
  x = fake_quant(x.mean({2, 3}), quant.conv.back(), lo, hi);  // the integer average keeps the scale, rounds to it
  x = F::linear(x, fake_quant_rows(fc_->weight, quant.weight_bits), fc_->bias);
  if (unrounded) *unrounded = (x / quant.logits).detach();
  return fake_quant(x, quant.logits, lo, hi);
}

torch::Tensor ShiftNetImpl::run(torch::Tensor x, const ActivationScales* quant, ActivationScales* record) {
  const auto track = [](float& slot, const torch::Tensor& t) { slot = std::max(slot, t.abs().max().item<float>()); };
  if (quant) {
    x = fake_quant(x, quant->input, fixed::min_of_bits(quant->activation_bits), fixed::max_of_bits(quant->activation_bits));
    for (std::size_t stage = 0; stage < fake_quant_stages(); ++stage) x = fake_quant_stage(stage, std::move(x), *quant);
    return x;
  }
  if (record) track(record->input, x);
  for (std::size_t i = 0; i < convs_.size(); ++i) {
    MaskedConv& mc = convs_[i];
    x = F::conv2d(shifted(mc, std::move(x)), effective_weight(mc),
                  F::Conv2dFuncOptions().stride(mc.stride).padding(mc.padding));
    x = torch::clamp(mc.bn->forward(x), 0.0, 6.0);
    if (record) track(record->conv[i], x);
  }
  x = fc_->forward(x.mean({2, 3}));
  if (record) track(record->logits, x);
  return x;
}

torch::Tensor ShiftNetImpl::l1_of_masked_weights() const {
  auto total = torch::zeros({});
  for (const auto& mc : convs_) total = total + (mc.conv->weight * mc.mask).abs().sum();
  return total;
}

Network ShiftNetImpl::to_network(const std::string& name, const Preprocess& preprocess,
                                 const std::vector<std::vector<std::vector<std::uint32_t>>>& groups,
                                 double gamma) const {
  torch::NoGradGuard no_grad;
  Network net;
  net.name = name;
  net.input = {config_.in_channels, config_.image_size, config_.image_size};
  net.preprocess = preprocess;
  for (std::size_t i = 0; i < convs_.size(); ++i) {
    const MaskedConv& mc = convs_[i];
    if (!mc.offsets.empty()) {
      Layer s;
      s.name = "shift" + mc.name.substr(2);
      s.kind = LayerKind::Shift;
      s.shift = mc.offsets;
      net.layers.push_back(std::move(s));
    }
    Layer c;
    c.name = mc.name;
    c.kind = LayerKind::Conv;
    const auto& w = mc.conv->weight;
    c.out_channels = static_cast<int>(w.size(0));
    const int k = static_cast<int>(w.size(2));
    c.window = {k, k, mc.stride, mc.stride, mc.padding, mc.padding, mc.padding, mc.padding};
    c.weight = to_vector(effective_weight(mc));
    if (i < groups.size() && !groups[i].empty()) {
      c.column_groups = ColumnGroups{mc.alpha, gamma, groups[i]};
    } else {
      // Not combined (alpha 1, or before any pruning): every non-zero column is its own group.
      const int cols = static_cast<int>(w.numel() / w.size(0));
      c.column_groups = ColumnGroups{1, gamma, combine_columns(c.weight, c.out_channels, cols, {1, gamma, 0}).groups};
    }
    net.layers.push_back(std::move(c));
    Layer bn;
    bn.name = mc.name + "_bn";
    bn.kind = LayerKind::BatchNorm;
    bn.bn_scale = to_vector(mc.bn->weight);
    bn.bn_bias = to_vector(mc.bn->bias);
    bn.bn_mean = to_vector(mc.bn->running_mean);
    bn.bn_var = to_vector(mc.bn->running_var);
    bn.bn_eps = static_cast<float>(mc.bn->options.eps());
    net.layers.push_back(std::move(bn));
    Layer relu;
    relu.name = mc.name + "_relu";
    relu.kind = LayerKind::ReLU6;
    net.layers.push_back(std::move(relu));
  }
  Layer pool;
  pool.name = "pool";
  pool.kind = LayerKind::GlobalAvgPool;
  net.layers.push_back(pool);
  Layer flat;
  flat.name = "flatten";
  flat.kind = LayerKind::Flatten;
  net.layers.push_back(flat);
  Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.out_channels = config_.classes;
  fc.weight = to_vector(fc_->weight);
  fc.bias = to_vector(fc_->bias);
  fc.column_groups = ColumnGroups{1, 0.0, {}};  // the classifier is not combined
  for (int c = 0; c < static_cast<int>(fc_->weight.size(1)); ++c) fc.column_groups->groups.push_back({static_cast<std::uint32_t>(c)});
  net.layers.push_back(std::move(fc));
  infer_shapes(net);
  return net;
}

namespace {

void copy_into(torch::Tensor& dst, const std::vector<float>& src, const std::string& what) {
  if (static_cast<std::int64_t>(src.size()) != dst.numel()) {
    throw std::invalid_argument(what + ": has " + std::to_string(src.size()) + " values, the model needs " +
                                std::to_string(dst.numel()));
  }
  dst.copy_(torch::from_blob(const_cast<float*>(src.data()), dst.sizes(), torch::kFloat32));
}

const Layer& find_layer(const Network& net, const std::string& name, LayerKind kind) {
  for (const auto& l : net.layers) {
    if (l.name == name && l.kind == kind) return l;
  }
  throw std::invalid_argument("network has no " + std::string(to_string(kind)) + " layer '" + name +
                              "' (was it exported by ccsim train with the same --filters/--layers?)");
}

}  // namespace

void ShiftNetImpl::load_from(const Network& net) {
  torch::NoGradGuard no_grad;
  for (auto& mc : convs_) {
    const Layer& conv = find_layer(net, mc.name, LayerKind::Conv);
    copy_into(mc.conv->weight, conv.weight, "layer '" + mc.name + "' weight");
    mc.mask.copy_((mc.conv->weight != 0).to(torch::kFloat32));
    const Layer& bn = find_layer(net, mc.name + "_bn", LayerKind::BatchNorm);
    copy_into(mc.bn->weight, bn.bn_scale, "layer '" + bn.name + "' scale");
    copy_into(mc.bn->bias, bn.bn_bias, "layer '" + bn.name + "' bias");
    copy_into(mc.bn->running_mean, bn.bn_mean, "layer '" + bn.name + "' mean");
    copy_into(mc.bn->running_var, bn.bn_var, "layer '" + bn.name + "' var");
    if (!mc.offsets.empty()) {
      const Layer& shift = find_layer(net, "shift" + mc.name.substr(2), LayerKind::Shift);
      if (shift.shift != mc.offsets) {
        throw std::invalid_argument("layer '" + shift.name + "': shift offsets differ (train with the same --seed)");
      }
    }
  }
  const Layer& fc = find_layer(net, "fc", LayerKind::Linear);
  copy_into(fc_->weight, fc.weight, "layer 'fc' weight");
  copy_into(fc_->bias, fc.bias, "layer 'fc' bias");
}

std::vector<float> weight_matrix(const torch::Tensor& weight) { return to_vector(weight); }

torch::Tensor matrix_to_weight(const std::vector<float>& m, const torch::Tensor& like) {
  return torch::from_blob(const_cast<float*>(m.data()), like.sizes(), torch::kFloat32).clone();
}

}  // namespace ccsim::model
