#include "models/scheme_packing.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "models/pack.hpp"

namespace ccsim::model {
namespace {

// Keeps the ceil(density N) largest magnitudes of the layer (ties: lower index), in O(N): the
// keep-th largest magnitude is the threshold; everything above it stays, and of the weights at
// it the lowest-indexed fill what is left (what a stable sort by magnitude would keep).
std::vector<float> magnitude_prune(const std::vector<float>& w, double density) {
  const auto keep = std::min(w.size(), static_cast<std::size_t>(std::ceil(density * static_cast<double>(w.size()))));
  std::vector<float> out(w.size(), 0.0f);
  if (keep == 0) return out;
  std::vector<float> magnitude(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) magnitude[i] = std::fabs(w[i]);
  std::nth_element(magnitude.begin(), magnitude.begin() + static_cast<std::ptrdiff_t>(keep - 1), magnitude.end(),
                   std::greater<float>());
  const float threshold = magnitude[keep - 1];
  std::size_t above = 0;
  for (const float v : w) above += std::fabs(v) > threshold;
  std::size_t at_threshold = keep - above;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float m = std::fabs(w[i]);
    if (m > threshold) {
      out[i] = w[i];
    } else if (m == threshold && at_threshold > 0) {
      out[i] = w[i];
      --at_threshold;
    }
  }
  return out;
}

// Each group of m consecutive original columns -> up to n packed columns selecting among the m:
// as many as the most weights a row keeps in that group (an empty group, or a short last one,
// takes fewer; a packed column no row uses is not mapped, as packing drops all-zero columns). A
// row holding more than n weights in a group is a bug of the pruning that made it
// (std::logic_error): nothing is dropped.
void map_n_of_m(PackedLayer& l, int n, int m) {
  const int K = l.cols();
  const int M = l.rows();
  std::vector<std::int8_t> dense(static_cast<std::size_t>(M) * K, 0);  // int8 filter matrix
  for (int r = 0; r < M; ++r) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      const auto cell = l.cell(r, g);
      if (l.weights[cell] != 0) dense[static_cast<std::size_t>(r) * K + l.groups[g][l.select[cell]]] = l.weights[cell];
    }
  }
  const int blocks = (K + m - 1) / m;
  const auto last_of = [&](int b) { return std::min(K, (b + 1) * m); };  // one past the group's last column
  std::vector<std::vector<std::uint32_t>> groups;
  std::vector<int> first_group(static_cast<std::size_t>(blocks), 0);  // packed column of each group's first slot
  for (int b = 0; b < blocks; ++b) {
    int width = 0;
    for (int r = 0; r < M; ++r) {
      const auto row = dense.begin() + static_cast<std::ptrdiff_t>(r) * K;
      const int kept = static_cast<int>(std::count_if(row + b * m, row + last_of(b), [](std::int8_t w) { return w != 0; }));
      if (kept > n) {
        throw std::logic_error("layer '" + l.name + "' row " + std::to_string(r) + " holds " + std::to_string(kept) +
                               " weights in columns " + std::to_string(b * m) + " to " + std::to_string(last_of(b) - 1) +
                               ": not an " + std::to_string(n) + "-of-" + std::to_string(m) + " layer");
      }
      width = std::max(width, kept);
    }
    std::vector<std::uint32_t> members;
    for (int k = b * m; k < last_of(b); ++k) members.push_back(static_cast<std::uint32_t>(k));
    first_group[static_cast<std::size_t>(b)] = static_cast<int>(groups.size());
    for (int s = 0; s < width; ++s) groups.push_back(members);
  }
  const int G = static_cast<int>(groups.size());
  std::vector<std::int8_t> weights(static_cast<std::size_t>(M) * G, 0);
  std::vector<std::uint8_t> select(weights.size(), 0);
  for (int r = 0; r < M; ++r) {
    for (int b = 0; b < blocks; ++b) {
      int slot = 0;
      for (int k = b * m; k < last_of(b); ++k) {
        const std::int8_t w = dense[static_cast<std::size_t>(r) * K + k];
        if (w == 0) continue;
        const auto cell = static_cast<std::size_t>(r) * G + static_cast<std::size_t>(first_group[static_cast<std::size_t>(b)] + slot++);
        weights[cell] = w;
        select[cell] = static_cast<std::uint8_t>(k - b * m);
      }
    }
  }
  l.groups = std::move(groups);
  l.weights = std::move(weights);
  l.select = std::move(select);
  l.alpha = m;
}

// The widest multiplexer an array cell can have (hw::ArrayConfig::alpha_max).
constexpr int kWidestMultiplexer = 32;

// A structured scheme's pattern as "at most n weights in every m consecutive filter-matrix
// columns of a row", which the array's multiplexers exploit as they do N:M's (hw/README.md,
// "Structured schemes on the array"): N:M's n of m; ternary's K of each block of N; PCNN's n of
// a kernel's K positions (1 x 1 layers: of a 1-D vector of pcnn_vector input channels);
// periodic's n of K. Empty (one column per array column) for the unstructured schemes, a group
// wider than a cell's multiplexer can be, and, except for N:M (whose cells always select), n >
// m / 2: every cell of a packed column selects among all m inputs, so the feeder reads m values
// per packed column and pixel; mapping multiplies activation-buffer reads by n and divides the
// columns by m / n, which pays only when the columns at least halve (a layer the scheme keeps
// whole, periodic's 1 x 1, is the case n = m).
struct NOfM {
  int n = 0, m = 0;
};
std::optional<NOfM> structure_on_array(const SchemeSpec& spec, const PackedLayer& l) {
  const int K = l.window.kh * l.window.kw;
  NOfM s;
  switch (spec.scheme) {
    case SparsityScheme::NM:
      return NOfM{scheme_count_for(spec.density, spec.params.m), spec.params.m};
    case SparsityScheme::Ternary:
      s.m = spec.params.block;
      break;
    case SparsityScheme::Pcnn:
      s.m = K == 1 ? spec.params.pcnn_vector : K;
      break;
    case SparsityScheme::Periodic:
      s.m = K;
      break;
    default:
      return std::nullopt;
  }
  s.n = scheme_count_for(spec.density, s.m);
  if (2 * s.n > s.m || s.m > kWidestMultiplexer) return std::nullopt;
  return s;
}

// Storage of a column-combined layer from its packed form: V = M G b,
// I = M G lg(alpha) + members lg(K).
SparseLayer packed_storage(const PackedLayer& l, int alpha, int bits) {
  SparseLayer s;
  const std::int64_t cells = static_cast<std::int64_t>(l.rows()) * l.packed_cols();
  std::int64_t members = 0;
  for (const auto& g : l.groups) members += static_cast<std::int64_t>(g.size());
  s.nonzeros = std::count_if(l.weights.begin(), l.weights.end(), [](std::int8_t w) { return w != 0; });
  s.value_bits = cells * bits;
  s.index_bits = cells * lg(alpha) + members * lg(l.cols());
  s.formula = "V = M G b, I = M G lg(alpha) + members lg(Ci K)";
  return s;
}

void check_density(double density) {
  if (!(density > 0.0 && density <= 1.0)) throw std::invalid_argument("density must be in (0, 1]");
}

// Weight layer `layer`'s filter matrix pruned the scheme's way at spec.density, in place, and its
// storage; `weights` gets the layer's weight count (Co Ci K). A layer outside spec.scope stays
// as it is, stored dense.
SparseLayer prune_for_scheme(bool in_scope, const Shape& in, const SchemeSpec& spec, std::int64_t& weights, Layer& layer) {
  FilterMatrix fm = filter_matrix(layer, in);
  const LayerWeights lw = scheme_weights(layer, std::move(fm));  // fm keeps its rows and cols
  weights = lw.size();
  if (!in_scope) {
    SparseLayer s = apply_sparsity(SparsityScheme::Dense, lw, spec.params);
    s.w.clear();
    return s;
  }
  SparseLayer s = scheme_prune(lw, spec);
  fm.values = std::move(s.w);
  set_filter_matrix(layer, in, fm);
  s.w.clear();  // moved out: the storage keeps bits and counts, not weights
  return s;
}

}  // namespace

std::set<std::string> scheme_scope(const Network& net, CombineScope scope) {
  std::set<std::string> names;
  Network folded = net;
  fold_batch_norm(folded);
  for (std::size_t i = 0; i < folded.layers.size(); ++i) {
    if (in_combine_scope(folded, i, scope)) names.insert(folded.layers[i].name);
  }
  return names;
}

int scheme_count_for(double density, int positions) {
  return std::clamp(static_cast<int>(std::lround(density * positions)), 1, positions);
}

SparseLayer scheme_prune(LayerWeights lw, const SchemeSpec& spec) {
  check_density(spec.density);
  const int K = lw.kh * lw.kw;
  SparsityParams p = spec.params;
  switch (spec.scheme) {
    case SparsityScheme::Bitmap:
    case SparsityScheme::Csr:
    case SparsityScheme::ColumnCombine:
      lw.w = magnitude_prune(lw.w, spec.density);
      break;
    case SparsityScheme::NM:
      p.n = scheme_count_for(spec.density, p.m);
      break;
    case SparsityScheme::Pcnn:  // 1 x 1 kernels: 1-D patterns over pcnn_vector input channels
      p.kernel_nonzeros = scheme_count_for(spec.density, K == 1 ? p.pcnn_vector : K);
      break;
    case SparsityScheme::Periodic:  // 1 x 1 kernels keep their weight (SPS patterns are k x k)
      p.kernel_nonzeros = scheme_count_for(spec.density, K);
      break;
    case SparsityScheme::Ternary:
      p.block_nonzeros = scheme_count_for(spec.density, p.block);
      p.restricted = p.restricted && p.block_nonzeros == 2;
      break;
    case SparsityScheme::Dense:
      break;
  }
  SparseLayer s = apply_sparsity(spec.scheme, lw, p);
  // Column combining: the front end combines the magnitude-pruned weights; the storage counts the
  // conflict pruning combining adds.
  if (spec.scheme == SparsityScheme::ColumnCombine) s.w = std::move(lw.w);
  return s;
}

SchemeStorage scheme_storage(Network net, const SchemeSpec& spec) {
  check_density(spec.density);
  const auto shapes = infer_shapes(net);
  SchemeStorage out;
  const std::set<std::string> scope = scheme_scope(net, spec.scope);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    Layer& layer = net.layers[i];
    if (!layer.has_weights()) continue;
    std::int64_t weights = 0;
    SparseLayer s = prune_for_scheme(scope.count(layer.name) > 0, shapes[i], spec, weights, layer);
    out.weights += weights;
    out.nonzeros += s.nonzeros;
    out.value_bits += s.value_bits;
    out.index_bits += s.index_bits;
    out.layers.push_back({layer.name, std::move(s)});
  }
  return out;
}

SchemePack pack_with_scheme(Network net, const SchemeSpec& spec, const FloatTensor& calibration) {
  check_density(spec.density);
  const auto shapes = infer_shapes(net);
  SchemePack out;
  std::map<std::string, SparseLayer> formats;
  const std::set<std::string> scope = scheme_scope(net, spec.scope);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    Layer& layer = net.layers[i];
    if (!layer.has_weights()) continue;
    const bool in_scope = scope.count(layer.name) > 0;
    std::int64_t weights = 0;
    SparseLayer s = prune_for_scheme(in_scope, shapes[i], spec, weights, layer);
    // Column combining keeps the groups a layer was trained with (the joint optimization);
    // every other scheme maps one column per array column.
    // Groups of single columns (a dense-trained layer) carry nothing to keep.
    const bool trained_groups =
        layer.column_groups && std::any_of(layer.column_groups->groups.begin(), layer.column_groups->groups.end(),
                                           [](const auto& g) { return g.size() > 1; });
    // A layer outside the scope stays dense: no groups (pack_network would keep carried ones).
    if (spec.scheme != SparsityScheme::ColumnCombine || !trained_groups || !in_scope) layer.column_groups.reset();
    out.nonzeros += s.nonzeros;
    out.weights += weights;
    formats[layer.name] = std::move(s);
  }
  PackOptions options;
  options.regroup = false;
  options.timing_only = spec.timing_only;
  options.activation_bits = spec.activation_bits;
  options.weight_bits = spec.weight_bits;
  options.combine.alpha = spec.scheme == SparsityScheme::ColumnCombine ? spec.params.alpha : 1;
  options.combine.gamma = spec.params.gamma;
  // A point's scheme, density and alpha apply to every weight layer in its scope, so column
  // combining does too.
  options.scope = spec.scope;
  out.packed = pack_network(std::move(net), options, calibration).packed;
  for (auto& l : out.packed.layers) {
    if (l.kind != OpKind::Matmul) continue;
    const auto found = formats.find(l.name);
    // Decided on the folded network, which also holds the layers the front end created.
    const bool in_scope = scope.count(l.name) > 0;
    if (spec.multiplexers && in_scope && found != formats.end()) {
      if (const auto structure = structure_on_array(spec, l)) map_n_of_m(l, structure->n, structure->m);
    }
    // A layer the front end created is stored whole, as packed.
    const bool packed_form = (spec.scheme == SparsityScheme::ColumnCombine && in_scope) || found == formats.end();
    SparseLayer s = packed_form ? packed_storage(l, l.alpha, spec.params.bits) : found->second;
    out.value_bits += s.value_bits;
    out.index_bits += s.index_bits;
    if (spec.scheme == SparsityScheme::ColumnCombine && found != formats.end() && in_scope) {
      out.nonzeros -= found->second.nonzeros - s.nonzeros;  // conflict pruning removed some
    }
    s.w.clear();
    out.storage.push_back({l.name, std::move(s)});
  }
  return out;
}

}  // namespace ccsim::model
