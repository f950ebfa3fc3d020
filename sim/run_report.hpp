// The report of a run of a packed network on the accelerator: what `run --report` writes, what
// `ccsim report` draws and what the Python API returns. Per layer (with the array cells of each
// Matmul layer) and in total, energy of the first (cold) and last inference, area, accuracy.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/network_run.hpp"
#include "hw/area_model.hpp"
#include "hw/energy_model.hpp"

namespace ccsim::cli {

struct RunReportInputs {
  const model::PackedNetwork& net;
  std::string file;                        // the packed file, as named
  std::string mode;                        // "fast", "cycle", "tlm-lt", ...
  const hw::AcceleratorConfig& config;
  double clock_mhz;                        // for leakage energy (and the report)
  const std::vector<hw::NetworkRun>& runs;  // one per input, in order (at least one)
  bool values_are_golden = false;          // fast mode: the values are the golden model's own
  double wall_seconds = 0;
  const hw::EnergyTable& energy;
  const hw::AreaTable& area;
  const std::vector<int>& labels;          // empty, or one per input: adds "accuracy"
};

nlohmann::json run_report(const RunReportInputs& in);

}  // namespace ccsim::cli
