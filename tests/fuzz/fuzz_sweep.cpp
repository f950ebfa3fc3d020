// The sweep reader (SWEEP.json): keys, axes, every value, the point bound. load_sweep reads a
// path, so the input goes through a file of this process's own.
#include <unistd.h>

#include <fstream>

#include "sim/sweep.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  static const std::string path = "/tmp/ccsim-fuzz-sweep-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fuzz::expect_clean(path.c_str(), [&] { (void)cli::load_sweep(path); });
  return 0;
}
