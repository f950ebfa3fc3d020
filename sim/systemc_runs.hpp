// The runs that need the SystemC kernel, behind one seam. The tool is linked twice from the same
// objects: `ccsim` without the SystemC models and `ccsim-systemc` with them (this header's
// functions in sim/systemc_runs.cpp). libsystemc's static initialisation alone costs ~13 ms of CPU
// at every start on the build machine, as much as a fast-mode run of SCALE-Sim's three-layer
// topology computes, so packing, fast mode, sweeps and reports do not load it. A command that
// needs SystemC calls require_systemc() before it does anything else: in `ccsim` the process
// becomes ccsim-systemc (installed beside it) with the same command line (sim/systemc_absent.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/accelerator_config.hpp"
#include "hw/network_run.hpp"
#include "hw/trace_options.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"
#include "sim/exec_beside.hpp"
#include "sim/rtl_tile.hpp"

namespace ccsim::cli {

// remember_command_line() and require_systemc() are declared in sim/exec_beside.hpp.

// What the RTL swapped into the SystemC accelerator was compared on (--rtl array, feeder, output, vector).
struct RtlCheck {
  std::int64_t array_cycles = 0;   // array cycles whose every cell register was compared
  std::int64_t feeder_cycles = 0;  // cycles whose every bit line was compared
  std::int64_t output_values = 0;  // output-stage values compared
  std::int64_t vector_layers = 0;  // layers the RTL vector unit ran, their compute cycles, their values
  std::int64_t vector_cycles = 0;
  std::int64_t vector_values = 0;
  hw::TileCheckStats tile;         // the RTL accelerator tile's (its own mismatches counted below)
  std::int64_t mismatches = 0;
  std::vector<std::string> first;  // described: cycle, layer, tile or value, signal, expected, actual
};

// --rtl array: every core's array cells become the Verilated RTL's (an unbuilt size is refused here).
void use_rtl_array(hw::AcceleratorConfig& config);
// --rtl output: every core's output stage requantizes through the Verilated RTL.
void use_rtl_output(hw::AcceleratorConfig& config);
// --rtl feeder: every core's feeder bit lines come from the Verilated RTL feeder; refused here for
// an unbuilt width or a layer of `net` its ports do not hold.
void use_rtl_feeder(hw::AcceleratorConfig& config, const model::PackedNetwork& net);
// --rtl vector: every core's vector unit runs the Verilated RTL vector unit; refused here when the
// configuration's lanes or store are not the built ones, or a layer of `net` does not fit it (its
// passes for `input`).
void use_rtl_vector(hw::AcceleratorConfig& config, const model::PackedNetwork& net, const model::Int8Tensor& input);

// --rtl tile: every core's Matmul datapath is the Verilated RTL accelerator (sim/rtl_tile.hpp);
// refused here for an array it was not built for, or a layer of `net` that fits none of its blocks.
void use_rtl_tile(hw::AcceleratorConfig& config, const model::PackedNetwork& net, const cosim::RtlTileTrace& waveform = {});

// --mode cycle: hw::run_cycle_accurate; `rtl` (optional) collects every core's RTL comparisons.
std::vector<hw::NetworkRun> run_cycle_mode(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const hw::AcceleratorConfig& config, const hw::TraceOptions& trace = {},
                                           RtlCheck* rtl = nullptr);

struct TlmRunOptions {
  std::string memory_path = "lt";  // lt or at
  double dram_latency_ns = 0;
  bool dmi = false;
  double traffic_bytes_per_ns = 0;  // a second initiator reading 1 MiB from 8 MiB on; 0 = none
};

// --tlm: the TLM system (host, interconnect, memory, and the cycle-accurate accelerator units whose
// DMA engine moves every DRAM byte through the memory model). Checks what the host read back;
// `tlm_report` gets, per layer of the first and the last inference, the fast mode's analytical
// memory estimate against the TLM cycles. Returns no runs when a swapped-in RTL unit disagreed.
std::vector<hw::NetworkRun> run_tlm_mode(const TlmRunOptions& options, const model::PackedNetwork& net,
                                         const std::vector<model::Int8Tensor>& inputs, const hw::AcceleratorConfig& config,
                                         nlohmann::json& tlm_report, RtlCheck& rtl);

}  // namespace ccsim::cli
