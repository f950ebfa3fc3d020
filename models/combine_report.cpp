#include "models/combine_report.hpp"

namespace ccsim::model {
namespace {

double ratio(std::int64_t num, std::int64_t den) { return den > 0 ? static_cast<double>(num) / den : 0.0; }

nlohmann::json entry(std::int64_t rows, std::int64_t cols, std::int64_t packed_cols, std::int64_t before,
                     std::int64_t after, std::int64_t int8, std::int64_t dense_cells, std::int64_t packed_cells) {
  return {{"rows", rows},
          {"columns", cols},
          {"packed_columns", packed_cols},
          {"nonzeros_before", before},
          {"nonzeros_after", after},
          {"pruned_by_combining", before - after},
          {"nonzeros_int8", int8},
          {"utilization_before", ratio(before, dense_cells)},
          {"utilization_after", ratio(after, packed_cells)},
          {"column_reduction", ratio(cols, packed_cols)}};
}

}  // namespace

nlohmann::json combine_report(const PackedNetwork& net) {
  nlohmann::json layers = nlohmann::json::array();
  std::int64_t cols = 0, packed = 0, before = 0, after = 0, int8 = 0, dense_cells = 0, packed_cells = 0, rows = 0;
  for (const auto& l : net.layers) {
    if (l.kind != OpKind::Matmul) continue;
    const std::int64_t r = l.rows();
    auto e = entry(r, l.cols(), l.packed_cols(), l.nonzeros_before, l.nonzeros_after, l.nonzeros_int8(),
                   r * l.cols(), r * l.packed_cols());
    e["name"] = l.name;
    e["alpha"] = l.alpha;
    e["gamma"] = l.gamma;
    e["max_overlap"] = l.max_overlap;
    layers.push_back(std::move(e));
    rows += r;
    cols += l.cols();
    packed += l.packed_cols();
    before += l.nonzeros_before;
    after += l.nonzeros_after;
    int8 += l.nonzeros_int8();
    dense_cells += r * l.cols();
    packed_cells += r * l.packed_cols();
  }
  return {{"network", net.name},
          {"layers", layers},
          {"total", entry(rows, cols, packed, before, after, int8, dense_cells, packed_cells)}};
}

}  // namespace ccsim::model
