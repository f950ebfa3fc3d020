// The sweep reader (SWEEP.json): keys, axes, every value, the point bound. load_sweep reads a
// path, so the input goes through a file of this process's own.
#include "sim/sweep.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  const std::string path = fuzz::input_file("sweep", ".json", data, size);
  fuzz::expect_clean(path.c_str(), [&] { (void)cli::load_sweep(path); });
  return 0;
}
