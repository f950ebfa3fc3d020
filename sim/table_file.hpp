// Reads a user's energy or area table (hw::EnergyTable, hw::AreaTable) from a JSON file; an
// empty path gives the built-in, cited table. Errors name the file.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "models/atomic_file.hpp"

namespace ccsim::cli {

template <typename Table>
Table load_table(const std::string& path) {
  if (path.empty()) return Table::defaults();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::parse_error&) {
    throw std::invalid_argument(path + ": not valid JSON");
  }
  return Table::from_json(j, path);
}

}  // namespace ccsim::cli
