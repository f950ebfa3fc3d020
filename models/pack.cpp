#include "models/pack.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include <tbb/parallel_for.h>

#include "models/float_reference.hpp"

namespace ccsim::model {
namespace {

[[noreturn]] void fail(const Layer& l, const std::string& what) {
  throw std::invalid_argument("layer '" + l.name + "': " + what);
}

std::int32_t quantize_bias(double value, const Layer& l) {
  const double q = std::round(value);
  if (!(std::fabs(q) <= static_cast<double>(std::numeric_limits<std::int32_t>::max()))) {
    fail(l, "bias does not fit int32 at the chosen scales");
  }
  return static_cast<std::int32_t>(q);
}

// The output range of a layer: every `bits`-bit value, narrowed by a ReLU / ReLU6 that runs in
// its output stage (any other kind: none).
void set_output_range(PackedLayer& p, LayerKind activation, int bits) {
  p.act_min = static_cast<std::int8_t>(fixed::min_of_bits(bits));
  p.act_max = static_cast<std::int8_t>(fixed::max_of_bits(bits));
  if (activation == LayerKind::ReLU) {
    p.act_min = 0;
  } else if (activation == LayerKind::ReLU6) {
    p.act_min = 0;
    p.act_max = static_cast<std::int8_t>(std::min(static_cast<float>(p.act_max), std::round(6.0f / p.out_scale)));
  }
}

// Builds the Matmul layer of a (pruned) weight layer, with the activation that follows fused.
PackedLayer make_matmul(const Layer& layer, const Shape& in, const Shape& out, const CombinedMatrix& combined,
                        const CombineOptions& opt, float in_scale, float out_scale, LayerKind activation,
                        const PackOptions& widths) {
  PackedLayer p;
  p.name = layer.name;
  p.kind = OpKind::Matmul;
  p.out = out;
  if (layer.kind == LayerKind::Linear) {
    p.in = {static_cast<int>(in.size()), 1, 1};
  } else {
    p.in = in;
    p.window = layer.window;
  }
  p.alpha = opt.alpha;
  p.gamma = opt.gamma;
  p.section = opt.section;
  p.max_overlap = combined.max_overlap;
  p.groups = combined.groups;
  p.select = combined.select;
  p.nonzeros_before = combined.nonzeros_before;
  p.nonzeros_after = combined.nonzeros_after;
  p.in_scale = in_scale;
  p.out_scale = out_scale;
  set_output_range(p, activation, widths.activation_bits);

  const int rows = combined.rows;
  const int groups = combined.packed_cols();
  p.weights.assign(combined.packed.size(), 0);
  for (int r = 0; r < rows; ++r) {
    float absmax = 0.0f;
    for (int g = 0; g < groups; ++g) absmax = std::max(absmax, std::fabs(combined.packed[r * groups + g]));
    const float w_scale = symmetric_scale(absmax, widths.weight_bits);
    for (int g = 0; g < groups; ++g) {
      p.weights[r * groups + g] = fixed::quantize_value(combined.packed[r * groups + g], w_scale, widths.weight_bits);
    }
    p.weight_scale.push_back(w_scale);
    const double acc_scale = static_cast<double>(in_scale) * w_scale;
    p.bias.push_back(layer.bias.empty() ? 0 : quantize_bias(layer.bias[r] / acc_scale, layer));
    p.requant.push_back(fixed::quantize_multiplier(acc_scale / out_scale));
  }
  return p;
}

PackedLayer make_simple(const Layer& layer, OpKind kind, const Shape& in, const Shape& out, float scale) {
  PackedLayer p;
  p.name = layer.name;
  p.kind = kind;
  p.in = in;
  p.out = out;
  p.window = layer.window;
  p.count_include_pad = layer.count_include_pad;
  p.shift = layer.shift;
  p.in_scale = scale;
  p.out_scale = scale;
  return p;
}

// Layers without weights that keep the activation scale.
OpKind data_movement_op(LayerKind k) {
  switch (k) {
    case LayerKind::Shift: return OpKind::Shift;
    case LayerKind::MaxPool: return OpKind::MaxPool;
    case LayerKind::AvgPool: return OpKind::AvgPool;
    case LayerKind::GlobalAvgPool: return OpKind::GlobalAvgPool;
    case LayerKind::Flatten: return OpKind::Flatten;
    case LayerKind::Pad: return OpKind::Pad;
    default: throw std::logic_error("not a data-movement layer");
  }
}

bool is_activation(LayerKind k) { return k == LayerKind::ReLU || k == LayerKind::ReLU6; }

// Carried groups made with other options than the asked ones (gamma does not matter at alpha 1).
void refuse_stale_groups(const Layer& layer, const CombineOptions& asked) {
  const ColumnGroups& g = *layer.column_groups;
  if (g.alpha == asked.alpha && (g.alpha == 1 || g.gamma == asked.gamma)) return;
  std::ostringstream os;
  os << "carries column groups from training made at alpha " << g.alpha << ", gamma " << g.gamma << ", but alpha "
     << asked.alpha << ", gamma " << asked.gamma
     << " was asked: pass --regroup to regroup it, --layer " << layer.name
     << ":alpha=A,gamma=G for this layer alone, or leave --alpha/--gamma out to keep the trained groups";
  fail(layer, os.str());
}

}  // namespace

bool in_combine_scope(const Network& net, std::size_t layer_index, CombineScope scope) {
  const Layer& layer = net.layers.at(layer_index);
  if (!layer.has_weights()) return false;
  if (scope == CombineScope::AllWeightLayers) return true;
  const bool first_weight_layer = std::none_of(net.layers.begin(), net.layers.begin() + static_cast<std::ptrdiff_t>(layer_index),
                                               [](const Layer& l) { return l.has_weights(); });
  return layer.kind == LayerKind::Conv && !first_weight_layer;
}

bool fuses_activation(const Network& folded, const std::vector<int>& readers, std::size_t i) {
  const Layer& layer = folded.layers.at(i);
  return (layer.has_weights() || layer.kind == LayerKind::Add) && i + 1 < folded.layers.size() &&
         is_activation(folded.layers[i + 1].kind) && only_read_by_next(folded.layers, readers, i);
}

float symmetric_scale(float absmax, int bits) {
  return absmax > 0.0f ? absmax / static_cast<float>(fixed::max_of_bits(bits)) : 1.0f;
}

PackResult pack_network(Network net, const PackOptions& options, const FloatTensor& calibration) {
  if (options.activation_bits < 2 || options.activation_bits > 8 || options.weight_bits < 2 || options.weight_bits > 8) {
    throw std::invalid_argument("activation and weight widths must be in [2, 8] bits, not " +
                                std::to_string(options.activation_bits) + " and " + std::to_string(options.weight_bits));
  }
  PackResult result;
  result.pruned = std::move(net);
  Network& pruned = result.pruned;
  fold_batch_norm(pruned);
  auto shapes = infer_shapes(pruned);

  std::set<std::string> unused;
  for (const auto& [name, opt] : options.per_layer) unused.insert(name);
  std::vector<CombinedMatrix> combined(pruned.layers.size());
  std::vector<CombineOptions> used_options(pruned.layers.size());
  std::vector<char> keep(pruned.layers.size(), 0);  // the layer keeps the groups it carries
  for (std::size_t i = 0; i < pruned.layers.size(); ++i) {
    Layer& layer = pruned.layers[i];
    if (!layer.has_weights()) continue;
    const auto it = options.per_layer.find(layer.name);
    const bool keep_groups = it == options.per_layer.end() && !options.regroup && layer.column_groups.has_value();
    const bool in_scope = in_combine_scope(pruned, i, options.scope);
    const CombineOptions global = in_scope ? options.combine : CombineOptions{1, options.combine.gamma, 0};
    if (keep_groups) {
      // Only layers the asked options reach can contradict them.
      if (options.combine_given && in_scope) refuse_stale_groups(layer, options.combine);
      used_options[i] = {layer.column_groups->alpha, layer.column_groups->gamma, 0};
    } else {
      used_options[i] = it == options.per_layer.end() ? global : it->second;
      if (used_options[i].alpha > 1) result.combined_untrained.push_back(layer.name);
      if (!in_scope && it == options.per_layer.end()) result.kept_dense_by_scope.push_back(layer.name);
    }
    unused.erase(layer.name);
    keep[i] = keep_groups;
  }
  if (!unused.empty()) {
    throw std::invalid_argument("per-layer option names no weight layer: '" + *unused.begin() + "'");
  }
  // Combining is independent per layer: layers in parallel (oneTBB; the caller's global_control
  // limits the threads). Results do not depend on the order; the first failing layer is reported.
  std::vector<std::exception_ptr> errors(pruned.layers.size());
  const auto combine_layer = [&](std::size_t i) {
    Layer& layer = pruned.layers[i];
    if (!layer.has_weights()) return;
    try {
      FilterMatrix m = filter_matrix(layer, shapes[i]);
      try {
        combined[i] = keep[i] ? combine_with_groups(m.values, m.rows, m.cols, layer.column_groups->groups, used_options[i])
                              : combine_columns(m.values, m.rows, m.cols, used_options[i]);
      } catch (const std::invalid_argument& e) {
        fail(layer, e.what());
      }
      m.values = std::move(combined[i].pruned);
      combined[i].pruned.clear();  // moved out: make_matmul reads packed / select / groups only
      set_filter_matrix(layer, shapes[i], m);
      layer.column_groups = ColumnGroups{used_options[i].alpha, used_options[i].gamma, combined[i].groups};
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  const auto weight_layers = std::count_if(pruned.layers.begin(), pruned.layers.end(), [](const Layer& l) { return l.has_weights(); });
  if (weight_layers > 1) {
    tbb::parallel_for(std::size_t{0}, pruned.layers.size(), combine_layer);
  } else {  // nothing to share out: no thread pool started for it
    for (std::size_t i = 0; i < pruned.layers.size(); ++i) combine_layer(i);
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }

  // Calibrate on the pruned float network: scales are those of the network that is deployed.
  FloatRun calib;
  if (options.timing_only) {
    calib.input_absmax = 1.0f;
    calib.layer_absmax.assign(pruned.layers.size(), 1.0f);
  } else {
    calib = run_float(pruned, calibration);
  }

  PackedNetwork& out = result.packed;
  out.name = pruned.name;
  out.input = pruned.input;
  out.preprocess = pruned.preprocess;
  const int abits = options.activation_bits;
  out.activation_bits = abits;
  out.weight_bits = options.weight_bits;
  out.input_scale = symmetric_scale(calib.input_absmax, abits);
  const std::vector<Shape> outputs = output_shapes(pruned);
  const std::vector<int> readers = reader_counts(pruned.layers);
  const std::vector<std::vector<int>> old_inputs = all_input_indices(pruned.layers);
  std::vector<std::size_t> origin;                         // packed layer -> IR layer it starts at
  std::vector<int> new_of_old(pruned.layers.size(), -1);   // IR layer -> packed layer producing its value
  const auto scale_of = [&](int p) { return p < 0 ? out.input_scale : out.layers[static_cast<std::size_t>(new_of_old[p])].out_scale; };
  const auto emit = [&](PackedLayer layer, std::size_t first, std::size_t last) {
    for (std::size_t k = first; k <= last; ++k) new_of_old[k] = static_cast<int>(out.layers.size());
    origin.push_back(first);
    out.layers.push_back(std::move(layer));
  };
  for (std::size_t i = 0; i < pruned.layers.size(); ++i) {
    const Layer& layer = pruned.layers[i];
    const Shape& in = produced_shape(pruned, outputs, old_inputs[i][0]);
    const float scale = scale_of(old_inputs[i][0]);
    // A ReLU / ReLU6 that is the only reader of this layer's output runs in its output stage.
    const bool fuse = fuses_activation(pruned, readers, i);
    const std::size_t last = fuse ? i + 1 : i;  // the tensor this layer produces
    const LayerKind activation = fuse ? pruned.layers[i + 1].kind : LayerKind::Conv;
    switch (layer.kind) {
      case LayerKind::Conv:
      case LayerKind::Linear: {
        const float out_scale = symmetric_scale(calib.layer_absmax[last], abits);
        emit(make_matmul(layer, in, outputs[last], combined[i], used_options[i], scale, out_scale, activation, options), i,
             last);
        break;
      }
      case LayerKind::Add: {
        PackedLayer p = make_simple(layer, OpKind::Add, in, outputs[last], scale);
        p.out_scale = symmetric_scale(calib.layer_absmax[last], abits);
        for (const int k : old_inputs[i]) p.operand_scales.push_back(scale_of(k));
        const double largest = *std::max_element(p.operand_scales.begin(), p.operand_scales.end());
        for (const float s_k : p.operand_scales) p.operand_requant.push_back(fixed::quantize_multiplier(s_k / (2.0 * largest)));
        p.requant = {fixed::quantize_multiplier(2.0 * largest / (std::ldexp(1.0, fixed::kAddLeftShift) * p.out_scale))};
        set_output_range(p, activation, abits);
        emit(std::move(p), i, last);
        break;
      }
      case LayerKind::Concat: {
        PackedLayer p = make_simple(layer, OpKind::Concat, in, outputs[i], scale);
        for (const int k : old_inputs[i]) p.operand_scales.push_back(scale_of(k));
        p.out_scale = *std::max_element(p.operand_scales.begin(), p.operand_scales.end());  // no operand saturates
        for (const float s_k : p.operand_scales) p.operand_requant.push_back(fixed::quantize_multiplier(s_k / p.out_scale));
        emit(std::move(p), i, i);
        break;
      }
      case LayerKind::ReLU:
      case LayerKind::ReLU6: {
        PackedLayer p = make_simple(layer, OpKind::Clamp, in, outputs[i], scale);
        set_output_range(p, layer.kind, abits);
        emit(std::move(p), i, i);
        break;
      }
      case LayerKind::Shift:
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
      case LayerKind::GlobalAvgPool:
      case LayerKind::Flatten:
      case LayerKind::Pad:
        emit(make_simple(layer, data_movement_op(layer.kind), in, outputs[i], scale), i, i);
        break;
      case LayerKind::BatchNorm:
        fail(layer, "batch norm left after folding");
    }
    i = last;
  }
  renumber_inputs(out.layers, old_inputs, origin, new_of_old);
  validate(out);
  return result;
}

}  // namespace ccsim::model
