// The accelerator as a TLM-2.0 component: a target socket for its control/status registers
// (register_map.hpp), an initiator socket for DMA, and an interrupt line. Compute uses the
// array's fast (analytical) model, whose cycle counts equal the cycle-accurate mode's; the run
// takes cycles x clock period of simulated time. The DMA path is loosely timed (b_transport with
// temporal decoupling and DMI) or approximately timed (nb_transport, four phases); both give the
// same results.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "hw/accelerator_config.hpp"

namespace ccsim::hw {

enum class MemoryPath { LooselyTimed, ApproximatelyTimed };

struct AcceleratorTlmConfig {
  AcceleratorConfig accelerator;  // array and memories (the TLM path runs the shared schedule)
  double clock_ns = 1.0;
  MemoryPath path = MemoryPath::LooselyTimed;
  double quantum_ns = 1000.0;  // temporal decoupling quantum (LT)
  unsigned burst_bytes = 256;  // DMA burst size
  bool use_dmi = true;         // LT only
};

struct AcceleratorTlmStats {
  std::int64_t runs = 0;
  std::int64_t cycles = 0;  // array cycles, all runs
  std::int64_t dma_bytes_read = 0;
  std::int64_t dma_bytes_written = 0;
  std::int64_t dma_transactions = 0;
  std::int64_t dmi_accesses = 0;
  std::int64_t register_errors = 0;
};

class AcceleratorTlm : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(AcceleratorTlm);
  tlm_utils::simple_target_socket<AcceleratorTlm> regs;
  tlm_utils::simple_initiator_socket<AcceleratorTlm> dma;
  sc_core::sc_out<bool> irq;

  AcceleratorTlm(sc_core::sc_module_name name, const AcceleratorTlmConfig& config);

  const AcceleratorTlmStats& stats() const { return stats_; }

 private:
  struct DmaError {};

  void b_transport_regs(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool read_register(std::uint64_t offset, std::uint32_t& value) const;
  tlm::tlm_response_status write_register(std::uint64_t offset, std::uint32_t value, const sc_core::sc_time& delay);
  void run_thread();
  void set_irq(bool level, const sc_core::sc_time& delay);
  void drive_irq();
  void execute_run();
  void finish(std::uint32_t error);

  void dma_transfer(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::size_t bytes);
  void dma_burst_lt(tlm::tlm_generic_payload& trans);
  void dma_burst_at(tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);

  AcceleratorTlmConfig config_;
  AcceleratorTlmStats stats_;
  tlm_utils::tlm_quantumkeeper quantum_;
  sc_core::sc_event start_event_;
  sc_core::sc_event irq_event_;
  bool irq_level_ = false;
  sc_core::sc_event end_req_event_;
  sc_core::sc_event response_event_;
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;

  std::uint32_t status_ = 0;
  std::uint32_t error_ = 0;
  std::uint64_t net_addr_ = 0;
  std::uint32_t net_size_ = 0;
  std::uint64_t in_addr_ = 0;
  std::uint64_t out_addr_ = 0;
  std::uint64_t last_cycles_ = 0;
  std::uint32_t last_layers_ = 0;
};

}  // namespace ccsim::hw
