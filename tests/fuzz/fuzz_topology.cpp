// The topology reader (SCALE-Sim topology CSV, conv and GEMM forms): header, field counts, every
// value and the size limits. load_topology reads a path, so the input goes through a file of this
// process's own.
#include <unistd.h>

#include <fstream>

#include "models/topology.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  static const std::string path = "/tmp/ccsim-fuzz-topology-" + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fuzz::expect_clean(path.c_str(), [&] { (void)model::load_topology(path); });
  return 0;
}
