#include "sim/explore.hpp"

#include <algorithm>

#include <map>

#include <set>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <tbb/global_control.h>
#include <zlib.h>
#include <tbb/parallel_for.h>

#include "hw/network_run.hpp"
#include "hw/area_model.hpp"
#include "hw/pipeline.hpp"
#include "hw/timing.hpp"
#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/json_read.hpp"
#include "models/scheme_packing.hpp"
#include "sim/compute_report.hpp"
#include "sim/model_loader.hpp"
#include "sim/preprocess_options.hpp"
#include "sim/table_file.hpp"

namespace ccsim::cli {
namespace {

namespace fs = std::filesystem;

struct PackKey {
  std::string network, scheme;
  double density;
  int alpha;
  double gamma;
  int activation_bits, weight_bits;
  bool operator<(const PackKey& o) const {
    return std::tie(network, scheme, density, alpha, gamma, activation_bits, weight_bits) <
           std::tie(o.network, o.scheme, o.density, o.alpha, o.gamma, o.activation_bits, o.weight_bits);
  }
};

PackKey key_of(const SweepPoint& p) {
  const bool cc = p.scheme == "cc";
  return {p.network, p.scheme, p.density, cc ? p.alpha : 1, cc ? p.gamma : 0.0, p.activation_bits, p.weight_bits};
}

model::SchemeSpec spec_of(const Sweep& s, const SweepPoint& p) {
  model::SchemeSpec spec;
  spec.scheme = model::parse_sparsity_scheme(p.scheme);
  spec.density = p.density;
  spec.params.alpha = p.alpha;
  spec.params.gamma = p.gamma;
  spec.activation_bits = p.activation_bits;
  spec.weight_bits = p.weight_bits;
  spec.params.m = s.scheme_params.value("m", 4);
  spec.params.patterns = s.scheme_params.value("patterns", 8);
  spec.params.pcnn_vector = s.scheme_params.value("pcnn_vector", 8);
  spec.params.period = s.scheme_params.value("period", 4);
  spec.params.block = s.scheme_params.value("block", 8);
  spec.params.restricted = s.scheme_params.value("restricted", false);
  spec.multiplexers = s.scheme_params.value("multiplexers", true);
  // "reference": the first weight layer and fully connected layers stay dense (as `ccsim train
  // --scheme` trains a network); "all" (default): every weight layer is pruned.
  spec.scope = s.scheme_params.value("scope", std::string("all")) == "reference" ? model::CombineScope::Reference
                                                                                 : model::CombineScope::AllWeightLayers;
  return spec;
}

struct Packed {
  model::SchemePack pack;
  std::vector<model::Int8Tensor> inputs;  // two test images
  std::optional<double> accuracy;         // int8 golden top-1 on the sweep's accuracy images
};

Row evaluate(const Sweep& sweep, const SweepPoint& p, const Packed& packed, const std::string& compute_report_dir) {
  const int alpha_needed = std::max<int>(1, static_cast<int>(model::widest_group(packed.pack.packed).width));
  const hw::AcceleratorConfig cfg = config_of(p, alpha_needed);
  const auto runs = hw::run_fast(packed.pack.packed, packed.inputs, cfg);
  const hw::NetworkRun& first = runs.front();
  const hw::NetworkRun& steady = runs.back();
  const std::int64_t interval = hw::steady_state_interval(packed.pack.packed, steady.layers, cfg.schedule == hw::Schedule::Pipelined);
  const hw::ArrayConfig array = cfg.resolved_array();
  std::int64_t mapped = 0, slots = 0;
  for (const auto& l : packed.pack.packed.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    mapped += static_cast<std::int64_t>(l.rows()) * l.packed_cols();
    slots += hw::tiles_per_block(array, l) * array.rows * array.cols;  // every pixel block runs the same tiles
  }
  const hw::LayerStats& t = steady.total;
  const std::int64_t arrays = cfg.schedule == hw::Schedule::Pipelined ? static_cast<std::int64_t>(hw::pipeline_stages(packed.pack.packed).size()) : 1;
  const hw::AreaBreakdown area = hw::area_of(cfg, packed.pack.packed, arrays, sweep.area);
  const hw::EnergyBreakdown e = hw::energy_of(t, array, sweep.energy, area, p.clock_mhz);
  if (!compute_report_dir.empty()) {
    write_file_atomic((fs::path(compute_report_dir) / ("point-" + p.id + ".csv")).string(),
                      compute_report_csv(packed.pack.packed, first, array));
  }
  const double latency_us = static_cast<double>(first.end_cycle - first.start_cycle) / p.clock_mhz;
  const std::int64_t onchip = t.weight_buffer_read_bytes + t.weight_buffer_fill_bytes + t.act_buffer_read_bytes +
                              t.act_buffer_write_bytes + 4 * (t.acc_reads + t.acc_writes);
  const std::vector<std::string> values = {
      p.id,
      p.network,
      p.scheme,
      format_number(p.density),
      std::to_string(p.alpha),
      format_number(p.gamma),
      std::to_string(p.activation_bits),
      std::to_string(p.weight_bits),
      p.array,
      std::to_string(p.data_bits),
      p.mac,
      p.weight_load,
      format_number(p.clock_mhz),
      format_number(p.weight_buffer_kib),
      format_number(p.act_buffer_kib),
      format_number(p.dram_bytes_per_cycle),
      std::to_string(p.acc_pixels),
      format_number(p.input_store_kib),
      std::to_string(p.vector_lanes),
      format_number(p.vector_store_kib),
      p.schedule,
      std::to_string(arrays),
      std::to_string(packed.pack.nonzeros),
      std::to_string(packed.pack.weights),
      packed.accuracy ? format_number(*packed.accuracy) : std::string(),
      std::to_string(first.total.cycles),
      format_number(latency_us),
      std::to_string(interval),
      format_number(p.clock_mhz * 1e6 / static_cast<double>(interval)),
      format_number(t.utilization()),
      format_number(slots ? static_cast<double>(mapped) / static_cast<double>(slots) : 0.0),
      std::to_string(t.stall_cycles),
      std::to_string(onchip),
      std::to_string(t.dram_read_bytes + t.dram_write_bytes),
      std::to_string(packed.pack.value_bits),
      std::to_string(packed.pack.index_bits),
      format_number(e.total_pJ() * 1e-6),
      format_number((e.mac_pJ + e.mux_pJ) * 1e-6),
      format_number((e.accumulator_pJ + e.weight_buffer_pJ + e.act_buffer_pJ) * 1e-6),
      format_number(e.dram_pJ * 1e-6),
      format_number(e.clock_pJ * 1e-6),
      format_number(e.static_pJ * 1e-6),
      format_number(area.total_um2() * 1e-6),
      format_number(area.arrays_um2 * 1e-6),
      format_number(area.buffers_um2() * 1e-6)};
  const auto& names = result_columns();
  if (values.size() != names.size()) throw std::logic_error("explore: result columns and values disagree");
  Row row;
  for (std::size_t i = 0; i < names.size(); ++i) row.emplace_back(names[i], values[i]);
  return row;
}

// A sweep's network with the sweep's preprocessing, if it gives one; a note when data-set pixels
// would go in raw (an ONNX file carries no preprocessing).
model::Network load_network(const Sweep& sweep, const std::string& path) {
  model::Network net = load_model(path);
  if (sweep.preprocess) {
    try {
      model::validate(*sweep.preprocess, net.input.c);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(sweep.file + ": calibration.preprocess for " + path + ": " + e.what());
    }
    if (!net.preprocess.is_identity()) {
      std::cerr << "explore: note: " << sweep.file << ": calibration.preprocess replaces the preprocessing " << path
                << " carries (" << describe(net.preprocess) << ")\n";
    }
    net.preprocess = *sweep.preprocess;
  } else if (net.preprocess.is_identity()) {
    std::cerr << "explore: note: " << path << " carries no input preprocessing, so data-set pixels go in as raw values "
              << "0..255; give \"calibration\": {\"preprocess\": {\"scale\": 0.00392157}} for ToTensor() inputs\n";
  }
  return net;
}

}  // namespace

const std::vector<std::string>& result_columns() {
  static const std::vector<std::string> columns = {
      "point",
      "network",
      "scheme",
      "density",
      "alpha",
      "gamma",
      "activation_bits",
      "weight_bits",
      "array",
      "data_bits",
      "mac",
      "weight_load",
      "clock_mhz",
      "weight_buffer_kib",
      "act_buffer_kib",
      "dram_bytes_per_cycle",
      "acc_pixels",
      "input_store_kib",
      "vector_lanes",
      "vector_store_kib",
      "schedule",
      "arrays",
      "nonzeros",
      "weights",
      "accuracy",
      "cycles",
      "latency_us",
      "interval_cycles",
      "throughput_per_s",
      "utilization",
      "mapping_efficiency",
      "stall_cycles",
      "onchip_bytes",
      "offchip_bytes",
      "weight_value_bits",
      "weight_index_bits",
      "energy_uJ",
      "energy_compute_uJ",
      "energy_onchip_uJ",
      "energy_dram_uJ",
      "energy_clock_uJ",
      "energy_static_uJ",
      "area_mm2",
      "area_array_mm2",
      "area_buffers_mm2"};
  return columns;
}

// scheme_params.restricted is the (N, 2) code: a ternary point whose density keeps another K of N
// runs the unrestricted (N, K) code, which a note says (once per density) rather than the sweep
// failing at every other density.
void note_unrestricted_ternary(const Sweep& sweep, const std::vector<SweepPoint>& points) {
  if (!sweep.scheme_params.value("restricted", false)) return;
  const int block = sweep.scheme_params.value("block", 8);
  std::set<double> densities;
  for (const auto& p : points) {
    if (p.scheme == "ternary" && model::scheme_count_for(p.density, block) != 2) densities.insert(p.density);
  }
  for (const double d : densities) {
    std::cerr << "explore: note: " << sweep.file << ": scheme_params.restricted is the (" << block
              << ", 2) code; ternary at density " << d << " keeps " << model::scheme_count_for(d, block) << " of "
              << block << " and runs the unrestricted code\n";
  }
}

void evaluate_points(const Sweep& sweep, const std::vector<SweepPoint>& points, int threads,
                     const std::function<void(const Row&)>& done, const std::string& compute_report_dir) {
  model::set_float_threads(1);  // parallelism is across points
  const int workers = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(std::max(1, workers)));
  // Distinct packings first (each once), then the points.
  std::map<PackKey, std::size_t> index;
  std::vector<SweepPoint> packing_points;
  for (const auto& p : points) {
    if (index.emplace(key_of(p), packing_points.size()).second) packing_points.push_back(p);
  }
  note_unrestricted_ternary(sweep, packing_points);
  std::map<std::string, model::Network> networks;
  for (const auto& p : packing_points) {
    if (!networks.count(p.network)) networks.emplace(p.network, load_network(sweep, p.network));
  }
  // The data sets are read once; every packing calibrates on the same images.
  const auto calib_data = model::load_idx_dataset(sweep.calibration_dataset, "train", sweep.calibration_count);
  const auto test_data = model::load_idx_dataset(sweep.calibration_dataset, "t10k", std::max(2, sweep.accuracy_images));
  if (test_data.count < sweep.accuracy_images) {
    throw std::invalid_argument(sweep.file + ": accuracy: " + std::to_string(sweep.accuracy_images) + " images asked, the test split of " +
                                sweep.calibration_dataset + " has " + std::to_string(test_data.count));
  }
  std::vector<Packed> packs(packing_points.size());
  tbb::parallel_for(std::size_t{0}, packing_points.size(), [&](std::size_t i) {
    const SweepPoint& p = packing_points[i];
    const model::Network& net = networks.at(p.network);
    const auto calib = model::to_batch(calib_data, net.preprocess, net.input, 0, calib_data.count);
    packs[i].pack = model::pack_with_scheme(net, spec_of(sweep, p), calib);
    const auto batch = model::to_batch(test_data, net.preprocess, net.input, 0, test_data.count);
    const auto per = static_cast<std::size_t>(net.input.size());
    for (int k = 0; k < 2; ++k) {
      packs[i].inputs.push_back(model::quantize_input(packs[i].pack.packed, batch.data.data() + k * per, per));
    }
    if (sweep.accuracy_images > 0) {
      const auto outputs = model::run_golden_batch(packs[i].pack.packed, batch.data.data(), static_cast<std::size_t>(sweep.accuracy_images));
      int correct = 0;
      for (int k = 0; k < sweep.accuracy_images; ++k) correct += model::argmax(outputs[k].data) == test_data.labels[k];
      packs[i].accuracy = static_cast<double>(correct) / sweep.accuracy_images;
    }
  });
  std::mutex mutex;
  tbb::parallel_for(std::size_t{0}, points.size(), [&](std::size_t i) {
    const Row row = evaluate(sweep, points[i], packs[index.at(key_of(points[i]))], compute_report_dir);
    std::lock_guard<std::mutex> lock(mutex);
    done(row);
  });
}

std::string csv_header(const Row& row) {
  std::string s;
  for (std::size_t i = 0; i < row.size(); ++i) s += (i ? "," : "") + row[i].first;
  return s;
}

std::string csv_line(const Row& row) {
  std::string s;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const std::string& v = row[i].second;
    const bool quote = v.find_first_of(",\"\n") != std::string::npos;
    std::string cell = v;
    if (quote) {
      cell = "\"";
      for (char c : v) cell += c == '"' ? std::string("\"\"") : std::string(1, c);
      cell += "\"";
    }
    s += (i ? "," : "") + cell;
  }
  return s;
}

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t k = 0; k < line.size(); ++k) {
    const char c = line[k];
    if (quoted) {
      if (c == '"' && k + 1 < line.size() && line[k + 1] == '"') {
        cells.back() += '"';
        ++k;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  if (quoted) throw std::invalid_argument("unterminated quote");
  return cells;
}

std::vector<std::string> rows_at_accuracy(const std::string& header, const std::vector<std::string>& lines, double target,
                                          std::vector<std::string>& unreached) {
  const std::vector<std::string> names = csv_cells(header);
  // A point's settings are the columns from network to schedule; the rest are its results.
  const auto& all = result_columns();
  const auto last_setting = std::find(all.begin(), all.end(), "schedule");
  const std::set<std::string> settings(all.begin() + 1, last_setting + 1);
  const auto column = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw std::invalid_argument("results have no '" + name + "' column");
    return static_cast<std::size_t>(it - names.begin());
  };
  const std::size_t density = column("density");
  const std::size_t accuracy = column("accuracy");
  // The settings that differ between sets name a set in the notes (the others are the sweep's).
  std::vector<std::set<std::string>> values(names.size());
  for (const auto& line : lines) {
    const std::vector<std::string> cells = csv_cells(line);
    for (std::size_t c = 0; c < names.size() && c < cells.size(); ++c) values[c].insert(cells[c]);
  }
  struct Set {
    std::string settings;  // "name=value" of the settings but density that vary in the sweep
    int best = -1;         // line reaching the target at the lowest density
    double best_density = 0.0;
    double top_accuracy = -1.0;
    double top_density = 0.0;
  };
  std::vector<Set> sets;
  std::map<std::string, std::size_t> set_of;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::vector<std::string> cells = csv_cells(lines[i]);
    if (cells.size() != names.size()) throw std::invalid_argument("a results line has " + std::to_string(cells.size()) + " cells, the header " + std::to_string(names.size()));
    std::string key;
    std::string shown;
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (c == density || !settings.count(names[c])) continue;
      key += names[c] + "=" + cells[c] + "\n";
      if (values[c].size() > 1) shown += (shown.empty() ? "" : ", ") + names[c] + "=" + cells[c];
    }
    if (cells[accuracy].empty()) throw std::invalid_argument("point " + cells[0] + " has no accuracy (the sweep's accuracy.images)");
    const auto number = [&](std::size_t c) {
      char* end = nullptr;
      const double v = std::strtod(cells[c].c_str(), &end);
      if (end == cells[c].c_str() || *end != '\0' || !std::isfinite(v)) {
        throw std::invalid_argument("point " + cells[0] + ": " + names[c] + " '" + cells[c] + "' is not a number");
      }
      return v;
    };
    const double acc = number(accuracy);
    const double d = number(density);
    const auto [it, fresh] = set_of.emplace(key, sets.size());
    if (fresh) sets.push_back({shown.empty() ? "the sweep's points" : shown});
    Set& s = sets[it->second];
    if (acc > s.top_accuracy || (acc == s.top_accuracy && d < s.top_density)) {
      s.top_accuracy = acc;
      s.top_density = d;
    }
    if (acc >= target && (s.best < 0 || d < s.best_density)) {
      s.best = static_cast<int>(i);
      s.best_density = d;
    }
  }
  std::vector<std::string> out;
  for (const Set& s : sets) {
    if (s.best >= 0) {
      out.push_back(lines[static_cast<std::size_t>(s.best)]);
    } else {
      std::ostringstream o;
      o << s.settings << ": no density reaches top-1 " << target << " (best " << s.top_accuracy << " at density "
        << s.top_density << ")";
      unreached.push_back(o.str());
    }
  }
  return out;
}

namespace {

std::string crc_hex(const std::string& s) {
  const auto crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08lx", static_cast<unsigned long>(crc));
  return hex;
}

}  // namespace

std::string journal_line(const std::string& csv) { return csv + "\t" + crc_hex(csv); }

std::optional<std::string> journal_row(const std::string& line) {
  const auto tab = line.rfind('\t');
  if (tab == std::string::npos || line.size() - tab != 9) return std::nullopt;
  std::string csv = line.substr(0, tab);
  if (crc_hex(csv) != line.substr(tab + 1)) return std::nullopt;
  return csv;
}

nlohmann::json row_json(const Row& row) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : row) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (!v.empty() && end && *end == '\0' && k != "array" && k != "network" && k != "point") {  // IDs are hex text
      j[k] = d;
    } else {
      j[k] = v;
    }
  }
  return j;
}

}  // namespace ccsim::cli
