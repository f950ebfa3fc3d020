// The structured-sparsity schemes researchers compare column combining with, each as a pruning
// step on a layer's weights plus the exact storage it needs: value bits V and index bits I
// (including per-layer tables), T = V + I. The formula of each scheme is written next to its code
// (sparsity_formats.cpp). Notation: a layer of Co x Ci x kh x kw weights, K = kh kw kernel
// positions, N = Co Ci K weights, b bits per stored value, lg(x) = ceil(log2 x) (lg(1) = 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ccsim::model {

enum class SparsityScheme {
  Dense,          // every weight stored
  Bitmap,         // unstructured, one presence bit per weight
  Csr,            // unstructured, compressed sparse rows (rows = output channels)
  NM,             // n of every m consecutive weights along the reduction dimension (2:4)
  Pcnn,           // PCNN: n non-zeros per kernel from a per-layer library of Np patterns
  Periodic,       // SPS periodic patterns: kernel (o, c) uses mask (o + c) mod P
  Ternary,        // (N, K) structured ternary coding: <= K of +-scale per N weights
  ColumnCombine,  // column combining: packed cells + multiplexer selects
};

SparsityScheme parse_sparsity_scheme(const std::string& name);  // dense, bitmap, csr, nm, pcnn, periodic, ternary, cc
std::string to_string(SparsityScheme s);

struct SparsityParams {
  int bits = 8;               // b
  int n = 2, m = 4;           // N:M
  int kernel_nonzeros = 4;    // PCNN and periodic: non-zeros kept per k x k kernel
  int patterns = 8;           // PCNN: Np
  int pcnn_vector = 8;        // PCNN on 1x1 kernels and fully connected layers: 1-D patterns over this many input channels (1..64)
  int period = 4;             // periodic: P
  int block = 8;              // ternary: N weights per block ...
  int block_nonzeros = 2;     // ... with at most K non-zeros
  bool restricted = false;    // ternary: one non-zero per half-block (the (8,2) restricted code)
  int alpha = 8;              // column combining
  double gamma = 1.75;
};

// A layer's weights, Co x Ci x kh x kw, row-major.
struct LayerWeights {
  int co = 0, ci = 0, kh = 1, kw = 1;
  std::vector<float> w;
  std::int64_t size() const { return static_cast<std::int64_t>(co) * ci * kh * kw; }
};

struct SparseLayer {
  std::vector<float> w;        // the weights the scheme keeps (same layout; pruned ones 0)
  std::int64_t nonzeros = 0;
  std::int64_t value_bits = 0;  // V
  std::int64_t index_bits = 0;  // I
  std::int64_t total_bits() const { return value_bits + index_bits; }
  std::string formula;          // V and I as evaluated, for reports
  nlohmann::json to_json() const;
};

// ceil(log2 x); 0 for x <= 1.
int lg(std::int64_t x);

// Applies the scheme's pruning to `layer` and counts its storage. Unstructured formats (bitmap,
// CSR) and dense keep the weights as given. Throws std::invalid_argument for parameters the
// scheme cannot take (e.g. PCNN/periodic with more non-zeros per kernel than positions, kernels
// over 64 positions, ternary blocks over 32 weights).
SparseLayer apply_sparsity(SparsityScheme scheme, const LayerWeights& layer, const SparsityParams& params);

}  // namespace ccsim::model
