// Small string helpers for messages and paths: lists of names ("a, b, c"), file suffixes.
#pragma once

#include <string>
#include <vector>

namespace ccsim {

inline std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

inline bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace ccsim
