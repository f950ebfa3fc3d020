#include "hw/weight_buffer.hpp"

#include <stdexcept>
#include <string>

namespace ccsim::hw {

nlohmann::json WeightBufferConfig::to_json() const {
  return {{"capacity_bytes", capacity_bytes}, {"banks", banks}, {"bank_bits", bank_bits}, {"weight_bits", weight_bits}};
}

WeightBuffer::WeightBuffer(const WeightBufferConfig& config, const ArrayConfig& array) : config_(config) {
  if (config.weight_bits != 8) throw std::invalid_argument("weight buffer: packed weights are int8 (weight_bits 8)");
  if (config.banks < 0 || config.bank_bits < 0) throw std::invalid_argument("weight buffer: banks and bank_bits must be >= 0");
  cell_bits_ = config.weight_bits + ceil_log2(array.alpha_max);
  banks_ = config.banks > 0 ? config.banks : array.cols;
  bank_bits_ = config.bank_bits > 0 ? config.bank_bits : cell_bits_;
  const std::int64_t row_bits = static_cast<std::int64_t>(array.cols) * cell_bits_;
  const std::int64_t per_cycle = static_cast<std::int64_t>(banks_) * bank_bits_;
  cycles_per_row_ = static_cast<int>((row_bits + per_cycle - 1) / per_cycle);
  const std::int64_t tile_bytes = (static_cast<std::int64_t>(array.rows) * row_bits + 7) / 8;
  if (2 * tile_bytes > config.capacity_bytes) {
    throw std::invalid_argument("weight buffer of " + std::to_string(config.capacity_bytes) +
                                " bytes cannot double-buffer a " + std::to_string(array.rows) + "x" +
                                std::to_string(array.cols) + " tile (" + std::to_string(tile_bytes) + " bytes)");
  }
}

std::int64_t WeightBuffer::layer_bytes(const model::PackedLayer& l) const {
  if (l.kind != model::OpKind::Matmul) return 0;
  const std::int64_t cells = static_cast<std::int64_t>(l.rows()) * l.packed_cols();
  return (cells * cell_bits_ + 7) / 8 + static_cast<std::int64_t>(l.rows()) * (4 + 4 + 1);
}

std::vector<unsigned char> WeightBuffer::encode_layer(const model::PackedLayer& l) const {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(layer_bytes(l)), 0);
  std::size_t bit = 0;
  const auto put = [&](std::uint32_t value, int width) {
    for (int k = 0; k < width; ++k, ++bit) {
      if ((value >> k) & 1u) bytes[bit / 8] |= static_cast<unsigned char>(1u << (bit % 8));
    }
  };
  const int select_bits = cell_bits_ - config_.weight_bits;
  for (int m = 0; m < l.rows(); ++m) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      put(static_cast<std::uint8_t>(l.weights[l.cell(m, g)]), config_.weight_bits);
      put(l.select[l.cell(m, g)], select_bits);
    }
  }
  std::size_t at = (bit + 7) / 8;
  const auto put_le = [&](std::uint32_t value, int n) {
    for (int k = 0; k < n; ++k) bytes[at++] = static_cast<unsigned char>(value >> (8 * k));
  };
  for (int m = 0; m < l.rows(); ++m) {
    put_le(static_cast<std::uint32_t>(l.bias[m]), 4);
    put_le(static_cast<std::uint32_t>(l.requant[m].m0), 4);
    put_le(static_cast<std::uint32_t>(l.requant[m].shift), 1);
  }
  return bytes;
}

std::int64_t WeightBuffer::network_bytes(const model::PackedNetwork& net) const {
  std::int64_t total = 0;
  for (const auto& l : net.layers) total += layer_bytes(l);
  return total;
}

}  // namespace ccsim::hw
