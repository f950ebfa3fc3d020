#include "sim/run_report.hpp"

#include <algorithm>
#include <stdexcept>

#include "hw/array_occupancy.hpp"
#include "hw/memory_system.hpp"
#include "hw/pipeline.hpp"

namespace ccsim::cli {

nlohmann::json run_report(const RunReportInputs& in) {
  if (in.runs.empty()) throw std::invalid_argument("run_report: no inputs were run");
  const auto& net = in.net;
  const auto& runs = in.runs;
  const hw::AcceleratorConfig& config = in.config;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < runs.front().layers.size(); ++i) {
    nlohmann::json layer = runs.front().layers[i].to_json();
    // Where an array layer's work lands, cell by cell, and its multiplexer selects (ccsim report).
    if (net.layers[i].kind == model::OpKind::Matmul) layer["array_cells"] = hw::array_occupancy(config.resolved_array(), net.layers[i]).to_json();
    layers.push_back(std::move(layer));
  }
  const auto& total = runs.front().total;
  hw::LayerStats all;
  for (const auto& r : runs) all.add(r.total);
  all.name = "all inputs";
  std::int64_t makespan = 0;
  for (const auto& r : runs) makespan = std::max(makespan, r.end_cycle);
  const hw::MemorySystem memory(config, net);
  const std::size_t arrays = config.schedule == hw::Schedule::Pipelined ? hw::pipeline_stages(net).size() : 1;
  const std::size_t n = runs.size();
  nlohmann::json report = {{"network", net.name},
                           {"file", in.file},
                           {"mode", in.mode},
                           {"array", config.array.to_json()},
                           {"accelerator", config.to_json()},
                           {"arrays", arrays},
                           {"weights_resident", memory.weights_resident()},
                           {"network_weight_bytes", memory.network_weight_bytes()},
                           {"samples", n},
                           {"golden_check", in.values_are_golden ? "fast mode computes with the golden model" : "pass"},
                           {"cycles_per_inference", total.cycles},
                           {"latency_cycles", runs.front().end_cycle - runs.front().start_cycle},
                           {"makespan_cycles", makespan},
                           {"cycles_per_input_steady", hw::steady_state_interval(net, runs.back().layers, config.schedule == hw::Schedule::Pipelined)},
                           {"utilization", total.utilization()},
                           {"per_inference", total.to_json()},
                           {"all_inputs", all.to_json()},
                           {"layers", layers},
                           {"wall_seconds", in.wall_seconds},
                           {"simulated_mac_slots_per_second", in.wall_seconds > 0 ? total.mac_slots * n / in.wall_seconds : 0.0}};
  // The first inference loads the weights (cold); the last one is warm when they stay resident.
  const hw::AreaBreakdown area = hw::area_of(config, net, static_cast<std::int64_t>(arrays), in.area);
  report["clock_mhz"] = in.clock_mhz;
  report["energy_first_inference"] = hw::energy_of(total, config.resolved_array(), in.energy, area, in.clock_mhz).to_json();
  report["energy_last_inference"] = hw::energy_of(runs.back().total, config.resolved_array(), in.energy, area, in.clock_mhz).to_json();
  report["area"] = area.to_json();
  if (!in.labels.empty()) {
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) correct += static_cast<int>(model::argmax(runs[i].output().data)) == in.labels[i];
    report["accuracy"] = static_cast<double>(correct) / static_cast<double>(n);
  }
  return report;
}

}  // namespace ccsim::cli
