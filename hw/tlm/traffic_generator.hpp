// Traffic generator: a second initiator on the interconnect that reads (or writes) bursts at a
// set rate from an address range, loosely timed, until the simulation stops, so bandwidth
// contention with the accelerator's DMA can be studied.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace ccsim::hw {

struct TrafficConfig {
  double bytes_per_ns = 4.0;  // offered load
  unsigned burst_bytes = 256;
  std::uint64_t base = 0;     // address range [base, base + span)
  std::uint64_t span = 1u << 20;
  bool write = false;
};

class TrafficGenerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TrafficGenerator);
  tlm_utils::simple_initiator_socket<TrafficGenerator> socket;

  TrafficGenerator(sc_core::sc_module_name name, const TrafficConfig& config);

  std::int64_t bytes() const { return bytes_; }
  std::int64_t errors() const { return errors_; }

 private:
  void run();

  TrafficConfig config_;
  std::vector<unsigned char> buffer_;
  std::int64_t bytes_ = 0;
  std::int64_t errors_ = 0;
};

}  // namespace ccsim::hw
