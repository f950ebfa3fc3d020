// Per-layer compute report with SCALE-Sim's COMPUTE_REPORT.csv columns (LayerID, Total Cycles,
// Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %), so results diff against
// SCALE-Sim's. Written by `ccsim run --compute-report` and `ccsim explore --compute-reports`.
#pragma once

#include <cstddef>
#include <string>

#include "hw/network_run.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cli {

std::string compute_report_header();
// One layer's row, LayerID `id`.
std::string compute_report_row(std::size_t id, const model::PackedLayer& layer, const hw::LayerStats& stats,
                               const hw::ArrayConfig& array);

// One inference: overall utilization = busy MAC slots x b / (R C cycles); mapping efficiency =
// filter-matrix cells mapped / cells of the tiles used; compute utilization = busy / issued MAC
// slots during compute. Non-Matmul layers (shift, pooling, ...) show their cycles with zeros.
std::string compute_report_csv(const model::PackedNetwork& net, const hw::NetworkRun& run, const hw::ArrayConfig& array);

}  // namespace ccsim::cli
