#include "hw/tlm/memory.hpp"

#include <cstring>

namespace ccsim::hw {

Memory::Memory(sc_core::sc_module_name name, const MemoryConfig& config)
    : sc_core::sc_module(name),
      host_port("host_port"),
      dma_port("dma_port"),
      config_(config),
      data_(config.size, 0),
      peq_(this, &Memory::peq_callback) {
  for (auto* socket : {&host_port, &dma_port}) {
    const int port = socket == &host_port ? kHost : kDma;
    socket->register_b_transport(this, &Memory::b_transport, port);
    socket->register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr, port);
    socket->register_transport_dbg(this, &Memory::transport_dbg, port);
    socket->register_nb_transport_fw(this, &Memory::nb_transport_fw, port);
  }
}

sc_core::sc_time Memory::access_time(unsigned bytes) const {
  return sc_core::sc_time(config_.latency_ns + bytes / config_.bytes_per_ns, sc_core::SC_NS);
}

void Memory::execute(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr >= data_.size() || len > data_.size() - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++stats_.errors;
    return;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    ++stats_.errors;
    return;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    ++stats_.errors;
    return;
  }
  if (trans.is_read()) {
    std::memcpy(trans.get_data_ptr(), data_.data() + addr, len);
    ++stats_.reads;
    stats_.bytes_read += len;
  } else if (trans.is_write()) {
    std::memcpy(data_.data() + addr, trans.get_data_ptr(), len);
    ++stats_.writes;
    stats_.bytes_written += len;
  } else {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    ++stats_.errors;
    return;
  }
  trans.set_dmi_allowed(config_.allow_dmi);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Memory::b_transport(int /*port*/, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  execute(trans);
  delay += access_time(trans.get_data_length());
}

bool Memory::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& /*trans*/, tlm::tlm_dmi& dmi) {
  if (!config_.allow_dmi) return false;
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
  if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
  SC_REPORT_ERROR("ccsim/memory", "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

void Memory::peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  const int port = in_flight_.at(&trans);
  auto& socket = port == kHost ? host_port : dma_port;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  if (phase == tlm::BEGIN_REQ) {
    execute(trans);
    tlm::tlm_phase end_req = tlm::END_REQ;
    socket->nb_transport_bw(trans, end_req, delay);
    peq_.notify(trans, tlm::BEGIN_RESP, access_time(trans.get_data_length()));
    return;
  }
  if (phase == tlm::BEGIN_RESP) {
    in_flight_.erase(&trans);
    tlm::tlm_phase begin_resp = tlm::BEGIN_RESP;
    socket->nb_transport_bw(trans, begin_resp, delay);  // the initiator completes or sends END_RESP
  }
}

}  // namespace ccsim::hw
