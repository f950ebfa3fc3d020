#include "hw/array_config.hpp"

#include "models/packed_network.hpp"

#include <regex>
#include <stdexcept>

namespace ccsim::hw {

void ArrayConfig::validate() const {
  if (rows < 1 || cols < 1) throw std::invalid_argument("array rows and columns must be >= 1");
  if (rows > 4096 || cols > 4096) throw std::invalid_argument("array larger than 4096 x 4096");
  if (data_bits < 2 || data_bits > 16) {
    throw std::invalid_argument("data width must be in [2, 16] bits, got " + std::to_string(data_bits));
  }
  if (alpha_max < 1 || alpha_max > 32) throw std::invalid_argument("alpha_max must be in [1, 32]");
  if (load_cycles_per_row < 1) throw std::invalid_argument("weight load cycles per row must be >= 1");
  if (accumulator_pixels < 1) throw std::invalid_argument("the accumulator buffer must hold >= 1 pixel per row");
  if (input_store_bytes < 1) throw std::invalid_argument("the input store must hold >= 1 byte");
  if (vector_lanes < 1 || vector_lanes > 4096) throw std::invalid_argument("vector lanes must be in [1, 4096]");
  if (vector_store_bytes < 1) throw std::invalid_argument("the vector unit's input store must hold >= 1 byte");
}

nlohmann::json ArrayConfig::to_json() const {
  return {{"rows", rows}, {"cols", cols}, {"data_bits", data_bits}, {"alpha_max", alpha_max},
          {"mac", to_string(mac)}, {"shadow_weights", shadow_weights}, {"load_cycles_per_row", load_cycles_per_row}, {"accumulator_pixels", accumulator_pixels},
          {"input_store_bytes", input_store_bytes}, {"vector_lanes", vector_lanes},
          {"vector_store_bytes", vector_store_bytes}};
}

int ceil_log2(int n) {
  int bits = 0;
  while ((1 << bits) < n) ++bits;
  return bits;
}

const char* to_string(MacKind mac) { return mac == MacKind::BitParallel ? "parallel" : "serial"; }

MacKind parse_mac(const std::string& text) {
  if (text == "serial") return MacKind::BitSerial;
  if (text == "parallel") return MacKind::BitParallel;
  throw std::invalid_argument("MAC cell '" + text + "' must be serial or parallel");
}

ArrayConfig parse_array(const std::string& text) {
  static const std::regex pattern(R"(^\s*(\d{1,4})\s*[xX]\s*(\d{1,4})\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) {
    throw std::invalid_argument("array size '" + text + "' must be ROWSxCOLS, e.g. 16x16");
  }
  ArrayConfig c;
  c.rows = std::stoi(m[1]);
  c.cols = std::stoi(m[2]);
  c.validate();
  return c;
}

namespace {

// Every counter of LayerStats (name and op are not counters).
constexpr std::int64_t LayerStats::*kCounters[] = {
    &LayerStats::cycles,           &LayerStats::stall_cycles,          &LayerStats::tiles,
    &LayerStats::mac_slots,        &LayerStats::busy_slots,            &LayerStats::weight_loads,
    &LayerStats::acc_reads,        &LayerStats::acc_writes,            &LayerStats::input_bits,
    &LayerStats::activations_written, &LayerStats::weight_buffer_read_bytes, &LayerStats::weight_buffer_fill_bytes,
    &LayerStats::act_buffer_read_bytes, &LayerStats::act_buffer_write_bytes, &LayerStats::dram_read_bytes,
    &LayerStats::dram_write_bytes, &LayerStats::memory_stall_cycles,
};

}  // namespace

void LayerStats::add(const LayerStats& o) {
  for (const auto counter : kCounters) this->*counter += o.*counter;
}

LayerStats LayerStats::minus(const LayerStats& o) const {
  LayerStats d = *this;
  for (const auto counter : kCounters) d.*counter -= o.*counter;
  return d;
}

bool LayerStats::same_counts(const LayerStats& o) const {
  for (const auto counter : kCounters) {
    if (this->*counter != o.*counter) return false;
  }
  return true;
}

nlohmann::json LayerStats::to_json() const {
  return {{"name", name}, {"op", op}, {"cycles", cycles}, {"stall_cycles", stall_cycles}, {"tiles", tiles},
          {"mac_slots", mac_slots}, {"busy_slots", busy_slots}, {"utilization", utilization()},
          {"weight_loads", weight_loads}, {"acc_reads", acc_reads}, {"acc_writes", acc_writes},
          {"input_bits", input_bits}, {"activations_written", activations_written},
          {"weight_buffer_read_bytes", weight_buffer_read_bytes}, {"weight_buffer_fill_bytes", weight_buffer_fill_bytes},
          {"act_buffer_read_bytes", act_buffer_read_bytes}, {"act_buffer_write_bytes", act_buffer_write_bytes},
          {"dram_read_bytes", dram_read_bytes}, {"dram_write_bytes", dram_write_bytes},
          {"memory_stall_cycles", memory_stall_cycles}};
}

void require_groups_fit(const ArrayConfig& array, const model::PackedLayer& layer) {
  for (const auto& g : layer.groups) {
    if (g.size() > static_cast<std::size_t>(array.alpha_max)) {
      throw std::invalid_argument("layer '" + layer.name + "' has a group of " + std::to_string(g.size()) +
                                  " columns; the array's multiplexers take " + std::to_string(array.alpha_max));
    }
  }
}

}  // namespace ccsim::hw
