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
  const std::filesystem::path dir = (ec ? std::filesystem::path(argv[0]) : self).parent_path();
  if (dir.empty()) {  // never a program of that name from the working directory
    std::cerr << "ccsim: error: `ccsim " << command << "` runs " << program
              << " from ccsim's directory, which could not be found (/proc/self/exe unreadable)\n";
    std::exit(1);
  }
  const std::string path = dir / program;
  argv[0] = const_cast<char*>(path.c_str());
  std::cout.flush();
  execv(path.c_str(), argv);
  std::cerr << "ccsim: error: `ccsim " << command << "` runs " << path << ", which could not be started: "
            << std::strerror(errno) << " (it is built and installed beside ccsim)\n";
  std::exit(1);
}

}  // namespace ccsim::cli
