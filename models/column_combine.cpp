#include "models/column_combine.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace ccsim::model {
namespace {

using Word = std::uint64_t;

// The two inner operations of the merge loop, portable: set bits of a | b over `words` words, and
// the position of x among v[0 .. len) (-1 if absent).
struct PortableOps {
  static int union_count(const Word* a, const Word* b, int words) {
    int n = 0;
    for (int w = 0; w < words; ++w) n += __builtin_popcountll(a[w] | b[w]);
    return n;
  }
  static int find(const int* v, int len, int x) {
    for (int i = 0; i < len; ++i) {
      if (v[i] == x) return i;
    }
    return -1;
  }
};

// The same with AVX-512 (VPOPCNTDQ): 8 words or 16 entries per instruction, the tail masked.
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
  __attribute__((target("avx512f"))) static int find(const int* v, int len, int x) {
    const __m512i key = _mm512_set1_epi32(x);
    for (int i = 0; i < len; i += 16) {
      const __mmask16 m = len - i >= 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << (len - i)) - 1);
      const __mmask16 hit = _mm512_mask_cmpeq_epi32_mask(m, _mm512_maskz_loadu_epi32(m, v + i), key);
      if (hit) return i + __builtin_ctz(hit);
    }
    return -1;
  }
};

// Incremental form of the reference's greedy merge loop (see header).
template <typename Ops>
class GroupMerger {
 public:
  GroupMerger(const std::vector<std::uint8_t>& nonzero, int rows, int cols, int col_begin,
              int col_end, int alpha, int max_overlap)
      : words_((rows + 63) / 64), alpha_(alpha), max_overlap_(max_overlap) {
    std::vector<int> first_nnz;
    for (int c = col_begin; c < col_end; ++c) {
      std::vector<Word> occ(words_, 0);
      int nnz = 0;
      for (int r = 0; r < rows; ++r) {
        if (nonzero[static_cast<std::size_t>(r) * cols + c] != 0) {
          occ[r / 64] |= Word{1} << (r % 64);
          ++nnz;
        }
      }
      if (nnz == 0) continue;  // all-zero columns are dropped
      members_.push_back({static_cast<std::uint32_t>(c)});
      first_nnz.push_back(nnz);
      occupancy_.insert(occupancy_.end(), occ.begin(), occ.end());
    }
    count_ = static_cast<int>(members_.size());
    st_.resize(static_cast<std::size_t>(count_));
    for (int g = 0; g < count_; ++g) st_[g].nnz = first_nnz[static_cast<std::size_t>(g)];
    cache_index_.assign(static_cast<std::size_t>(count_) * kCache, kNone);
    cache_union_.assign(static_cast<std::size_t>(count_) * kCache, 0);
    initial_scan();
  }

  std::vector<std::vector<std::uint32_t>> run() {
    // A pair once disallowed stays disallowed (see merge), so a group without an allowed partner
    // never gets one again: the first group that has one only moves forward.
    int first = 0;
    for (;;) {
      while (first < count_ && (!st_[first].alive || st_[first].best == kNone)) ++first;
      if (first == count_) break;
      merge(first, st_[first].best);
    }
    std::vector<std::vector<std::uint32_t>> groups;
    for (int g = 0; g < count_; ++g) {
      if (st_[g].alive) groups.push_back(std::move(members_[g]));
    }
    return groups;
  }

 private:
  static constexpr int kNone = -1;
  static constexpr int kCache = 16;  // partners each group keeps from its last full scan (fastest of 8..64)
  static constexpr int kDead = 1 << 29;  // size of a merged-away group: never allowed

  const Word* occ(int g) const { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }
  Word* occ(int g) { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }

  int union_count(int i, int j) const { return Ops::union_count(occ(i), occ(j), words_); }
  // A partner's score is its union (fewest rows empty in both); ties go to the lowest index
  // (torch.min's argmin). Unions are counted from the occupancy bit sets when needed: no n x n
  // matrix. Every group keeps its best kCache allowed partners from its last full scan, with their unions,
  // and the mark: the best partner that scan left out (union, index). Unions only grow, and only
  // those of a merged group c1, which merge() offers to every cache; a pair once disallowed stays
  // disallowed, so a cached partner that is no longer allowed is dropped for good. Hence no partner
  // outside the cache is better than the mark, and the best cached partner is the best of all as
  // long as it is better than the mark; otherwise the group scans again.
  bool allowed_with(int i, int j, int u) const {
    return i != j && st_[i].size + st_[j].size <= alpha_ && st_[i].nnz + st_[j].nnz - u <= max_overlap_;
  }
  static bool better(int u, int j, int than_u, int than_j) { return u > than_u || (u == than_u && j < than_j); }
  int* cached_index(int g) { return cache_index_.data() + static_cast<std::size_t>(g) * kCache; }
  int* cached_union(int g) { return cache_union_.data() + static_cast<std::size_t>(g) * kCache; }

  int best_partner(int g) {
    int* cj = cached_index(g);
    int* cu = cached_union(g);
    int kept = 0;
    int best = -1;
    for (int i = 0; i < st_[g].cache_len; ++i) {
      if (!allowed_with(g, cj[i], cu[i])) continue;  // merged away or disallowed: never allowed again
      cj[kept] = cj[i];
      cu[kept] = cu[i];
      if (best < 0 || better(cu[kept], cj[kept], cu[best], cj[best])) best = kept;
      ++kept;
    }
    st_[g].cache_len = kept;
    if (best >= 0 && better(cu[best], cj[best], st_[g].mark_union, st_[g].mark_index)) return cj[best];
    if (st_[g].mark_union < 0) return kNone;  // the last scan left no allowed partner out
    return rescan(g);
  }

  // The best kCache + 1 partners by (union desc, index asc), offered in ascending index order.
  struct TopPartners {
    int u[kCache + 1];
    int j[kCache + 1];
    int n = 0;
    void consider(int v, int k) {
      if (n == kCache + 1 && v <= u[kCache]) return;  // k ascending: an equal union ranks after
      int p = n < kCache + 1 ? n++ : kCache;
      for (; p > 0 && u[p - 1] < v; --p) {
        u[p] = u[p - 1];
        j[p] = j[p - 1];
      }
      u[p] = v;
      j[p] = k;
    }
  };

  // g's cache from a full list of its allowed partners: the best kCache, the next one as the
  // mark. Returns the best, or kNone.
  int store(int g, const TopPartners& top) {
    const int cached = std::min(top.n, kCache);
    std::copy(top.j, top.j + cached, cached_index(g));
    std::copy(top.u, top.u + cached, cached_union(g));
    st_[g].cache_len = cached;
    st_[g].mark_union = top.n > kCache ? top.u[kCache] : -1;
    st_[g].mark_index = top.n > kCache ? top.j[kCache] : -1;
    return top.n > 0 ? top.j[0] : kNone;
  }

  // Every group's first full scan at once: each pair's union counted once and offered to both
  // groups (each sees its partners in ascending order, as rescan offers them). All sizes are 1.
  void initial_scan() {
    std::vector<TopPartners> tops(static_cast<std::size_t>(count_));
    if (alpha_ >= 2) {
      for (int i = 0; i < count_; ++i) {
        for (int j = i + 1; j < count_; ++j) {
          const int v = union_count(i, j);
          if (st_[i].nnz + st_[j].nnz - v > max_overlap_) continue;
          tops[static_cast<std::size_t>(i)].consider(v, j);
          tops[static_cast<std::size_t>(j)].consider(v, i);
        }
      }
    }
    for (int i = 0; i < count_; ++i) set_best(i, store(i, tops[static_cast<std::size_t>(i)]));
  }

  // Full scan: every allowed partner of g into its cache (store). Returns the best, or kNone.
  int rescan(int g) {
    const int size_budget = alpha_ - st_[g].size;
    const int overlap_budget = max_overlap_ - st_[g].nnz;
    TopPartners top;
    for (int j = 0; j < count_; ++j) {
      if (st_[j].size > size_budget || j == g) continue;  // includes merged-away groups (kDead)
      const int v = union_count(g, j);
      if (st_[j].nnz - v <= overlap_budget) top.consider(v, j);
    }
    return store(g, top);
  }

  // c1's union with g is now u (it grew): keep the invariant. A cached c1 takes the new union; else
  // c1 is cached if it beats g's mark; when the cache is full of allowed partners, the worse of c1
  // and the worst cached one is left out and becomes the mark (it beats the old mark, and every
  // cached partner beats it).
  void offer(int g, int c1, int u) {
    int* cj = cached_index(g);
    int* cu = cached_union(g);
    const int len = st_[g].cache_len;
    const int at = Ops::find(cj, len, c1);
    if (at >= 0) {
      cu[at] = u;
      return;
    }
    if (!allowed_with(g, c1, u) || !better(u, c1, st_[g].mark_union, st_[g].mark_index)) return;
    int free_slot = -1;
    int worst = -1;
    for (int i = 0; i < len; ++i) {
      if (!allowed_with(g, cj[i], cu[i])) {
        free_slot = i;
      } else if (worst < 0 || better(cu[worst], cj[worst], cu[i], cj[i])) {
        worst = i;
      }
    }
    if (free_slot < 0 && len < kCache) free_slot = st_[g].cache_len++;
    if (free_slot >= 0) {
      cj[free_slot] = c1;
      cu[free_slot] = u;
    } else if (better(u, c1, cu[worst], cj[worst])) {
      st_[g].mark_union = cu[worst];
      st_[g].mark_index = cj[worst];
      cj[worst] = c1;
      cu[worst] = u;
    } else {
      st_[g].mark_union = u;
      st_[g].mark_index = c1;
    }
  }

  void merge(int c1, int c2) {
    members_[c1].insert(members_[c1].end(), members_[c2].begin(), members_[c2].end());
    members_[c2].clear();
    st_[c1].size += st_[c2].size;
    st_[c2].size = kDead;
    st_[c1].nnz += st_[c2].nnz;
    Word* a = occ(c1);
    const Word* b = occ(c2);
    for (int w = 0; w < words_; ++w) a[w] |= b[w];
    st_[c2].alive = false;
    st_[c2].best = kNone;

    // Merging only grows c1's occupancy, size and non-zeros, so for every k the union with c1 is
    // >= its union with the old c1 or c2, and a pair once disallowed stays disallowed. Hence a
    // group that preferred c1 or c2 (c1 < c2 always) prefers the new c1 if that pair is still
    // allowed; only otherwise does it rescan. Pairs not involving c1 are unchanged, and k's scan
    // reads only its union with c1 from this merge, which is set first.
    // Every union of c1 changed, so its cache and mark are void: the loop computes them all
    // anyway and rebuilds them as a rescan of c1 would (the same filters, k ascending).
    const int size_budget = alpha_ - st_[c1].size;
    const int overlap_budget = max_overlap_ - st_[c1].nnz;
    TopPartners top;
    for (int k = 0; k < count_; ++k) {
      if (k == c1 || !st_[k].alive) continue;
      const int u = union_count(c1, k);
      if (st_[k].size <= size_budget && st_[k].nnz - u <= overlap_budget) top.consider(u, k);
      offer(k, c1, u);
      const bool ok = allowed_with(k, c1, u);
      if (st_[k].best == c1 || st_[k].best == c2) {
        set_best(k, ok ? c1 : best_partner(k));
      } else if (ok && (st_[k].best == kNone || better(u, c1, st_[k].best_union, st_[k].best))) {
        st_[k].best = c1;
        st_[k].best_union = u;
      }
    }
    set_best(c1, store(c1, top));
  }

  void set_best(int g, int j) {
    st_[g].best = j;
    st_[g].best_union = j == kNone ? -1 : union_count(g, j);
  }

  int words_;
  int alpha_;
  int max_overlap_;
  int count_ = 0;
  // A group's scalars, together: the merge loop reads them for every group.
  struct State {
    int size = 1;  // columns; kDead once merged away
    int nnz = 0;
    int best = kNone;
    int best_union = -1;  // union with best
    int cache_len = 0;
    int mark_union = -1;  // -1: the last scan left no allowed partner out
    int mark_index = -1;
    bool alive = true;
  };
  std::vector<std::vector<std::uint32_t>> members_;
  std::vector<Word> occupancy_;
  std::vector<State> st_;
  std::vector<int> cache_index_;  // count x kCache partners
  std::vector<int> cache_union_;  // their unions
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
CCSIM_GROUP_SECTION(avx512, Avx512Ops, __attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,popcnt"), flatten)))
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
  if (limit == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("popcnt")) {
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
