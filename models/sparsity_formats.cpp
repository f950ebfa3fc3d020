#include "models/sparsity_formats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

#include "models/column_combine.hpp"

namespace ccsim::model {
namespace {

std::int64_t count_nonzeros(const std::vector<float>& w) {
  return std::count_if(w.begin(), w.end(), [](float v) { return v != 0.0f; });
}

// Indices of the `keep` largest-magnitude entries of w[first + k * stride], k < len (ties: lower k).
std::vector<int> top_magnitude(const std::vector<float>& w, std::int64_t first, std::int64_t stride, int len, int keep) {
  std::vector<int> idx(len);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
    return std::fabs(w[first + a * stride]) > std::fabs(w[first + b * stride]);
  });
  idx.resize(std::min(keep, len));
  std::sort(idx.begin(), idx.end());
  return idx;
}

std::string str(std::int64_t v) { return std::to_string(v); }

// Dense: V = N b, I = 0.
SparseLayer dense(const LayerWeights& l, const SparsityParams& p) {
  SparseLayer s;
  s.w = l.w;
  s.nonzeros = count_nonzeros(l.w);
  s.value_bits = l.size() * p.bits;
  s.formula = "V = N b = " + str(l.size()) + " x " + str(p.bits) + ", I = 0";
  return s;
}

// Bitmap: V = nnz b, I = N (one presence bit per weight).
SparseLayer bitmap(const LayerWeights& l, const SparsityParams& p) {
  SparseLayer s;
  s.w = l.w;
  s.nonzeros = count_nonzeros(l.w);
  s.value_bits = s.nonzeros * p.bits;
  s.index_bits = l.size();
  s.formula = "V = nnz b, I = N = " + str(l.size());
  return s;
}

// CSR over rows = output channels: V = nnz b, I = nnz lg(Ci K) + (Co + 1) lg(nnz + 1).
SparseLayer csr(const LayerWeights& l, const SparsityParams& p) {
  SparseLayer s;
  s.w = l.w;
  s.nonzeros = count_nonzeros(l.w);
  const std::int64_t cols = static_cast<std::int64_t>(l.ci) * l.kh * l.kw;
  s.value_bits = s.nonzeros * p.bits;
  s.index_bits = s.nonzeros * lg(cols) + (l.co + 1) * static_cast<std::int64_t>(lg(s.nonzeros + 1));
  s.formula = "V = nnz b, I = nnz lg(Ci K) + (Co + 1) lg(nnz + 1) = " + str(s.nonzeros) + " x " + str(lg(cols)) +
              " + " + str(l.co + 1) + " x " + str(lg(s.nonzeros + 1));
  return s;
}

// N:M along the reduction dimension (Ci K per output channel, zero-padded to a multiple of m):
// the n largest-magnitude of every m are kept. V = Co ceil(Ci K / m) n b (n slots per group,
// stored even when zero), I = Co ceil(Ci K / m) n lg(m).
SparseLayer nm(const LayerWeights& l, const SparsityParams& p) {
  if (p.n < 1 || p.m < p.n) throw std::invalid_argument("N:M needs 1 <= n <= m");
  SparseLayer s;
  s.w.assign(l.w.size(), 0.0f);
  const std::int64_t cols = static_cast<std::int64_t>(l.ci) * l.kh * l.kw;
  const std::int64_t groups = (cols + p.m - 1) / p.m;
  for (int o = 0; o < l.co; ++o) {
    for (std::int64_t g = 0; g < groups; ++g) {
      const std::int64_t first = o * cols + g * p.m;
      const int len = static_cast<int>(std::min<std::int64_t>(p.m, cols - g * p.m));
      for (int k : top_magnitude(l.w, first, 1, len, p.n)) s.w[first + k] = l.w[first + k];
    }
  }
  s.nonzeros = count_nonzeros(s.w);
  const std::int64_t slots = static_cast<std::int64_t>(l.co) * groups * p.n;
  s.value_bits = slots * p.bits;
  s.index_bits = slots * lg(p.m);
  s.formula = "V = Co ceil(CiK/m) n b, I = Co ceil(CiK/m) n lg(m) = " + str(slots) + " x " + str(lg(p.m));
  return s;
}

using Mask = std::uint64_t;  // one bit per kernel position (K <= 64: up to 8 x 8 kernels)

// Mask of the `keep` largest-magnitude positions of kernel (o, c).
Mask kernel_top_mask(const LayerWeights& l, std::int64_t kernel, int keep) {
  const int K = l.kh * l.kw;
  Mask m = 0;
  for (int k : top_magnitude(l.w, kernel * K, 1, K, keep)) m |= Mask{1} << k;
  return m;
}

double kept_energy(const LayerWeights& l, std::int64_t kernel, Mask m) {
  const int K = l.kh * l.kw;
  double e = 0;
  for (int k = 0; k < K; ++k) {
    if (m >> k & 1u) e += static_cast<double>(l.w[kernel * K + k]) * l.w[kernel * K + k];
  }
  return e;
}

void check_kernel_scheme(const LayerWeights& l, int keep, const char* name) {
  const int K = l.kh * l.kw;
  if (K > 64) throw std::invalid_argument(std::string(name) + ": kernels larger than 64 positions");
  if (keep < 1 || keep > K) {
    throw std::invalid_argument(std::string(name) + ": " + std::to_string(keep) + " non-zeros per kernel of " +
                                std::to_string(K) + " positions");
  }
}

// PCNN: each kernel's top-n mask is counted; the Np most frequent masks (ties: smaller mask
// value) form the layer's library; each kernel takes the library pattern keeping the most L2
// energy. V = Co Ci n b, I = Co Ci lg(Np) + Np K (pattern ids + the library).
SparseLayer pcnn_kernels(const LayerWeights& l, const SparsityParams& p) {
  check_kernel_scheme(l, p.kernel_nonzeros, "PCNN");
  if (p.patterns < 1) throw std::invalid_argument("PCNN needs at least one pattern");
  const int K = l.kh * l.kw;
  const std::int64_t kernels = static_cast<std::int64_t>(l.co) * l.ci;
  std::map<Mask, std::int64_t> frequency;
  for (std::int64_t k = 0; k < kernels; ++k) ++frequency[kernel_top_mask(l, k, p.kernel_nonzeros)];
  std::vector<std::pair<Mask, std::int64_t>> ranked(frequency.begin(), frequency.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  ranked.resize(std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(p.patterns)));
  SparseLayer s;
  s.w.assign(l.w.size(), 0.0f);
  for (std::int64_t k = 0; k < kernels; ++k) {
    Mask best = ranked.front().first;
    for (const auto& [m, f] : ranked) {
      if (kept_energy(l, k, m) > kept_energy(l, k, best)) best = m;
    }
    for (int i = 0; i < K; ++i) {
      if (best >> i & 1u) s.w[k * K + i] = l.w[k * K + i];
    }
  }
  s.nonzeros = count_nonzeros(s.w);
  s.value_bits = kernels * p.kernel_nonzeros * p.bits;
  s.index_bits = kernels * lg(p.patterns) + static_cast<std::int64_t>(p.patterns) * K;
  s.formula = "V = Co Ci n b, I = Co Ci lg(Np) + Np K = " + str(kernels) + " x " + str(lg(p.patterns)) + " + " +
              str(p.patterns) + " x " + str(K);
  return s;
}


// PCNN on 1 x 1 kernels (pointwise and fully connected layers), the paper's 1-D patterns: each
// output channel's input channels are cut into vectors of L = pcnn_vector consecutive weights
// (the last zero-padded), and the vectors take the place of kernels: n non-zeros per vector from
// a library of Np L-bit patterns. V = Co ceil(Ci / L) n b, I = Co ceil(Ci / L) lg(Np) + Np L.
SparseLayer pcnn(const LayerWeights& l, const SparsityParams& p) {
  if (l.kh * l.kw != 1) return pcnn_kernels(l, p);
  const int L = p.pcnn_vector;
  if (L < 1 || L > 64) throw std::invalid_argument("PCNN: 1-D pattern length " + std::to_string(L) + " must be 1 to 64");
  const int vectors = (l.ci + L - 1) / L;
  LayerWeights v{l.co, vectors, 1, L, std::vector<float>(static_cast<std::size_t>(l.co) * vectors * L, 0.0f)};
  const auto at = [&](int o, int c) { return static_cast<std::size_t>(o) * vectors * L + static_cast<std::size_t>(c); };
  for (int o = 0; o < l.co; ++o) {
    for (int c = 0; c < l.ci; ++c) v.w[at(o, c)] = l.w[static_cast<std::size_t>(o) * l.ci + c];
  }
  SparseLayer s = pcnn_kernels(v, p);
  std::vector<float> kept(l.w.size());
  for (int o = 0; o < l.co; ++o) {
    for (int c = 0; c < l.ci; ++c) kept[static_cast<std::size_t>(o) * l.ci + c] = s.w[at(o, c)];
  }
  s.w = std::move(kept);
  s.formula = "1-D vectors of " + std::to_string(L) + " input channels: " + s.formula;
  return s;
}

// Periodic pattern sparsity (SPS): kernel (o, c) uses slot t = (o + c) mod P of a table of P
// masks; slot t's mask is the top-n mask of the summed squared weights of the kernels using it.
// V = Co Ci n b, I = P K + lg(P) (the table and the offset), independent of Co and Ci.
SparseLayer periodic(const LayerWeights& l, const SparsityParams& p) {
  check_kernel_scheme(l, p.kernel_nonzeros, "periodic");
  if (p.period < 1 || p.period > 65536) {
    throw std::invalid_argument("periodic sparsity needs a period of 1 to 65536, got " + std::to_string(p.period));
  }
  const int K = l.kh * l.kw;
  LayerWeights energy{1, p.period, l.kh, l.kw, std::vector<float>(static_cast<std::size_t>(p.period) * K, 0.0f)};
  for (int o = 0; o < l.co; ++o) {
    for (int c = 0; c < l.ci; ++c) {
      const int t = (o + c) % p.period;
      const std::int64_t k = static_cast<std::int64_t>(o) * l.ci + c;
      for (int i = 0; i < K; ++i) energy.w[t * K + i] += l.w[k * K + i] * l.w[k * K + i];
    }
  }
  std::vector<Mask> table(p.period);
  for (int t = 0; t < p.period; ++t) table[t] = kernel_top_mask(energy, t, p.kernel_nonzeros);
  SparseLayer s;
  s.w.assign(l.w.size(), 0.0f);
  for (int o = 0; o < l.co; ++o) {
    for (int c = 0; c < l.ci; ++c) {
      const std::int64_t k = static_cast<std::int64_t>(o) * l.ci + c;
      const Mask m = table[(o + c) % p.period];
      for (int i = 0; i < K; ++i) {
        if (m >> i & 1u) s.w[k * K + i] = l.w[k * K + i];
      }
    }
  }
  s.nonzeros = count_nonzeros(s.w);
  s.value_bits = static_cast<std::int64_t>(l.co) * l.ci * p.kernel_nonzeros * p.bits;
  s.index_bits = static_cast<std::int64_t>(p.period) * K + lg(p.period);
  s.formula = "V = Co Ci n b, I = P K + lg(P) = " + str(p.period) + " x " + str(K) + " + " + str(lg(p.period));
  return s;
}

std::int64_t binomial(int n, int k) {
  std::int64_t r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

// (N, K) structured ternary coding: weights become {-1, 0, +1} x scale (one scale per layer:
// the mean magnitude of the kept weights); each output channel's Ci K weights (reduction order)
// are cut into blocks of N consecutive weights (the last zero-padded), and in each block the K
// largest magnitudes are kept; restricted: one per half-block. A block is one neuron's, so the
// array's multiplexers can select its K weights' inputs (scheme_packing.cpp). One code per block
// carries positions and signs: codes = sum_{k <= K} C(N, k) 2^k (unrestricted) or (1 + N)^2
// (restricted, K = 2: each half has N/2 positions x 2 signs + empty).
// V = blocks lg(codes) + b (the scale), blocks = Co ceil(Ci K / N); I = 0 (positions are inside
// the codes).
SparseLayer ternary(const LayerWeights& l, const SparsityParams& p) {
  if (p.block > 32) {  // the code count sum C(N, k) 2^k must fit 63 bits
    throw std::invalid_argument("ternary coding needs blocks of at most 32 weights, got " + std::to_string(p.block));
  }
  if (p.block < 1 || p.block_nonzeros < 1 || p.block_nonzeros > p.block) {
    throw std::invalid_argument("ternary coding needs 1 <= K <= N");
  }
  if (p.restricted && (p.block_nonzeros != 2 || p.block % 2 != 0)) {
    throw std::invalid_argument("restricted ternary coding needs K = 2 and an even N");
  }
  const std::int64_t row = static_cast<std::int64_t>(l.ci) * l.kh * l.kw;
  const std::int64_t row_blocks = (row + p.block - 1) / p.block;
  const std::int64_t blocks = l.co * row_blocks;
  SparseLayer s;
  s.w.assign(l.w.size(), 0.0f);
  std::vector<std::int64_t> kept;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t in_row = (b % row_blocks) * p.block;
    const std::int64_t first = (b / row_blocks) * row + in_row;
    const int len = static_cast<int>(std::min<std::int64_t>(p.block, row - in_row));
    if (p.restricted) {
      const int half = p.block / 2;
      for (int h = 0; h < 2 && h * half < len; ++h) {
        const int hl = std::min(half, len - h * half);
        for (int k : top_magnitude(l.w, first + h * half, 1, hl, 1)) kept.push_back(first + h * half + k);
      }
    } else {
      for (int k : top_magnitude(l.w, first, 1, len, p.block_nonzeros)) kept.push_back(first + k);
    }
  }
  double sum = 0;
  std::int64_t used = 0;
  for (auto i : kept) {
    if (l.w[i] != 0.0f) {
      sum += std::fabs(l.w[i]);
      ++used;
    }
  }
  const float scale = used ? static_cast<float>(sum / used) : 0.0f;
  for (auto i : kept) {
    if (l.w[i] != 0.0f) s.w[i] = l.w[i] > 0 ? scale : -scale;
  }
  std::int64_t codes = 0;
  if (p.restricted) {
    codes = static_cast<std::int64_t>(1 + p.block) * (1 + p.block);  // (1 + 2 (N/2))^2
  } else {
    for (int k = 0; k <= p.block_nonzeros; ++k) codes += binomial(p.block, k) << k;
  }
  s.nonzeros = count_nonzeros(s.w);
  s.value_bits = blocks * lg(codes) + p.bits;
  s.index_bits = 0;
  s.formula = "V = Co ceil(CiK/N) lg(codes) + b = " + str(blocks) + " x lg(" + str(codes) + ") + " + str(p.bits) + ", I = 0";
  return s;
}

// Column combining on the Co x (Ci K) filter matrix: the packed matrix is stored whole.
// V = Co G b (every cell of the G packed columns), I = Co G lg(alpha) (a multiplexer select per
// cell) + sum over groups of |group| lg(Ci K) (the member list of each packed column).
SparseLayer column_combine(const LayerWeights& l, const SparsityParams& p) {
  const int cols = l.ci * l.kh * l.kw;
  CombineOptions o;
  o.alpha = p.alpha;
  o.gamma = p.gamma;
  const CombinedMatrix c = combine_columns(l.w, l.co, cols, o);
  SparseLayer s;
  s.w = c.pruned;
  s.nonzeros = count_nonzeros(s.w);
  const std::int64_t cells = static_cast<std::int64_t>(l.co) * c.packed_cols();
  std::int64_t members = 0;
  for (const auto& g : c.groups) members += static_cast<std::int64_t>(g.size());
  s.value_bits = cells * p.bits;
  s.index_bits = cells * lg(p.alpha) + members * lg(cols);
  s.formula = "V = Co G b, I = Co G lg(alpha) + members lg(Ci K) = " + str(cells) + " x " + str(lg(p.alpha)) + " + " +
              str(members) + " x " + str(lg(cols)) + " (G = " + str(c.packed_cols()) + ")";
  return s;
}

}  // namespace

int lg(std::int64_t x) {
  int b = 0;
  while (b < 62 && (std::int64_t{1} << b) < x) ++b;
  return b;
}

nlohmann::json SparseLayer::to_json() const {
  return {{"nonzeros", nonzeros}, {"value_bits", value_bits}, {"index_bits", index_bits},
          {"total_bits", total_bits()}, {"formula", formula}};
}

SparsityScheme parse_sparsity_scheme(const std::string& name) {
  static const std::map<std::string, SparsityScheme> names = {
      {"dense", SparsityScheme::Dense},       {"bitmap", SparsityScheme::Bitmap},
      {"csr", SparsityScheme::Csr},           {"nm", SparsityScheme::NM},
      {"pcnn", SparsityScheme::Pcnn},         {"periodic", SparsityScheme::Periodic},
      {"ternary", SparsityScheme::Ternary},   {"cc", SparsityScheme::ColumnCombine}};
  const auto it = names.find(name);
  if (it == names.end()) {
    throw std::invalid_argument("sparsity scheme '" + name + "' must be dense, bitmap, csr, nm, pcnn, periodic, ternary or cc");
  }
  return it->second;
}

std::string to_string(SparsityScheme s) {
  switch (s) {
    case SparsityScheme::Dense: return "dense";
    case SparsityScheme::Bitmap: return "bitmap";
    case SparsityScheme::Csr: return "csr";
    case SparsityScheme::NM: return "nm";
    case SparsityScheme::Pcnn: return "pcnn";
    case SparsityScheme::Periodic: return "periodic";
    case SparsityScheme::Ternary: return "ternary";
    case SparsityScheme::ColumnCombine: return "cc";
  }
  return "?";
}

SparseLayer apply_sparsity(SparsityScheme scheme, const LayerWeights& layer, const SparsityParams& params) {
  if (layer.co < 1 || layer.ci < 1 || layer.kh < 1 || layer.kw < 1 || static_cast<std::int64_t>(layer.w.size()) != layer.size()) {
    throw std::invalid_argument("sparsity: weights do not match the layer shape");
  }
  if (params.bits < 1 || params.bits > 32) throw std::invalid_argument("sparsity: bits per value must be in [1, 32]");
  switch (scheme) {
    case SparsityScheme::Dense: return dense(layer, params);
    case SparsityScheme::Bitmap: return bitmap(layer, params);
    case SparsityScheme::Csr: return csr(layer, params);
    case SparsityScheme::NM: return nm(layer, params);
    case SparsityScheme::Pcnn: return pcnn(layer, params);
    case SparsityScheme::Periodic: return periodic(layer, params);
    case SparsityScheme::Ternary: return ternary(layer, params);
    case SparsityScheme::ColumnCombine: return column_combine(layer, params);
  }
  throw std::invalid_argument("unknown sparsity scheme");
}

}  // namespace ccsim::model
