#include "models/network_json.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include "models/atomic_file.hpp"
#include "models/json_read.hpp"

namespace ccsim::model {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw std::runtime_error(source_ + ": " + where + ": " + what);
  }

  const json& field(const json& obj, const char* key, const std::string& where) const {
    if (!obj.is_object()) fail(where, "expected an object");
    const auto it = obj.find(key);
    if (it == obj.end()) fail(where, std::string("missing field '") + key + "'");
    return *it;
  }

  int integer(const json& obj, const char* key, const std::string& where, int fallback,
              bool required = false) const {
    return required ? checked<int>(field(obj, key, where), where, key) : optional<int>(obj, key, where, fallback);
  }

  // A field's value as T (json_read::value_as), the error naming file, layer and field.
  template <typename T>
  T checked(const json& v, const std::string& where, const std::string& key) const {
    try {
      return json_read::value_as<T>(v);
    } catch (const std::invalid_argument& e) {
      fail(where, "'" + key + "': " + e.what());
    }
  }

  template <typename T>
  T optional(const json& obj, const char* key, const std::string& where, T fallback) const {
    return obj.contains(key) ? checked<T>(obj.at(key), where, key) : fallback;
  }

  std::vector<float> floats(const json& obj, const char* key, const std::string& where,
                            bool required) const {
    if (!obj.contains(key)) {
      if (required) fail(where, std::string("missing field '") + key + "'");
      return {};
    }
    return checked<std::vector<float>>(obj.at(key), where, key);
  }

  std::array<int, 2> pair(const json& obj, const char* key, const std::string& where,
                          std::array<int, 2> fallback) const {
    if (!obj.contains(key)) return fallback;
    const json& v = obj.at(key);
    if (v.is_number()) {
      const int x = checked<int>(v, where, key);
      return {x, x};
    }
    if (!v.is_array() || v.size() != 2) fail(where, std::string("'") + key + "' must be an integer or [h, w]");
    return {checked<int>(v[0], where, key), checked<int>(v[1], where, key)};
  }

  void window(const json& obj, Layer& layer, const std::string& where) const {
    const auto k = pair(obj, "kernel", where, {1, 1});
    const auto s = pair(obj, "stride", where, {1, 1});
    const auto d = pair(obj, "dilation", where, {1, 1});
    layer.window.dilation_h = d[0];
    layer.window.dilation_w = d[1];
    layer.window.kh = k[0];
    layer.window.kw = k[1];
    layer.window.stride_h = s[0];
    layer.window.stride_w = s[1];
    if (obj.contains("pad")) {
      const json& p = obj.at("pad");
      if (p.is_number()) {
        const int v = checked<int>(p, where, "pad");
        layer.window.pad_top = layer.window.pad_left = layer.window.pad_bottom = layer.window.pad_right = v;
      } else if (p.is_array() && p.size() == 4) {
        layer.window.pad_top = checked<int>(p[0], where, "pad");
        layer.window.pad_left = checked<int>(p[1], where, "pad");
        layer.window.pad_bottom = checked<int>(p[2], where, "pad");
        layer.window.pad_right = checked<int>(p[3], where, "pad");
      } else {
        fail(where, "'pad' must be an integer or [top, left, bottom, right]");
      }
    }
  }

  std::optional<ColumnGroups> column_groups(const json& obj, const std::string& where) const {
    if (!obj.contains("column_groups")) return std::nullopt;
    const json& cg = obj.at("column_groups");
    ColumnGroups out;
    out.alpha = integer(cg, "alpha", where + ".column_groups", 0, true);
    out.gamma = checked<double>(field(cg, "gamma", where + ".column_groups"), where, "column_groups.gamma");
    out.groups = checked<std::vector<std::vector<std::uint32_t>>>(field(cg, "groups", where + ".column_groups"), where,
                                                                  "column_groups.groups");
    return out;
  }

  Layer layer(const json& obj, std::size_t index) const {
    std::string where = "layers[" + std::to_string(index) + "]";
    if (!obj.is_object()) fail(where, "expected an object");
    Layer layer;
    const json& type = field(obj, "type", where);
    if (!type.is_string()) fail(where, "'type' must be a string");
    try {
      layer.kind = layer_kind_from_string(type.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(where, e.what());
    }
    layer.name = optional<std::string>(obj, "name", where, std::string(to_string(layer.kind)) + std::to_string(index));
    where += " '" + layer.name + "'";
    switch (layer.kind) {
      case LayerKind::Conv:
        layer.out_channels = integer(obj, "out_channels", where, 0, true);
        layer.groups = integer(obj, "groups", where, 1);
        window(obj, layer, where);
        layer.weight = floats(obj, "weight", where, true);
        layer.bias = floats(obj, "bias", where, false);
        layer.column_groups = column_groups(obj, where);
        break;
      case LayerKind::Linear:
        layer.out_channels = integer(obj, "out_features", where, 0, true);
        layer.weight = floats(obj, "weight", where, true);
        layer.bias = floats(obj, "bias", where, false);
        layer.column_groups = column_groups(obj, where);
        break;
      case LayerKind::BatchNorm:
        layer.bn_scale = floats(obj, "scale", where, true);
        layer.bn_bias = floats(obj, "bias", where, true);
        layer.bn_mean = floats(obj, "mean", where, true);
        layer.bn_var = floats(obj, "var", where, true);
        layer.bn_eps = optional<float>(obj, "eps", where, 1e-5f);
        break;
      case LayerKind::Shift: {
        const json& offsets = field(obj, "offsets", where);
        if (!offsets.is_array()) fail(where, "'offsets' must be an array of [dy, dx]");
        for (const auto& o : offsets) {
          if (!o.is_array() || o.size() != 2) fail(where, "'offsets' entries must be [dy, dx] integers");
          layer.shift.push_back({checked<std::int8_t>(o[0], where, "offsets"), checked<std::int8_t>(o[1], where, "offsets")});
        }
        break;
      }
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        window(obj, layer, where);
        layer.count_include_pad = optional<bool>(obj, "count_include_pad", where, false);
        break;
      case LayerKind::Pad:
        window(obj, layer, where);
        break;
      case LayerKind::ReLU:
      case LayerKind::ReLU6:
      case LayerKind::GlobalAvgPool:
      case LayerKind::Flatten:
      case LayerKind::Add:
      case LayerKind::Concat:
        break;
    }
    return layer;
  }

  // "inputs": names of earlier layers or kNetworkInput; absent: the layer before.
  void inputs(const json& obj, std::size_t index, const std::map<std::string, int>& earlier, Layer& layer) const {
    if (!obj.contains("inputs")) return;
    const std::string where = "layers[" + std::to_string(index) + "] '" + layer.name + "'";
    const json& list = obj.at("inputs");
    if (!list.is_array() || list.empty()) fail(where, "'inputs' must be a non-empty array of layer names");
    for (const json& name : list) {
      if (!name.is_string()) fail(where, "'inputs' must hold layer names (strings)");
      const std::string n = name.get<std::string>();
      if (n == kNetworkInput) {
        layer.inputs.push_back(-1);
        continue;
      }
      const auto it = earlier.find(n);
      if (it == earlier.end()) fail(where, "input '" + n + "' is not an earlier layer (nor \"" + kNetworkInput + "\")");
      layer.inputs.push_back(it->second);
    }
    if (layer.inputs.size() == 1 && layer.inputs[0] == static_cast<int>(index) - 1) layer.inputs.clear();
  }

  Network network(const json& j) const {
    if (!j.is_object()) fail("top level", "expected a JSON object");
    if (optional<std::string>(j, "format", "top level", "") != "ccsim-network") {
      fail("top level", "'format' must be \"ccsim-network\"");
    }
    const int version = integer(j, "version", "top level", 0, true);
    if (version != 1) fail("top level", "unsupported version " + std::to_string(version) + " (this build reads 1)");
    Network net;
    net.name = optional<std::string>(j, "name", "top level", std::string("network"));
    const json& in = field(j, "input", "top level");
    net.input = {integer(in, "channels", "input", 0, true), integer(in, "height", "input", 0, true),
                 integer(in, "width", "input", 0, true)};
    if (net.input.c < 1 || net.input.h < 1 || net.input.w < 1 || net.input.size() > kMaxActivationValues) {
      fail("input", "shape " + to_string(net.input) + " must be at least 1x1x1 and hold at most 2^28 values");
    }
    if (in.contains("preprocess")) {
      const json& p = in.at("preprocess");
      net.preprocess.scale = optional<float>(p, "scale", "input.preprocess", 1.0f);
      net.preprocess.mean = floats(p, "mean", "input.preprocess", false);
      net.preprocess.std = floats(p, "std", "input.preprocess", false);
      try {
        validate(net.preprocess, net.input.c);
      } catch (const std::invalid_argument& e) {
        fail("input.preprocess", e.what());
      }
    }
    const json& layers = field(j, "layers", "top level");
    if (!layers.is_array() || layers.empty()) fail("top level", "'layers' must be a non-empty array");
    std::map<std::string, int> names;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      net.layers.push_back(layer(layers[i], i));
      Layer& l = net.layers.back();
      if (l.name == kNetworkInput) fail("layers[" + std::to_string(i) + "]", std::string("the name \"") + kNetworkInput + "\" is reserved for the network input");
      inputs(layers[i], i, names, l);
      if (!names.emplace(l.name, static_cast<int>(i)).second) {
        fail("layers[" + std::to_string(i) + "]", "duplicate layer name '" + l.name + "'");
      }
    }
    try {
      infer_shapes(net);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(source_ + ": " + e.what());
    }
    if (const int dead = first_unread_layer(net.layers); dead >= 0) {
      fail("layers[" + std::to_string(dead) + "] '" + net.layers[static_cast<std::size_t>(dead)].name + "'",
           "its output is never read (a dead branch): remove it or name it in a later layer's \"inputs\"");
    }
    return net;
  }

 private:
  std::string source_;
};

void put_column_groups(json& o, const Layer& l) {
  if (!l.column_groups) return;
  o["column_groups"] = {{"alpha", l.column_groups->alpha}, {"gamma", l.column_groups->gamma},
                        {"groups", l.column_groups->groups}};
}

}  // namespace

json window_json(const Window& w) {
  json j = {{"kernel", {w.kh, w.kw}},
            {"stride", {w.stride_h, w.stride_w}},
            {"pad", {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right}}};
  if (w.dilation_h != 1 || w.dilation_w != 1) j["dilation"] = {w.dilation_h, w.dilation_w};
  return j;
}

Network network_from_json(const json& j, const std::string& source) {
  return Reader(source).network(j);
}

json network_to_json(const Network& net) {
  json layers = json::array();
  for (const auto& l : net.layers) {
    json o = {{"name", l.name}, {"type", to_string(l.kind)}};
    if (!l.inputs.empty()) {
      json names = json::array();
      for (const int p : l.inputs) names.push_back(p < 0 ? std::string(kNetworkInput) : net.layers.at(static_cast<std::size_t>(p)).name);
      o["inputs"] = names;
    }
    switch (l.kind) {
      case LayerKind::Conv:
        o.update(window_json(l.window));
        o["out_channels"] = l.out_channels;
        o["groups"] = l.groups;
        o["weight"] = l.weight;
        if (!l.bias.empty()) o["bias"] = l.bias;
        put_column_groups(o, l);
        break;
      case LayerKind::Linear:
        o["out_features"] = l.out_channels;
        o["weight"] = l.weight;
        if (!l.bias.empty()) o["bias"] = l.bias;
        put_column_groups(o, l);
        break;
      case LayerKind::BatchNorm:
        o["scale"] = l.bn_scale;
        o["bias"] = l.bn_bias;
        o["mean"] = l.bn_mean;
        o["var"] = l.bn_var;
        o["eps"] = l.bn_eps;
        break;
      case LayerKind::Shift: {
        json offsets = json::array();
        for (const auto& s : l.shift) offsets.push_back({s[0], s[1]});
        o["offsets"] = offsets;
        break;
      }
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        o.update(window_json(l.window));
        if (l.kind == LayerKind::AvgPool) o["count_include_pad"] = l.count_include_pad;
        break;
      case LayerKind::Pad:
        o["pad"] = {l.window.pad_top, l.window.pad_left, l.window.pad_bottom, l.window.pad_right};
        break;
      default:
        break;
    }
    layers.push_back(std::move(o));
  }
  json preprocess = {{"scale", net.preprocess.scale}};
  if (!net.preprocess.mean.empty()) preprocess["mean"] = net.preprocess.mean;
  if (!net.preprocess.std.empty()) preprocess["std"] = net.preprocess.std;
  return {{"format", "ccsim-network"},
          {"version", 1},
          {"name", net.name},
          {"input",
           {{"channels", net.input.c}, {"height", net.input.h}, {"width", net.input.w},
            {"preprocess", preprocess}}},
          {"layers", layers}};
}

Network load_network_json(const std::string& path) {
  const std::string text = read_file(path);
  const json j = json_read::parse_json(text, path);
  try {
    return network_from_json(j, path);
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

void save_network_json(const Network& net, const std::string& path) {
  write_file_atomic(path, network_to_json(net).dump(1) + "\n");
}

}  // namespace ccsim::model
