// Generic payloads for the initiators (DMA engine, host, traffic generator, tests), and one
// blocking TLM access (b_transport) from an initiator thread: builds the payload, waits for the
// annotated delay, and returns the response status.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>

namespace ccsim::hw {

// A fresh generic payload for one burst: no byte enables, streaming width = length, no DMI hint,
// TLM_INCOMPLETE_RESPONSE.
inline void init_payload(tlm::tlm_generic_payload& trans, tlm::tlm_command cmd, std::uint64_t addr,
                         unsigned char* data, unsigned length) {
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

template <typename Socket>
tlm::tlm_response_status blocking_access(Socket& socket, tlm::tlm_command cmd, std::uint64_t addr,
                                         unsigned char* data, unsigned length) {
  tlm::tlm_generic_payload trans;
  init_payload(trans, cmd, addr, data, length);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  sc_core::wait(delay);
  return trans.get_response_status();
}

}  // namespace ccsim::hw
