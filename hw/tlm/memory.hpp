// DRAM model: storage mapped from address 0, a per-transaction latency, a sustained bandwidth
// and a limit on outstanding approximately-timed requests, behind one or more target ports.
//
// Timing: a channel moves bytes_per_ns; a transaction that finds it idle opens a busy period,
// one that finds it busy queues behind the bytes already accepted, and its data is there
// `latency` after its last byte crossed the channel. Busy periods are computed from their total
// bytes (one rounding to the time resolution per transaction, none accumulated), so back-to-back
// transfers of B bytes take exactly B / bandwidth. With `shared_channel` every port contends for
// one channel (a real memory behind an interconnect); without it each port has a channel of its
// own (the per-stage DRAM of the pipelined schedule's analytical model).
// Loosely timed: b_transport annotates the finish time; DMI grants the storage with a per-byte
// latency of 1 / bandwidth. Approximately timed: nb_transport_fw with the four base-protocol
// phases; END_REQ is withheld while max_outstanding requests are in flight (back-pressure), and
// one BEGIN_RESP at a time per port waits for its END_RESP. Bad addresses, byte enables, streaming
// widths and commands get the TLM error responses.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

namespace ccsim::hw {

struct MemoryConfig {
  std::uint64_t size = 16u << 20;  // bytes, mapped from address 0
  double latency_ns = 50.0;        // per transaction, after its data crossed the channel
  double bytes_per_ns = 8.0;       // bandwidth
  int max_outstanding = 8;         // AT requests accepted and not yet answered (per channel)
  bool allow_dmi = true;
  int ports = 2;
  bool shared_channel = true;
};

struct MemoryStats {
  std::int64_t reads = 0;
  std::int64_t writes = 0;
  std::int64_t bytes_read = 0;
  std::int64_t bytes_written = 0;
  std::int64_t errors = 0;
  std::int64_t dmi_grants = 0;
  std::int64_t backpressured = 0;  // AT requests that waited for an outstanding slot
};

class Memory : public sc_core::sc_module {
 public:
  using Socket = tlm_utils::simple_target_socket_tagged<Memory>;

  Memory(sc_core::sc_module_name name, const MemoryConfig& config);

  Socket& port(int i) { return *ports_.at(static_cast<std::size_t>(i)); }
  const MemoryConfig& config() const { return config_; }
  const MemoryStats& stats() const { return stats_; }
  // Direct access for hosts and checks (no timing).
  std::vector<unsigned char>& contents() { return data_; }
  const std::vector<unsigned char>& contents() const { return data_; }
  // Revokes every DMI pointer granted (initiators must fall back to transactions).
  void invalidate_dmi();

 private:
  struct Channel {
    sc_core::sc_time busy_until = sc_core::SC_ZERO_TIME;
    sc_core::sc_time period_start = sc_core::SC_ZERO_TIME;
    double period_bytes = 0;
    int outstanding = 0;
    std::deque<tlm::tlm_generic_payload*> waiting;  // AT requests without END_REQ yet
  };
  struct PortState {
    bool response_busy = false;  // a BEGIN_RESP sent, no END_RESP yet
    std::deque<tlm::tlm_generic_payload*> responses;
  };

  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  bool execute(tlm::tlm_generic_payload& trans);  // sets the response status; true when OK
  // When a transaction of `bytes` arriving at `arrival` on `channel` has its data (absolute).
  sc_core::sc_time finish_time(Channel& channel, const sc_core::sc_time& arrival, unsigned bytes);
  Channel& channel_of(int port) { return channels_[config_.shared_channel ? 0 : static_cast<std::size_t>(port)]; }
  void accept(int port, tlm::tlm_generic_payload& trans);  // END_REQ sent or returned: schedule the response
  void send_response(int port);
  void response_done(int port);

  MemoryConfig config_;
  std::vector<std::unique_ptr<Socket>> ports_;
  std::vector<unsigned char> data_;
  MemoryStats stats_;
  std::vector<Channel> channels_;
  std::vector<PortState> port_state_;
  tlm_utils::peq_with_cb_and_phase<Memory> peq_;
  std::map<const tlm::tlm_generic_payload*, int> in_flight_;  // AT transactions: the port they came on
};

}  // namespace ccsim::hw
