#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "models/column_combine.hpp"
#include "tests/reference_combine.hpp"

namespace ccsim::model {
namespace {

using Groups = std::vector<std::vector<std::uint32_t>>;

std::vector<std::uint8_t> pattern(int rows, int cols, const std::vector<std::pair<int, int>>& cells) {
  std::vector<std::uint8_t> nz(static_cast<std::size_t>(rows) * cols, 0);
  for (const auto& [r, c] : cells) nz[static_cast<std::size_t>(r) * cols + c] = 1;
  return nz;
}

std::vector<float> random_sparse(int rows, int cols, double density, std::mt19937& rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::bernoulli_distribution keep(density);
  std::vector<float> m(static_cast<std::size_t>(rows) * cols, 0.0f);
  for (auto& v : m) {
    if (keep(rng)) v = value(rng);
  }
  return m;
}

TEST(GroupColumns, DisjointColumnsPairUpInIndexOrder) {
  // Four columns with one non-zero each in different rows: every pair is allowed and equally
  // dense, so ties go to the lowest index.
  const auto nz = pattern(4, 4, {{0, 0}, {1, 1}, {2, 2}, {3, 3}});
  EXPECT_EQ(group_columns(nz, 4, 4, 2, 0), (Groups{{0, 1}, {2, 3}}));
  EXPECT_EQ(group_columns(nz, 4, 4, 4, 0), (Groups{{0, 1, 2, 3}}));
  EXPECT_EQ(group_columns(nz, 4, 4, 1, 0), (Groups{{0}, {1}, {2}, {3}}));
}

TEST(GroupColumns, PrefersThePartnerLeavingFewestEmptyRows) {
  // c0 = rows {0,1}, c1 = {0}, c2 = {2,3}, c3 = {1}. With no conflicts allowed c0 may pair with
  // c2 only; c2 fills two rows, so group 0 takes it; c1 and c3 then pair.
  const auto nz = pattern(4, 4, {{0, 0}, {1, 0}, {0, 1}, {2, 2}, {3, 2}, {1, 3}});
  EXPECT_EQ(group_columns(nz, 4, 4, 2, 0), (Groups{{0, 2}, {1, 3}}));
  // One conflict allowed: c0+c1 (union 2) < c0+c2 (union 4): still c2, the densest.
  EXPECT_EQ(group_columns(nz, 4, 4, 2, 1), (Groups{{0, 2}, {1, 3}}));
}

TEST(GroupColumns, ConflictBoundIsRespected) {
  // Two identical dense columns conflict in every row.
  const auto nz = pattern(3, 2, {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}});
  EXPECT_EQ(group_columns(nz, 3, 2, 2, 2), (Groups{{0}, {1}}));
  EXPECT_EQ(group_columns(nz, 3, 2, 2, 3), (Groups{{0, 1}}));
}

TEST(GroupColumns, DropsZeroColumnsAndRespectsSections) {
  const auto nz = pattern(2, 5, {{0, 0}, {1, 1}, {0, 3}, {1, 4}});
  EXPECT_EQ(group_columns(nz, 2, 5, 4, 0), (Groups{{0, 1}, {3, 4}}));
  // Sections of 2 columns: {0,1} | {2,3} | {4}; column 2 is zero.
  EXPECT_EQ(group_columns(nz, 2, 5, 4, 0, 2), (Groups{{0, 1}, {3}, {4}}));
}

TEST(GroupColumns, RejectsBadArguments) {
  const auto nz = pattern(2, 2, {{0, 0}});
  EXPECT_THROW(group_columns(nz, 2, 2, 0, 0), std::invalid_argument);
  EXPECT_THROW(group_columns(nz, 2, 3, 2, 0), std::invalid_argument);
  EXPECT_THROW(group_columns(nz, 2, 2, 2, -1), std::invalid_argument);
  EXPECT_THROW(group_columns(nz, 2, 2, 2, 0, -1), std::invalid_argument);
  EXPECT_THROW(max_overlap_for(-1.0, 4), std::invalid_argument);
  EXPECT_THROW(max_overlap_for(NAN, 4), std::invalid_argument);
}

TEST(GroupColumns, MaxOverlapTruncatesLikePythonInt) {
  EXPECT_EQ(max_overlap_for(1.75, 64), 112);
  EXPECT_EQ(max_overlap_for(1.75, 3), 5);  // 5.25 -> 5
  EXPECT_EQ(max_overlap_for(0.0, 100), 0);
}

// The incremental grouping must take exactly the reference's merge sequence.
TEST(GroupColumns, MatchesReferenceLoopOnRandomMatrices) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 60; ++trial) {
    const int rows = 1 + static_cast<int>(rng() % 40);
    const int cols = 1 + static_cast<int>(rng() % 48);
    const double density = 0.05 + 0.5 * (rng() % 100) / 100.0;
    const int alpha = 1 + static_cast<int>(rng() % 8);
    const int overlap = static_cast<int>(rng() % (2 * rows + 1));
    const auto m = random_sparse(rows, cols, density, rng);
    std::vector<std::uint8_t> nz(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) nz[i] = m[i] != 0.0f;
    ASSERT_EQ(group_columns(nz, rows, cols, alpha, overlap), test::reference_pack_matrix(nz, rows, cols, alpha, overlap))
        << "trial " << trial << " rows " << rows << " cols " << cols << " alpha " << alpha << " overlap " << overlap;
  }
}

// Larger matrices (hundreds of columns, several bitset words per column, tight and loose conflict
// bounds): every merge must still be the reference's.
TEST(GroupColumns, MatchesReferenceLoopOnLargeMatrices) {
  std::mt19937 rng(4321);
  const int shapes[][2] = {{64, 160}, {128, 288}, {32, 320}, {96, 200}, {256, 256}};
  for (int trial = 0; trial < 5; ++trial) {
    const int rows = shapes[trial][0];
    const int cols = shapes[trial][1];
    const double density = 0.1 + 0.1 * trial;
    const int alpha = trial % 2 ? 8 : 4;
    const int overlap = max_overlap_for(trial == 2 ? 0.5 : 1.75, rows);
    const auto m = random_sparse(rows, cols, density, rng);
    std::vector<std::uint8_t> nz(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) nz[i] = m[i] != 0.0f;
    ASSERT_EQ(group_columns(nz, rows, cols, alpha, overlap), test::reference_pack_matrix(nz, rows, cols, alpha, overlap))
        << "trial " << trial << " rows " << rows << " cols " << cols << " alpha " << alpha << " overlap " << overlap;
  }
}

TEST(CombineColumns, InvariantsOnRandomMatrices) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 30; ++trial) {
    const int rows = 8 + static_cast<int>(rng() % 64);
    const int cols = 8 + static_cast<int>(rng() % 96);
    const CombineOptions opt{1 + static_cast<int>(rng() % 8), (rng() % 300) / 100.0, 0};
    const auto m = random_sparse(rows, cols, 0.1 + (rng() % 40) / 100.0, rng);
    const CombinedMatrix cm = combine_columns(m, rows, cols, opt);
    const auto g_count = static_cast<std::size_t>(cm.packed_cols());

    std::set<std::uint32_t> seen;
    std::int64_t kept = 0;
    for (std::size_t g = 0; g < g_count; ++g) {
      const auto& members = cm.groups[g];
      ASSERT_LE(members.size(), static_cast<std::size_t>(opt.alpha));
      int conflicts = 0;
      for (int r = 0; r < rows; ++r) {
        int in_row = 0;
        float row_max = 0.0f;
        for (const auto c : members) {
          const float w = m[static_cast<std::size_t>(r) * cols + c];
          in_row += w != 0.0f;
          row_max = std::max(row_max, std::fabs(w));
        }
        conflicts += std::max(0, in_row - 1);
        const float packed = cm.packed[r * g_count + g];
        // The kept weight is the largest magnitude of the row within the group ...
        EXPECT_EQ(std::fabs(packed), row_max);
        // ... and the select points at the column that holds it.
        const std::uint32_t col = cm.column_of(r, static_cast<int>(g));
        EXPECT_EQ(m[static_cast<std::size_t>(r) * cols + col], packed);
        EXPECT_EQ(cm.pruned[static_cast<std::size_t>(r) * cols + col], packed);
        if (packed == 0.0f) {
          EXPECT_EQ(cm.select[r * g_count + g], 0);  // empty cell: first column
        }
        kept += packed != 0.0f;
      }
      ASSERT_LE(conflicts, cm.max_overlap) << "group " << g;
      for (const auto c : members) ASSERT_TRUE(seen.insert(c).second) << "column in two groups";
    }
    EXPECT_EQ(kept, cm.nonzeros_after);
    std::int64_t pruned_nz = 0;
    for (const float v : cm.pruned) pruned_nz += v != 0.0f;
    EXPECT_EQ(pruned_nz, cm.nonzeros_after);
    // Every non-zero column is in some group.
    for (int c = 0; c < cols; ++c) {
      bool any = false;
      for (int r = 0; r < rows; ++r) any = any || m[static_cast<std::size_t>(r) * cols + c] != 0.0f;
      EXPECT_EQ(any, seen.count(static_cast<std::uint32_t>(c)) == 1) << "column " << c;
    }
  }
}

TEST(CombineColumns, KeepsLargestMagnitudeAndLastOnTies) {
  // One row, three columns combined (no conflict bound): |-3| wins over 2.
  CombinedMatrix cm = combine_columns({2.0f, -3.0f, 1.0f}, 1, 3, {3, 10.0, 0});
  ASSERT_EQ(cm.groups, (Groups{{0, 1, 2}}));
  EXPECT_EQ(cm.packed, (std::vector<float>{-3.0f}));
  EXPECT_EQ(cm.select, (std::vector<std::uint8_t>{1}));
  EXPECT_EQ(cm.pruned, (std::vector<float>{0.0f, -3.0f, 0.0f}));
  EXPECT_EQ(cm.nonzeros_before, 3);
  EXPECT_EQ(cm.nonzeros_after, 1);
  // Equal magnitudes: the later member of the group survives (numpy argsort order).
  cm = combine_columns({2.0f, -2.0f}, 1, 2, {2, 10.0, 0});
  EXPECT_EQ(cm.packed, (std::vector<float>{-2.0f}));
  EXPECT_EQ(cm.select, (std::vector<std::uint8_t>{1}));
}

TEST(CombineColumns, AlphaOneChangesNothingButDropsZeroColumns) {
  std::mt19937 rng(5);
  auto m = random_sparse(16, 20, 0.3, rng);
  for (int r = 0; r < 16; ++r) m[static_cast<std::size_t>(r) * 20 + 7] = 0.0f;
  const auto cm = combine_columns(m, 16, 20, {1, 1.75, 0});
  EXPECT_EQ(cm.pruned, m);
  EXPECT_EQ(cm.nonzeros_after, cm.nonzeros_before);
  for (const auto& g : cm.groups) EXPECT_NE(g[0], 7u);
}

TEST(CombineColumns, RejectsBadInput) {
  EXPECT_THROW(combine_columns({1.0f, 2.0f}, 1, 3, {}), std::invalid_argument);
  EXPECT_THROW(combine_columns({1.0f, NAN}, 1, 2, {}), std::invalid_argument);
  EXPECT_THROW(combine_columns({1.0f}, 1, 1, {257, 1.0, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace ccsim::model
