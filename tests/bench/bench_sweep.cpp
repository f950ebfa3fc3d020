// Loading a sweep at the point bound (kMaxSweepPoints = 1,000,000 points): load_sweep as it is
// (descriptions by appends, each number formatted once with std::to_chars, IDs sorted for
// duplicates) against the cost of what it replaced, the per-point description written through an
// ostringstream at precision 10 and hashed (reference copy below, only for this ratio). Report:
// points per second of each; the ratio is their quotient in one run.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include "models/atomic_file.hpp"
#include "sim/sweep.hpp"

namespace {

using namespace ccsim;

const std::filesystem::path& scratch() {
  static const auto dir = std::filesystem::temp_directory_path() / ("ccsim-bench-sweep-" + std::to_string(::getpid()));
  return dir;
}

void remove_scratch() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch(), ignored);
}

// A sweep of exactly 10^6 points (six axes of 10 values) over the bundled network.
std::string max_sweep() {
  static const std::string path = [] {
    const auto& dir = scratch();
    std::filesystem::create_directories(dir);
    std::atexit(remove_scratch);
    nlohmann::json axes;
    for (int i = 0; i < 10; ++i) {
      axes["alpha"].push_back(i + 1);
      axes["density"].push_back(0.1 * (i + 1));
      axes["gamma"].push_back(1 + 0.1 * i);
      axes["clock_mhz"].push_back(100 + i);
      axes["dram_bytes_per_cycle"].push_back(1 + i);
      axes["acc_pixels"].push_back(1000 + i);
    }
    const nlohmann::json sweep = {{"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
                                  {"axes", axes},
                                  {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 8}}}};
    const std::string file = (dir / "max.json").string();
    write_file_atomic(file, sweep.dump());
    return file;
  }();
  return path;
}

void BM_LoadMaxSweep(benchmark::State& state) {
  std::size_t points = 0;
  for (auto _ : state) points = cli::load_sweep(max_sweep()).points.size();
  state.counters["points_per_s"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LoadMaxSweep)->Unit(benchmark::kMillisecond)->Iterations(3);

// The description as an ostringstream wrote it before (the numbers at precision 10), hashed.
std::uint64_t stream_key(const cli::SweepPoint& p) {
  std::ostringstream o;
  o.precision(10);
  o << "ccsim sweep point 1\nnetwork 0123456789abcdef\nscheme " << p.scheme << "\ndensity " << p.density << "\nalpha "
    << p.alpha << "\ngamma " << p.gamma << "\narray " << p.array << "\ndata_bits " << p.data_bits << "\nclock_mhz "
    << p.clock_mhz << "\nweight_buffer_kib " << p.weight_buffer_kib << "\nact_buffer_kib " << p.act_buffer_kib
    << "\ndram_bytes_per_cycle " << p.dram_bytes_per_cycle << "\nacc_pixels " << p.acc_pixels << "\ninput_store_kib "
    << p.input_store_kib << "\nvector_lanes " << p.vector_lanes << "\nvector_store_kib " << p.vector_store_kib
    << "\nschedule " << p.schedule << "\nsettings 0123456789abcdef\n";
  const std::string text = o.str();
  return XXH3_64bits(text.data(), text.size());
}

void BM_StreamDescriptionsOfMaxSweep(benchmark::State& state) {
  const cli::Sweep sweep = cli::load_sweep(max_sweep());
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (const auto& p : sweep.points) sum += stream_key(p);
  }
  benchmark::DoNotOptimize(sum);
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(sweep.points.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StreamDescriptionsOfMaxSweep)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
