// Column combining (Kung, McDanel, Zhang, ASPLOS 2019), as the public reference implementation
// (BradMcDanel/column-combine, packing.py: pack_matrix, fix_mask, gen_control_bits) defines it.
//
// A layer is a filter matrix of `rows` (output channels) x `cols` (input channels x kh x kw).
// Grouping looks only at the non-zero pattern:
//   * all-zero columns are dropped; every other column starts as a group of its own;
//   * conflicts(i, j) = sum over rows of max(0, n_i(r) + n_j(r) - 1), n_g(r) = non-zeros of group g
//     in row r. A merge is allowed if the merged group has <= alpha columns and conflicts <=
//     max_overlap (max_overlap = int(gamma * rows));
//   * among allowed partners a group prefers the one leaving the fewest rows where both are empty
//     (ties: lowest index); the lowest-index group with any allowed partner merges with its
//     preferred partner (the partner's columns are appended), and the loop repeats.
// Pruning keeps, in every (row, group), only the weight of largest magnitude; on equal
// magnitudes the column that comes last in the group's member order wins (what numpy's argsort
// does for the group sizes used). The multiplexer select of a cell is the position, within its
// group, of the column whose weight survived; an empty cell selects position 0, the group's
// first column (gen_control_bits).
//
// Deviations, on purpose:
//   * The reference recomputes every pair distance per merge (O(G^2 B) per merge, on a GPU), but
//     only the merging group's preferred partner is ever used. Merging only grows a group's size,
//     non-zeros and row occupancy, so a pair once disallowed stays disallowed: a group left
//     without an allowed partner never gets one, the merging group (the lowest-index one with a
//     partner) only moves forward, and its partners all lie above it. Here each merge is one sweep
//     over the groups above the merging one; conflicts and empty rows both follow from
//     |occ_i OR occ_j| (row-occupancy bitsets): conflicts = nnz_i + nnz_j - |occ_i | occ_j|,
//     empty = B' - |occ_i | occ_j|, so a pair costs B/64 popcounts (the popcnt instruction, AVX2
//     or AVX-512 where the CPU has them, picked at run time). No G x G matrix, no per-group state
//     beyond size, non-zeros and occupancy (memory O(G B)). The merge sequence is identical.
//   * Zero rows are kept in the packed matrix (the hardware still produces those outputs from
//     the bias); the reference drops them from its packed shape. Grouping is unaffected: a zero
//     row adds the same constant to every pair's empty-row count.
//   * `section` (0 = whole layer, the ASPLOS code) optionally groups consecutive sections of
//     columns independently, as the newest reference pack_model does with 256.
#pragma once

#include <cstdint>
#include <vector>

namespace ccsim::model {

struct CombineOptions {
  int alpha = 8;        // max original columns per group (>= 1)
  double gamma = 1.75;  // average conflicts per row allowed: max_overlap = int(gamma * rows)
  int section = 0;      // columns per independently grouped section; 0 = whole matrix
};

// max_overlap of the reference: int(gamma * rows), truncated toward zero.
int max_overlap_for(double gamma, int rows);

// Groups the columns of a rows x cols non-zero pattern (row-major, any non-zero byte = non-zero).
// Returns the groups in reference order; each lists original column indices in merge order.
// Throws std::invalid_argument on bad sizes, alpha < 1, max_overlap < 0 or section < 0.
std::vector<std::vector<std::uint32_t>> group_columns(const std::vector<std::uint8_t>& nonzero,
                                                      int rows, int cols, int alpha,
                                                      int max_overlap, int section = 0);

// A combined filter matrix: packed[r * num_groups + g] is the surviving weight of row r in group
// g (0 if none) and select[...] its position within groups[g].
struct CombinedMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<std::vector<std::uint32_t>> groups;
  std::vector<float> packed;
  std::vector<std::uint8_t> select;
  std::vector<float> pruned;  // the original rows x cols matrix with the conflict losers zeroed
  std::int64_t nonzeros_before = 0;
  std::int64_t nonzeros_after = 0;
  int max_overlap = 0;

  int packed_cols() const { return static_cast<int>(groups.size()); }
  // Original column index a cell reads.
  std::uint32_t column_of(int row, int group) const {
    return groups[group][select[static_cast<std::size_t>(row) * groups.size() + group]];
  }
};

// Groups, prunes and packs a rows x cols float matrix (row-major).
CombinedMatrix combine_columns(const std::vector<float>& matrix, int rows, int cols,
                               const CombineOptions& options);

// Prunes and packs with given groups (e.g. those a training run settled on). Throws
// std::invalid_argument if a group is empty or larger than options.alpha, a column is out of
// range or in two groups, or a column with non-zeros is in no group.
CombinedMatrix combine_with_groups(const std::vector<float>& matrix, int rows, int cols,
                                   std::vector<std::vector<std::uint32_t>> groups,
                                   const CombineOptions& options);

}  // namespace ccsim::model
