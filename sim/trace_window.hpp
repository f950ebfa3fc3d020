// START:END cycle windows for waveform options (--trace-window).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace ccsim::cli {

// START:END in cycles, END may be empty (to the end: -1). Throws std::invalid_argument naming the text.
std::pair<std::int64_t, std::int64_t> parse_trace_window(const std::string& text);

}  // namespace ccsim::cli
