#include "hw/tlm/interconnect.hpp"

#include <stdexcept>
#include <string>

namespace ccsim::hw {

Interconnect::Interconnect(sc_core::sc_module_name name, int initiators) : sc_core::sc_module(name), to_target("to_target") {
  if (initiators < 1) throw std::invalid_argument(std::string(this->name()) + ": needs at least one initiator port");
  for (int i = 0; i < initiators; ++i) {
    inputs_.push_back(std::make_unique<TargetSocket>(("initiator" + std::to_string(i)).c_str()));
    TargetSocket& s = *inputs_.back();
    s.register_b_transport(this, &Interconnect::b_transport, i);
    s.register_get_direct_mem_ptr(this, &Interconnect::get_direct_mem_ptr, i);
    s.register_transport_dbg(this, &Interconnect::transport_dbg, i);
    s.register_nb_transport_fw(this, &Interconnect::nb_transport_fw, i);
  }
  stats_.transactions.assign(static_cast<std::size_t>(initiators), 0);
  stats_.bytes.assign(static_cast<std::size_t>(initiators), 0);
  to_target.register_nb_transport_bw(this, &Interconnect::nb_transport_bw);
  to_target.register_invalidate_direct_mem_ptr(this, &Interconnect::invalidate_direct_mem_ptr);
}

void Interconnect::count(int port, const tlm::tlm_generic_payload& trans) {
  stats_.transactions[static_cast<std::size_t>(port)] += 1;
  stats_.bytes[static_cast<std::size_t>(port)] += trans.get_data_length();
}

void Interconnect::b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  count(port, trans);
  to_target->b_transport(trans, delay);
}

bool Interconnect::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  return to_target->get_direct_mem_ptr(trans, dmi);
}

unsigned Interconnect::transport_dbg(int /*port*/, tlm::tlm_generic_payload& trans) { return to_target->transport_dbg(trans); }

void Interconnect::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto& s : inputs_) (*s)->invalidate_direct_mem_ptr(start, end);
}

tlm::tlm_sync_enum Interconnect::nb_transport_fw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                 sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    count(port, trans);
    route_[&trans] = port;
    if (downstream_request_open_) {
      queued_.push_back({port, &trans});
      stats_.queued_requests += 1;
      return tlm::TLM_ACCEPTED;  // END_REQ when it has gone downstream and been accepted
    }
    forward_request(port, trans);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    route_.erase(&trans);
    return to_target->nb_transport_fw(trans, phase, delay);
  }
  SC_REPORT_ERROR("ccsim/interconnect", "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

void Interconnect::forward_request(int port, tlm::tlm_generic_payload& trans) {
  downstream_request_open_ = true;
  open_request_ = &trans;
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const tlm::tlm_sync_enum status = to_target->nb_transport_fw(trans, phase, delay);
  if (status == tlm::TLM_ACCEPTED) return;  // END_REQ comes on the backward path
  // Accepted at once (END_REQ or straight to the response): tell the initiator.
  downstream_request_open_ = false;
  tlm::tlm_phase up = status == tlm::TLM_COMPLETED ? tlm::BEGIN_RESP : phase;
  if (up == tlm::BEGIN_RESP) route_.erase(&trans);
  (*inputs_[static_cast<std::size_t>(port)])->nb_transport_bw(trans, up, delay);
  send_queued_request();
}

void Interconnect::send_queued_request() {
  if (downstream_request_open_ || queued_.empty()) return;
  const Pending next = queued_.front();
  queued_.pop_front();
  forward_request(next.port, *next.trans);
}

tlm::tlm_sync_enum Interconnect::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                 sc_core::sc_time& delay) {
  const auto route = route_.find(&trans);
  if (route == route_.end()) {
    SC_REPORT_ERROR("ccsim/interconnect", "a backward call for a transaction it did not forward");
    return tlm::TLM_COMPLETED;
  }
  const int port = route->second;
  TargetSocket& up = *inputs_[static_cast<std::size_t>(port)];
  if (phase == tlm::END_REQ) {
    downstream_request_open_ = false;
    const tlm::tlm_sync_enum status = up->nb_transport_bw(trans, phase, delay);
    send_queued_request();
    return status;
  }
  if (phase == tlm::BEGIN_RESP) {
    const tlm::tlm_sync_enum status = up->nb_transport_bw(trans, phase, delay);
    if (status == tlm::TLM_COMPLETED) route_.erase(&trans);
    if (downstream_request_open_ && open_request_ == &trans) {  // BEGIN_RESP ends the request phase too
      downstream_request_open_ = false;
      send_queued_request();
    }
    return status;
  }
  SC_REPORT_ERROR("ccsim/interconnect", "unexpected phase on nb_transport_bw");
  return tlm::TLM_COMPLETED;
}

}  // namespace ccsim::hw
