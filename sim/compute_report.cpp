#include "sim/compute_report.hpp"

#include <sstream>

#include "hw/timing.hpp"

namespace ccsim::cli {

std::string compute_report_header() {
  return "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
}

std::string compute_report_row(std::size_t id, const model::PackedLayer& l, const hw::LayerStats& s,
                               const hw::ArrayConfig& a) {
  double overall = 0, mapping = 0, compute = 0;
  if (l.kind == model::OpKind::Matmul && s.cycles > 0) {
    overall = 100.0 * static_cast<double>(s.busy_slots) * a.cycles_per_mac() / (static_cast<double>(a.rows) * a.cols * s.cycles);
    // Of one pass over the layer: every pixel block runs the same tiles.
    mapping = 100.0 * static_cast<double>(l.rows()) * l.packed_cols() /
              (static_cast<double>(hw::tiles_per_block(a, l)) * a.rows * a.cols);
    compute = 100.0 * s.utilization();
  }
  std::ostringstream o;
  o << id << ", " << s.cycles << ", " << s.stall_cycles << ", " << overall << ", " << mapping << ", " << compute << ",\n";
  return o.str();
}

std::string compute_report_csv(const model::PackedNetwork& net, const hw::NetworkRun& run, const hw::ArrayConfig& a) {
  std::string csv = compute_report_header();
  for (std::size_t i = 0; i < run.layers.size(); ++i) csv += compute_report_row(i, net.layers[i], run.layers[i], a);
  return csv;
}

}  // namespace ccsim::cli
