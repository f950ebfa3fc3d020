// The TLM system: host, memory and accelerator connected, simulated to the end of the inputs.
#pragma once

#include <string>
#include <vector>

#include "hw/tlm/accelerator_tlm.hpp"
#include "hw/tlm/host.hpp"
#include "hw/tlm/memory.hpp"
#include "models/golden.hpp"

namespace ccsim::hw {

struct TlmSystemResult {
  std::vector<HostResult> runs;
  MemoryStats memory;
  AcceleratorTlmStats accelerator;
  sc_core::sc_time end_time;
};

// `image` is a packed weight file's bytes. SystemC elaborates once per process: call once.
TlmSystemResult run_tlm_system(const std::string& image, const std::vector<model::Int8Tensor>& inputs,
                               std::size_t output_bytes, const AcceleratorTlmConfig& accelerator,
                               const MemoryConfig& memory);

}  // namespace ccsim::hw
