#include "sim/cosim.hpp"
#include "sim/names.hpp"

#include <algorithm>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include <systemc>

#include "cosim_tiles.hpp"  // generated (CMakeLists.txt, ccsim_verilate_rtl): the Verilated tiles
#include "sim/cosim_bench.hpp"
#include "sim/gtkw.hpp"
#include "hw/simulation_context.hpp"

namespace ccsim::cosim {
namespace {

std::string array_name(int rows, int cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

template <typename V>
CosimResult simulate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                     const CosimOptions& options, const TileLimits& limits) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_IEEE_1666_DEPRECATION_, sc_core::SC_DO_NOTHING);
  VerilatedContext& verilated = accel_context();
  verilated.traceEverOn(true);
  verilated.randReset(2);  // uninitialized state starts random (built with --x-initial unique)
  verilated.randSeed(1);   // ... reproducibly
  const hw::SimulationContext context;
  sc_core::sc_clock clock("clock", kBenchClockNs, sc_core::SC_NS);
  CosimBench<V> bench("cosim", net, inputs, options, limits);
  bench.bind_clock(clock);
  sc_core::sc_start();
  if (bench.error()) std::rethrow_exception(bench.error());
  return bench.result();
}

struct TileBuild {
  TileLimits limits;
  CosimResult (*simulate)(const model::PackedNetwork&, const std::vector<model::Int8Tensor>&, const CosimOptions&,
                          const TileLimits&);
};

TileLimits limits_of(int rows, int cols, int act_addr_bits, int pixel_bits, int channel_bits) {
  TileLimits l;
  l.rows = rows;
  l.cols = cols;
  l.act_addr_bits = act_addr_bits;
  l.pixel_bits = pixel_bits;
  l.channel_bits = channel_bits;
  return l;
}

// Every tile configuration Verilated into this build, in the order CMake lists them.
const std::vector<TileBuild>& tile_builds() {
#define CCSIM_TILE_BUILD(V, R, C, ACT, PIX, CH) TileBuild{limits_of(R, C, ACT, PIX, CH), &simulate<V>},
  static const std::vector<TileBuild> builds{CCSIM_COSIM_TILES(CCSIM_TILE_BUILD)};
#undef CCSIM_TILE_BUILD
  return builds;
}

}  // namespace

std::string Mismatch::describe() const {
  std::ostringstream o;
  o << "cycle " << cycle << ", sample " << sample << ", layer " << layer << " '" << layer_name << "'";
  if (tile >= 0) o << ", tile " << tile << " (tile cycle " << tile_cycle << ")";
  if (tile < 0 && tile_cycle >= 0) o << ", vector unit cycle " << tile_cycle << " of the layer";
  if (row >= 0) o << ", row " << row;
  if (col >= 0) o << ", col " << col;
  o << ": " << signal << " expected " << expected << ", actual " << actual;
  return o.str();
}

std::vector<std::string> cosim_configurations() {
  std::vector<std::string> names;
  for (const auto& b : tile_builds()) names.push_back(array_name(b.limits.rows, b.limits.cols));
  return names;
}

namespace {

// The tile built for a rows x cols array; throws std::invalid_argument listing the built sizes.
const TileBuild& tile_build(int rows, int cols) {
  for (const auto& b : tile_builds()) {
    if (b.limits.rows == rows && b.limits.cols == cols) return b;
  }
  const std::string built = join_names(cosim_configurations());
  throw std::invalid_argument("no Verilated tile for a " + array_name(rows, cols) + " array; this build has " + built +
                              " (add it to the CMake option CCSIM_COSIM_ARRAYS and rebuild)");
}

}  // namespace

TileLimits cosim_limits(int rows, int cols) { return tile_build(rows, cols).limits; }

CosimResult run_cosim(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                      const CosimOptions& options) {
  const TileBuild& build = tile_build(options.rows, options.cols);
  const TileLimits& limits = build.limits;
  if (options.stream_gap < 0) throw std::invalid_argument("--stream-gap: must be 0 or more");
  if (options.mem_latency < 1) throw std::invalid_argument("--mem-latency: must be 1 or more");
  if (options.mem_busy < 0) throw std::invalid_argument("--mem-busy: must be 0 or more");
  if (options.stream_gap > 0 && options.design != Design::Rtl) {
    throw std::invalid_argument("--stream-gap needs --design rtl (the SystemC model has the tile stream in time)");
  }
  // Check every layer fits before simulating, and, beside the SystemC model (which has the tile
  // stream in time), that the tile-stream DMA keeps pace at this memory latency (hw/README.md,
  // "Controller").
  {
    std::vector<model::Int8Tensor> outs;
    model::run_golden(net, inputs.at(0), &outs);
    int max_latency = 1 << 20;
    std::string slow_layer;
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      if (net.layers[i].kind != model::OpKind::Matmul) continue;
      const hw::FeederInput in = hw::feeder_input(net, i, outs.data(), i, inputs[0]);
      for (const hw::PixelBlock& b : tile_blocks(net.layers[i], in.fused_shift, limits)) {
        const TileProgram p = make_tile_program(net.layers[i], in.fused_shift, in.stored, limits, b);
        if (options.design != Design::Both) continue;
        const StreamPace pace = stream_pace(limits, p, options.mem_latency, 0);
        max_latency = std::min(max_latency, pace.max_latency);
        if (!pace.in_time && slow_layer.empty()) {
          slow_layer = "a tile of layer '" + net.layers[i].name + "' (" + std::to_string(pace.records_per_tile) + " records) needs " +
                       std::to_string(pace.cycles_per_tile) + " cycles, more than its " + std::to_string(pace.compute_cycles) +
                       " compute cycles";
        }
      }
    }
    if (!slow_layer.empty()) {
      throw std::invalid_argument("--mem-latency " + std::to_string(options.mem_latency) +
                                  ": the tile-stream DMA (4 reads in flight, 4 records per latency + 2 cycles) would not "
                                  "keep pace (steady-state rate rule, hw/README.md \"Controller\"): " + slow_layer +
                                  ", so the RTL could wait for its weights, which the SystemC model beside it does not; "
                                  "use --mem-latency " + std::to_string(max_latency) +
                                  " or less, or --design rtl");
    }
  }
  // Waveforms are written under temporary names and renamed once complete.
  const std::string tag = ".tmp." + std::to_string(::getpid());
  const bool want_vcd = ends_with(options.trace_path, ".vcd");
  if (!options.trace_path.empty() && !want_vcd && !ends_with(options.trace_path, ".fst")) {
    throw std::invalid_argument("--trace '" + options.trace_path + "' must end in .fst or .vcd");
  }
  if (!options.mismatch_trace_path.empty() && !ends_with(options.mismatch_trace_path, ".fst")) {
    throw std::invalid_argument("--mismatch-trace '" + options.mismatch_trace_path + "' must end in .fst");
  }
  // Refused before simulating (SystemC's VCD writer divides by zero on a file it cannot open).
  for (const auto& [flag, file] : {std::pair<std::string, std::string>{"--trace", options.trace_path},
                                   {"--mismatch-trace", options.mismatch_trace_path}}) {
    const std::filesystem::path dir = std::filesystem::path(file).parent_path();
    std::error_code error;
    if (!file.empty() && !dir.empty() && !std::filesystem::is_directory(dir, error)) {
      const bool absent = !error || error == std::errc::no_such_file_or_directory;
      throw std::invalid_argument(flag + " '" + file + "': directory '" + dir.string() + "' " +
                                  (absent ? std::string("does not exist") : error.message()));
    }
  }
  const std::string base = options.trace_path.empty() ? "" : options.trace_path.substr(0, options.trace_path.size() - 4);
  const std::string extension = want_vcd ? ".vcd" : ".fst";
  CosimOptions o = options;
  std::vector<std::pair<std::string, std::string>> renames;  // temporary -> final
  if (!base.empty()) {
    o.trace_path = base + tag + ".fst";
    renames.emplace_back(o.trace_path, options.trace_path);
    if (options.design != Design::Rtl) {
      o.systemc_trace_base = base + "-systemc" + tag;
      renames.emplace_back(o.systemc_trace_base + ".vcd", base + "-systemc.vcd");
    }
    if (options.design != Design::SystemC) o.vector_trace_path = base + "-vector" + tag + ".fst";
  }
  if (!o.mismatch_trace_path.empty()) o.mismatch_trace_path = options.mismatch_trace_path + tag + ".fst";
  auto discard = [&] {
    for (const auto& [tmp, final_path] : renames) std::remove(tmp.c_str());
    if (!o.mismatch_trace_path.empty()) std::remove(o.mismatch_trace_path.c_str());
    if (!o.vector_trace_path.empty()) std::remove(o.vector_trace_path.c_str());
  };
  // Verilator writes FST; gtkwave's fst2vcd converts. Returns the converted temporary file.
  auto to_vcd = [&](const std::string& fst, const std::string& final_path) {
    const std::string vcd_tmp = final_path.substr(0, final_path.size() - 4) + tag + ".vcd";
    const std::string cmd = "fst2vcd -f '" + fst + "' -o '" + vcd_tmp + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::remove(vcd_tmp.c_str());
      throw std::runtime_error(final_path + ": fst2vcd (package gtkwave) failed");
    }
    std::remove(fst.c_str());
    return vcd_tmp;
  };
  CosimResult r;
  try {
    r = build.simulate(net, inputs, o, limits);
    if (!r.waveform.empty()) {  // FAIL: the window around the first mismatch replaces any --trace
      for (const auto& [tmp, final_path] : renames) std::remove(tmp.c_str());
      if (!o.vector_trace_path.empty()) std::remove(o.vector_trace_path.c_str());
      renames.assign(1, {o.mismatch_trace_path, options.mismatch_trace_path});
      r.waveform = options.mismatch_trace_path;
    } else if (!base.empty() && options.design != Design::SystemC) {
      r.waveform = options.trace_path;
      if (want_vcd) renames.front() = {to_vcd(o.trace_path, options.trace_path), options.trace_path};
      if (r.vector_edges_traced > 0) {
        r.vector_waveform = base + "-vector" + extension;
        renames.emplace_back(want_vcd ? to_vcd(o.vector_trace_path, r.vector_waveform) : o.vector_trace_path,
                             r.vector_waveform);
      } else {
        std::remove(o.vector_trace_path.c_str());
      }
    } else if (!base.empty()) {
      renames.erase(renames.begin());  // SystemC alone: no RTL waveform
      std::remove(o.trace_path.c_str());
    }
    if (!o.systemc_trace_base.empty() && options.design != Design::Rtl && r.waveform != options.mismatch_trace_path) {
      r.systemc_waveform = base + "-systemc.vcd";
    }
    for (const auto& [tmp, final_path] : renames) {
      if (std::rename(tmp.c_str(), final_path.c_str()) != 0) throw std::runtime_error(final_path + ": cannot write the waveform");
    }
    auto gtkw_of = [](const std::string& waveform) { return waveform.substr(0, waveform.rfind('.')) + ".gtkw"; };
    if (!r.waveform.empty()) {
      r.gtkw = gtkw_of(r.waveform);
      if (r.waveform_unit == "vector_unit") {
        write_vector_gtkw(r.gtkw, r.waveform, RtlVectorUnit::limits().lanes);
      } else {
        write_gtkw(r.gtkw, r.waveform, limits.rows, limits.cols, limits.alpha_max, limits.data_bits);
      }
    }
    if (!r.vector_waveform.empty()) {
      r.vector_gtkw = gtkw_of(r.vector_waveform);
      write_vector_gtkw(r.vector_gtkw, r.vector_waveform, RtlVectorUnit::limits().lanes);
    }
  } catch (...) {
    discard();
    throw;
  }
  return r;
}

}  // namespace ccsim::cosim
