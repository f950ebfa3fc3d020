// Weight buffer: on-chip SRAM holding packed weights and multiplexer selects, banked across the
// array's columns and double-buffered (the next tile loads into the array's shadow registers
// while the current tile computes). Its geometry sets how fast a tile loads; its capacity decides
// whether the network's weights stay on chip across inferences or stream from DRAM per layer.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct WeightBufferConfig {
  std::int64_t capacity_bytes = 64 * 1024;  // both halves of the double buffer
  int banks = 0;       // 0 = one bank per array column
  int bank_bits = 0;   // read width of one bank per cycle; 0 = one cell (weight + select bits)
  int weight_bits = 8;

  nlohmann::json to_json() const;
};

// Per-layer traffic of the weight buffer (bytes).
struct WeightBufferStats {
  std::int64_t read_bytes = 0;  // tiles read into the array's shadow registers
  std::int64_t fill_bytes = 0;  // written from DRAM
};

class WeightBuffer {
 public:
  // Throws std::invalid_argument when the geometry is inconsistent with the array (e.g. a
  // double-buffered tile does not fit).
  WeightBuffer(const WeightBufferConfig& config, const ArrayConfig& array);

  const WeightBufferConfig& config() const { return config_; }
  int banks() const { return banks_; }
  int bank_bits() const { return bank_bits_; }
  // Bits per cell: weight + select (ceil(log2 alpha_max); 0 when alpha_max = 1).
  int cell_bits() const { return cell_bits_; }
  // Cycles to move one array row (C cells) out of the banks: ceil(C cell_bits / (banks bank_bits)).
  int cycles_per_row() const { return cycles_per_row_; }
  // Bytes a layer occupies: M x G cells plus per-row bias (32 bits) and requantization
  // (32-bit multiplier, 8-bit shift).
  std::int64_t layer_bytes(const model::PackedLayer& layer) const;
  std::int64_t network_bytes(const model::PackedNetwork& net) const;
  // A Matmul layer as the weight buffer stores it and DRAM holds it for the DMA, layer_bytes()
  // long: the M x G cells row-major, each `cell_bits` wide (weight bits then select bits, packed
  // LSB first), then per row the bias (int32), the requantization multiplier (int32) and its
  // shift (int8), little-endian.
  std::vector<unsigned char> encode_layer(const model::PackedLayer& layer) const;
  // Whether the whole network's weights fit, so they are fetched from DRAM once, not per inference.
  bool holds_network(const model::PackedNetwork& net) const { return network_bytes(net) <= config_.capacity_bytes; }

 private:
  WeightBufferConfig config_;
  int banks_ = 0;
  int bank_bits_ = 0;
  int cell_bits_ = 0;
  int cycles_per_row_ = 1;
};

}  // namespace ccsim::hw
