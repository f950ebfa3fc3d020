#include "hw/tlm/host.hpp"

#include <stdexcept>

#include "hw/tlm/blocking_access.hpp"
#include "hw/tlm/register_map.hpp"

namespace ccsim::hw {
namespace {
std::uint64_t align_4k(std::uint64_t x) { return (x + 0xfff) & ~std::uint64_t{0xfff}; }
}  // namespace

Host::Host(sc_core::sc_module_name name, std::string network, DramImage image, std::vector<std::vector<std::int8_t>> inputs,
           std::size_t output_bytes, HostLayout layout)
    : sc_core::sc_module(name), mem("mem"), regs("regs"), irq("irq"), network_(std::move(network)),
      weights_(std::move(image.weights)), inputs_(std::move(inputs)), output_bytes_(output_bytes), layout_(layout) {
  if (layout_.weight_addr == 0) layout_.weight_addr = align_4k(layout_.net_addr + network_.size());
  if (layout_.in_addr == 0) layout_.in_addr = align_4k(layout_.weight_addr + image.bytes);
  if (layout_.out_addr == 0) {
    const std::size_t in_bytes = inputs_.empty() ? 0 : inputs_.front().size();
    layout_.out_addr = align_4k(layout_.in_addr + in_bytes);
  }
  SC_THREAD(main_thread);
}

tlm::tlm_response_status Host::access_register(tlm::tlm_command cmd, std::uint64_t offset, std::uint32_t& value,
                                               unsigned length) {
  return blocking_access(regs, cmd, offset, reinterpret_cast<unsigned char*>(&value), length);
}

tlm::tlm_response_status Host::access_memory(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                             unsigned length) {
  return blocking_access(mem, cmd, addr, data, length);
}

void Host::write_register(std::uint64_t offset, std::uint32_t value) {
  if (access_register(tlm::TLM_WRITE_COMMAND, offset, value) != tlm::TLM_OK_RESPONSE) {
    throw std::runtime_error("host: register write failed at offset " + std::to_string(offset));
  }
}

std::uint32_t Host::read_register(std::uint64_t offset) {
  std::uint32_t value = 0;
  if (access_register(tlm::TLM_READ_COMMAND, offset, value) != tlm::TLM_OK_RESPONSE) {
    throw std::runtime_error("host: register read failed at offset " + std::to_string(offset));
  }
  return value;
}

void Host::write_memory(std::uint64_t addr, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t done = 0; done < bytes;) {
    const auto len = static_cast<unsigned>(std::min<std::size_t>(4096, bytes - done));
    if (access_memory(tlm::TLM_WRITE_COMMAND, addr + done, const_cast<unsigned char*>(p + done), len) !=
        tlm::TLM_OK_RESPONSE) {
      throw std::runtime_error("host: memory write failed at address " + std::to_string(addr + done));
    }
    done += len;
  }
}

void Host::main_thread() {
  if (read_register(regs::kId) != regs::kIdValue) throw std::runtime_error("host: accelerator ID mismatch");
  write_memory(layout_.net_addr, network_.data(), network_.size());
  write_register(regs::kNetAddrLo, static_cast<std::uint32_t>(layout_.net_addr));
  write_register(regs::kNetAddrHi, static_cast<std::uint32_t>(layout_.net_addr >> 32));
  write_register(regs::kNetSize, static_cast<std::uint32_t>(network_.size()));
  write_memory(layout_.weight_addr, weights_.data(), weights_.size());
  write_register(regs::kWeightAddrLo, static_cast<std::uint32_t>(layout_.weight_addr));
  write_register(regs::kWeightAddrHi, static_cast<std::uint32_t>(layout_.weight_addr >> 32));
  write_register(regs::kInAddrLo, static_cast<std::uint32_t>(layout_.in_addr));
  write_register(regs::kInAddrHi, static_cast<std::uint32_t>(layout_.in_addr >> 32));
  write_register(regs::kOutAddrLo, static_cast<std::uint32_t>(layout_.out_addr));
  write_register(regs::kOutAddrHi, static_cast<std::uint32_t>(layout_.out_addr >> 32));
  for (const auto& input : inputs_) {
    HostResult r;
    write_memory(layout_.in_addr, input.data(), input.size());
    r.started = sc_core::sc_time_stamp();
    write_register(regs::kCtrl, regs::kStart);
    if (!irq.read()) wait(irq.posedge_event());
    r.finished = sc_core::sc_time_stamp();
    r.status = read_register(regs::kStatus);
    r.error = read_register(regs::kError);
    r.cycles = read_register(regs::kCyclesLo) | (std::uint64_t{read_register(regs::kCyclesHi)} << 32);
    r.output.resize(output_bytes_);
    if (!(r.status & regs::kErrorBit)) {
      for (std::size_t done = 0; done < output_bytes_;) {
        const auto len = static_cast<unsigned>(std::min<std::size_t>(4096, output_bytes_ - done));
        if (access_memory(tlm::TLM_READ_COMMAND, layout_.out_addr + done,
                          reinterpret_cast<unsigned char*>(r.output.data() + done), len) != tlm::TLM_OK_RESPONSE) {
          throw std::runtime_error("host: reading the output failed");
        }
        done += len;
      }
    }
    write_register(regs::kCtrl, regs::kClear);
    results_.push_back(std::move(r));
  }
  sc_core::sc_stop();
}

}  // namespace ccsim::hw
