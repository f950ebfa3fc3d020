#include "models/scheme_packing.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "models/pack.hpp"

namespace ccsim::model {
namespace {

// Keeps the ceil(density N) largest magnitudes of the layer (ties: lower index).
std::vector<float> magnitude_prune(const std::vector<float>& w, double density) {
  const auto keep = static_cast<std::size_t>(std::ceil(density * static_cast<double>(w.size())));
  std::vector<std::size_t> idx(w.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return std::fabs(w[a]) > std::fabs(w[b]); });
  std::vector<float> out(w.size(), 0.0f);
  for (std::size_t k = 0; k < std::min(keep, idx.size()); ++k) out[idx[k]] = w[idx[k]];
  return out;
}

int count_for(double density, int positions) {
  return std::clamp(static_cast<int>(std::lround(density * positions)), 1, positions);
}

// Each group of m consecutive original columns -> n packed columns selecting among the m.
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
  std::vector<std::vector<std::uint32_t>> groups;
  for (int b = 0; b < blocks; ++b) {
    std::vector<std::uint32_t> members;
    for (int k = b * m; k < std::min(K, (b + 1) * m); ++k) members.push_back(static_cast<std::uint32_t>(k));
    for (int s = 0; s < n; ++s) groups.push_back(members);
  }
  const int G = static_cast<int>(groups.size());
  std::vector<std::int8_t> weights(static_cast<std::size_t>(M) * G, 0);
  std::vector<std::uint8_t> select(weights.size(), 0);
  for (int r = 0; r < M; ++r) {
    for (int b = 0; b < blocks; ++b) {
      int slot = 0;
      for (int k = b * m; k < std::min(K, (b + 1) * m) && slot < n; ++k) {
        const std::int8_t w = dense[static_cast<std::size_t>(r) * K + k];
        if (w == 0) continue;
        const auto cell = static_cast<std::size_t>(r) * G + static_cast<std::size_t>(b) * n + slot++;
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

}  // namespace

SchemePack pack_with_scheme(Network net, const SchemeSpec& spec, const FloatTensor& calibration) {
  if (!(spec.density > 0.0 && spec.density <= 1.0)) throw std::invalid_argument("density must be in (0, 1]");
  const auto shapes = infer_shapes(net);
  SchemePack out;
  std::map<std::string, SparseLayer> formats;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    Layer& layer = net.layers[i];
    if (!layer.has_weights()) continue;
    FilterMatrix fm = filter_matrix(layer, shapes[i]);
    const int K = layer.kind == LayerKind::Conv ? layer.window.kh * layer.window.kw : 1;
    LayerWeights lw{fm.rows, fm.cols / K, layer.kind == LayerKind::Conv ? layer.window.kh : 1,
                    layer.kind == LayerKind::Conv ? layer.window.kw : 1, std::move(fm.values)};
    SparsityParams p = spec.params;
    SparsityScheme scheme = spec.scheme;
    switch (scheme) {
      case SparsityScheme::Bitmap:
      case SparsityScheme::Csr:
      case SparsityScheme::ColumnCombine:
        lw.w = magnitude_prune(lw.w, spec.density);
        break;
      case SparsityScheme::NM:
        p.n = count_for(spec.density, p.m);
        break;
      case SparsityScheme::Pcnn:
      case SparsityScheme::Periodic:
        p.kernel_nonzeros = count_for(spec.density, K);
        break;
      case SparsityScheme::Ternary:
        p.block_nonzeros = count_for(spec.density, p.block);
        p.restricted = p.restricted && p.block_nonzeros == 2;
        break;
      case SparsityScheme::Dense:
        break;
    }
    SparseLayer s = apply_sparsity(scheme, lw, p);
    fm.values = scheme == SparsityScheme::ColumnCombine ? std::move(lw.w) : std::move(s.w);
    set_filter_matrix(layer, shapes[i], fm);
    // Column combining keeps the groups a layer was trained with (the joint optimization);
    // every other scheme maps one column per array column.
    // Groups of single columns (a dense-trained layer) carry nothing to keep.
    const bool trained_groups =
        layer.column_groups && std::any_of(layer.column_groups->groups.begin(), layer.column_groups->groups.end(),
                                           [](const auto& g) { return g.size() > 1; });
    if (scheme != SparsityScheme::ColumnCombine || !trained_groups) layer.column_groups.reset();
    out.nonzeros += s.nonzeros;
    out.weights += lw.size();
    s.w.clear();  // moved out or not needed: the storage keeps bits and counts, not weights
    formats[layer.name] = std::move(s);
  }
  PackOptions options;
  options.regroup = false;
  options.timing_only = spec.timing_only;
  options.activation_bits = spec.activation_bits;
  options.weight_bits = spec.weight_bits;
  options.combine.alpha = spec.scheme == SparsityScheme::ColumnCombine ? spec.params.alpha : 1;
  options.combine.gamma = spec.params.gamma;
  // A sweep point's density and scheme apply to every weight layer, so column combining does too.
  options.scope = CombineScope::AllWeightLayers;
  out.packed = pack_network(std::move(net), options, calibration).packed;
  for (auto& l : out.packed.layers) {
    if (l.kind != OpKind::Matmul) continue;
    if (spec.scheme == SparsityScheme::NM) map_n_of_m(l, count_for(spec.density, spec.params.m), spec.params.m);
    const auto found = formats.find(l.name);
    // A layer the front end created (a standalone batch norm as a depthwise 1x1) is stored whole.
    const bool packed_form = spec.scheme == SparsityScheme::ColumnCombine || found == formats.end();
    SparseLayer s = packed_form ? packed_storage(l, l.alpha, spec.params.bits) : found->second;
    out.value_bits += s.value_bits;
    out.index_bits += s.index_bits;
    if (spec.scheme == SparsityScheme::ColumnCombine && found != formats.end()) {
      out.nonzeros -= found->second.nonzeros - s.nonzeros;  // conflict pruning removed some
    }
    s.w.clear();
    out.storage.push_back({l.name, std::move(s)});
  }
  return out;
}

}  // namespace ccsim::model
