#include "hw/tlm/traffic_generator.hpp"

#include <stdexcept>
#include <string>

#include "hw/tlm/blocking_access.hpp"

namespace ccsim::hw {

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, const TrafficConfig& config)
    : sc_core::sc_module(name), socket("socket"), config_(config), buffer_(config.burst_bytes, 0) {
  if (!(config.bytes_per_ns > 0) || config.burst_bytes < 1 || config.span < config.burst_bytes) {
    throw std::invalid_argument(std::string(this->name()) + ": rate must be > 0 and the span hold one burst");
  }
  SC_THREAD(run);
}

void TrafficGenerator::run() {
  const sc_core::sc_time interval(config_.burst_bytes / config_.bytes_per_ns, sc_core::SC_NS);
  std::uint64_t offset = 0;
  for (;;) {
    const sc_core::sc_time issued = sc_core::sc_time_stamp();
    tlm::tlm_generic_payload trans;
    init_payload(trans, config_.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, config_.base + offset,
                 buffer_.data(), config_.burst_bytes);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(trans, delay);
    if (trans.is_response_ok()) {
      bytes_ += config_.burst_bytes;
    } else {
      ++errors_;
    }
    offset = (offset + config_.burst_bytes) % (config_.span - config_.burst_bytes + 1);
    // The next burst at the offered rate, or when this one's data are in if that is later.
    const sc_core::sc_time next = std::max(issued + interval, sc_core::sc_time_stamp() + delay);
    sc_core::wait(next - sc_core::sc_time_stamp());
  }
}

}  // namespace ccsim::hw
