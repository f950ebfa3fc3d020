// The topology reader (SCALE-Sim topology CSV, conv and GEMM forms): header, field counts, every
// value and the size limits. load_topology reads a path, so the input goes through a file of this
// process's own.
#include "models/topology.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  const std::string path = fuzz::input_file("topology", ".csv", data, size);
  fuzz::expect_clean(path.c_str(), [&] { (void)model::load_topology(path); });
  return 0;
}
