#include <iostream>
#include <stdexcept>
#include <tuple>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "hw/array_config.hpp"
#include "models/atomic_file.hpp"
#include "models/packed_file.hpp"
#include "sim/cli_checks.hpp"
#include "sim/names.hpp"
#include "sim/commands.hpp"
#include "hw/memory_system.hpp"
#include "hw/timing.hpp"
#include "sim/cosim.hpp"
#include "sim/tile_program.hpp"
#include "sim/model_loader.hpp"
#include "sim/trace_window.hpp"

namespace ccsim::cli {
namespace {

struct CosimArgs {
  std::string file;
  std::string array = "16x16";
  std::vector<std::string> inputs;
  std::string dataset;
  int count = 1;
  int first = 0;
  std::string design = "both";
  std::string trace;
  std::string trace_window;
  std::string mismatch_trace = "cosim-mismatch.fst";
  std::string inject = "none";
  std::string report;
  int max_mismatches = 10;
  int stream_gap = 0;
  int mem_latency = 2;
  int mem_busy = 0;
};

void cosim_command(const CosimArgs& a) {
  const model::PackedNetwork net = model::load_packed(a.file);
  const hw::ArrayConfig array = hw::parse_array(a.array);
  cosim::CosimOptions o;
  o.rows = array.rows;
  o.cols = array.cols;
  o.design = a.design == "rtl" ? cosim::Design::Rtl : a.design == "systemc" ? cosim::Design::SystemC : cosim::Design::Both;
  o.trace_path = a.trace;
  if (!a.trace_window.empty()) std::tie(o.trace_start, o.trace_end) = parse_trace_window(a.trace_window);
  o.mismatch_trace_path =
      a.trace.size() > 4 ? a.trace.substr(0, a.trace.size() - 4) + "-mismatch.fst" : a.mismatch_trace;
  o.max_mismatches = a.max_mismatches;
  o.stream_gap = a.stream_gap;
  o.mem_latency = a.mem_latency;
  o.mem_busy = a.mem_busy;
  o.fault = hw::parse_fault(a.inject);
  if (o.fault == hw::Fault::VectorBitFlip) {
    if (o.design == cosim::Design::SystemC) {
      throw std::invalid_argument("--inject vector is a fault in what the RTL vector unit is checked against: use --design both or rtl");
    }
  } else if (o.fault != hw::Fault::None && o.design == cosim::Design::Rtl) {
    throw std::invalid_argument("--inject puts the fault into the SystemC model: use --design both or systemc");
  }
  std::vector<int> labels;
  const auto inputs = load_int8_inputs(net, a.inputs, a.dataset, a.count, &labels, a.first);

  const cosim::TileLimits limits = cosim::cosim_limits(o.rows, o.cols);  // an unbuilt size is refused here
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != model::OpKind::Matmul) continue;
    const model::PackedLayer& l = net.layers[i];
    const std::string note =
        hw::pixel_block_note(cosim::tile_array(limits), l, cosim::tile_blocks(l, hw::fused_shift(net, i), limits));
    if (!note.empty()) std::cerr << "ccsim: note: " << note << "\n";
  }
  const cosim::CosimResult r = cosim::run_cosim(net, inputs, o);
  nlohmann::json mismatches = nlohmann::json::array();
  for (const auto& m : r.mismatches) {
    mismatches.push_back({{"cycle", m.cycle}, {"sample", m.sample}, {"layer", m.layer}, {"layer_name", m.layer_name},
                          {"tile", m.tile}, {"tile_cycle", m.tile_cycle}, {"row", m.row}, {"col", m.col},
                          {"signal", m.signal}, {"expected", m.expected}, {"actual", m.actual}});
  }
  const nlohmann::json report = {{"network", net.name}, {"file", a.file}, {"array", a.array}, {"design", a.design},
                                 {"samples", inputs.size()}, {"first", a.first}, {"pass", r.pass}, {"cycles_compared", r.cycles_compared},
                                 {"cycles_simulated", r.cycles_simulated}, {"layers_run", r.layers_run},
                                 {"vector_layers_run", r.vector_layers_run}, {"vector_cycles", r.vector_cycles},
                                 {"stream_gap", a.stream_gap}, {"mem_latency", a.mem_latency}, {"mem_busy", a.mem_busy},
                                 {"rtl_wait_cycles", r.rtl_wait_cycles},
                                 {"output_words_written", r.output_words_written},
                                 {"output_drain_cycles", r.output_drain_cycles},
                                 {"input_segments", r.input_segments},
                                 {"blocks_started", r.blocks_started},
                                 {"controller_cycles", r.controller_cycles},
                                 {"input_unaligned_segments", r.input_unaligned_segments},
                                 {"wall_seconds", r.wall_seconds},
                                 {"cycles_per_second", r.wall_seconds > 0 ? r.cycles_simulated / r.wall_seconds : 0.0},
                                 {"fault", a.inject}, {"mismatches", mismatches}, {"waveform", r.waveform},
                                 {"waveform_unit", r.waveform_unit}, {"gtkw", r.gtkw},
                                 {"vector_waveform", r.vector_waveform}, {"vector_gtkw", r.vector_gtkw},
                                 {"systemc_waveform", r.systemc_waveform}};
  if (!a.report.empty()) write_file_atomic(a.report, report.dump(2) + "\n");
  if (!r.pass) {
    std::cout << "FAIL: " << (a.design == "both" ? "RTL and SystemC model disagree" : "mismatch against the golden model")
              << "; first mismatches:\n";
    for (const auto& m : r.mismatches) std::cout << "  " << m.describe() << "\n";
    if (!r.waveform.empty()) {
      std::cout << "waveform around the first mismatch (" << (r.waveform_unit == "vector_unit" ? "RTL vector unit" : "RTL tile")
                << "): " << r.waveform << " (" << r.gtkw << ")\n";
    }
    throw std::runtime_error("co-simulation failed");
  }
  std::cout << "PASS: " << inputs.size() << " sample(s), " << r.layers_run << " Matmul layer run(s), "
            << r.cycles_compared << " cycles " << (a.design == "both" ? "compared (RTL vs SystemC, every cycle)" : "run")
            << ", outputs bit-exact with the golden model; " << r.cycles_simulated << " cycles simulated in "
            << r.wall_seconds << " s\n";
  if (r.output_words_written > 0) {
    std::cout << "DMAs (RTL): every output written to memory once, in " << r.output_words_written
              << " words; each layer's input gathered from its tensor in memory, " << r.input_segments
              << " band segment(s) (" << r.input_unaligned_segments << " starting inside an 8-byte word)\n";
    std::cout << "controller (RTL): " << r.blocks_started << " block(s) run from descriptor chains in memory, "
              << r.controller_cycles << " cycles from descriptor fetches to tile starts\n";
  }
  if (r.vector_layers_run > 0) {
    std::cout << "vector unit (RTL): " << r.vector_layers_run << " layer run(s) (pooling, clamp, shift, padding, add, "
              << "concatenation), " << r.vector_cycles << " cycles, outputs bit-exact with the golden model\n";
  }
  if (a.stream_gap > 0 || r.rtl_wait_cycles > 0) {
    std::cout << "tile stream (memory latency " << a.mem_latency << ", port refusing " << a.stream_gap
              << " cycle(s) after each read): the RTL waited " << r.rtl_wait_cycles << " cycles for its weights\n";
  }
  if (!r.waveform.empty()) std::cout << "waveform: " << r.waveform << " (GTKWave: gtkwave " << r.gtkw << ")\n";
  if (!r.vector_waveform.empty()) {
    std::cout << "vector unit waveform (same time base): " << r.vector_waveform << " (GTKWave: gtkwave " << r.vector_gtkw
              << ")\n";
  }
  if (!r.systemc_waveform.empty()) std::cout << "SystemC model waveform (same time base): " << r.systemc_waveform << "\n";
}

}  // namespace

void add_cosim_command(CLI::App& app) {
  auto a = std::make_shared<CosimArgs>();
  auto* cmd = app.add_subcommand("cosim", kCosimDescription);
  cmd->add_option("FILE", a->file, "packed weight file (.ccpack)")->required();
  const std::string built = join_names(cosim::cosim_configurations());
  cmd->add_option("--array", a->array, "array size of a built RTL tile: " + built + " (CMake CCSIM_COSIM_ARRAYS)")
      ->capture_default_str();
  cmd->add_option("--input", a->inputs, "input tensor (ONNX TensorProto .pb), repeatable");
  cmd->add_option("--dataset", a->dataset, "IDX data set directory (test split)");
  cmd->add_option("--count", a->count, "images from the data set")->check(kPositive)->capture_default_str();
  cmd->add_option("--first", a->first, "first data-set image (shards of a long run)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--design", a->design, "both (compare every cycle), rtl or systemc alone (against golden)")
      ->check(CLI::IsMember({"both", "rtl", "systemc"}))->capture_default_str();
  cmd->add_option("--trace", a->trace,
                  "RTL tile waveform (.fst or .vcd), the RTL vector unit's (-vector.fst/.vcd), the SystemC model's "
                  "(-systemc.vcd), each RTL one with a .gtkw");
  cmd->add_option("--trace-window", a->trace_window, "trace only cycles START:END (compared cycles)");
  cmd->add_option("--mismatch-trace", a->mismatch_trace,
                  "on FAIL: waveform of the failing RTL unit (tile or vector unit) around the first mismatch "
                  "(with --trace X.fst: X-mismatch.fst)")
      ->capture_default_str();
  cmd->add_option("--max-mismatches", a->max_mismatches, "mismatches to report")->check(kPositive)->capture_default_str();
  cmd->add_option("--stream-gap", a->stream_gap,
                  "cycles the memory refuses the tile-stream DMA's port after each read (with --design rtl): "
                  "exercises the tile's flow control; outputs stay checked, the wait is reported")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--mem-latency", a->mem_latency,
                  "cycles from a memory read request (descriptors, stored input, tile stream) to its response; each "
                  "DMA keeps 4 in flight")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--mem-busy", a->mem_busy,
                  "cycles the memory refuses requests (ready low) after each one it takes: back-pressure on the DMA's "
                  "reads and on the output DMA's writes")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--inject", a->inject,
                  "test only: fault in the SystemC model (none, select, skew, acc) or in the vector unit's reference (vector)")
      ->check(CLI::IsMember({"none", "select", "skew", "acc", "vector"}))->capture_default_str();
  cmd->add_option("--report", a->report, "write the result (JSON)");
  cmd->callback([a, cmd] {
    // The SystemC model takes the stored input without a memory port: its timing would be ignored.
    if (a->design == "systemc" && cmd->count("--mem-latency") + cmd->count("--mem-busy") > 0) {
      throw std::invalid_argument("--mem-latency and --mem-busy time the RTL tile's memory ports: they need --design both or rtl");
    }
    cosim_command(*a);
  });
}

}  // namespace ccsim::cli
