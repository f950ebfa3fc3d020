#include "models/column_combine.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

namespace ccsim::model {
namespace {

using Word = std::uint64_t;

// The inner operation of the merge loop, portable: set bits of a | b over `words` words.
struct PortableOps {
  static int union_count(const Word* a, const Word* b, int words) {
    int n = 0;
    for (int w = 0; w < words; ++w) n += __builtin_popcountll(a[w] | b[w]);
    return n;
  }
};

// The same with AVX-512 (VPOPCNTDQ): 8 words per instruction, the tail masked.
struct Avx512Ops {
  __attribute__((target("avx512f,avx512vpopcntdq"))) static int union_count(const Word* a, const Word* b, int words) {
    __m512i sum = _mm512_setzero_si512();
    for (int w = 0; w < words; w += 8) {
      const __mmask8 m = words - w >= 8 ? __mmask8{0xff} : static_cast<__mmask8>((1u << (words - w)) - 1);
      const __m512i x = _mm512_or_si512(_mm512_maskz_loadu_epi64(m, a + w), _mm512_maskz_loadu_epi64(m, b + w));
      sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(x));
    }
    return static_cast<int>(_mm512_reduce_add_epi64(sum));
  }
};

// The reference's greedy merge loop, lazily (see header). Only the merging group's preferred
// partner is ever needed: the reference merges the lowest-index group that has an allowed partner,
// and merging only grows sizes, non-zeros and unions, so a pair once disallowed stays disallowed.
// Hence a group without an allowed partner never gets one, the merging group only moves forward,
// and its partners all lie above it (a lower group allowed with it would have had a partner).
// Each merge costs one sweep over the groups above; nothing is cached between merges.
template <typename Ops>
class GroupMerger {
 public:
  GroupMerger(const std::vector<std::uint8_t>& nonzero, int rows, int cols, int col_begin,
              int col_end, int alpha, int max_overlap)
      : words_((rows + 63) / 64), alpha_(alpha), max_overlap_(max_overlap) {
    std::vector<Word> occ(static_cast<std::size_t>(words_));
    for (int c = col_begin; c < col_end; ++c) {
      std::fill(occ.begin(), occ.end(), Word{0});
      int nnz = 0;
      for (int r = 0; r < rows; ++r) {
        if (nonzero[static_cast<std::size_t>(r) * cols + c] != 0) {
          occ[r / 64] |= Word{1} << (r % 64);
          ++nnz;
        }
      }
      if (nnz == 0) continue;  // all-zero columns are dropped
      members_.push_back({static_cast<std::uint32_t>(c)});
      size_.push_back(1);
      nnz_.push_back(nnz);
      occupancy_.insert(occupancy_.end(), occ.begin(), occ.end());
    }
  }

  std::vector<std::vector<std::uint32_t>> run() {
    const int count = static_cast<int>(members_.size());
    for (int first = 0; first < count; ++first) {
      if (size_[first] == kDead) continue;
      for (int partner = best_partner(first); partner != kNone; partner = best_partner(first)) merge(first, partner);
    }
    std::vector<std::vector<std::uint32_t>> groups;
    for (int g = 0; g < count; ++g) {
      if (size_[g] != kDead) groups.push_back(std::move(members_[g]));
    }
    return groups;
  }

 private:
  static constexpr int kNone = -1;
  static constexpr int kDead = std::numeric_limits<int>::max();  // size of a merged-away group: above any budget

  const Word* occ(int g) const { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }
  Word* occ(int g) { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }

  // g's preferred allowed partner above it: the largest union (fewest rows empty in both), ties
  // to the lowest index (torch.min's argmin); kNone if there is none.
  int best_partner(int g) const {
    const int size_budget = alpha_ - size_[g];
    const int overlap_budget = max_overlap_ - nnz_[g];  // conflicts = nnz_g + nnz_k - union
    const int count = static_cast<int>(size_.size());
    int best = kNone;
    int best_union = -1;
    for (int k = g + 1; k < count; ++k) {
      if (size_[k] > size_budget) continue;  // includes merged-away groups (kDead)
      const int u = Ops::union_count(occ(g), occ(k), words_);
      if (u > best_union && nnz_[k] - u <= overlap_budget) {
        best = k;
        best_union = u;
      }
    }
    return best;
  }

  void merge(int c1, int c2) {
    members_[c1].insert(members_[c1].end(), members_[c2].begin(), members_[c2].end());
    members_[c2].clear();
    size_[c1] += size_[c2];
    size_[c2] = kDead;
    nnz_[c1] += nnz_[c2];
    Word* a = occ(c1);
    const Word* b = occ(c2);
    for (int w = 0; w < words_; ++w) a[w] |= b[w];
  }

  int words_;
  int alpha_;
  int max_overlap_;
  std::vector<std::vector<std::uint32_t>> members_;
  std::vector<int> size_;  // columns; kDead once merged away
  std::vector<int> nnz_;
  std::vector<Word> occupancy_;
};

// The merge loop compiled for AVX-512 (with VPOPCNTDQ: Avx512Ops), AVX2 with the popcnt
// instruction and baseline x86-64, everything it calls inlined into each (flatten);
// group_columns picks one at run time (CCSIM_COMBINE_ISA caps it, for the tests).
using Groups = std::vector<std::vector<std::uint32_t>>;
#define CCSIM_GROUP_SECTION(suffix, ops, attributes)                                                         \
  attributes Groups group_section_##suffix(const std::vector<std::uint8_t>& nonzero, int rows, int cols,       \
                                           int begin, int end, int alpha, int max_overlap) {                   \
    return GroupMerger<ops>(nonzero, rows, cols, begin, end, alpha, max_overlap).run();                       \
  }
CCSIM_GROUP_SECTION(avx512, Avx512Ops, __attribute__((target("avx512f,avx512vpopcntdq,popcnt"), flatten)))
CCSIM_GROUP_SECTION(avx2, PortableOps, __attribute__((target("avx2,popcnt"), flatten)))
CCSIM_GROUP_SECTION(baseline, PortableOps, __attribute__((flatten)))
#undef CCSIM_GROUP_SECTION

using GroupSection = Groups (*)(const std::vector<std::uint8_t>&, int, int, int, int, int, int);

GroupSection pick_group_section() {
  const char* cap = std::getenv("CCSIM_COMBINE_ISA");  // default | avx2 | avx512: at most this (tests)
  const std::string limit = cap ? cap : "avx512";
  if (limit != "default" && limit != "avx2" && limit != "avx512") {
    throw std::invalid_argument("CCSIM_COMBINE_ISA='" + limit + "': expected default, avx2 or avx512");
  }
  if (limit == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") &&
      __builtin_cpu_supports("popcnt")) {
    return group_section_avx512;
  }
  if (limit != "default" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return group_section_avx2;
  return group_section_baseline;
}

}  // namespace

int max_overlap_for(double gamma, int rows) {
  if (!std::isfinite(gamma) || gamma < 0.0) {
    throw std::invalid_argument("gamma must be a finite number >= 0, got " + std::to_string(gamma));
  }
  return static_cast<int>(gamma * rows);  // Python int(): truncation toward zero
}

std::vector<std::vector<std::uint32_t>> group_columns(const std::vector<std::uint8_t>& nonzero,
                                                      int rows, int cols, int alpha,
                                                      int max_overlap, int section) {
  if (rows < 0 || cols < 0 || nonzero.size() != static_cast<std::size_t>(rows) * cols) {
    throw std::invalid_argument("non-zero pattern size does not match rows x cols");
  }
  if (alpha < 1) throw std::invalid_argument("alpha must be >= 1, got " + std::to_string(alpha));
  if (max_overlap < 0) throw std::invalid_argument("max_overlap must be >= 0");
  if (section < 0) throw std::invalid_argument("section must be >= 0");
  const int step = section == 0 ? std::max(cols, 1) : section;
  std::vector<std::vector<std::uint32_t>> groups;
  for (int begin = 0; begin < cols; begin += step) {
    const int end = std::min(cols, begin + step);
    static const GroupSection group_section = pick_group_section();
    auto part = group_section(nonzero, rows, cols, begin, end, alpha, max_overlap);
    for (auto& g : part) groups.push_back(std::move(g));
  }
  return groups;
}

namespace {

// Keeps, in every (row, group), the largest-magnitude weight (the last on equal magnitudes).
CombinedMatrix prune_to_groups(const std::vector<float>& matrix, int rows, int cols,
                               std::vector<std::vector<std::uint32_t>> groups, int max_overlap) {
  CombinedMatrix out;
  out.rows = rows;
  out.cols = cols;
  out.max_overlap = max_overlap;
  out.groups = std::move(groups);
  for (const float v : matrix) out.nonzeros_before += v != 0.0f;
  const std::size_t g_count = out.groups.size();
  out.packed.assign(static_cast<std::size_t>(rows) * g_count, 0.0f);
  out.select.assign(static_cast<std::size_t>(rows) * g_count, 0);
  out.pruned.assign(matrix.size(), 0.0f);
  for (int r = 0; r < rows; ++r) {
    const float* row = matrix.data() + static_cast<std::size_t>(r) * cols;
    for (std::size_t g = 0; g < g_count; ++g) {
      const auto& members = out.groups[g];
      int keep = -1;
      for (std::size_t m = 0; m < members.size(); ++m) {
        const float w = row[members[m]];
        if (w == 0.0f) continue;
        if (keep < 0 || std::fabs(w) >= std::fabs(row[members[keep]])) keep = static_cast<int>(m);
      }
      if (keep < 0) continue;
      const float w = row[members[keep]];
      out.packed[r * g_count + g] = w;
      out.select[r * g_count + g] = static_cast<std::uint8_t>(keep);
      out.pruned[static_cast<std::size_t>(r) * cols + members[keep]] = w;
      ++out.nonzeros_after;
    }
  }
  return out;
}

std::vector<std::uint8_t> nonzero_pattern(const std::vector<float>& matrix) {
  std::vector<std::uint8_t> nonzero(matrix.size());
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    if (!std::isfinite(matrix[i])) throw std::invalid_argument("matrix has a non-finite weight");
    nonzero[i] = matrix[i] != 0.0f;
  }
  return nonzero;
}

void check_shape(const std::vector<float>& matrix, int rows, int cols, const CombineOptions& options) {
  if (rows < 0 || cols < 0 || matrix.size() != static_cast<std::size_t>(rows) * cols) {
    throw std::invalid_argument("matrix size does not match rows x cols");
  }
  if (options.alpha > 256) {
    throw std::invalid_argument("alpha must be <= 256 (select indices are 8 bits), got " +
                                std::to_string(options.alpha));
  }
}

}  // namespace

CombinedMatrix combine_columns(const std::vector<float>& matrix, int rows, int cols,
                               const CombineOptions& options) {
  check_shape(matrix, rows, cols, options);
  const int max_overlap = max_overlap_for(options.gamma, rows);
  auto groups = group_columns(nonzero_pattern(matrix), rows, cols, options.alpha, max_overlap, options.section);
  return prune_to_groups(matrix, rows, cols, std::move(groups), max_overlap);
}

CombinedMatrix combine_with_groups(const std::vector<float>& matrix, int rows, int cols,
                                   std::vector<std::vector<std::uint32_t>> groups,
                                   const CombineOptions& options) {
  check_shape(matrix, rows, cols, options);
  const auto nonzero = nonzero_pattern(matrix);
  std::vector<bool> grouped(static_cast<std::size_t>(cols), false);
  for (const auto& g : groups) {
    if (g.empty() || g.size() > static_cast<std::size_t>(options.alpha)) {
      throw std::invalid_argument("a column group has " + std::to_string(g.size()) + " columns (alpha " +
                                  std::to_string(options.alpha) + ")");
    }
    for (const auto c : g) {
      if (c >= static_cast<std::uint32_t>(cols)) throw std::invalid_argument("group column " + std::to_string(c) + " out of range");
      if (grouped[c]) throw std::invalid_argument("column " + std::to_string(c) + " is in two groups");
      grouped[c] = true;
    }
  }
  for (int c = 0; c < cols; ++c) {
    if (grouped[c]) continue;
    for (int r = 0; r < rows; ++r) {
      if (nonzero[static_cast<std::size_t>(r) * cols + c]) {
        throw std::invalid_argument("column " + std::to_string(c) + " has non-zeros but is in no group");
      }
    }
  }
  return prune_to_groups(matrix, rows, cols, std::move(groups), max_overlap_for(options.gamma, rows));
}

}  // namespace ccsim::model
