#include "sim/exec_beside.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace ccsim::cli {

void exec_beside_self(const char* program, char** argv, const char* command) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string path = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / program;
  argv[0] = const_cast<char*>(path.c_str());
  execv(path.c_str(), argv);
  std::cerr << "ccsim: error: `ccsim " << command << "` runs " << path << ", which could not be started: "
            << std::strerror(errno) << " (it is built and installed beside ccsim)\n";
  std::exit(1);
}

}  // namespace ccsim::cli
