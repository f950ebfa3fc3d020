#include "models/packed_network.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <stdexcept>

namespace ccsim::model {
namespace {

struct OpName {
  OpKind kind;
  const char* name;
};
constexpr OpName kOpNames[] = {
    {OpKind::Matmul, "matmul"},   {OpKind::Shift, "shift"},
    {OpKind::MaxPool, "maxpool"}, {OpKind::AvgPool, "avgpool"},
    {OpKind::GlobalAvgPool, "global_avgpool"}, {OpKind::Flatten, "flatten"},
    {OpKind::Clamp, "clamp"},     {OpKind::Add, "add"},
    {OpKind::Concat, "concat"},   {OpKind::Pad, "pad"},
};

[[noreturn]] void fail(std::size_t index, const PackedLayer& l, const std::string& what) {
  throw std::invalid_argument("layer " + std::to_string(index) + " '" + l.name + "' (" +
                              to_string(l.kind) + "): " + what);
}

bool multiplier_ok(const fixed::Multiplier& m) { return m.shift <= 30 && m.shift >= -31 && m.m0 >= 0; }

void validate_matmul(std::size_t i, const PackedLayer& l) {
  const auto rows = static_cast<std::size_t>(l.rows());
  const auto cols = static_cast<std::int64_t>(l.cols());
  const std::size_t cells = rows * l.groups.size();
  if (l.alpha < 1 || l.alpha > 256) fail(i, l, "alpha must be in [1, 256]");
  if (l.weights.size() != cells || l.select.size() != cells) {
    fail(i, l, "weights/select hold " + std::to_string(l.weights.size()) + "/" +
                   std::to_string(l.select.size()) + " cells, expected rows x groups = " + std::to_string(cells));
  }
  if (l.bias.size() != rows || l.requant.size() != rows) fail(i, l, "bias/requant need one entry per row");
  if (!l.weight_scale.empty() && l.weight_scale.size() != rows) fail(i, l, "weight_scale needs one entry per row");
  for (const auto& g : l.groups) {
    if (g.empty() || g.size() > static_cast<std::size_t>(l.alpha)) {
      fail(i, l, "a group has " + std::to_string(g.size()) + " columns (alpha " + std::to_string(l.alpha) + ")");
    }
    for (std::size_t k = 0; k < g.size(); ++k) {
      if (g[k] >= static_cast<std::uint64_t>(cols)) fail(i, l, "column index " + std::to_string(g[k]) + " out of range");
      if (std::find(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(k), g[k]) != g.begin() + static_cast<std::ptrdiff_t>(k)) {
        fail(i, l, "a group lists column " + std::to_string(g[k]) + " twice");
      }
    }
  }
  // A column may be in several groups (an n-of-m layer's n packed columns share their group's m
  // members: models/scheme_packing.cpp), but a row holds each of its weights in one cell.
  std::vector<std::int64_t> held_by_row(static_cast<std::size_t>(cols), -1);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t g = 0; g < l.groups.size(); ++g) {
      const std::size_t cell = r * l.groups.size() + g;
      if (l.select[cell] >= l.groups[g].size()) {
        fail(i, l, "select out of range at row " + std::to_string(r) + ", packed column " + std::to_string(g));
      }
      if (l.weights[cell] == 0) continue;
      const auto c = l.groups[g][l.select[cell]];
      if (held_by_row[c] == static_cast<std::int64_t>(r)) {
        fail(i, l, "row " + std::to_string(r) + " holds column " + std::to_string(c) + "'s weight in two cells");
      }
      held_by_row[c] = static_cast<std::int64_t>(r);
    }
    if (!multiplier_ok(l.requant[r])) {
      fail(i, l, "requantization multiplier out of range at row " + std::to_string(r));
    }
  }
  const Window& w = l.window;
  if (w.kh < 1 || w.kw < 1 || w.stride_h < 1 || w.stride_w < 1) fail(i, l, "bad window");
}

void validate_join(std::size_t i, const PackedLayer& l, const std::vector<Shape>& operands) {
  const std::size_t n = operands.size();
  if (l.operand_requant.size() != n || l.operand_scales.size() != n) {
    fail(i, l, "needs one operand multiplier and scale per input (" + std::to_string(n) + ")");
  }
  for (std::size_t k = 0; k < n; ++k) {
    const fixed::Multiplier& m = l.operand_requant[k];
    if (!multiplier_ok(m)) fail(i, l, "operand multiplier " + std::to_string(k) + " out of range");
    if (std::ldexp(static_cast<double>(m.m0), m.shift - 31) > 1.0) {  // fixed_point.hpp: operands scale down
      fail(i, l, "operand multiplier " + std::to_string(k) + " exceeds 1");
    }
    if (!(l.operand_scales[k] > 0.0f)) fail(i, l, "operand scales must be > 0");
  }
  if (l.kind == OpKind::Add) {
    if (n > static_cast<std::size_t>(fixed::kMaxAddOperands)) {
      fail(i, l, "adds " + std::to_string(n) + " inputs, at most " + std::to_string(fixed::kMaxAddOperands));
    }
    if (l.requant.size() != 1 || !multiplier_ok(l.requant[0])) fail(i, l, "needs one output multiplier in range");
  }
  Layer probe;  // reuse the IR's shape rules
  probe.name = l.name;
  probe.kind = l.kind == OpKind::Add ? LayerKind::Add : LayerKind::Concat;
  if (output_shape(probe, operands) != l.out) fail(i, l, "output shape " + to_string(l.out) + " is wrong");
}

}  // namespace

const char* to_string(OpKind kind) {
  for (const auto& k : kOpNames) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

OpKind op_kind_from_string(const std::string& s) {
  for (const auto& k : kOpNames) {
    if (s == k.name) return k.kind;
  }
  throw std::invalid_argument("unknown op '" + s + "'");
}

std::int64_t PackedLayer::nonzeros_int8() const {
  std::int64_t n = 0;
  for (const auto w : weights) n += w != 0;
  return n;
}

void validate(const PackedNetwork& net) {
  if (net.input.c < 1 || net.input.h < 1 || net.input.w < 1) throw std::invalid_argument("empty input shape");
  if (net.input.size() > kMaxActivationValues) throw std::invalid_argument("input holds more than 2^28 values");
  validate(net.preprocess, net.input.c);
  if (!(net.input_scale > 0.0f)) throw std::invalid_argument("input scale must be > 0");
  if (net.activation_bits < 2 || net.activation_bits > 8 || net.weight_bits < 2 || net.weight_bits > 8) {
    throw std::invalid_argument("activation and weight widths must be in [2, 8] bits, not " +
                                std::to_string(net.activation_bits) + " and " + std::to_string(net.weight_bits));
  }
  if (net.layers.empty()) throw std::invalid_argument("network has no layers");
  const auto operand_count_ok = [](const PackedLayer& l, std::size_t n) {
    const bool join = l.kind == OpKind::Add || l.kind == OpKind::Concat;
    if (join ? n < 2 : n != 1) {
      throw std::invalid_argument("layer '" + l.name + "' (" + to_string(l.kind) + "): takes " +
                                  (join ? "two or more inputs" : "one input") + ", has " + std::to_string(n));
    }
  };
  validate_inputs(net.layers, operand_count_ok);
  if (const int dead = first_unread_layer(net.layers); dead >= 0) {
    fail(static_cast<std::size_t>(dead), net.layers[static_cast<std::size_t>(dead)], "its output is never read (a dead branch)");
  }
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const PackedLayer& l = net.layers[i];
    const std::vector<int> inputs = input_indices(net.layers, i);
    const Shape& prev = net.produced(inputs[0]);
    if (l.in.size() != prev.size()) {
      fail(i, l, "input " + to_string(l.in) + " does not match the output it reads " + to_string(prev));
    }
    if (l.in != prev && !(l.kind == OpKind::Matmul && l.in.h == 1 && l.in.w == 1)) {
      fail(i, l, "input " + to_string(l.in) + " does not match the output it reads " + to_string(prev));
    }
    if (l.out.c < 1 || l.out.h < 1 || l.out.w < 1 || l.out.size() > kMaxActivationValues) {
      fail(i, l, "output " + to_string(l.out) + " must be at least 1x1x1 and hold at most 2^28 values");
    }
    if (!(l.in_scale > 0.0f) || !(l.out_scale > 0.0f)) fail(i, l, "scales must be > 0");
    if (l.act_min > l.act_max) fail(i, l, "act_min > act_max");
    const bool clamps = l.kind == OpKind::Matmul || l.kind == OpKind::Add || l.kind == OpKind::Clamp;
    if (clamps && (l.act_min < fixed::min_of_bits(net.activation_bits) || l.act_max > fixed::max_of_bits(net.activation_bits))) {
      fail(i, l, "activation range [" + std::to_string(l.act_min) + ", " + std::to_string(l.act_max) + "] exceeds the network's " +
                     std::to_string(net.activation_bits) + "-bit activations");
    }
    if (l.kind == OpKind::Matmul) {
      for (const std::int8_t w : l.weights) {
        if (w < fixed::min_of_bits(net.weight_bits) || w > fixed::max_of_bits(net.weight_bits)) {
          fail(i, l, "weight " + std::to_string(w) + " exceeds the network's " + std::to_string(net.weight_bits) + "-bit weights");
        }
      }
    }
    const bool dilated = l.window.dilation_h != 1 || l.window.dilation_w != 1;
    if (dilated && (l.kind != OpKind::Matmul || l.window.dilation_h < 1 || l.window.dilation_w < 1 ||
                    l.window.dilation_h > 64 || l.window.dilation_w > 64)) {
      fail(i, l, "dilation must be in [1, 64], and only a convolution may be dilated");
    }
    if (l.kind == OpKind::Matmul) {
      Layer probe;  // reuse the IR's window arithmetic
      probe.name = l.name;
      probe.kind = LayerKind::MaxPool;
      probe.window = l.window;
      probe.window.kh = (l.window.kh - 1) * l.window.dilation_h + 1;  // the dilated extent
      probe.window.kw = (l.window.kw - 1) * l.window.dilation_w + 1;
      probe.window.dilation_h = probe.window.dilation_w = 1;
      const Shape expect = output_shape(probe, l.in);
      if (l.out.h != expect.h || l.out.w != expect.w || l.out.c < 1) fail(i, l, "output shape does not match the window");
      validate_matmul(i, l);
    } else if (l.kind == OpKind::Add || l.kind == OpKind::Concat) {
      std::vector<Shape> operands;
      for (const int p : inputs) operands.push_back(net.produced(p));
      validate_join(i, l, operands);
    } else {
      Layer probe;
      probe.name = l.name;
      probe.window = l.window;
      probe.shift = l.shift;
      switch (l.kind) {
        case OpKind::Shift: probe.kind = LayerKind::Shift; break;
        case OpKind::MaxPool: probe.kind = LayerKind::MaxPool; break;
        case OpKind::AvgPool: probe.kind = LayerKind::AvgPool; break;
        case OpKind::GlobalAvgPool: probe.kind = LayerKind::GlobalAvgPool; break;
        case OpKind::Flatten: probe.kind = LayerKind::Flatten; break;
        case OpKind::Pad: probe.kind = LayerKind::Pad; break;
        default: probe.kind = LayerKind::ReLU; break;
      }
      if (output_shape(probe, l.in) != l.out) fail(i, l, "output shape " + to_string(l.out) + " is wrong");
    }
  }
}

WidestGroup widest_group(const PackedNetwork& net) {
  WidestGroup widest;
  for (const auto& l : net.layers) {
    for (const auto& g : l.groups) {
      if (g.size() > widest.width) widest = {&l, g.size()};
    }
  }
  return widest;
}

}  // namespace ccsim::model
