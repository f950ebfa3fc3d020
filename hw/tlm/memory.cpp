#include "hw/tlm/memory.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ccsim::hw {

Memory::Memory(sc_core::sc_module_name name, const MemoryConfig& config)
    : sc_core::sc_module(name), config_(config), data_(config.size, 0), peq_(this, &Memory::peq_callback) {
  if (config.ports < 1) throw std::invalid_argument(std::string(this->name()) + ": needs at least one port");
  if (!(config.bytes_per_ns > 0) || !std::isfinite(config.bytes_per_ns)) {
    throw std::invalid_argument(std::string(this->name()) + ": bandwidth must be a positive number of bytes per ns");
  }
  if (!(config.latency_ns >= 0) || !std::isfinite(config.latency_ns)) {
    throw std::invalid_argument(std::string(this->name()) + ": latency must be >= 0 ns");
  }
  if (config.max_outstanding < 1) throw std::invalid_argument(std::string(this->name()) + ": max_outstanding must be >= 1");
  channels_.resize(config.shared_channel ? 1 : static_cast<std::size_t>(config.ports));
  port_state_.resize(static_cast<std::size_t>(config.ports));
  for (int i = 0; i < config.ports; ++i) {
    ports_.push_back(std::make_unique<Socket>(("port" + std::to_string(i)).c_str()));
    Socket& socket = *ports_.back();
    socket.register_b_transport(this, &Memory::b_transport, i);
    socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr, i);
    socket.register_transport_dbg(this, &Memory::transport_dbg, i);
    socket.register_nb_transport_fw(this, &Memory::nb_transport_fw, i);
  }
}

sc_core::sc_time Memory::finish_time(Channel& c, const sc_core::sc_time& arrival, unsigned bytes) {
  if (arrival >= c.busy_until) {  // idle: a new busy period
    c.period_start = arrival;
    c.period_bytes = 0;
  }
  c.period_bytes += bytes;
  const double ps = c.period_bytes / config_.bytes_per_ns * 1000.0;
  c.busy_until = c.period_start + sc_core::sc_time(std::round(ps), sc_core::SC_PS);
  return c.busy_until + sc_core::sc_time(config_.latency_ns, sc_core::SC_NS);
}

bool Memory::execute(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  if (addr >= data_.size() || len > data_.size() - addr) {
    status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  } else if (trans.get_byte_enable_ptr() != nullptr && trans.get_byte_enable_length() == 0) {
    status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  } else if (trans.get_streaming_width() < len) {
    status = tlm::TLM_BURST_ERROR_RESPONSE;
  } else if (trans.is_read()) {
    std::memcpy(trans.get_data_ptr(), data_.data() + addr, len);  // a read may return every byte
    ++stats_.reads;
    stats_.bytes_read += len;
  } else if (trans.is_write() && trans.get_byte_enable_ptr() != nullptr) {
    // Byte enables (a write strobe): the pattern repeats over the data; 0xff writes the byte.
    const unsigned char* enable = trans.get_byte_enable_ptr();
    const unsigned pattern = trans.get_byte_enable_length();
    for (unsigned b = 0; b < len; ++b) {
      if (enable[b % pattern] == TLM_BYTE_ENABLED) data_[addr + b] = trans.get_data_ptr()[b];
    }
    ++stats_.writes;
    stats_.bytes_written += len;
  } else if (trans.is_write()) {
    std::memcpy(data_.data() + addr, trans.get_data_ptr(), len);
    ++stats_.writes;
    stats_.bytes_written += len;
  } else {
    status = tlm::TLM_COMMAND_ERROR_RESPONSE;
  }
  if (status != tlm::TLM_OK_RESPONSE) ++stats_.errors;
  trans.set_dmi_allowed(status == tlm::TLM_OK_RESPONSE && config_.allow_dmi);
  trans.set_response_status(status);
  return status == tlm::TLM_OK_RESPONSE;
}

void Memory::b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
  if (!execute(trans)) return;  // errors answer at once, with no channel time
  delay = finish_time(channel_of(port), arrival, trans.get_data_length()) - sc_core::sc_time_stamp();
}

bool Memory::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (!config_.allow_dmi || trans.get_address() >= data_.size()) return false;
  dmi.set_dmi_ptr(data_.data());
  dmi.set_start_address(0);
  dmi.set_end_address(data_.size() - 1);
  dmi.allow_read_write();
  // DMI models the streaming path: latency per byte (the bandwidth), no per-transaction setup.
  dmi.set_read_latency(sc_core::sc_time(1.0 / config_.bytes_per_ns, sc_core::SC_NS));
  dmi.set_write_latency(sc_core::sc_time(1.0 / config_.bytes_per_ns, sc_core::SC_NS));
  ++stats_.dmi_grants;
  return true;
}

void Memory::invalidate_dmi() {
  for (auto& socket : ports_) (*socket)->invalidate_direct_mem_ptr(0, data_.size() - 1);
}

unsigned Memory::transport_dbg(int /*port*/, tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address();
  if (addr >= data_.size()) return 0;
  const unsigned len = static_cast<unsigned>(std::min<std::uint64_t>(trans.get_data_length(), data_.size() - addr));
  if (trans.is_read()) std::memcpy(trans.get_data_ptr(), data_.data() + addr, len);
  if (trans.is_write()) std::memcpy(data_.data() + addr, trans.get_data_ptr(), len);
  return len;
}

tlm::tlm_sync_enum Memory::nb_transport_fw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                           sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    in_flight_[&trans] = port;
    peq_.notify(trans, phase, delay);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    response_done(port);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("ccsim/memory", "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

void Memory::accept(int port, tlm::tlm_generic_payload& trans) {
  Channel& c = channel_of(port);
  ++c.outstanding;
  tlm::tlm_phase end_req = tlm::END_REQ;
  sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  (*ports_[static_cast<std::size_t>(port)])->nb_transport_bw(trans, end_req, zero);
  const bool ok = execute(trans);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time done = ok ? finish_time(c, now, trans.get_data_length()) : now;
  peq_.notify(trans, tlm::BEGIN_RESP, done - now);
}

void Memory::peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  const int port = in_flight_.at(&trans);
  if (phase == tlm::BEGIN_REQ) {
    Channel& c = channel_of(port);
    if (c.outstanding < config_.max_outstanding) {
      accept(port, trans);
    } else {
      c.waiting.push_back(&trans);  // END_REQ withheld: the initiator may not send another request
      ++stats_.backpressured;
    }
    return;
  }
  if (phase == tlm::BEGIN_RESP) {
    Channel& c = channel_of(port);
    --c.outstanding;
    if (!c.waiting.empty()) {
      tlm::tlm_generic_payload* next = c.waiting.front();
      c.waiting.pop_front();
      accept(in_flight_.at(next), *next);
    }
    port_state_[static_cast<std::size_t>(port)].responses.push_back(&trans);
    send_response(port);
  }
}

void Memory::send_response(int port) {
  PortState& state = port_state_[static_cast<std::size_t>(port)];
  while (!state.response_busy && !state.responses.empty()) {
    tlm::tlm_generic_payload* trans = state.responses.front();
    state.responses.pop_front();
    in_flight_.erase(trans);
    tlm::tlm_phase begin_resp = tlm::BEGIN_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum status = (*ports_[static_cast<std::size_t>(port)])->nb_transport_bw(*trans, begin_resp, zero);
    // TLM_COMPLETED (or END_RESP returned): the response phase is over; TLM_ACCEPTED: END_RESP follows.
    state.response_busy = status == tlm::TLM_ACCEPTED;
  }
}

void Memory::response_done(int port) {
  port_state_[static_cast<std::size_t>(port)].response_busy = false;
  send_response(port);
}

}  // namespace ccsim::hw
