// DMA engine: moves a layer's DRAM traffic (weights into the weight buffer, spilled activations
// in and out, the network input and output) while the layer computes, at the DRAM's sustained
// bandwidth: ceil(bytes / bytes_per_cycle) cycles per job (hw/README.md, "Memory system").
#pragma once

#include <systemc>

#include "hw/activation_buffer.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

class DmaEngine : public sc_core::sc_module, public DmaIf {
 public:
  SC_HAS_PROCESS(DmaEngine);

  struct Stats {
    std::int64_t jobs = 0;
    std::int64_t read_bytes = 0;
    std::int64_t write_bytes = 0;
    std::int64_t busy_cycles = 0;
  };

  sc_core::sc_in<bool> clk;

  DmaEngine(sc_core::sc_module_name name, const DramConfig& dram);

  void start(const DmaJob& job) override;
  bool done() const override { return done_; }
  const sc_core::sc_event& done_event() const override { return done_event_; }
  void add_activity(LayerStats& into) const override;

  // Cycles a job of `bytes` takes.
  std::int64_t transfer_cycles(std::int64_t bytes) const;
  const Stats& stats() const { return stats_; }
  bool busy() const { return !done_; }

 private:
  void run_thread();

  DramConfig dram_;
  DmaJob job_;
  bool done_ = true;
  Stats stats_;
  sc_core::sc_event start_event_;
  sc_core::sc_event done_event_;
};

}  // namespace ccsim::hw
