// TLM-2.0 base-protocol checker: a pass-through module put on a socket hop (initiator -> checker
// -> target) that records every rule broken on that hop, without changing the traffic:
// - phase order per transaction: BEGIN_REQ, END_REQ (or a BEGIN_RESP that implies it),
//   BEGIN_RESP, END_RESP (or TLM_COMPLETED); phases only on their own path;
// - one transaction in the request phase at a time, and one in the response phase;
// - a response status other than TLM_INCOMPLETE_RESPONSE when a response arrives or b_transport
//   returns; data length and streaming width not 0; byte enables with a length;
// - DMI: a granted region with start <= end and a pointer; invalidations are passed back (counted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace ccsim::hw {

class ProtocolChecker : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProtocolChecker> in;     // the initiator binds here
  tlm_utils::simple_initiator_socket<ProtocolChecker> out;  // bound to the target

  explicit ProtocolChecker(sc_core::sc_module_name name);

  const std::vector<std::string>& violations() const { return violations_; }
  std::int64_t transactions() const { return transactions_; }
  std::int64_t dmi_invalidations() const { return invalidations_; }

 private:
  enum class Phase { Request, RequestDone, Response };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  void check_payload(const tlm::tlm_generic_payload& trans, const char* where);
  void end_request(const tlm::tlm_generic_payload& trans);
  void begin_response(const tlm::tlm_generic_payload& trans, const char* where);
  void end_response(const tlm::tlm_generic_payload& trans);
  void violation(const std::string& what);

  std::map<const tlm::tlm_generic_payload*, Phase> state_;
  const tlm::tlm_generic_payload* request_open_ = nullptr;
  const tlm::tlm_generic_payload* response_open_ = nullptr;
  std::vector<std::string> violations_;
  std::int64_t transactions_ = 0;
  std::int64_t invalidations_ = 0;
};

}  // namespace ccsim::hw
