// Activation buffer: on-chip SRAM holding a layer's int8 input (read by the feeder / vector unit)
// and its output (written by the output stage), ping-pong between consecutive layers (a join holds
// all its operands). A layer
// whose input and output do not fit together runs from DRAM: its input streams in once per
// pass over it (once per row tile for a Matmul) and its output streams out.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "models/packed_network.hpp"

namespace ccsim::hw {

struct ActivationBufferConfig {
  std::int64_t capacity_bytes = 128 * 1024;

  nlohmann::json to_json() const;
};

class ActivationBuffer {
 public:
  explicit ActivationBuffer(const ActivationBufferConfig& config);

  const ActivationBufferConfig& config() const { return config_; }
  // Whether the layer's input and output (int8, one byte per value) fit together.
  bool holds(const model::PackedLayer& layer) const { return holds(layer.in.size(), layer.out.size()); }
  // The same for a layer with several operands (Add, Concat): all of them and the output.
  bool holds(std::int64_t operand_bytes, std::int64_t output_bytes) const {
    return operand_bytes + output_bytes <= config_.capacity_bytes;
  }

 private:
  ActivationBufferConfig config_;
};

// Off-chip memory seen by the accelerator's DMA: a sustained bandwidth. DMA of a layer's DRAM
// traffic overlaps its compute; what does not fit in the layer's compute time stalls the array.
struct DramConfig {
  double bytes_per_cycle = 16.0;

  nlohmann::json to_json() const;
};

// Cycles the DMA needs for `bytes` of DRAM traffic: ceil(bytes / bytes_per_cycle).
std::int64_t dma_cycles(const DramConfig& dram, std::int64_t bytes);

}  // namespace ccsim::hw
