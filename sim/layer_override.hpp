// --layer NAME:alpha=A[,gamma=G][,section=S]: one weight layer's combining options (pack, train).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/column_combine.hpp"

namespace ccsim::cli {

// NAME:alpha=A[,gamma=G][,section=S]; unspecified keys keep the global values.
inline std::pair<std::string, model::CombineOptions> parse_override(const std::string& spec,
                                                             const model::CombineOptions& base) {
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw std::invalid_argument("--layer '" + spec + "': expected NAME:key=value[,key=value] (keys alpha, gamma, section)");
  }
  model::CombineOptions opt = base;
  std::stringstream items(spec.substr(colon + 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    try {
      std::size_t used = 0;
      if (key == "alpha") {
        opt.alpha = std::stoi(value, &used);
      } else if (key == "gamma") {
        opt.gamma = std::stod(value, &used);
      } else if (key == "section") {
        opt.section = std::stoi(value, &used);
      } else {
        throw std::invalid_argument("unknown key");
      }
      if (used != value.size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
      throw std::invalid_argument("--layer '" + spec + "': bad item '" + item + "' (keys alpha, gamma, section)");
    }
  }
  return {spec.substr(0, colon), opt};
}

}  // namespace ccsim::cli
