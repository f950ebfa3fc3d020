// The sweep reader (SWEEP.json): keys, axes, every value, the point bound, the files it names.
// Each input is written to SCRATCH/sim/examples/input.json in a scratch tree of this process's own
// that holds copies of the bundled networks (SCRATCH/models/examples/) and an energy and an area
// table (SCRATCH/tables/), so the seed sweeps name them by relative paths as sim/examples does. The
// corpus then holds no checkout path: it is the same bytes on every machine, and CI's run with the
// fixed seed mutates the same inputs here (a crash on CI once depended on the length of its path).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <string>

#include "hw/area_model.hpp"
#include "hw/energy_model.hpp"
#include "models/atomic_file.hpp"
#include "sim/sweep.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& scratch() {
  static const fs::path dir = fs::temp_directory_path() / ("ccsim-fuzz-sweep-" + std::to_string(::getpid()));
  return dir;
}

void remove_scratch() {
  std::error_code ignored;
  fs::remove_all(scratch(), ignored);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace ccsim;
  fs::create_directories(scratch() / "sim" / "examples");
  fs::create_directories(scratch() / "models" / "examples");
  fs::create_directories(scratch() / "tables");
  for (const char* net : {"fmnist-dense.json", "fmnist-shift.json"}) {
    fs::copy_file(fs::path(CCSIM_SOURCE_DIR) / "models" / "examples" / net, scratch() / "models" / "examples" / net,
                  fs::copy_options::overwrite_existing);
  }
  write_file_atomic((scratch() / "tables" / "energy.json").string(), hw::EnergyTable::default_json());
  write_file_atomic((scratch() / "tables" / "area.json").string(), hw::AreaTable::default_json());
  std::atexit(remove_scratch);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  const std::string path = (scratch() / "sim" / "examples" / "input.json").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) {
      std::fprintf(stderr, "fuzz_sweep: cannot write %s\n", path.c_str());
      std::abort();
    }
  }
  fuzz::expect_clean(path.c_str(), [&] { (void)cli::load_sweep(path); });
  return 0;
}
