#include "sim/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <xxhash.h>

#include "models/atomic_file.hpp"
#include "models/idx_dataset.hpp"
#include "models/json_read.hpp"
#include "models/sparsity_formats.hpp"
#include "sim/table_file.hpp"

namespace ccsim::cli {
namespace {

namespace fs = std::filesystem;

template <typename T>
std::vector<T> axis(const nlohmann::json& axes, const std::string& key, std::vector<T> fallback, const std::string& file) {
  if (!axes.contains(key)) return fallback;
  const auto& a = axes[key];
  if (!a.is_array() || a.empty()) throw std::invalid_argument(file + ": axis '" + key + "' must be a non-empty array");
  try {
    return json_read::value_as<std::vector<T>>(a);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(file + ": axis '" + key + "': " + e.what());
  }
}

// Every value of a numeric axis checked before any point exists.
void check_values(const std::vector<double>& values, const std::string& axis, const std::string& file, double lo,
                  bool lo_inclusive, double hi) {
  for (const double v : values) {
    if (!std::isfinite(v) || v < lo || (!lo_inclusive && v == lo) || v > hi) {
      throw std::invalid_argument(file + ": " + axis + " " + format_number(v) + " must be in " + (lo_inclusive ? "[" : "(") +
                                  format_number(lo) + ", " + format_number(hi) + "]");
    }
  }
}

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) text[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
  return text;
}

// Not a device or a FIFO (/dev/zero would never end), and a name the system takes.
void require_regular_file(const std::string& path, const std::string& sweep_file) {
  std::error_code error;
  const bool regular = std::filesystem::is_regular_file(path, error);
  if (error) throw std::invalid_argument(sweep_file + ": '" + path + "': " + error.message());
  if (!regular) throw std::invalid_argument(sweep_file + ": '" + path + "': not a regular file");
}

// XXH3-64 of a file's bytes.
std::uint64_t file_digest(const std::string& path, const std::string& sweep_file) {
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state || XXH3_64bits_reset(state.get()) == XXH_ERROR) throw std::bad_alloc();
  require_regular_file(path, sweep_file);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(sweep_file + ": '" + path + "': cannot read the file");
  std::vector<char> chunk(1 << 20);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    XXH3_64bits_update(state.get(), chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw std::invalid_argument(sweep_file + ": '" + path + "': read error");
  return XXH3_64bits_digest(state.get());
}

std::uint64_t text_digest(const std::string& text) { return XXH3_64bits(text.data(), text.size()); }

// The numbers a sweep's point descriptions repeat (each axis value in a million points), each
// formatted once: keyed by the double's bits, so -0 and 0 keep their own texts.
class NumberTexts {
 public:
  const std::string& operator()(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    auto [it, fresh] = texts_.try_emplace(bits);
    if (fresh) it->second = format_number(v);
    return it->second;
  }

 private:
  std::unordered_map<std::uint64_t, std::string> texts_;
};

// Everything a point's results depend on, as one text: the network by its contents (not its path,
// which differs between machines and working directories; `network_hex` is its digest), every axis
// value as the results file writes it, and the digest of the sweep-wide settings. Plain appends,
// not a stream: a sweep of a million points builds a million of these.
std::string point_description(const SweepPoint& p, const std::string& network_hex, const std::string& settings_hex,
                              NumberTexts& number) {
  std::string o;
  o.reserve(512);
  const auto line = [&o](const char* key, const std::string& value) {
    o += key;
    o += ' ';
    o += value;
    o += '\n';
  };
  o += "ccsim sweep point 1\n";
  line("network", network_hex);
  line("scheme", p.scheme);
  line("density", number(p.density));
  line("alpha", std::to_string(p.alpha));
  line("gamma", number(p.gamma));
  line("array", p.array);
  line("data_bits", std::to_string(p.data_bits));
  line("clock_mhz", number(p.clock_mhz));
  line("weight_buffer_kib", number(p.weight_buffer_kib));
  line("act_buffer_kib", number(p.act_buffer_kib));
  line("dram_bytes_per_cycle", number(p.dram_bytes_per_cycle));
  line("acc_pixels", std::to_string(p.acc_pixels));
  line("input_store_kib", number(p.input_store_kib));
  line("vector_lanes", std::to_string(p.vector_lanes));
  line("vector_store_kib", number(p.vector_store_kib));
  line("schedule", p.schedule);
  line("settings", settings_hex);
  // Axes added later enter only when not at their default, so the points that existed keep their IDs.
  if (p.mac != "serial") line("mac", p.mac);
  if (p.weight_load != "overlapped") line("weight_load", p.weight_load);
  if (p.activation_bits != 8) line("activation_bits", std::to_string(p.activation_bits));
  if (p.weight_bits != 8) line("weight_bits", std::to_string(p.weight_bits));
  // PCNN pruned 1x1 and fully connected layers only from 2026-12-07 on (1-D patterns): its points
  // got new IDs then, so a journal or results file from before is not taken for today's results.
  if (p.scheme == "pcnn") o += "pcnn 1-D patterns on 1x1 kernels\n";
  return o;
}

// IDs for every point; two networks with the same contents would give two points one ID, so they
// are refused (the sweep lists the network twice).
void assign_point_ids(Sweep& s, const std::vector<std::string>& networks, std::uint64_t settings_digest) {
  std::unordered_map<std::string, std::string> network_hex;
  std::unordered_map<std::uint64_t, std::string> by_digest;
  for (const auto& n : networks) {
    const std::uint64_t d = file_digest(n, s.file);
    const auto [it, fresh] = by_digest.emplace(d, n);
    if (!fresh) {
      throw std::invalid_argument(s.file + ": networks '" + it->second + "' and '" + n +
                                  "' have the same contents; list the network once");
    }
    network_hex[n] = hex64(d);
  }
  const std::string settings_hex = hex64(settings_digest);
  NumberTexts number;
  std::vector<std::uint64_t> keys;
  keys.reserve(s.points.size());
  for (auto& p : s.points) {
    p.key = text_digest(point_description(p, network_hex.at(p.network), settings_hex, number));
    p.id = hex64(p.key);
    keys.push_back(p.key);
  }
  // A 64-bit hash collision: about 1 in 10^7 for a sweep of a million points. Sorted rather than a
  // hash set: a million random inserts miss the cache each time.
  std::sort(keys.begin(), keys.end());
  const auto twice = std::adjacent_find(keys.begin(), keys.end());
  if (twice != keys.end()) {
    throw std::invalid_argument(s.file + ": two points hash to the ID " + hex64(*twice) + "; change an axis value slightly");
  }
}

}  // namespace

std::uint64_t point_key(const std::string& id) {
  bool ok = id.size() == 16;
  for (const char c : id) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) throw std::invalid_argument("point ID '" + id + "' is not 16 hex digits");
  return std::stoull(id, nullptr, 16);
}

// What an ostream at precision 10 writes: "%.10g" in the "C" locale (libstdc++'s num_put formats
// so, then applies the stream's locale, the classic one), so IDs hashed from these texts stay what
// they were. std::to_chars is that format whatever the process's locale (snprintf would write
// "0,25" after a setlocale to de_DE, e.g. from Python), and ~10x cheaper than a stream.
std::string format_number(double v) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, v, std::chars_format::general, 10);
  if (error != std::errc()) throw std::logic_error("format_number: 32 characters do not hold a double");
  return std::string(text, end);
}

// The accelerator a point describes, with multiplexers for `alpha_max` channels. Validated.
hw::AcceleratorConfig config_of(const SweepPoint& p, int alpha_max) { return accelerator_config(p, std::max(1, alpha_max)); }

Sweep load_sweep(const std::string& path) {
  nlohmann::json j;
  try {
    j = json_read::parse_json(read_file(path), path);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());
  }
  if (!j.is_object()) throw std::invalid_argument(path + ": a sweep is a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "network" && k != "axes" && k != "calibration" && k != "scheme_params" && k != "energy" && k != "area" &&
        k != "accuracy" && k != "comment") {
      throw std::invalid_argument(path + ": unknown key '" + k + "'");
    }
  }
  const fs::path dir = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (dir / p).lexically_normal().string(); };
  Sweep s;
  s.file = path;
  std::vector<std::string> networks;
  if (!j.contains("network")) throw std::invalid_argument(path + ": no 'network'");
  if (j["network"].is_string()) {
    networks.push_back(resolve(j["network"].get<std::string>()));
  } else if (j["network"].is_array() && !j["network"].empty()) {
    try {
      for (const auto& n : json_read::value_as<std::vector<std::string>>(j["network"])) networks.push_back(resolve(n));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ": 'network': " + e.what());
    }
  } else {
    throw std::invalid_argument(path + ": 'network' must be a file or a non-empty list of files");
  }
  for (const auto& n : networks) {
    const std::string missing = missing_file_reason(n);
    if (!missing.empty()) throw std::invalid_argument(path + ": network '" + n + "': " + missing);
  }
  const nlohmann::json axes = j.value("axes", nlohmann::json::object());
  static const char* kAxes[] = {"array",          "data_bits",       "mac",       "weight_load",
                                "clock_mhz", "weight_buffer_kib", "act_buffer_kib",
                                "dram_bytes_per_cycle", "acc_pixels", "input_store_kib", "vector_lanes",
                                "vector_store_kib", "schedule",
                                "scheme",         "density",         "alpha",     "gamma",
                                "activation_bits", "weight_bits"};
  for (const auto& [k, v] : axes.items()) {
    bool known = false;
    for (const char* a : kAxes) known = known || k == a;
    if (!known) throw std::invalid_argument(path + ": unknown axis '" + k + "'");
  }
  const auto arrays = axis<std::string>(axes, "array", {"16x16"}, path);
  // Without a data_bits axis each point's data path is as wide as its activations.
  const bool data_bits_given = axes.contains("data_bits");
  const auto bits = axis<int>(axes, "data_bits", {8}, path);
  const auto act_bits = axis<int>(axes, "activation_bits", {8}, path);
  const auto weight_bits = axis<int>(axes, "weight_bits", {8}, path);
  const auto macs = axis<std::string>(axes, "mac", {"serial"}, path);
  const auto loads = axis<std::string>(axes, "weight_load", {"overlapped"}, path);
  const auto clocks = axis<double>(axes, "clock_mhz", {500}, path);
  const auto wbuf = axis<double>(axes, "weight_buffer_kib", {64}, path);
  const auto abuf = axis<double>(axes, "act_buffer_kib", {128}, path);
  const auto dram = axis<double>(axes, "dram_bytes_per_cycle", {16}, path);
  const auto accs = axis<std::int64_t>(axes, "acc_pixels", {4096}, path);
  const auto stores = axis<double>(axes, "input_store_kib", {64}, path);
  const auto lanes = axis<int>(axes, "vector_lanes", {8}, path);
  const auto vstores = axis<double>(axes, "vector_store_kib", {64}, path);
  const auto schedules = axis<std::string>(axes, "schedule", {"shared"}, path);
  const auto schemes = axis<std::string>(axes, "scheme", {"cc"}, path);
  const auto densities = axis<double>(axes, "density", {0.25}, path);
  const auto alphas = axis<int>(axes, "alpha", {8}, path);
  const auto gammas = axis<double>(axes, "gamma", {1.75}, path);
  try {
    for (const auto& a : arrays) hw::parse_array(a);
    for (const auto& sc : schedules) hw::parse_schedule(sc);
    for (const auto& sc : schemes) model::parse_sparsity_scheme(sc);
    for (const auto& m : macs) hw::parse_mac(m);
    for (const auto& w : loads) {
      if (w != "overlapped" && w != "exposed") throw std::invalid_argument("weight_load '" + w + "' must be overlapped or exposed");
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  for (const auto* widths : {&act_bits, &weight_bits}) {
    for (const int w : *widths) {
      if (w < 2 || w > 8) {
        throw std::invalid_argument(path + ": " + (widths == &act_bits ? "activation_bits " : "weight_bits ") +
                                    std::to_string(w) + " must be in [2, 8]");
      }
    }
  }
  if (data_bits_given) {
    for (const int b : bits) {
      for (const int a : act_bits) {
        if (b < a) {
          throw std::invalid_argument(path + ": data_bits " + std::to_string(b) + " is narrower than activation_bits " +
                                      std::to_string(a) + " (leave the data_bits axis out and each point's data path "
                                      "takes its activation width)");
        }
      }
    }
  }
  for (double d : densities) {
    if (!(d > 0 && d <= 1)) throw std::invalid_argument(path + ": density " + format_number(d) + " must be in (0, 1]");
  }
  for (int a : alphas) {
    if (a < 1 || a > 32) throw std::invalid_argument(path + ": alpha " + std::to_string(a) + " must be in [1, 32]");
  }
  check_values(clocks, "clock_mhz", path, 0, false, 1e6);
  check_values(wbuf, "weight_buffer_kib", path, 0, false, 1 << 30);
  check_values(abuf, "act_buffer_kib", path, 0, false, 1 << 30);
  check_values(dram, "dram_bytes_per_cycle", path, 0, false, 1e9);
  check_values(std::vector<double>(accs.begin(), accs.end()), "acc_pixels", path, 0, false, 1 << 30);
  check_values(stores, "input_store_kib", path, 0, false, 1 << 30);
  check_values(std::vector<double>(lanes.begin(), lanes.end()), "vector_lanes", path, 0, false, 4096);
  check_values(vstores, "vector_store_kib", path, 0, false, 1 << 30);
  check_values(gammas, "gamma", path, 0, true, 1e6);
  // One axis of the Cartesian product: its number of values and how a point takes value k. The
  // first axis varies slowest (the order of the sweep's rows).
  struct Axis {
    std::size_t size;
    std::function<void(SweepPoint&, std::size_t)> set;
  };
  const std::vector<Axis> product = {
      {networks.size(), [&](SweepPoint& q, std::size_t k) { q.network = networks[k]; }},
      {schemes.size(), [&](SweepPoint& q, std::size_t k) { q.scheme = schemes[k]; }},
      {densities.size(), [&](SweepPoint& q, std::size_t k) { q.density = densities[k]; }},
      {alphas.size(), [&](SweepPoint& q, std::size_t k) { q.alpha = alphas[k]; }},
      {gammas.size(), [&](SweepPoint& q, std::size_t k) { q.gamma = gammas[k]; }},
      {act_bits.size(), [&](SweepPoint& q, std::size_t k) { q.activation_bits = act_bits[k]; }},
      {weight_bits.size(), [&](SweepPoint& q, std::size_t k) { q.weight_bits = weight_bits[k]; }},
      {arrays.size(), [&](SweepPoint& q, std::size_t k) { q.array = arrays[k]; }},
      {bits.size(), [&](SweepPoint& q, std::size_t k) { q.data_bits = bits[k]; }},
      {macs.size(), [&](SweepPoint& q, std::size_t k) { q.mac = macs[k]; }},
      {loads.size(), [&](SweepPoint& q, std::size_t k) { q.weight_load = loads[k]; }},
      {clocks.size(), [&](SweepPoint& q, std::size_t k) { q.clock_mhz = clocks[k]; }},
      {wbuf.size(), [&](SweepPoint& q, std::size_t k) { q.weight_buffer_kib = wbuf[k]; }},
      {abuf.size(), [&](SweepPoint& q, std::size_t k) { q.act_buffer_kib = abuf[k]; }},
      {dram.size(), [&](SweepPoint& q, std::size_t k) { q.dram_bytes_per_cycle = dram[k]; }},
      {accs.size(), [&](SweepPoint& q, std::size_t k) { q.acc_pixels = accs[k]; }},
      {stores.size(), [&](SweepPoint& q, std::size_t k) { q.input_store_kib = stores[k]; }},
      {lanes.size(), [&](SweepPoint& q, std::size_t k) { q.vector_lanes = lanes[k]; }},
      {vstores.size(), [&](SweepPoint& q, std::size_t k) { q.vector_store_kib = vstores[k]; }},
      {schedules.size(), [&](SweepPoint& q, std::size_t k) { q.schedule = schedules[k]; }},
  };
  // The product is bounded before it is built (axes multiplying to 8e9 points grew memory
  // without bound).
  std::uint64_t count = 1;
  for (const Axis& axis : product) count = count > kMaxSweepPoints ? count : count * axis.size;
  if (count > kMaxSweepPoints) {
    throw std::invalid_argument(path + ": the axes multiply to more than " + std::to_string(kMaxSweepPoints) +
                                " points; split the sweep into several files");
  }
  // Every hardware configuration is checked now, not when its point comes up.
  for (const auto& arr : arrays)
    for (int b : bits)
      for (double w : wbuf)
        for (double ab : abuf)
          for (double dr : dram)
            for (const auto& sch : schedules) {
              SweepPoint probe;
              probe.array = arr;
              probe.data_bits = b;
              probe.weight_buffer_kib = w;
              probe.act_buffer_kib = ab;
              probe.dram_bytes_per_cycle = dr;
              probe.schedule = sch;
              try {
                config_of(probe, 1);
              } catch (const std::invalid_argument& e) {
                throw std::invalid_argument(path + ": array " + arr + ", data_bits " + std::to_string(b) +
                                            ", weight_buffer_kib " + format_number(w) + ", act_buffer_kib " + format_number(ab) +
                                            ", dram_bytes_per_cycle " + format_number(dr) + ": " + e.what());
              }
            }
  // Every combination, as an odometer over the axes (the last one turns fastest).
  std::vector<std::size_t> at(product.size(), 0);
  s.points.reserve(static_cast<std::size_t>(count));
  for (bool more = count > 0; more;) {
    SweepPoint p;
    for (std::size_t i = 0; i < product.size(); ++i) product[i].set(p, at[i]);
    if (!data_bits_given) p.data_bits = p.activation_bits;  // no data_bits axis: as wide as the activations
    s.points.push_back(std::move(p));
    more = false;
    for (std::size_t i = product.size(); i-- > 0;) {
      if (++at[i] < product[i].size) {
        more = true;
        break;
      }
      at[i] = 0;
    }
  }
  const nlohmann::json calib = j.value("calibration", nlohmann::json::object());
  try {
    s.calibration_dataset = calib.contains("dataset") ? json_read::value_as<std::string>(calib["dataset"])
                                                      : std::string("/usr/share/datasets/fashion-mnist");
    s.calibration_count = calib.contains("count") ? json_read::value_as<int>(calib["count"]) : 64;
    for (const auto& [k, v] : calib.items()) {
      if (k != "dataset" && k != "count" && k != "preprocess") throw std::invalid_argument("unknown key '" + k + "'");
    }
    if (calib.contains("preprocess")) {
      const nlohmann::json& p = calib["preprocess"];
      if (!p.is_object()) throw std::invalid_argument("'preprocess' must be an object {scale, mean, std}");
      for (const auto& [k, v] : p.items()) {
        if (k != "scale" && k != "mean" && k != "std") throw std::invalid_argument("preprocess: unknown key '" + k + "'");
      }
      model::Preprocess pre;
      pre.scale = p.contains("scale") ? json_read::value_as<float>(p["scale"]) : 1.0f;
      if (p.contains("mean")) pre.mean = json_read::value_as<std::vector<float>>(p["mean"]);
      if (p.contains("std")) pre.std = json_read::value_as<std::vector<float>>(p["std"]);
      model::validate(pre, static_cast<int>(std::max(pre.mean.size(), pre.std.size())));  // channels: checked per network
      s.preprocess = pre;
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": calibration: " + e.what());
  }
  if (s.calibration_count < 1) throw std::invalid_argument(path + ": calibration count must be >= 1");
  try {
    model::require_idx_dataset(s.calibration_dataset, "train");
    model::require_idx_dataset(s.calibration_dataset, "t10k");
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(path + ": calibration data set: " + e.what());
  }
  if (j.contains("accuracy")) {
    const nlohmann::json& a = j["accuracy"];
    try {
      if (!a.is_object()) throw std::invalid_argument("must be an object {\"images\": N[, \"target\": T]}");
      for (const auto& [k, v] : a.items()) {
        if (k != "images" && k != "target") throw std::invalid_argument("unknown key '" + k + "' (images, target)");
      }
      s.accuracy_images = a.contains("images") ? json_read::value_as<int>(a["images"]) : 0;
      if (s.accuracy_images < 0 || s.accuracy_images > 1000000) throw std::invalid_argument("images must be 0 .. 1000000");
      if (a.contains("target")) {
        const double target = json_read::value_as<double>(a["target"]);
        if (!(target > 0.0 && target <= 1.0)) throw std::invalid_argument("target must be a top-1 accuracy in (0, 1]");
        if (s.accuracy_images == 0) throw std::invalid_argument("target needs images > 0 (the accuracy it is compared with)");
        s.accuracy_target = target;
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ": accuracy: " + e.what());
    }
  }
  s.scheme_params = j.value("scheme_params", nlohmann::json::object());
  if (!s.scheme_params.is_object()) throw std::invalid_argument(path + ": 'scheme_params' must be an object");
  for (const auto& [k, v] : s.scheme_params.items()) {
    try {
      if (k == "restricted" || k == "multiplexers") {
        json_read::value_as<bool>(v);
      } else if (k == "m" || k == "patterns" || k == "period" || k == "block") {
        if (json_read::value_as<int>(v) < 1) throw std::invalid_argument("must be >= 1");
      } else if (k == "scope") {
        const auto scope = json_read::value_as<std::string>(v);
        if (scope != "all" && scope != "reference") throw std::invalid_argument("must be \"all\" or \"reference\"");
      } else if (k == "pcnn_vector") {
        const int length = json_read::value_as<int>(v);
        if (length < 1 || length > 64) throw std::invalid_argument("must be 1 to 64");
      } else {
        throw std::invalid_argument("unknown key (m, patterns, pcnn_vector, period, block, restricted, scope, multiplexers)");
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ": scheme_params '" + k + "': " + e.what());
    }
  }
  for (const char* key : {"energy", "area"}) {
    if (j.contains(key) && !j[key].is_string()) throw std::invalid_argument(path + ": '" + key + "' must be a table file (JSON)");
  }
  for (const char* key : {"energy", "area"}) {
    if (j.contains(key)) require_regular_file(resolve(j[key].get<std::string>()), path);
  }
  try {  // the tables' own errors name the table file; the sweep that points at it is named too
    s.energy = j.contains("energy") ? load_table<hw::EnergyTable>(resolve(j["energy"].get<std::string>())) : hw::EnergyTable::defaults();
    s.area = j.contains("area") ? load_table<hw::AreaTable>(resolve(j["area"].get<std::string>())) : hw::AreaTable::defaults();
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(path + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  // The sweep-wide settings as they reach the results: the table files by their contents.
  std::ostringstream settings;
  settings << "calibration " << s.calibration_dataset << " " << s.calibration_count << " "
           << (calib.contains("preprocess") ? calib["preprocess"].dump() : std::string("-")) << "\nscheme_params "
           << s.scheme_params.dump() << "\naccuracy_images " << s.accuracy_images;
  for (const char* key : {"energy", "area"}) {
    settings << "\n" << key << " "
             << (j.contains(key) ? hex64(file_digest(resolve(j[key].get<std::string>()), path)) : std::string("defaults"));
  }
  assign_point_ids(s, networks, text_digest(settings.str()));
  return s;
}

}  // namespace ccsim::cli
