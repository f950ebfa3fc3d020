// DMA engine: a TLM-2.0 initiator that moves every DRAM byte of a layer: the input before the
// layer computes, the weights into the weight buffer and the further passes over a spilled input
// while it computes, the output once it is complete (the controller starts each phase; hw/README.md,
// "Memory system"). A phase is a list of transfers, cut into bursts; it is done at the first
// rising clock edge at or after its last byte arrived (the memory model gives the time).
// Loosely timed: b_transport with temporal decoupling (quantum keeper), DMI when granted.
// Approximately timed: the four base-protocol phases, up to `max_outstanding` bursts in flight.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

enum class MemoryPath { LooselyTimed, ApproximatelyTimed };

struct DmaConfig {
  MemoryPath path = MemoryPath::LooselyTimed;
  unsigned burst_bytes = 256;
  int max_outstanding = 4;     // AT bursts in flight
  bool use_dmi = false;        // LT only
  double quantum_ns = 1000.0;  // LT temporal decoupling
};

class DmaEngine : public sc_core::sc_module, public DmaIf {
 public:
  SC_HAS_PROCESS(DmaEngine);

  struct Stats {
    std::int64_t phases = 0;
    std::int64_t read_bytes = 0;
    std::int64_t write_bytes = 0;
    std::int64_t transactions = 0;
    std::int64_t dmi_accesses = 0;
    std::int64_t errors = 0;
  };

  tlm_utils::simple_initiator_socket<DmaEngine> socket;

  DmaEngine(sc_core::sc_module_name name, const DmaConfig& config, sc_core::sc_time clock_period);

  void start(const DmaJob& job) override;
  bool done() const override { return done_; }
  const sc_core::sc_event& done_event() const override { return done_event_; }
  bool failed() const override { return failed_; }
  void add_activity(LayerStats& into) const override;

  const Stats& stats() const { return stats_; }
  const DmaConfig& config() const { return config_; }
  bool busy() const { return !done_; }

 private:
  struct Burst {
    tlm::tlm_command command;
    std::uint64_t address;
    unsigned char* data;
    unsigned bytes;
  };

  void run_thread();
  std::vector<Burst> bursts(const DmaJob& job) const;
  sc_core::sc_time run_lt(const std::vector<Burst>& bursts);  // returns when the last byte arrived
  sc_core::sc_time run_at(const std::vector<Burst>& bursts);
  bool dmi_access(const Burst& burst, sc_core::sc_time& local);
  void responded(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);
  static void prepare(tlm::tlm_generic_payload& trans, const Burst& burst);

  DmaConfig config_;
  sc_core::sc_time period_;
  tlm_utils::tlm_quantumkeeper quantum_;
  DmaJob job_;
  bool done_ = true;
  bool failed_ = false;
  Stats stats_;
  sc_core::sc_event start_event_;
  sc_core::sc_event done_event_;
  // AT
  sc_core::sc_event progress_event_;
  bool request_open_ = false;  // BEGIN_REQ sent, END_REQ not yet (a BEGIN_RESP also ends it)
  const tlm::tlm_generic_payload* current_request_ = nullptr;
  int in_flight_ = 0;
  std::size_t answered_ = 0;
  sc_core::sc_time last_response_;
  // LT DMI
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;
};

}  // namespace ccsim::hw
