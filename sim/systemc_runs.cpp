// The SystemC side of the seam (sim/systemc_runs.hpp), linked into ccsim-systemc only.
#include "sim/systemc_runs.hpp"

#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "hw/accelerator.hpp"
#include "hw/memory_system.hpp"
#include "hw/tlm/register_map.hpp"
#include "hw/tlm/system.hpp"
#include "sim/rtl_array.hpp"
#include "sim/rtl_feeder.hpp"
#include "sim/rtl_output.hpp"
#include "sim/rtl_tile.hpp"
#include "sim/rtl_vector.hpp"
#include "sim/vector_program.hpp"

// libsystemc refers to sc_main from its own main(); ccsim-systemc has its own main() and starts
// the SystemC kernel only inside its commands, so this entry is never used.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) {
  std::cerr << "ccsim: sc_main is not an entry point of this program\n";
  return 2;
}

namespace ccsim::cli {
namespace {

// A swapped-in unit's mismatch count and its first mismatches, described (`prefix` names the unit
// where the description does not).
template <typename Mismatch>
void add_mismatches(RtlCheck& check, std::int64_t count, const std::vector<Mismatch>& found, const model::PackedNetwork& net,
                    const std::string& prefix = "") {
  check.mismatches += count;
  for (const auto& m : found) {
    check.first.push_back(prefix + m.describe(m.layer >= 0 ? net.layers[static_cast<std::size_t>(m.layer)].name : ""));
  }
}

void add_array_check(RtlCheck& check, const hw::ArrayUnit::Stats& stats, const std::vector<hw::ArrayMismatch>& found,
                     const model::PackedNetwork& net) {
  check.array_cycles += stats.compared_cycles;
  add_mismatches(check, stats.mismatches, found, net);
}

void add_feeder_check(RtlCheck& check, const hw::FeederUnit::Stats& stats, const std::vector<hw::FeederMismatch>& found,
                      const model::PackedNetwork& net) {
  check.feeder_cycles += stats.compared_cycles;
  add_mismatches(check, stats.mismatches, found, net);
}

void add_output_check(RtlCheck& check, const hw::OutputStage::Stats& stats, const std::vector<hw::OutputMismatch>& found,
                      const model::PackedNetwork& net) {
  check.output_values += stats.compared_values;
  add_mismatches(check, stats.mismatches, found, net);
}

void add_vector_check(RtlCheck& check, const hw::VectorUnit::Stats& stats, const std::vector<hw::VectorMismatch>& found,
                      const model::PackedNetwork& net) {
  check.vector_layers += stats.compared_layers;
  check.vector_cycles += stats.compared_cycles;
  check.vector_values += stats.compared_values;
  add_mismatches(check, stats.mismatches, found, net, "vector unit: ");
}

void add_tile_check(RtlCheck& check, const hw::TileCheckStats& stats, const std::vector<hw::TileMismatch>& found,
                    const model::PackedNetwork& net) {
  hw::TileCheckStats& t = check.tile;
  t.layers += stats.layers;
  t.blocks += stats.blocks;
  t.cycles_compared += stats.cycles_compared;
  t.wait_cycles += stats.wait_cycles;
  t.values_compared += stats.values_compared;
  t.memory_reads += stats.memory_reads;
  t.memory_writes += stats.memory_writes;
  t.spill_bytes += stats.spill_bytes;
  add_mismatches(check, stats.mismatches, found, net);
}

}  // namespace

void remember_command_line(int /*argc*/, char** /*argv*/) {}

void require_systemc() {}

void use_rtl_array(hw::AcceleratorConfig& config) {
  config.array_implementation = rtl::rtl_array_factory();
  config.array_implementation(config.resolved_array());  // an unbuilt size is refused before simulating
}

void use_rtl_output(hw::AcceleratorConfig& config) { config.output_implementation = rtl::rtl_output_factory(); }

void use_rtl_feeder(hw::AcceleratorConfig& config, const model::PackedNetwork& net) {
  config.feeder_implementation = rtl::rtl_feeder_factory();
  config.feeder_implementation(config.resolved_array());  // an unbuilt width is refused before simulating
  rtl::check_rtl_feeder_fits(net);
}

void use_rtl_tile(hw::AcceleratorConfig& config, const model::PackedNetwork& net, const cosim::RtlTileTrace& waveform) {
  cosim::check_rtl_tile_fits(net, config.resolved_array());  // before simulating
  config.tile_implementation = cosim::rtl_tile_factory(hw::Fault::None, waveform);
}

void use_rtl_vector(hw::AcceleratorConfig& config, const model::PackedNetwork& net, const model::Int8Tensor& input) {
  config.vector_implementation = cosim::rtl_vector_factory();
  config.vector_implementation(config.resolved_array());  // other lanes or store: refused before simulating
  // Every layer the swapped unit will run (the vector unit's layers that move data: not a fused
  // shift, not a flatten) must fit the built unit; its passes depend on shapes only.
  std::vector<model::Int8Tensor> outs;
  model::run_golden(net, input, &outs);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (!cosim::runs_on_vector_unit(net.layers[i].kind) || hw::is_view(net, i)) continue;
    (void)cosim::make_vector_passes(net.layers[i], model::operands_of(net, i, outs.data(), 0, input), cosim::RtlVectorUnit::limits());
  }
}

std::vector<hw::NetworkRun> run_cycle_mode(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const hw::AcceleratorConfig& config, const hw::TraceOptions& trace,
                                           RtlCheck* rtl) {
  return hw::run_cycle_accurate(net, inputs, config, 1.0, trace, [&](hw::Accelerator& acc) {
    if (!rtl) return;
    for (std::size_t s = 0; s < acc.cores(); ++s) {
      add_array_check(*rtl, acc.core(s).array().stats(), acc.core(s).array().mismatches(), net);
      add_vector_check(*rtl, acc.core(s).vector_unit().stats(), acc.core(s).vector_unit().mismatches(), net);
      add_feeder_check(*rtl, acc.core(s).feeder().stats(), acc.core(s).feeder().mismatches(), net);
      add_output_check(*rtl, acc.core(s).output_stage().stats(), acc.core(s).output_stage().mismatches(), net);
      if (const hw::TileImplementation* tile = acc.core(s).tile_implementation()) {
        add_tile_check(*rtl, tile->stats(), tile->mismatches(), net);
      }
    }
  });
}

std::vector<hw::NetworkRun> run_tlm_mode(const TlmRunOptions& a, const model::PackedNetwork& net,
                                         const std::vector<model::Int8Tensor>& inputs, const hw::AcceleratorConfig& config,
                                         nlohmann::json& tlm_report, RtlCheck& rtl) {
  hw::AcceleratorTlmConfig cfg;
  cfg.accelerator = config;
  cfg.dma.path = a.memory_path == "at" ? hw::MemoryPath::ApproximatelyTimed : hw::MemoryPath::LooselyTimed;
  cfg.dma.use_dmi = a.dmi;
  hw::MemoryConfig mem;  // 16 MiB, or as large as the host's layout
  mem.latency_ns = a.dram_latency_ns;
  mem.bytes_per_ns = config.dram.bytes_per_cycle / cfg.clock_ns;
  std::optional<hw::TrafficConfig> traffic;
  if (a.traffic_bytes_per_ns > 0) {  // a second initiator reading 1 MiB from 8 MiB on
    traffic.emplace();
    traffic->bytes_per_ns = a.traffic_bytes_per_ns;
    traffic->base = 8u << 20;
    traffic->span = 1u << 20;
  }
  const auto result = hw::run_tlm_system(net, inputs, cfg, mem, traffic);
  add_array_check(rtl, result.array, result.array_mismatches, net);
  add_vector_check(rtl, result.vector, result.vector_mismatches, net);
  add_feeder_check(rtl, result.feeder, result.feeder_mismatches, net);
  add_output_check(rtl, result.output, result.output_mismatches, net);
  add_tile_check(rtl, result.tile, result.tile_mismatches, net);
  if (rtl.mismatches > 0) return {};
  const std::vector<hw::NetworkRun> fast = hw::run_fast(net, inputs, config);
  std::vector<hw::NetworkRun> runs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& r = result.runs.at(i);
    if (r.status & hw::regs::kErrorBit) {
      throw std::runtime_error("TLM run " + std::to_string(i) + " ended with accelerator error " + std::to_string(r.error));
    }
    hw::NetworkRun run = result.layers.at(i);
    if (r.output != run.output().data) {
      throw std::runtime_error("TLM run " + std::to_string(i) + ": the output read back from memory differs from the one computed");
    }
    runs.push_back(std::move(run));
  }
  nlohmann::json estimate = nlohmann::json::array();
  for (const std::size_t k : {std::size_t{0}, inputs.size() - 1}) {
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      const std::int64_t f = fast[k].layers[l].cycles;
      const std::int64_t t = runs[k].layers[l].cycles;
      estimate.push_back({{"inference", k}, {"layer", net.layers[l].name}, {"fast_cycles", f}, {"tlm_cycles", t},
                          {"tlm_over_fast", f ? static_cast<double>(t) / static_cast<double>(f) : 0.0}});
    }
    if (inputs.size() == 1) break;
  }
  tlm_report = {{"memory_path", a.memory_path}, {"dram_latency_ns", a.dram_latency_ns}, {"dmi", a.dmi},
                {"traffic_bytes_per_ns", a.traffic_bytes_per_ns}, {"traffic_bytes", result.traffic_bytes},
                {"protocol_violations", result.protocol_violations},
                {"simulated_ns", result.end_time.to_seconds() * 1e9},
                {"dma_bytes_read", result.dma.read_bytes},
                {"dma_bytes_written", result.dma.write_bytes},
                {"dma_transactions", result.dma.transactions},
                {"dmi_accesses", result.dma.dmi_accesses},
                {"memory_port_bytes_read", result.memory.bytes_read},  // transactions only, not DMI
                {"memory_port_bytes_written", result.memory.bytes_written},
                {"fast_estimate_vs_tlm", estimate}};
  return runs;
}

}  // namespace ccsim::cli
