// Memory model with configurable latency and bandwidth, two target ports (host, DMA). Loosely
// timed: b_transport annotates latency + size / bandwidth and grants DMI. Approximately timed:
// nb_transport_fw with the four base-protocol phases (BEGIN_REQ, END_REQ, BEGIN_RESP, END_RESP).
// Bad addresses, byte enables and streaming widths get the proper TLM error responses.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

namespace ccsim::hw {

struct MemoryConfig {
  std::uint64_t size = 16u << 20;   // bytes, mapped from address 0
  double latency_ns = 50.0;         // per transaction
  double bytes_per_ns = 8.0;        // bandwidth
  bool allow_dmi = true;
};

struct MemoryStats {
  std::int64_t reads = 0;
  std::int64_t writes = 0;
  std::int64_t bytes_read = 0;
  std::int64_t bytes_written = 0;
  std::int64_t errors = 0;
  std::int64_t dmi_grants = 0;
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket_tagged<Memory> host_port;
  tlm_utils::simple_target_socket_tagged<Memory> dma_port;

  Memory(sc_core::sc_module_name name, const MemoryConfig& config);

  const MemoryStats& stats() const { return stats_; }
  sc_core::sc_time access_time(unsigned bytes) const;
  // Direct access for checks (no timing).
  const std::vector<unsigned char>& contents() const { return data_; }

 private:
  static constexpr int kHost = 0;
  static constexpr int kDma = 1;

  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void execute(tlm::tlm_generic_payload& trans);  // sets the response status

  MemoryConfig config_;
  std::vector<unsigned char> data_;
  MemoryStats stats_;
  tlm_utils::peq_with_cb_and_phase<Memory> peq_;
  std::map<const tlm::tlm_generic_payload*, int> in_flight_;  // AT transactions: the port they came on
};

}  // namespace ccsim::hw
