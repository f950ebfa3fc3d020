// Host model: puts the packed network file and its weight image into memory, programs the
// accelerator's registers, and for each input writes it into memory, starts the accelerator,
// waits for the interrupt and reads the output back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "hw/units/dram_layout.hpp"

namespace ccsim::hw {

struct HostLayout {
  std::uint64_t net_addr = 0x1000;
  std::uint64_t weight_addr = 0;  // 0: after the network file (4 KiB aligned)
  std::uint64_t in_addr = 0;   // 0: after the accelerator's DRAM bytes (4 KiB aligned)
  std::uint64_t out_addr = 0;  // 0: after the input (4 KiB aligned)
};

struct HostResult {
  std::vector<std::int8_t> output;
  std::uint32_t status = 0;
  std::uint32_t error = 0;
  std::uint64_t cycles = 0;
  sc_core::sc_time started;
  sc_core::sc_time finished;
};

class Host : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Host);
  tlm_utils::simple_initiator_socket<Host> mem;
  tlm_utils::simple_initiator_socket<Host> regs;
  sc_core::sc_in<bool> irq;

  // `network` is the packed file's bytes, `image` the network's weight image for the accelerator's
  // configuration (hw::dram_image).
  Host(sc_core::sc_module_name name, std::string network, DramImage image, std::vector<std::vector<std::int8_t>> inputs,
       std::size_t output_bytes, HostLayout layout = {});

  const std::vector<HostResult>& results() const { return results_; }
  const HostLayout& layout() const { return layout_; }

  // Register access with the response status (for error checks).
  tlm::tlm_response_status access_register(tlm::tlm_command cmd, std::uint64_t offset, std::uint32_t& value,
                                           unsigned length = 4);
  tlm::tlm_response_status access_memory(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                         unsigned length);

 private:
  void main_thread();
  void write_register(std::uint64_t offset, std::uint32_t value);
  std::uint32_t read_register(std::uint64_t offset);
  void write_memory(std::uint64_t addr, const void* data, std::size_t bytes);

  std::string network_;
  std::vector<unsigned char> weights_;
  std::vector<std::vector<std::int8_t>> inputs_;
  std::size_t output_bytes_;
  HostLayout layout_;
  std::vector<HostResult> results_;
};

}  // namespace ccsim::hw
