// The accelerator as a TLM-2.0 component: the cycle-accurate core (hw/units: controller, weight
// and activation buffers, feeder, array, output stage, vector unit, DMA engine) elaborated for a
// network, a target socket for its control/status registers (register_map.hpp), the DMA
// engine's initiator socket, and an interrupt line. One inference per START (the shared schedule);
// weights stay resident across runs when the weight buffer holds them (reloaded after the weight
// address changes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/accelerator.hpp"
#include "hw/units/core.hpp"

namespace ccsim::hw {

struct AcceleratorTlmConfig {
  AcceleratorConfig accelerator;  // array and memories (the TLM path runs the shared schedule)
  double clock_ns = 1.0;
  DmaConfig dma;
};

struct AcceleratorTlmStats {
  std::int64_t runs = 0;
  std::int64_t cycles = 0;  // all runs
  std::int64_t register_errors = 0;
};

class AcceleratorTlm : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(AcceleratorTlm);
  sc_core::sc_in<bool> clk;
  tlm_utils::simple_target_socket<AcceleratorTlm> regs;
  sc_core::sc_out<bool> irq;

  // `net` must outlive the module.
  AcceleratorTlm(sc_core::sc_module_name name, const model::PackedNetwork& net, const AcceleratorTlmConfig& config);

  tlm_utils::simple_initiator_socket<DmaEngine>& dma() { return core_.dma_socket(); }
  // What the host puts at the weight address, and how many bytes from there the accelerator uses.
  std::vector<unsigned char> weight_image() const;
  std::uint64_t dram_bytes() const { return layout_.end - layout_.base; }

  const AcceleratorTlmStats& stats() const { return stats_; }
  const AcceleratorCore& core() const { return core_; }
  // Per run: per-layer outputs and counters (what the host reads is the output the DMA wrote).
  const std::vector<NetworkRun>& runs() const { return runs_; }

 private:
  void b_transport_regs(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool read_register(std::uint64_t offset, std::uint32_t& value) const;
  tlm::tlm_response_status write_register(std::uint64_t offset, std::uint32_t value, const sc_core::sc_time& delay);
  void run_thread();
  void set_irq(bool level, const sc_core::sc_time& delay);
  void drive_irq();

  const model::PackedNetwork& net_;
  AcceleratorTlmConfig config_;
  MemorySystem memory_;
  DramLayout layout_;
  AcceleratorCore core_;
  AcceleratorTlmStats stats_;
  std::vector<NetworkRun> runs_;
  sc_core::sc_event start_event_;
  sc_core::sc_event irq_event_;
  bool irq_level_ = false;

  std::uint32_t status_ = 0;
  std::uint32_t error_ = 0;
  std::uint64_t weight_addr_ = 0;
  std::uint64_t loaded_weight_addr_ = ~std::uint64_t{0};  // the weights resident on chip came from here
  std::uint64_t in_addr_ = 0;
  std::uint64_t out_addr_ = 0;
  std::uint64_t last_cycles_ = 0;
};

}  // namespace ccsim::hw
