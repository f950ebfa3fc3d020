#include "sim/hardware_options.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::cli {

hw::AcceleratorConfig accelerator_config(const HardwareOptions& h, int alpha_max) {
  if (h.weight_load != "overlapped" && h.weight_load != "exposed") {
    throw std::invalid_argument("weight_load '" + h.weight_load + "' must be overlapped or exposed");
  }
  hw::AcceleratorConfig cfg(hw::parse_array(h.array));
  cfg.array.data_bits = h.data_bits;
  cfg.array.mac = hw::parse_mac(h.mac);
  cfg.array.shadow_weights = h.weight_load == "overlapped";
  if (alpha_max > 0) cfg.array.alpha_max = alpha_max;
  cfg.array.accumulator_pixels = h.acc_pixels;
  cfg.array.input_store_bytes = static_cast<std::int64_t>(h.input_store_kib * 1024);
  cfg.array.vector_lanes = h.vector_lanes;
  cfg.array.vector_store_bytes = static_cast<std::int64_t>(h.vector_store_kib * 1024);
  cfg.schedule = hw::parse_schedule(h.schedule);
  cfg.weight_buffer.capacity_bytes = static_cast<std::int64_t>(h.weight_buffer_kib * 1024);
  cfg.weight_buffer.banks = h.weight_banks;
  cfg.activation_buffer.capacity_bytes = static_cast<std::int64_t>(h.act_buffer_kib * 1024);
  cfg.dram.bytes_per_cycle = h.dram_bytes_per_cycle;
  cfg.validate();
  return cfg;
}

void widen_multiplexers(const std::string& file, const model::PackedNetwork& net, hw::ArrayConfig& array,
                        std::ostream& notes) {
  const auto [widest, width] = model::widest_group(net);
  if (static_cast<int>(width) <= array.alpha_max) return;
  constexpr std::size_t kWidest = 32;  // hw::ArrayConfig::validate
  if (width > kWidest) {
    throw std::invalid_argument(file + ": layer '" + widest->name + "' combines " + std::to_string(width) +
                                " columns into one packed column; an array cell's multiplexer selects among at most " +
                                std::to_string(kWidest) + " (pack it with --alpha " + std::to_string(kWidest) +
                                " or less)");
  }
  notes << "ccsim: note: the array's multiplexers select among " << width << " inputs, not " << array.alpha_max
        << ": layer '" << widest->name << "' combines " << width << " columns into one packed column\n";
  array.alpha_max = static_cast<int>(width);
}

}  // namespace ccsim::cli
