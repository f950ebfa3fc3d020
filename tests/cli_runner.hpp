// Runs the ccsim executable (CCSIM_BINARY, set by CMake), or any command, and captures its exit
// status and output.
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

// Runs a shell command line, stderr joined to stdout.
inline Result run_shell(const std::string& command) {
  Result r;
  const std::string cmd = command + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get())) r.output += buf.data();
  const int raw = pclose(pipe.release());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

inline Result run_ccsim(const std::string& args) { return run_shell(std::string(CCSIM_BINARY) + " " + args); }

}  // namespace ccsim::test
