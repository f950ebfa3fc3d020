#include "sim/trace_window.hpp"

#include <stdexcept>

namespace ccsim::cli {

std::pair<std::int64_t, std::int64_t> parse_trace_window(const std::string& text) {
  const auto colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    std::size_t used = 0;
    const std::int64_t start = std::stoll(text.substr(0, colon), &used);
    if (used != colon || start < 0) throw std::invalid_argument("start");
    const std::string end_text = text.substr(colon + 1);
    std::int64_t end = -1;
    if (!end_text.empty()) {
      end = std::stoll(end_text, &used);
      if (used != end_text.size() || end < start) throw std::invalid_argument("end");
    }
    return {start, end};
  } catch (const std::exception&) {
    throw std::invalid_argument("--trace-window '" + text + "' must be START:END cycles with START <= END (END may be empty)");
  }
}

}  // namespace ccsim::cli
