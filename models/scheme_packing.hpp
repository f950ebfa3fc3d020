// Packs a float network under one structured-sparsity scheme at a target density, for
// side-by-side comparison on the same accelerator: every weight layer is pruned the scheme's way
// (sparsity_formats.hpp), the network goes through the one front end (pack_network), and the
// result is mapped onto the array:
// - column combining: magnitude-pruned to the density, then combined with alpha / gamma (a
//   layer that carries the column groups it was trained with keeps them);
// - the structured schemes, as "at most n weights in every m consecutive filter-matrix columns
//   of a row": each such group becomes n packed columns whose cells select among the group's m
//   inputs (a multiplexer of m, as a sparse tensor core does for N:M): N:M (n of m), ternary
//   (K of each block of N), PCNN (n of a kernel's K positions; 1 x 1 layers: of a 1-D vector of
//   pcnn_vector input channels), periodic (n of K; its 1 x 1 layers stay whole). The selects are
//   what each scheme's index decodes to (the ternary code, the PCNN pattern id, the periodic
//   slot) when the weights are loaded;
// - dense, bitmap, CSR: a weight-stationary array cannot skip unstructured zeros, so they map
//   one filter-matrix column per array column (alpha = 1); their formats differ in storage, not
//   in cycles.
// Storage per layer comes from the scheme's exact formula.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/network.hpp"
#include "models/onnx_tensor.hpp"
#include "models/pack.hpp"
#include "models/packed_network.hpp"
#include "models/sparsity_formats.hpp"

namespace ccsim::model {

struct SchemeSpec {
  SparsityScheme scheme = SparsityScheme::ColumnCombine;
  double density = 0.25;  // target fraction of non-zero weights per layer
  SparsityParams params;  // alpha, gamma, m, patterns, period, block; n-like counts follow density
  bool timing_only = false;  // no calibration (PackOptions::timing_only): for counters, not values
  int activation_bits = 8;   // PackOptions::activation_bits
  int weight_bits = 8;       // PackOptions::weight_bits
  // The weight layers the scheme prunes: every one (explore's default), or the reference's scope
  // (the first weight layer and fully connected layers stay dense, stored dense), as `ccsim train
  // --scheme` trains them.
  CombineScope scope = CombineScope::AllWeightLayers;
  // The structured schemes (N:M, PCNN, periodic, ternary) on the array's multiplexers; false: one
  // filter-matrix column per array column, their zeros kept in the array as bitmap's are (the
  // same values; for comparing a scheme on its own datapath with it on a dense array).
  bool multiplexers = true;
};

// One weight layer pruned the scheme's way at spec.density (spec.scope not applied): `w` holds
// the weights kept, in lw's layout (column combining: magnitude-pruned only, the front end
// combines them; its storage counts the conflicts combining prunes), with the storage. What
// pack_with_scheme and `ccsim train --scheme` do to each layer in scope.
SparseLayer scheme_prune(LayerWeights lw, const SchemeSpec& spec);

// A weight layer's filter matrix (filter_matrix(layer, in)) as the Co x Ci x kh x kw weights the
// schemes prune (fully connected: kh = kw = 1): what packing and `train --scheme` hand scheme_prune.
inline LayerWeights scheme_weights(const Layer& layer, FilterMatrix m) {
  const bool conv = layer.kind == LayerKind::Conv;
  const int kh = conv ? layer.window.kh : 1;
  const int kw = conv ? layer.window.kw : 1;
  return LayerWeights{m.rows, m.cols / (kh * kw), kh, kw, std::move(m.values)};
}

// Names of the weight layers a scheme prunes in `scope`, decided on the network as the front end
// folds it (as pack_network decides it: a standalone batch norm before the first convolution
// becomes the first weight layer there). What pack_with_scheme and `ccsim train --scheme` prune.
std::set<std::string> scheme_scope(const Network& net, CombineScope scope);

// The count a density keeps of `positions` (N:M's n of m, PCNN's and periodic's per kernel,
// ternary's per block): round(density x positions), at least 1.
int scheme_count_for(double density, int positions);

struct SchemeLayerStorage {
  std::string layer;
  SparseLayer storage;  // value and index bits (weights not kept)
};

struct SchemePack {
  PackedNetwork packed;
  std::vector<SchemeLayerStorage> storage;  // one per weight layer
  std::int64_t nonzeros = 0;                // after the scheme's pruning (float)
  std::int64_t weights = 0;
  std::int64_t value_bits = 0;
  std::int64_t index_bits = 0;
};

// Every weight layer's storage under the scheme at spec.density, pruned as pack_with_scheme
// prunes, without packing (no calibration, quantization or mapping): what a storage comparison
// of formats needs. Column combining groups each layer afresh (trained groups are not kept).
struct SchemeStorage {
  std::vector<SchemeLayerStorage> layers;  // one per weight layer, in network order
  std::int64_t weights = 0;
  std::int64_t nonzeros = 0;
  std::int64_t value_bits = 0;
  std::int64_t index_bits = 0;
};
SchemeStorage scheme_storage(Network net, const SchemeSpec& spec);

// Throws std::invalid_argument for a density outside (0, 1] or parameters the scheme rejects.
SchemePack pack_with_scheme(Network net, const SchemeSpec& spec, const FloatTensor& calibration);

}  // namespace ccsim::model
