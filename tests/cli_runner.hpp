// Runs the ccsim executable (CCSIM_BINARY, set by CMake) and captures its exit status and output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace ccsim::test {

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline Result run_ccsim(const std::string& args) {
  Result r;
  const std::string cmd = std::string(CCSIM_BINARY) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get())) r.output += buf.data();
  const int raw = pclose(pipe.release());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

}  // namespace ccsim::test
