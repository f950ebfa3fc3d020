#include "models/column_combine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ccsim::model {
namespace {

using Word = std::uint64_t;

// Incremental form of the reference's greedy merge loop (see header).
class GroupMerger {
 public:
  GroupMerger(const std::vector<std::uint8_t>& nonzero, int rows, int cols, int col_begin,
              int col_end, int alpha, int max_overlap)
      : words_((rows + 63) / 64), alpha_(alpha), max_overlap_(max_overlap) {
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
      nnz_.push_back(nnz);
      occupancy_.insert(occupancy_.end(), occ.begin(), occ.end());
    }
    count_ = static_cast<int>(members_.size());
    alive_.assign(count_, true);
    size_.assign(count_, 1);
    union_.assign(static_cast<std::size_t>(count_) * count_, 0);
    for (int i = 0; i < count_; ++i) {
      for (int j = i + 1; j < count_; ++j) set_union(i, j, union_count(i, j));
    }
    best_.assign(count_, kNone);
    for (int i = 0; i < count_; ++i) best_[i] = best_partner(i);
  }

  std::vector<std::vector<std::uint32_t>> run() {
    for (;;) {
      int c1 = -1;
      for (int g = 0; g < count_; ++g) {
        if (alive_[g] && best_[g] != kNone) {
          c1 = g;
          break;
        }
      }
      if (c1 < 0) break;
      merge(c1, best_[c1]);
    }
    std::vector<std::vector<std::uint32_t>> groups;
    for (int g = 0; g < count_; ++g) {
      if (alive_[g]) groups.push_back(std::move(members_[g]));
    }
    return groups;
  }

 private:
  static constexpr int kNone = -1;
  static constexpr int kDead = 1 << 29;  // size of a merged-away group: never allowed

  const Word* occ(int g) const { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }
  Word* occ(int g) { return occupancy_.data() + static_cast<std::size_t>(g) * words_; }

  int union_count(int i, int j) const {
    const Word* a = occ(i);
    const Word* b = occ(j);
    int n = 0;
    for (int w = 0; w < words_; ++w) n += __builtin_popcountll(a[w] | b[w]);
    return n;
  }
  int get_union(int i, int j) const { return union_[static_cast<std::size_t>(i) * count_ + j]; }
  void set_union(int i, int j, int v) {
    union_[static_cast<std::size_t>(i) * count_ + j] = v;
    union_[static_cast<std::size_t>(j) * count_ + i] = v;
  }

  bool allowed(int i, int j) const {
    return i != j && size_[i] + size_[j] <= alpha_ && nnz_[i] + nnz_[j] - get_union(i, j) <= max_overlap_;
  }

  // Fewest rows empty in both = largest union; ties go to the lowest index (torch.min's argmin).
  bool prefers(int g, int candidate, int current) const {
    if (current == kNone) return true;
    const int a = get_union(g, candidate);
    const int b = get_union(g, current);
    return a > b || (a == b && candidate < current);
  }

  // Two passes over contiguous arrays so the compiler vectorizes them: the largest union among
  // allowed partners, then the first index reaching it.
  int best_partner(int g) const {
    const int* u = union_.data() + static_cast<std::size_t>(g) * count_;
    const int size_budget = alpha_ - size_[g];
    const int overlap_budget = max_overlap_ - nnz_[g];
    int best_u = -1;
    for (int j = 0; j < count_; ++j) {
      const bool ok = (size_[j] <= size_budget) & (nnz_[j] - u[j] <= overlap_budget) & (j != g);
      best_u = std::max(best_u, ok ? u[j] : -1);
    }
    if (best_u < 0) return kNone;
    for (int j = 0; j < count_; ++j) {
      if (u[j] == best_u && j != g && size_[j] <= size_budget && nnz_[j] - u[j] <= overlap_budget) return j;
    }
    return kNone;
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
    alive_[c2] = false;
    best_[c2] = kNone;

    for (int k = 0; k < count_; ++k) {
      if (k != c1 && alive_[k]) set_union(c1, k, union_count(c1, k));
    }
    best_[c1] = best_partner(c1);
    // Merging only grows c1's occupancy, size and non-zeros, so for every k the union with c1 is
    // >= its union with the old c1 or c2, and a pair once disallowed stays disallowed. Hence a
    // group that preferred c1 or c2 (c1 < c2 always) prefers the new c1 if that pair is still
    // allowed; only otherwise does it rescan. Pairs not involving c1 are unchanged.
    for (int k = 0; k < count_; ++k) {
      if (k == c1 || !alive_[k]) continue;
      const bool ok = allowed(k, c1);
      if (best_[k] == c1 || best_[k] == c2) {
        best_[k] = ok ? c1 : best_partner(k);
      } else if (ok && prefers(k, c1, best_[k])) {
        best_[k] = c1;
      }
    }
  }

  int words_;
  int alpha_;
  int max_overlap_;
  int count_ = 0;
  std::vector<std::vector<std::uint32_t>> members_;
  std::vector<int> size_;  // columns per group; kDead once merged away
  std::vector<int> nnz_;
  std::vector<Word> occupancy_;
  std::vector<bool> alive_;
  std::vector<int> union_;
  std::vector<int> best_;
};

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
    auto part = GroupMerger(nonzero, rows, cols, begin, end, alpha, max_overlap).run();
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
