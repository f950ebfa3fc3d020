// Writing output files so that a failure never leaves a half-written file: the content goes to a
// temporary file beside the target, which is renamed over the target only once complete.
#pragma once

#include <string>
#include <string_view>

namespace ccsim {

// Writes `content` to `path` atomically. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, std::string_view content);

// Reads a whole file. Throws std::runtime_error naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace ccsim
