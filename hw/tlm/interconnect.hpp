// Interconnect: N initiators (host, accelerator DMA engines, traffic generators) onto one target
// (the memory). Loosely timed: b_transport, DMI and debug accesses pass through; DMI
// invalidations go to every initiator. Approximately timed: requests are forwarded one at a time
// on the target side (a second BEGIN_REQ waits for the END_REQ of the first: the base protocol's
// request exclusion on the shared hop; a queued request loses its annotated delay), responses go
// back to the initiator that sent them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace ccsim::hw {

class Interconnect : public sc_core::sc_module {
 public:
  using TargetSocket = tlm_utils::simple_target_socket_tagged<Interconnect>;

  struct Stats {
    std::vector<std::int64_t> transactions;  // per initiator
    std::vector<std::int64_t> bytes;
    std::int64_t queued_requests = 0;        // AT requests that waited for the shared hop
  };

  tlm_utils::simple_initiator_socket<Interconnect> to_target;

  Interconnect(sc_core::sc_module_name name, int initiators);

  TargetSocket& initiator_port(int i) { return *inputs_.at(static_cast<std::size_t>(i)); }
  const Stats& stats() const { return stats_; }

 private:
  struct Pending {
    int port;
    tlm::tlm_generic_payload* trans;
  };

  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  void count(int port, const tlm::tlm_generic_payload& trans);
  void forward_request(int port, tlm::tlm_generic_payload& trans);  // sends BEGIN_REQ on the shared hop
  void send_queued_request();

  std::vector<std::unique_ptr<TargetSocket>> inputs_;
  std::map<const tlm::tlm_generic_payload*, int> route_;
  bool downstream_request_open_ = false;  // a BEGIN_REQ on the shared hop without its END_REQ
  const tlm::tlm_generic_payload* open_request_ = nullptr;
  std::deque<Pending> queued_;
  Stats stats_;
};

}  // namespace ccsim::hw
