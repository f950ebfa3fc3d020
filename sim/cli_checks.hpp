// Option checks with messages a person can read: CLI11's PositiveNumber and NonNegativeNumber
// print their range up to the largest double (a 309-digit number).
#pragma once

#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace ccsim::cli {

inline CLI::Validator number_check(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') return "'" + text + "' is not a number";
        if (!(v > 0.0 || (allow_zero && v == 0.0))) {
          return "must be " + std::string(allow_zero ? "0 or more" : "more than 0") + ", got " + text;
        }
        return {};
      },
      allow_zero ? "NONNEGATIVE" : "POSITIVE");
}

inline const CLI::Validator kPositive = number_check(false);
inline const CLI::Validator kNonNegative = number_check(true);

}  // namespace ccsim::cli
