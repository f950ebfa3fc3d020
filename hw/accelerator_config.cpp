#include "hw/accelerator_config.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ccsim::hw {

void AcceleratorConfig::validate() const {
  array.validate();
  const WeightBuffer wb(weight_buffer, array);
  const ActivationBuffer ab(activation_buffer);
  if (!(dram.bytes_per_cycle > 0) || !std::isfinite(dram.bytes_per_cycle)) {
    throw std::invalid_argument("DRAM bandwidth must be a positive number of bytes per cycle");
  }
}

void AcceleratorConfig::validate_for(const model::PackedNetwork& net) const {
  validate();
  if (net.activation_bits > array.data_bits) {
    throw std::invalid_argument("network '" + net.name + "' has " + std::to_string(net.activation_bits) +
                                "-bit activations, wider than the array's " + std::to_string(array.data_bits) +
                                "-bit data path (run --data-bits, explore axis data_bits)");
  }
  for (const auto& l : net.layers) {
    if (l.kind == model::OpKind::Matmul) require_groups_fit(array, l);  // fast mode too: its formulas assume them
  }
}

ArrayConfig AcceleratorConfig::resolved_array() const {
  ArrayConfig a = array;
  a.load_cycles_per_row = WeightBuffer(weight_buffer, array).cycles_per_row();
  return a;
}

nlohmann::json AcceleratorConfig::to_json() const {
  return {{"array", resolved_array().to_json()}, {"weight_buffer", weight_buffer.to_json()},
          {"activation_buffer", activation_buffer.to_json()}, {"dram", dram.to_json()},
          {"schedule", to_string(schedule)}};
}

Schedule parse_schedule(const std::string& text) {
  if (text == "shared") return Schedule::SharedArray;
  if (text == "pipelined") return Schedule::Pipelined;
  throw std::invalid_argument("schedule '" + text + "' must be shared or pipelined");
}

std::string to_string(Schedule s) { return s == Schedule::Pipelined ? "pipelined" : "shared"; }

}  // namespace ccsim::hw
