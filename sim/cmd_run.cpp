#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include <unistd.h>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "hw/area_model.hpp"
#include "hw/array_occupancy.hpp"
#include "hw/energy_model.hpp"
#include "hw/memory_system.hpp"
#include "hw/pipeline.hpp"
#include "hw/timing.hpp"
#include "models/atomic_file.hpp"
#include "models/idx_dataset.hpp"
#include "models/packed_file.hpp"
#include "models/topology.hpp"
#include "sim/cli_checks.hpp"
#include "sim/commands.hpp"
#include "sim/compute_report.hpp"
#include "sim/golden_check.hpp"
#include "sim/accelergy.hpp"
#include "sim/model_loader.hpp"
#include "sim/names.hpp"
#include "sim/hardware_options.hpp"
#include "sim/run_report.hpp"
#include "sim/systemc_runs.hpp"
#include "sim/table_file.hpp"
#include "sim/topology_run.hpp"
#include "sim/trace_window.hpp"

namespace ccsim::cli {
namespace {

// The hardware (HardwareOptions) and everything else a run takes.
struct RunArgs : HardwareOptions {
  std::string file;
  std::string mode = "cycle";
  std::vector<std::string> inputs;
  std::string dataset;
  int count = 1;
  std::string report;
  std::string vcd;
  int trace_layer = -1;
  std::int64_t trace_tile = -1;
  std::string trace_window;
  std::string tlm;
  double dram_latency_ns = 0;
  bool dmi = false;
  double traffic_bytes_per_ns = 0;
  double clock_mhz = 500;
  std::string accelergy;
  std::string compute_report;
  std::string energy_table;
  std::string area_table;
  std::string rtl = "none";
  std::string rtl_trace;
  // --topology: a SCALE-Sim topology CSV timed with synthetic weights under a sparsity scheme
  std::string topology;
  std::string scheme = "dense";
  double density = 1.0;
  int alpha = 8;
  double gamma = 1.75;
  bool scheme_flags_given = false;
};

// Refuses what --topology does not combine with (before ccsim hands a cycle run to ccsim-systemc,
// so either program refuses it the same way).
void check_topology_arguments(const RunArgs& a) {
  if (!a.file.empty()) throw std::invalid_argument("give FILE.ccpack or --topology TOPO.csv, not both");
  if (!a.inputs.empty() || !a.dataset.empty()) {
    throw std::invalid_argument("--topology runs random int8 inputs; --input and --dataset are for a .ccpack");
  }
  if (!a.vcd.empty() || !a.tlm.empty() || a.rtl != "none") {
    throw std::invalid_argument("--topology runs --mode fast or cycle; --vcd, --tlm and --rtl are for a .ccpack");
  }
}

// The topology's layers, one after another, each a network of its own (SCALE-Sim's layers do
// not chain): report, COMPUTE_REPORT.csv rows with LayerID = row, and a summary.
// Called after check_topology_arguments.
void run_topology_command(const RunArgs& a) {
  const std::vector<model::TopologyLayer> layers = model::load_topology(a.topology);
  const hw::AcceleratorConfig config = accelerator_config(a);
  model::SchemeSpec spec;
  spec.scheme = model::parse_sparsity_scheme(a.scheme);
  spec.density = a.density;
  spec.params.alpha = a.alpha;
  spec.params.gamma = a.gamma;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<TopologyLayerRun> runs = run_topology(layers, spec, config, a.mode == "cycle", a.count);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const hw::ArrayConfig array = config.resolved_array();
  const int activation_bits = topology_activation_bits(array);
  std::string csv = compute_report_header();
  nlohmann::json per_layer = nlohmann::json::array();
  std::int64_t total_cycles = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const std::string note = hw::pixel_block_note(array, runs[k].layer, hw::pixel_blocks(array, runs[k].layer));
    if (!note.empty()) std::cerr << "ccsim: note: " << note << "\n";
    const std::string ofmap = model::scalesim_ofmap_note(layers[k]);
    if (!ofmap.empty()) std::cerr << "ccsim: note: " << ofmap << "\n";
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const model::TopologyLayer& t = layers[k];
    const hw::LayerStats& s = runs[k].run.layers.front();
    csv += compute_report_row(k, runs[k].layer, s, array);
    total_cycles += s.cycles;
    nlohmann::json j = s.to_json();
    j["name"] = t.name;
    j["ifmap"] = {t.channels, t.ifmap_h, t.ifmap_w};
    j["filter"] = {t.window.kh, t.window.kw};
    j["filters"] = t.filters;
    j["stride"] = {t.window.stride_h, t.window.stride_w};
    j["depthwise"] = t.depthwise;
    j["output_pixels"] = static_cast<std::int64_t>(t.out_h()) * t.out_w();
    j["scalesim_output_pixels"] = static_cast<std::int64_t>(t.scalesim_out_h()) * t.scalesim_out_w();
    j["reduction"] = static_cast<std::int64_t>(t.depthwise ? 1 : t.channels) * t.window.kh * t.window.kw;  // weights per filter
    j["packed_columns"] = runs[k].layer.packed_cols();
    j["nonzero_weights"] = runs[k].nonzeros;
    j["weights"] = runs[k].weights;
    per_layer.push_back(std::move(j));
  }
  const nlohmann::json report = {{"topology", a.topology},      {"mode", a.mode},
                                 {"array", array.to_json()},     {"accelerator", config.to_json()},
                                 {"scheme", a.scheme},           {"density", a.density},
                                 {"alpha", a.alpha},             {"gamma", a.gamma},
                                 {"samples", a.count},
                                 {"activation_bits", activation_bits},
                                 {"golden_check", a.mode == "fast" ? "timing only: no values computed" : "pass"},
                                 {"total_cycles", total_cycles}, {"layers", per_layer},
                                 {"wall_seconds", seconds}};
  OutputFiles files;  // all or none
  if (!a.report.empty()) files.add(a.report, report.dump(2) + "\n");
  if (!a.compute_report.empty()) files.add(a.compute_report, csv);
  files.commit();
  std::cout << "PASS: " << runs.size() << " layers of " << a.topology << " (synthetic weights, " << a.scheme
            << " at density " << a.density
            << (activation_bits < 8 ? ", " + std::to_string(activation_bits) + "-bit activations for --data-bits " +
                                          std::to_string(array.data_bits)
                                    : std::string())
            << "), " << a.count
            << (a.mode == "fast" ? " input(s) each, timed (no values computed)" : " random input(s) each, bit-exact with the golden model")
            << "; " << total_cycles << " cycles in all on "
            << array.rows << "x" << array.cols << ", " << a.mode << " mode, " << seconds << " s\n";
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const hw::LayerStats& s = runs[k].run.layers.front();
    std::cout << "  " << layers[k].name << ": " << s.cycles << " cycles, utilization " << s.utilization() << "\n";
  }
}

void run_command(const RunArgs& a) {
  if (!a.topology.empty()) check_topology_arguments(a);
  if (a.mode == "cycle" || !a.tlm.empty() || a.rtl != "none") require_systemc();  // before anything is done
  if (!a.topology.empty()) return run_topology_command(a);
  if (a.file.empty()) throw std::invalid_argument("run needs FILE.ccpack or --topology TOPO.csv");
  if (a.scheme_flags_given) throw std::invalid_argument("--scheme, --density, --alpha and --gamma go with --topology");
  const model::PackedNetwork net = model::load_packed(a.file);
  hw::AcceleratorConfig config = accelerator_config(a);
  widen_multiplexers(a.file, net, config.array, std::cerr);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != model::OpKind::Matmul) continue;
    const model::PackedLayer* shift = hw::fused_shift(net, i);
    const std::string note = hw::pixel_block_note(config.array, net.layers[i], hw::pixel_blocks(config.array, net.layers[i], shift));
    if (!note.empty()) std::cerr << "ccsim: note: " << note << "\n";
  }
  const bool rtl_array = a.rtl.find("array") != std::string::npos;
  const bool rtl_feeder = a.rtl.find("feeder") != std::string::npos;
  const bool rtl_output = a.rtl.find("output") != std::string::npos;
  const bool rtl_vector = a.rtl.find("vector") != std::string::npos;
  const bool rtl_tile = a.rtl.find("tile") != std::string::npos;
  if ((rtl_array || rtl_feeder || rtl_output || rtl_vector || rtl_tile) && a.mode != "cycle" && a.tlm.empty()) {
    throw std::invalid_argument("--rtl " + a.rtl + " needs --mode cycle or --tlm");
  }
  if (rtl_tile && (rtl_array || rtl_feeder || rtl_output)) {
    throw std::invalid_argument("--rtl " + a.rtl + ": the RTL tile holds its own array, feeder and output stage (name tile alone, or with vector)");
  }
  if (rtl_tile && !a.vcd.empty()) {
    throw std::invalid_argument("--vcd traces the SystemC units, which run no Matmul layer with --rtl tile; the RTL tile's "
                                "waveform is --rtl-trace FILE.fst");
  }
  if (!a.rtl_trace.empty() && !rtl_tile) throw std::invalid_argument("--rtl-trace is the waveform of --rtl tile");
  if (!a.rtl_trace.empty() && config.schedule != hw::Schedule::SharedArray) {
    throw std::invalid_argument("--rtl-trace traces the one tile of the shared schedule (not --schedule pipelined)");
  }
  // The tile's waveform: written under a temporary name, renamed once the run is over (also when
  // the RTL and the model disagree: that is when it is wanted); its GTKWave save file beside it.
  cosim::RtlTileTrace tile_wave;
  if (!a.rtl_trace.empty()) {
    if (!ends_with(a.rtl_trace, ".fst")) throw std::invalid_argument("--rtl-trace '" + a.rtl_trace + "' must end in .fst");
    const std::filesystem::path dir = std::filesystem::path(a.rtl_trace).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      throw std::invalid_argument("--rtl-trace '" + a.rtl_trace + "': no directory " + dir.string());
    }
    tile_wave.fst_path = a.rtl_trace + ".tmp." + std::to_string(::getpid());
    tile_wave.dumpfile = a.rtl_trace;
    tile_wave.gtkw_path = a.rtl_trace.substr(0, a.rtl_trace.size() - 4) + ".gtkw.tmp." + std::to_string(::getpid());
    if (!a.trace_window.empty()) std::tie(tile_wave.start_cycle, tile_wave.end_cycle) = parse_trace_window(a.trace_window);
  }
  if (rtl_tile) use_rtl_tile(config, net, tile_wave);
  if (rtl_array) use_rtl_array(config);
  if (rtl_feeder) use_rtl_feeder(config, net);
  if (rtl_output) use_rtl_output(config);
  const auto energy_table = load_table<hw::EnergyTable>(a.energy_table);
  const auto area_table = load_table<hw::AreaTable>(a.area_table);
  const hw::ArrayConfig& array = config.array;
  std::vector<int> labels;
  const std::vector<model::Int8Tensor> inputs = load_int8_inputs(net, a.inputs, a.dataset, a.count, &labels);
  const std::size_t n = inputs.size();
  if (rtl_vector) use_rtl_vector(config, net, inputs.front());

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<hw::NetworkRun> runs;
  nlohmann::json tlm_report;
  if (!a.vcd.empty() && (a.mode != "cycle" || !a.tlm.empty())) {
    throw std::invalid_argument("--vcd needs --mode cycle (and no --tlm)");
  }
  if (a.tlm.empty() && (a.dram_latency_ns != 0 || a.dmi || a.traffic_bytes_per_ns != 0)) {
    throw std::invalid_argument("--dram-latency-ns, --dmi and --traffic-bytes-per-ns need --tlm");
  }
  if (a.dmi && a.tlm != "lt") throw std::invalid_argument("--dmi is for --tlm lt (the AT path has no DMI)");
  if (!a.tlm.empty() && config.schedule != hw::Schedule::SharedArray) {
    throw std::invalid_argument("--tlm runs the shared-array schedule only");
  }
  hw::TraceOptions trace;
  std::string vcd_tmp;
  if (!a.vcd.empty()) {
    vcd_tmp = a.vcd + ".tmp." + std::to_string(::getpid());
    trace.vcd_path = vcd_tmp;  // SystemC appends .vcd
    trace.layer = a.trace_layer;
    trace.tile = a.trace_tile;
    if (!a.trace_window.empty()) std::tie(trace.start_cycle, trace.end_cycle) = parse_trace_window(a.trace_window);
  }
  RtlCheck rtl_check;
  // The RTL tile's waveform: kept when the run completed or the RTL and the model disagree (the
  // run stopped with an error after the tile recorded why), removed otherwise.
  const auto settle_tile_waveform = [&](bool keep) {
    if (tile_wave.fst_path.empty()) return;
    const std::string gtkw = tile_wave.gtkw_path.substr(0, tile_wave.gtkw_path.rfind(".tmp."));
    std::error_code ec;
    const bool written = std::filesystem::exists(tile_wave.fst_path, ec);
    if (keep && written && std::rename(tile_wave.fst_path.c_str(), a.rtl_trace.c_str()) == 0 &&
        std::rename(tile_wave.gtkw_path.c_str(), gtkw.c_str()) == 0) {
      std::cout << "waveform of the RTL tile: " << a.rtl_trace << " (GTKWave: " << gtkw << ")\n";
      return;
    }
    std::remove(tile_wave.fst_path.c_str());
    std::remove(tile_wave.gtkw_path.c_str());
    if (keep && !written) std::cout << "no waveform of the RTL tile: no Matmul layer ran on it\n";
    if (keep && written) throw std::runtime_error(a.rtl_trace + ": cannot write the waveform");
  };
  const auto report_mismatches = [&] {
    if (!vcd_tmp.empty()) std::remove((vcd_tmp + ".vcd").c_str());
    std::cout << "FAIL: the RTL (" << a.rtl << ") and the SystemC model disagree (" << rtl_check.mismatches
              << " cell registers, bit-line words, output or vector-unit values, cycle counts); first mismatches:\n";
    for (const auto& m : rtl_check.first) std::cout << "  " << m << "\n";
  };
  try {
    if (!a.tlm.empty()) {
      runs = run_tlm_mode({a.tlm, a.dram_latency_ns, a.dmi, a.traffic_bytes_per_ns}, net, inputs, config, tlm_report, rtl_check);
    } else if (a.mode == "fast") {
      runs = hw::run_fast(net, inputs, config);
    } else {
      runs = run_cycle_mode(net, inputs, config, trace, &rtl_check);
    }
  } catch (...) {
    const bool disagreed = rtl_check.mismatches > 0;  // what stopped the run was recorded as a mismatch
    settle_tile_waveform(disagreed);
    if (disagreed) report_mismatches();
    throw;
  }
  settle_tile_waveform(true);
  if (rtl_check.mismatches > 0) {
    report_mismatches();
    throw std::runtime_error("the RTL (" + a.rtl + ") differs from the SystemC model");
  }
  if (!vcd_tmp.empty() && std::rename((vcd_tmp + ".vcd").c_str(), a.vcd.c_str()) != 0) {
    std::remove((vcd_tmp + ".vcd").c_str());
    throw std::runtime_error(a.vcd + ": cannot write the waveform");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Fast mode computes every layer with the golden model itself (hw::run_fast), so checking it
  // would compute the same values twice; the clocked and TLM models are checked layer by layer.
  const bool values_are_golden = a.tlm.empty() && a.mode == "fast";
  for (std::size_t i = 0; i < n; ++i) {
    if (!values_are_golden) check_against_golden(net, inputs[i], runs[i], i);
  }
  const std::string mode = a.tlm.empty() ? a.mode : "tlm-" + a.tlm;
  nlohmann::json report =
      run_report({net, a.file, mode, config, a.clock_mhz, runs, values_are_golden, seconds, energy_table, area_table, labels});
  const auto arrays = report["arrays"].get<std::size_t>();
  if (!tlm_report.is_null()) report["tlm"] = tlm_report;
  if (rtl_array || rtl_feeder || rtl_output || rtl_vector || rtl_tile) {
    report["rtl"] = {{"unit", a.rtl}, {"mismatches", rtl_check.mismatches}};
    if (rtl_tile) {
      const hw::TileCheckStats& t = rtl_check.tile;
      report["rtl"]["tile"] = {{"source", "rtl/ccsim_accel.sv (Verilated: controller, DMAs, tile)"},
                               {"layers_compared", t.layers},
                               {"blocks", t.blocks},
                               {"cycles_compared", t.cycles_compared},
                               {"wait_cycles", t.wait_cycles},
                               {"values_compared", t.values_compared},
                               {"memory_reads", t.memory_reads},
                               {"memory_writes", t.memory_writes},
                               {"spill_bytes", t.spill_bytes}};
    }
    if (rtl_output) {
      report["rtl"]["output"] = {{"source", "rtl/ccsim_requant.sv (Verilated)"}, {"values_compared", rtl_check.output_values}};
    }
    if (rtl_feeder) {
      report["rtl"]["feeder"] = {{"source", "rtl/ccsim_feeder.sv (Verilated)"}, {"cycles_compared", rtl_check.feeder_cycles}};
    }
    if (rtl_array) {
      report["rtl"]["array"] = {{"source", "rtl/ccsim_systolic_array.sv (Verilated)"}, {"cycles_compared", rtl_check.array_cycles}};
    }
    if (rtl_vector) {
      report["rtl"]["vector"] = {{"source", "rtl/ccsim_vector_unit.sv (Verilated)"},
                                 {"layers_compared", rtl_check.vector_layers},
                                 {"cycles_compared", rtl_check.vector_cycles},
                                 {"values_compared", rtl_check.vector_values}};
    }
  }
  OutputFiles files;  // all or none
  if (!a.report.empty()) files.add(a.report, report.dump(2) + "\n");
  if (!a.compute_report.empty()) files.add(a.compute_report, compute_report_csv(net, runs.front(), config.resolved_array()));
  if (!a.accelergy.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.accelergy, ec);
    if (ec) throw std::invalid_argument("--accelergy " + a.accelergy + ": cannot create the directory: " + ec.message());
    const hw::AreaBreakdown area = hw::area_of(config, net, static_cast<std::int64_t>(arrays), area_table);
    files.add(a.accelergy + "/ERT.yaml", accelergy_ert(config, area, energy_table, a.clock_mhz));
    files.add(a.accelergy + "/ART.yaml", accelergy_art(config, area));
  }
  files.commit();
  std::cout << "PASS: " << n << " sample(s) "
            << (values_are_golden ? "computed by the golden model" : "bit-exact with the golden model on every layer")
            << "; " << report["cycles_per_inference"].get<std::int64_t>() << " cycles per inference on "
            << (arrays > 1 ? std::to_string(arrays) + " arrays of " : "a ") << array.rows << "x" << array.cols << " ("
            << 100.0 * report["utilization"].get<double>() << "% utilization), " << report["makespan_cycles"].get<std::int64_t>()
            << " cycles for all inputs (" << hw::to_string(config.schedule) << " schedule), " << mode << " mode, "
            << seconds << " s\n";
  if (rtl_array) {
    std::cout << "RTL array (rtl/ccsim_systolic_array.sv, Verilated) in place of every core's array cells: "
              << rtl_check.array_cycles << " cycles compared with the SystemC model's cells, 0 mismatches\n";
  }
  if (rtl_feeder) {
    std::cout << "RTL feeder (rtl/ccsim_feeder.sv, Verilated) in place of every core's feeder bit lines: "
              << rtl_check.feeder_cycles << " cycles compared with the SystemC feeder's, 0 mismatches\n";
  }
  if (rtl_output) {
    std::cout << "RTL output stage (rtl/ccsim_requant.sv, Verilated) in place of every core's requantization: "
              << rtl_check.output_values << " values compared with the SystemC output stage's, 0 mismatches\n";
  }
  if (rtl_tile) {
    const hw::TileCheckStats& t = rtl_check.tile;
    std::cout << "RTL accelerator tile (rtl/ccsim_accel.sv, Verilated: controller, DMAs, buffers, feeder, array, output "
                 "stage) in place of every core's Matmul datapath: "
              << t.layers << " layer run(s), " << t.blocks << " block(s), " << t.cycles_compared
              << " cycles compared with the SystemC model's cells (" << t.wait_cycles << " cycles waiting for weights), "
              << t.values_compared << " output values checked, " << t.memory_reads << " memory reads and " << t.memory_writes
              << " writes through the core's port, 0 mismatches\n";
  }
  if (rtl_vector) {
    std::cout << "RTL vector unit (rtl/ccsim_vector_unit.sv, Verilated) in place of every core's vector unit: "
              << rtl_check.vector_layers << " layer(s), " << rtl_check.vector_cycles << " compute cycles, "
              << rtl_check.vector_values << " values compared with the SystemC model's, 0 mismatches\n";
  }
  if (!labels.empty()) std::cout << "accuracy " << report["accuracy"].get<double>() << "\n";
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run a packed network on the accelerator model and check it against the golden model");
  cmd->add_option("FILE", a->file, "packed weight file (.ccpack); or give --topology");
  cmd->add_option("--topology", a->topology,
                  "SCALE-Sim topology CSV (conv or GEMM form): time each layer with synthetic weights, no network needed");
  cmd->add_option("--scheme", a->scheme, "--topology: sparsity scheme of the synthetic weights")
      ->check(CLI::IsMember({"dense", "bitmap", "csr", "nm", "pcnn", "periodic", "ternary", "cc"}))
      ->capture_default_str();
  cmd->add_option("--density", a->density, "--topology: fraction of non-zero weights per layer")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--alpha", a->alpha, "--topology, scheme cc: max columns combined per packed column")
      ->check(CLI::Range(1, 32))->capture_default_str();
  cmd->add_option("--gamma", a->gamma, "--topology, scheme cc: average conflicts per row allowed in a group")
      ->check(CLI::Range(0.0, 1e6))->capture_default_str();
  cmd->add_option("--array", a->array, "systolic array size ROWSxCOLS")->capture_default_str();
  cmd->add_option("--data-bits", a->data_bits, "bits per input value (bit-serial cells: cycles per MAC)")->capture_default_str();
  cmd->add_option("--mac", a->mac, "MAC cell: serial (bit-serial, data-bits cycles per MAC) or parallel (one MAC per cycle)")
      ->check(CLI::IsMember({"serial", "parallel"}))->capture_default_str();
  cmd->add_option("--weight-load", a->weight_load,
                  "overlapped (shadow weight registers load the next tile while one computes) or exposed (every tile waits "
                  "for its load, as SCALE-Sim's WS dataflow)")
      ->check(CLI::IsMember({"overlapped", "exposed"}))->capture_default_str();
  cmd->add_option("--mode", a->mode, "cycle (clocked SystemC) or fast (analytical)")
      ->check(CLI::IsMember({"cycle", "fast"}))->capture_default_str();
  cmd->add_option("--input", a->inputs, "input tensor (ONNX TensorProto .pb), repeatable");
  cmd->add_option("--dataset", a->dataset, "IDX data set directory (test split)");
  cmd->add_option("--count", a->count, "images from the data set")->check(kPositive)->capture_default_str();
  cmd->add_option("--report", a->report, "write per-layer cycles, utilization and counters (JSON)");
  cmd->add_option("--vcd", a->vcd, "cycle mode: write a VCD of the units: layer and tile, array bit lines and row outputs, weight-buffer, DMA, vector-unit activity");
  cmd->add_option("--trace-layer", a->trace_layer, "trace only this layer index (default: all)");
  cmd->add_option("--trace-tile", a->trace_tile, "trace only this tile of the traced layer (default: all)");
  cmd->add_option("--trace-window", a->trace_window, "trace only cycles START:END of the simulation");
  cmd->add_option("--schedule", a->schedule, "shared (one array) or pipelined (one array per layer, inputs overlap)")
      ->check(CLI::IsMember({"shared", "pipelined"}))->capture_default_str();
  cmd->add_option("--weight-buffer-kib", a->weight_buffer_kib, "weight buffer capacity (KiB, both halves)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--weight-banks", a->weight_banks, "weight buffer banks (default: one per array column)")
      ->check(kPositive);
  cmd->add_option("--act-buffer-kib", a->act_buffer_kib, "activation buffer capacity (KiB)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--acc-pixels", a->acc_pixels,
                  "accumulator buffer: output pixels per array row (a larger layer runs in pixel blocks)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--input-store-kib", a->input_store_kib,
                  "stored input one pixel block reads (KiB, its band of input rows)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--vector-lanes", a->vector_lanes, "vector unit: channels per cycle (pooling, joins, padding)")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--vector-store-kib", a->vector_store_kib,
                  "vector unit input store (KiB; a larger layer runs in passes of whole channels)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--dram-bytes-per-cycle", a->dram_bytes_per_cycle, "DRAM bandwidth")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--clock-mhz", a->clock_mhz, "clock for the report's leakage energy (as explore's clock_mhz axis)")
      ->check(CLI::Range(1e-3, 1e6))->capture_default_str();
  cmd->add_option("--accelergy", a->accelergy,
                  "write the energy and area tables in Accelergy's formats: DIR/ERT.yaml and DIR/ART.yaml");
  cmd->add_option("--compute-report", a->compute_report, "per-layer CSV with SCALE-Sim's COMPUTE_REPORT.csv columns");
  cmd->add_option("--energy-table", a->energy_table, "per-event energies (JSON) for the report (default: built-in, cited)");
  cmd->add_option("--area-table", a->area_table, "per-component areas (JSON) for the report (default: built-in, cited)");
  cmd->add_option("--tlm", a->tlm, "run through the TLM system (host, interconnect, memory, DMA): lt or at memory path")
      ->check(CLI::IsMember({"lt", "at"}));
  cmd->add_option("--dram-latency-ns", a->dram_latency_ns, "--tlm: memory latency per transaction (0: the ideal memory of --mode cycle)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--traffic-bytes-per-ns", a->traffic_bytes_per_ns,
                  "--tlm: a second initiator on the interconnect reading at this rate (bandwidth contention)")
      ->check(kNonNegative);
  cmd->add_option("--rtl", a->rtl,
                  "run units' Verilated RTL inside the SystemC accelerator, compared with the SystemC model (a comma "
                  "list of array: the systolic array's cells, every register every cycle; feeder: the feeder and shift "
                  "unit's bit lines, every cycle; output: the output stage's requantization, every value; vector: the "
                  "vector unit, every layer's values and cycles; tile: the RTL accelerator (controller, DMAs, buffers, feeder, "
                  "array, output stage) for every Matmul layer, its memory ports on the core's TLM socket, every cell "
                  "every cycle; --mode cycle or --tlm)")
      ->check([](const std::string& value) -> std::string {
        if (value == "none") return {};
        // Items between commas, the empty ones before the first and after the last included.
        std::vector<std::string> units{""};
        for (const char ch : value) {
          if (ch == ',') {
            units.emplace_back();
          } else {
            units.back() += ch;
          }
        }
        for (const std::string& unit : units) {
          if (unit.empty()) return "'" + value + "' has an empty unit (array, feeder, output, vector, tile, comma-separated; or none)";
          if (unit == "none") return "'none' goes alone (it swaps nothing in)";
          if (unit != "array" && unit != "feeder" && unit != "output" && unit != "vector" && unit != "tile") {
            return "'" + unit + "' is not a unit with RTL to swap in (array, feeder, output, vector, tile, comma-separated; or none)";
          }
        }
        return {};
      })
      ->capture_default_str();
  cmd->add_option("--rtl-trace", a->rtl_trace,
                  "--rtl tile: the Verilated tile's waveform (FST, within --trace-window; a .gtkw beside it)");
  cmd->add_flag("--dmi", a->dmi, "--tlm lt: use DMI (exact to a cycle per DMA phase only when a byte takes a whole number of ps)");
  cmd->callback([a, cmd] {
    a->scheme_flags_given = cmd->count("--scheme") + cmd->count("--density") + cmd->count("--alpha") + cmd->count("--gamma") > 0;
    run_command(*a);
  });
}

}  // namespace ccsim::cli
