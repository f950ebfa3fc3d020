// The accelerator as a TLM-2.0 component: the cycle-accurate core (hw/units: controller, weight
// and activation buffers, feeder, array, output stage, vector unit, DMA engine) elaborated from
// the AcceleratorConfig alone, a target socket for its control/status registers
// (register_map.hpp), the DMA engine's initiator socket, and an interrupt line. The network comes
// from memory: on START the DMA engine fetches the packed file at NET_ADDR (when it changed), the
// controller's layer program is built from it, and the inference runs (the shared schedule).
// Weights stay resident across runs when the weight buffer holds them (reloaded when the
// network or the weight address changes).
#pragma once

#include <cstdint>
#include <memory>
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

  AcceleratorTlm(sc_core::sc_module_name name, const AcceleratorTlmConfig& config);

  tlm_utils::simple_initiator_socket<DmaEngine>& dma() { return core_.dma_socket(); }
  const model::PackedNetwork* network() const { return net_.get(); }  // the loaded one (null: none yet)

  // The DRAM region of a swapped-in Matmul datapath (AcceleratorCore::set_tile_scratch).
  void set_tile_scratch(std::uint64_t address) { core_.set_tile_scratch(address); }
  const AcceleratorTlmStats& stats() const { return stats_; }
  const AcceleratorCore& core() const { return core_; }
  // Per run: per-layer outputs and counters (what the host reads is the output the DMA wrote).
  const std::vector<NetworkRun>& runs() const { return runs_; }

 private:
  void b_transport_regs(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool read_register(std::uint64_t offset, std::uint32_t& value) const;
  tlm::tlm_response_status write_register(std::uint64_t offset, std::uint32_t value, const sc_core::sc_time& delay);
  void run_thread();
  std::uint32_t load_network();  // fetches and decodes the network file; an error code
  void set_irq(bool level, const sc_core::sc_time& delay);
  void drive_irq();

  AcceleratorTlmConfig config_;
  AcceleratorCore core_;
  std::unique_ptr<model::PackedNetwork> net_;
  std::unique_ptr<MemorySystem> memory_;
  DramLayout layout_;
  std::uint64_t loaded_net_addr_ = 0;
  std::uint32_t loaded_net_size_ = 0;
  AcceleratorTlmStats stats_;
  std::vector<NetworkRun> runs_;
  sc_core::sc_event start_event_;
  sc_core::sc_event irq_event_;
  bool irq_level_ = false;

  std::uint32_t status_ = 0;
  std::uint32_t error_ = 0;
  std::uint64_t net_addr_ = 0;
  std::uint32_t net_size_ = 0;
  std::uint64_t weight_addr_ = 0;
  std::uint64_t loaded_weight_addr_ = ~std::uint64_t{0};  // the weights resident on chip came from here
  std::uint64_t in_addr_ = 0;
  std::uint64_t out_addr_ = 0;
  std::uint64_t last_cycles_ = 0;
};

}  // namespace ccsim::hw
