// A direct, non-incremental transcription of the reference pack_matrix loop (every pair's
// conflicts and empty-row count recomputed from the densified matrix before every merge), used
// to check that the incremental C++ grouping takes the identical merge sequence, and by the
// benchmark as the baseline. Deliberately simple and slow.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace ccsim::test {

inline std::vector<std::vector<std::uint32_t>> reference_pack_matrix(const std::vector<std::uint8_t>& nz, int rows,
                                                                    int cols, int max_paths, int max_overlap) {
  std::vector<std::vector<std::uint32_t>> col_idxs;
  for (int c = 0; c < cols; ++c) {
    bool any = false;
    for (int r = 0; r < rows; ++r) any = any || nz[static_cast<std::size_t>(r) * cols + c];
    if (any) col_idxs.push_back({static_cast<std::uint32_t>(c)});
  }
  std::vector<int> row_idxs;
  for (int r = 0; r < rows; ++r) {
    bool any = false;
    for (int c = 0; c < cols; ++c) any = any || nz[static_cast<std::size_t>(r) * cols + c];
    if (any) row_idxs.push_back(r);
  }
  constexpr double kBig = 1e10;
  for (;;) {
    const std::size_t g = col_idxs.size();
    // d_mat[group][row] = non-zeros of the group in that row
    std::vector<std::vector<int>> d(g, std::vector<int>(row_idxs.size(), 0));
    for (std::size_t i = 0; i < g; ++i) {
      for (std::size_t k = 0; k < row_idxs.size(); ++k) {
        for (const auto c : col_idxs[i]) d[i][k] += nz[static_cast<std::size_t>(row_idxs[k]) * cols + c];
      }
    }
    std::vector<std::vector<double>> dists(g, std::vector<double>(g, 0.0));
    double min_dist = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < g; ++i) {
      for (std::size_t j = 0; j < g; ++j) {
        double conflicts = 0;
        for (std::size_t k = 0; k < row_idxs.size(); ++k) conflicts += std::max(0, d[i][k] + d[j][k] - 1);
        if (i == j || col_idxs[i].size() + col_idxs[j].size() > static_cast<std::size_t>(max_paths)) conflicts = kBig;
        dists[i][j] = conflicts;
        min_dist = std::min(min_dist, conflicts);
      }
    }
    if (g == 0 || min_dist > max_overlap) break;
    // metric = (allowed ? 0 : 1e10) + rows where both are empty; column-wise min, first argmin.
    int c1 = -1;
    std::size_t c2 = 0;
    for (std::size_t j = 0; j < g && c1 < 0; ++j) {
      double best = std::numeric_limits<double>::infinity();
      std::size_t arg = 0;
      for (std::size_t i = 0; i < g; ++i) {
        double empty = 0;
        for (std::size_t k = 0; k < row_idxs.size(); ++k) empty += (d[i][k] + d[j][k] == 0);
        const double metric = (dists[i][j] > max_overlap ? kBig : 0.0) + empty;
        if (metric < best) {
          best = metric;
          arg = i;
        }
      }
      if (best < 1e9) {
        c1 = static_cast<int>(j);
        c2 = arg;
      }
    }
    col_idxs[c1].insert(col_idxs[c1].end(), col_idxs[c2].begin(), col_idxs[c2].end());
    col_idxs.erase(col_idxs.begin() + static_cast<std::ptrdiff_t>(c2));
  }
  return col_idxs;
}

}  // namespace ccsim::test
