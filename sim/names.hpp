// Lists of names in messages: "a, b, c".
#pragma once

#include <string>
#include <vector>

namespace ccsim {

inline std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace ccsim
