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
