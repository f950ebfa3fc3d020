#include "hw/activation_buffer.hpp"

#include <cmath>

#include <stdexcept>
#include <string>

namespace ccsim::hw {

std::int64_t dma_cycles(const DramConfig& dram, std::int64_t bytes) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) / dram.bytes_per_cycle));
}

nlohmann::json ActivationBufferConfig::to_json() const { return {{"capacity_bytes", capacity_bytes}}; }

ActivationBuffer::ActivationBuffer(const ActivationBufferConfig& config) : config_(config) {
  if (config.capacity_bytes < 1) throw std::invalid_argument("activation buffer capacity must be >= 1 byte");
}

nlohmann::json DramConfig::to_json() const { return {{"bytes_per_cycle", bytes_per_cycle}}; }

}  // namespace ccsim::hw
