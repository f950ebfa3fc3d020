#include "hw/tlm/protocol_checker.hpp"

#include <sstream>

namespace ccsim::hw {

ProtocolChecker::ProtocolChecker(sc_core::sc_module_name name) : sc_core::sc_module(name), in("in"), out("out") {
  in.register_b_transport(this, &ProtocolChecker::b_transport);
  in.register_nb_transport_fw(this, &ProtocolChecker::nb_transport_fw);
  in.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
  in.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
  out.register_nb_transport_bw(this, &ProtocolChecker::nb_transport_bw);
  out.register_invalidate_direct_mem_ptr(this, &ProtocolChecker::invalidate_direct_mem_ptr);
}

void ProtocolChecker::violation(const std::string& what) {
  std::ostringstream msg;
  msg << name() << " at " << sc_core::sc_time_stamp() << ": " << what;
  violations_.push_back(msg.str());
}

void ProtocolChecker::check_payload(const tlm::tlm_generic_payload& t, const char* where) {
  ++transactions_;
  if (t.get_data_length() == 0) violation(std::string(where) + " with data length 0");
  if (t.get_streaming_width() == 0) violation(std::string(where) + " with streaming width 0");
  if (t.get_byte_enable_ptr() != nullptr && t.get_byte_enable_length() == 0) {
    violation(std::string(where) + " with byte enables of length 0");
  }
  if (t.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) {
    violation(std::string(where) + " whose response status is not TLM_INCOMPLETE_RESPONSE");
  }
}

void ProtocolChecker::b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
  check_payload(t, "b_transport");
  out->b_transport(t, delay);
  if (t.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) violation("b_transport returned TLM_INCOMPLETE_RESPONSE");
}

void ProtocolChecker::end_request(const tlm::tlm_generic_payload& t) {
  const auto s = state_.find(&t);
  if (s == state_.end() || s->second != Phase::Request) {
    violation("END_REQ for a transaction not in its request phase");
    return;
  }
  s->second = Phase::RequestDone;
  if (request_open_ == &t) request_open_ = nullptr;
}

void ProtocolChecker::begin_response(const tlm::tlm_generic_payload& t, const char* where) {
  const auto s = state_.find(&t);
  if (s == state_.end()) {
    violation(std::string("BEGIN_RESP (") + where + ") for a transaction never requested");
    return;
  }
  if (s->second == Phase::Request) end_request(t);  // BEGIN_RESP implies END_REQ
  if (s->second == Phase::Response) violation(std::string("BEGIN_RESP (") + where + ") twice for one transaction");
  if (response_open_ && response_open_ != &t) violation(std::string("BEGIN_RESP (") + where + ") while another response is in its response phase");
  if (t.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) violation(std::string("BEGIN_RESP (") + where + ") with TLM_INCOMPLETE_RESPONSE");
  s->second = Phase::Response;
  response_open_ = &t;
}

void ProtocolChecker::end_response(const tlm::tlm_generic_payload& t) {
  const auto s = state_.find(&t);
  if (s == state_.end() || s->second != Phase::Response) violation("END_RESP for a transaction not in its response phase");
  state_.erase(&t);
  if (response_open_ == &t) response_open_ = nullptr;
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    check_payload(t, "BEGIN_REQ");
    if (request_open_) violation("BEGIN_REQ while another transaction is in its request phase");
    if (state_.count(&t)) violation("BEGIN_REQ for a transaction already in flight");
    state_[&t] = Phase::Request;
    request_open_ = &t;
  } else if (phase == tlm::END_RESP) {
    end_response(t);
  } else {
    violation(std::string("phase ") + phase.get_name() + " on the forward path");
  }
  const tlm::tlm_sync_enum status = out->nb_transport_fw(t, phase, delay);
  if (status == tlm::TLM_UPDATED) {
    if (phase == tlm::END_REQ) {
      end_request(t);
    } else if (phase == tlm::BEGIN_RESP) {
      begin_response(t, "returned");
    } else {
      violation(std::string("nb_transport_fw returned TLM_UPDATED with phase ") + phase.get_name());
    }
  } else if (status == tlm::TLM_COMPLETED && state_.count(&t)) {
    if (state_[&t] != Phase::Response) begin_response(t, "completed");
    end_response(t);
  }
  return status;
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  if (phase == tlm::END_REQ) {
    end_request(t);
  } else if (phase == tlm::BEGIN_RESP) {
    begin_response(t, "backward");
  } else {
    violation(std::string("phase ") + phase.get_name() + " on the backward path");
  }
  const tlm::tlm_sync_enum status = in->nb_transport_bw(t, phase, delay);
  if ((status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) && state_.count(&t) &&
      state_[&t] == Phase::Response) {
    end_response(t);
  }
  return status;
}

bool ProtocolChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
  const bool granted = out->get_direct_mem_ptr(t, dmi);
  if (granted && (dmi.get_dmi_ptr() == nullptr || dmi.get_start_address() > dmi.get_end_address())) {
    violation("DMI granted without a pointer or with start > end");
  }
  return granted;
}

unsigned ProtocolChecker::transport_dbg(tlm::tlm_generic_payload& t) { return out->transport_dbg(t); }

void ProtocolChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  ++invalidations_;
  if (start > end) violation("DMI invalidation with start > end");
  in->invalidate_direct_mem_ptr(start, end);
}

}  // namespace ccsim::hw
