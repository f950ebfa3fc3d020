#include "models/topology.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <sstream>
#include <stdexcept>

#include "models/atomic_file.hpp"

namespace ccsim::model {
namespace {

// The largest side and channel count a topology may give: far beyond any CNN layer, and small
// enough that every product of three of them stays inside 64 bits.
constexpr long kMaxDimension = 1 << 20;
constexpr std::int64_t kMaxWeights = std::int64_t{1} << 28;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Comma-separated fields, trimmed; a row ending with a comma has no empty last field (getline
// stops at the last separator).
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, ',')) fields.push_back(trim(f));
  return fields;
}

enum class Form { Conv, Gemm };

const std::vector<std::string> kConvColumns = {"layer name", "ifmap height", "ifmap width", "filter height",
                                               "filter width", "channels", "num filter", "strides"};
const std::vector<std::string> kGemmColumns = {"layer", "m", "n", "k"};

}  // namespace

std::vector<TopologyLayer> load_topology(const std::string& path) {
  const std::string text = read_file(path);
  std::stringstream in(text);
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  Form form = Form::Conv;
  std::vector<TopologyLayer> layers;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = fields_of(trim(line));
    if (header.empty()) {
      header = fields;
      std::vector<std::string> names;
      for (const auto& f : fields) names.push_back(lower(f));
      const auto starts_with = [&names](const std::vector<std::string>& want) {
        return names.size() >= want.size() && std::equal(want.begin(), want.end(), names.begin());
      };
      if (starts_with(kConvColumns) && names.size() <= kConvColumns.size() + 1) {
        form = Form::Conv;
      } else if (names.size() == kGemmColumns.size() && (names[0] == "layer" || names[0] == "layer name") &&
                 std::equal(kGemmColumns.begin() + 1, kGemmColumns.end(), names.begin() + 1)) {
        // SCALE-Sim's own GEMM files (topologies/GEMM_mnk) say "Layer Name", its docs "Layer".
        form = Form::Gemm;
      } else {
        throw std::invalid_argument(where + "the header is neither SCALE-Sim's conv form (Layer name, IFMAP Height, "
                                    "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides) nor its "
                                    "GEMM form (Layer, M, N, K)");
      }
      continue;
    }
    if (fields.size() != header.size()) {
      throw std::invalid_argument(where + "has " + std::to_string(fields.size()) + " fields, the header " +
                                  std::to_string(header.size()));
    }
    const auto value = [&](std::size_t column) {
      const std::string& f = fields[column];
      std::size_t used = 0;
      long v = 0;
      try {
        v = std::stol(f, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (f.empty() || used != f.size() || v < 1 || v > kMaxDimension) {
        throw std::invalid_argument(where + "'" + header[column] + "' is '" + f + "', expected an integer from 1 to " +
                                    std::to_string(kMaxDimension));
      }
      return static_cast<int>(v);
    };
    TopologyLayer l;
    l.name = fields[0];
    if (l.name.empty()) throw std::invalid_argument(where + "the layer has no name");
    if (form == Form::Gemm) {
      l.ifmap_h = value(1);  // M output pixels
      l.channels = value(3);  // K
      l.filters = value(2);   // N
    } else {
      l.ifmap_h = value(1);
      l.ifmap_w = value(2);
      l.window.kh = value(3);
      l.window.kw = value(4);
      l.channels = value(5);
      l.filters = value(6);
      l.window.stride_h = value(7);
      l.window.stride_w = header.size() > 8 ? value(8) : l.window.stride_h;
      l.depthwise = l.name.find("DP") != std::string::npos;
    }
    if (l.window.kh > l.ifmap_h || l.window.kw > l.ifmap_w) {
      throw std::invalid_argument(where + "layer '" + l.name + "': the " + std::to_string(l.window.kh) + "x" +
                                  std::to_string(l.window.kw) + " filter is larger than the " + std::to_string(l.ifmap_h) +
                                  "x" + std::to_string(l.ifmap_w) + " IFMAP (SCALE-Sim's IFMAP includes the padding)");
    }
    if (l.depthwise && l.filters != l.channels) {
      throw std::invalid_argument(where + "layer '" + l.name + "' is depthwise (its name contains DP) but has " +
                                  std::to_string(l.filters) + " filters for " + std::to_string(l.channels) + " channels");
    }
    const std::int64_t activations = static_cast<std::int64_t>(l.channels) * l.ifmap_h * l.ifmap_w;
    const std::int64_t outputs = static_cast<std::int64_t>(l.filters) * l.out_h() * l.out_w();
    const std::int64_t weights =
        static_cast<std::int64_t>(l.filters) * (l.depthwise ? 1 : l.channels) * l.window.kh * l.window.kw;
    if (activations > kMaxActivationValues || outputs > kMaxActivationValues || weights > kMaxWeights) {
      throw std::invalid_argument(where + "layer '" + l.name + "' is beyond ccsim's limits (2^28 activations or weights)");
    }
    layers.push_back(l);
  }
  if (header.empty()) throw std::invalid_argument(path + ": empty topology file");
  if (layers.empty()) throw std::invalid_argument(path + ": the topology has a header and no layer");
  return layers;
}

std::string scalesim_ofmap_note(const TopologyLayer& l) {
  if (l.out_h() == l.scalesim_out_h() && l.out_w() == l.scalesim_out_w()) return {};
  const bool rows = l.out_h() != l.scalesim_out_h();
  const int extent = rows ? l.ifmap_h : l.ifmap_w;
  const int filter = rows ? l.window.kh : l.window.kw;
  const int stride = rows ? l.window.stride_h : l.window.stride_w;
  const auto size = [](int h, int w) { return std::to_string(h) + "x" + std::to_string(w); };
  return "layer '" + l.name + "': (" + std::to_string(extent) + " - " + std::to_string(filter) +
         ") is not a multiple of the stride " + std::to_string(stride) + ": ccsim computes " + size(l.out_h(), l.out_w()) +
         " output pixels (every window inside the IFMAP), SCALE-Sim counts " + size(l.scalesim_out_h(), l.scalesim_out_w()) +
         " (a last window past its edge)";
}

Network synthetic_network(const TopologyLayer& t, std::uint32_t seed) {
  Network net;
  net.name = t.name;
  net.input = {t.channels, t.ifmap_h, t.ifmap_w};
  Layer l;
  l.name = t.name;
  l.kind = LayerKind::Conv;
  l.out_channels = t.filters;
  l.groups = t.depthwise ? t.channels : 1;
  l.window = t.window;
  const int fan_in = (t.depthwise ? 1 : t.channels) * t.window.kh * t.window.kw;
  std::mt19937 rng(seed);
  std::normal_distribution<float> weight(0.0f, std::sqrt(2.0f / static_cast<float>(fan_in)));
  l.weight.resize(static_cast<std::size_t>(t.filters) * static_cast<std::size_t>(fan_in));
  for (auto& w : l.weight) w = weight(rng);
  net.layers.push_back(std::move(l));
  return net;
}

}  // namespace ccsim::model
