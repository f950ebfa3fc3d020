// The TLM system: host, accelerator (the cycle-accurate unit modules), an optional traffic
// generator, an interconnect and the memory, a protocol checker on every socket hop, simulated to
// the end of the inputs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hw/tlm/accelerator_tlm.hpp"
#include "hw/tlm/host.hpp"
#include "hw/tlm/interconnect.hpp"
#include "hw/tlm/memory.hpp"
#include "hw/tlm/protocol_checker.hpp"
#include "hw/tlm/traffic_generator.hpp"
#include "models/golden.hpp"

namespace ccsim::hw {

struct TlmSystemResult {
  std::vector<HostResult> runs;
  std::vector<NetworkRun> layers;  // per run: the accelerator's per-layer counters
  MemoryStats memory;
  AcceleratorTlmStats accelerator;
  DmaEngine::Stats dma;
  ArrayUnit::Stats array;                     // incl. cycles compared with a swapped-in implementation
  std::vector<ArrayMismatch> array_mismatches;  // the first ones
  VectorUnit::Stats vector;                       // incl. layers compared with a swapped-in implementation
  FeederUnit::Stats feeder;                       // incl. cycles compared with a swapped-in implementation
  std::vector<FeederMismatch> feeder_mismatches;  // the first ones
  OutputStage::Stats output;                      // incl. values compared with a swapped-in implementation
  std::vector<OutputMismatch> output_mismatches;  // the first ones
  std::vector<VectorMismatch> vector_mismatches;  // the first ones
  TileCheckStats tile;                            // a swapped-in Matmul datapath's comparisons
  std::vector<TileMismatch> tile_mismatches;      // the first ones
  Interconnect::Stats interconnect;
  std::int64_t traffic_bytes = 0;  // moved by the traffic generator
  std::vector<std::string> protocol_violations;  // what the checkers on every hop saw
  sc_core::sc_time end_time;
};

// Runs `inputs` one after another (the host hands the accelerator `net` as a packed file in memory). The memory (grown to what the host lays out when smaller) has
// one shared channel behind the interconnect (host, accelerator DMA, and the traffic generator
// when `traffic` is given).
TlmSystemResult run_tlm_system(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                               const AcceleratorTlmConfig& accelerator, const MemoryConfig& memory,
                               const std::optional<TrafficConfig>& traffic = std::nullopt);

}  // namespace ccsim::hw
