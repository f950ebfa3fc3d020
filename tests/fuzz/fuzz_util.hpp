// What every libFuzzer harness shares: the input as a string, and the rule that a reader may
// refuse an input only with the exceptions it documents (std::runtime_error or
// std::invalid_argument, naming the source). Anything else — a crash, a sanitizer report, another
// exception type escaping (nlohmann's, std::bad_alloc, std::out_of_range) — is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <stdexcept>
#include <fstream>
#include <string>

namespace ccsim::fuzz {

inline std::string bytes(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// For readers that take a path: the input in a file of this process's own ("/tmp/ccsim-fuzz-NAME-PID.EXT").
inline std::string input_file(const char* name, const char* ext, const std::uint8_t* data, std::size_t size) {
  const std::string path = std::string("/tmp/ccsim-fuzz-") + name + "-" + std::to_string(::getpid()) + ext;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Runs `read`; an error of the documented kinds must name `source`.
template <typename Read>
void expect_clean(const char* source, Read&& read) {
  const auto check = [source](const std::exception& e) {
    if (std::string(e.what()).find(source) == std::string::npos) {
      std::fprintf(stderr, "error does not name '%s': %s\n", source, e.what());
      std::abort();
    }
  };
  try {
    read();
  } catch (const std::runtime_error& e) {  // includes what the readers throw for bad files
    check(e);
  } catch (const std::invalid_argument& e) {
    check(e);
  } catch (const std::exception& e) {  // say what escaped before the abort: CI shows only the report's tail
    std::fprintf(stderr, "reading '%s' let an undocumented exception escape: %s\n", source, e.what());
    std::abort();
  }
}

}  // namespace ccsim::fuzz
