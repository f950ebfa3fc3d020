// One blocking TLM access (b_transport) from an initiator thread: builds the generic payload,
// waits for the annotated delay, and returns the response status.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>

namespace ccsim::hw {

template <typename Socket>
tlm::tlm_response_status blocking_access(Socket& socket, tlm::tlm_command cmd, std::uint64_t addr,
                                         unsigned char* data, unsigned length) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  sc_core::wait(delay);
  return trans.get_response_status();
}

}  // namespace ccsim::hw
