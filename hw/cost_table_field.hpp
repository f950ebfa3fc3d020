// Reading one entry of a cost table (hw/energy_model.hpp, hw/area_model.hpp).
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace ccsim::hw {

// Entry `key` of the `table` ("energy" or "area") table `j`: a non-negative number in `unit`.
// Throws std::invalid_argument naming `what`, the key and where the keys are documented.
inline double cost_table_field(const nlohmann::json& j, const char* key, const std::string& what, const std::string& table,
                               const char* unit) {
  if (!j.contains(key)) {
    // A table written before the key existed gets no silent default: its totals would change.
    throw std::invalid_argument(what + ": " + table + " table has no '" + key + "' (give 0 to leave it out; ccsim run --" +
                                table + "-table documents the keys in hw/" + table + "_model.cpp)");
  }
  if (!j[key].is_number() || j[key].get<double>() < 0) {
    throw std::invalid_argument(what + ": " + table + " table '" + key + "' must be a non-negative number (" + unit + ")");
  }
  return j[key].get<double>();
}

}  // namespace ccsim::hw
