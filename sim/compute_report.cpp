#include "sim/compute_report.hpp"

#include <sstream>

namespace ccsim::cli {

std::string compute_report_csv(const model::PackedNetwork& net, const hw::NetworkRun& run, const hw::ArrayConfig& a) {
  std::ostringstream o;
  o << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
  for (std::size_t i = 0; i < run.layers.size(); ++i) {
    const auto& s = run.layers[i];
    const auto& l = net.layers[i];
    double overall = 0, mapping = 0, compute = 0;
    if (l.kind == model::OpKind::Matmul && s.cycles > 0) {
      overall = 100.0 * static_cast<double>(s.busy_slots) * a.data_bits / (static_cast<double>(a.rows) * a.cols * s.cycles);
      mapping = 100.0 * static_cast<double>(l.rows()) * l.packed_cols() / (static_cast<double>(s.tiles) * a.rows * a.cols);
      compute = 100.0 * s.utilization();
    }
    o << i << ", " << s.cycles << ", " << s.stall_cycles << ", " << overall << ", " << mapping << ", " << compute << ",\n";
  }
  return o.str();
}

}  // namespace ccsim::cli
