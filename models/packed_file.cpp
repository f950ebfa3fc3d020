#include "models/packed_file.hpp"

#include <cstring>
#include <stdexcept>

#include <zlib.h>

#include "models/atomic_file.hpp"
#include "models/json_read.hpp"
#include "models/network_json.hpp"

namespace ccsim::model {
namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'C', 'C', 'S', 'I', 'M', 'P', 'K', '\n'};
constexpr std::size_t kHeaderSize = 24;
constexpr std::size_t kTrailerSize = 4;

template <typename T>
void put_le(std::string& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
template <typename T>
T get_le(const std::string& in, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

std::uint32_t crc32_of(const char* data, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

// Numeric arrays travel as CBOR byte strings (compact) or, for inspect, as JSON arrays.
template <typename T>
json array_field(const std::vector<T>& v, bool binary) {
  if (!binary) return v;
  std::vector<std::uint8_t> bytes;
  bytes.reserve(v.size() * sizeof(T));
  for (const T x : v) {
    const auto u = static_cast<std::make_unsigned_t<T>>(x);
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes.push_back(static_cast<std::uint8_t>((u >> (8 * i)) & 0xff));
  }
  return json::binary(std::move(bytes));
}

json shape_json(const Shape& s) { return {s.c, s.h, s.w}; }

json layer_json(const PackedLayer& l, bool binary, bool with_data) {
  json j = {{"name", l.name}, {"op", to_string(l.kind)}, {"in", shape_json(l.in)}, {"out", shape_json(l.out)},
            {"in_scale", l.in_scale}, {"out_scale", l.out_scale}};
  if (!l.inputs.empty()) j["inputs"] = l.inputs;
  const auto multipliers = [&j](const char* m0_key, const char* shift_key, const std::vector<fixed::Multiplier>& ms) {
    std::vector<std::int32_t> m0;
    std::vector<int> shift;
    for (const auto& m : ms) {
      m0.push_back(m.m0);
      shift.push_back(m.shift);
    }
    j[m0_key] = m0;
    j[shift_key] = shift;
  };
  switch (l.kind) {
    case OpKind::Matmul: {
      j["window"] = window_json(l.window);
      j["rows"] = l.rows();
      j["cols"] = l.cols();
      j["packed_cols"] = l.packed_cols();
      j["alpha"] = l.alpha;
      j["gamma"] = l.gamma;
      j["section"] = l.section;
      j["max_overlap"] = l.max_overlap;
      j["nonzeros_before"] = l.nonzeros_before;
      j["nonzeros_after"] = l.nonzeros_after;
      j["act_min"] = l.act_min;
      j["act_max"] = l.act_max;
      if (!with_data) break;
      j["groups"] = l.groups;
      j["weights"] = array_field(l.weights, binary);
      j["select"] = array_field(l.select, binary);
      j["bias"] = array_field(l.bias, binary);
      std::vector<std::int32_t> m0;
      std::vector<std::int8_t> shift;
      for (const auto& m : l.requant) {
        m0.push_back(m.m0);
        shift.push_back(static_cast<std::int8_t>(m.shift));
      }
      j["requant_m0"] = array_field(m0, binary);
      j["requant_shift"] = array_field(shift, binary);
      j["weight_scale"] = l.weight_scale;
      break;
    }
    case OpKind::Shift: {
      std::vector<std::int8_t> flat;
      for (const auto& s : l.shift) {
        flat.push_back(s[0]);
        flat.push_back(s[1]);
      }
      if (with_data) j["shift"] = array_field(flat, binary);
      break;
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool:
      j["window"] = window_json(l.window);
      j["count_include_pad"] = l.count_include_pad;
      break;
    case OpKind::Clamp:
      j["act_min"] = l.act_min;
      j["act_max"] = l.act_max;
      break;
    case OpKind::Add:
      j["act_min"] = l.act_min;
      j["act_max"] = l.act_max;
      multipliers("requant_m0", "requant_shift", l.requant);
      [[fallthrough]];
    case OpKind::Concat:
      j["operand_scales"] = l.operand_scales;
      multipliers("operand_m0", "operand_shift", l.operand_requant);
      break;
    case OpKind::Pad:
      j["window"] = window_json(l.window);
      break;
    default:
      break;
  }
  return j;
}

json network_json(const PackedNetwork& net, bool binary, bool with_data) {
  json layers = json::array();
  for (const auto& l : net.layers) layers.push_back(layer_json(l, binary, with_data));
  return {{"format", "ccsim-packed"},
          {"version", kPackedFileVersion},
          {"name", net.name},
          {"input", shape_json(net.input)},
          {"input_scale", net.input_scale},
          {"preprocess", {{"scale", net.preprocess.scale}, {"mean", net.preprocess.mean}, {"std", net.preprocess.std}}},
          {"quantization",
           {{"activations", std::to_string(net.activation_bits) + "-bit symmetric per tensor, zero point 0, held in int8"},
            {"weights", std::to_string(net.weight_bits) + "-bit symmetric per output channel, held in int8"},
            {"activation_bits", net.activation_bits},
            {"weight_bits", net.weight_bits},
            {"accumulator", "int32 wrapping"},
            {"requantization", "gemmlowp: SaturatingRoundingDoublingHighMul(acc << max(shift,0), m0) then "
                               "RoundingDivideByPOT(-min(shift,0)), clamp [act_min, act_max]"}}},
          {"provenance", {{"source", net.provenance.source}, {"tool", net.provenance.tool},
                          {"options", net.provenance.options}}},
          {"layers", layers}};
}

// Reading: every access checked, errors name the field.
class Decoder {
 public:
  explicit Decoder(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(source_ + ": " + what); }

  const json& at(const json& obj, const char* key, const std::string& where) const {
    if (!obj.is_object() || !obj.contains(key)) fail(where + ": missing field '" + key + "'");
    return obj.at(key);
  }
  template <typename T>
  T get(const json& obj, const char* key, const std::string& where) const {
    try {
      return json_read::value_as<T>(at(obj, key, where));
    } catch (const std::invalid_argument& e) {
      fail(where + ": field '" + key + "': " + e.what());
    }
  }
  template <typename T>
  std::vector<T> bytes(const json& obj, const char* key, const std::string& where) const {
    const json& v = at(obj, key, where);
    if (!v.is_binary()) fail(where + ": field '" + key + "' must be a byte string");
    const auto& b = v.get_binary();
    if (b.size() % sizeof(T) != 0) fail(where + ": field '" + key + "' has a partial element");
    std::vector<T> out(b.size() / sizeof(T));
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::make_unsigned_t<T> u = 0;
      for (std::size_t k = 0; k < sizeof(T); ++k) u |= static_cast<std::make_unsigned_t<T>>(b[i * sizeof(T) + k]) << (8 * k);
      out[i] = static_cast<T>(u);
    }
    return out;
  }
  Shape shape(const json& obj, const char* key, const std::string& where) const {
    const auto v = get<std::vector<int>>(obj, key, where);
    if (v.size() != 3) fail(where + ": field '" + std::string(key) + "' must be [c, h, w]");
    return {v[0], v[1], v[2]};
  }
  Window window(const json& obj, const std::string& where) const {
    const json& w = at(obj, "window", where);
    const auto k = get<std::vector<int>>(w, "kernel", where + ".window");
    const auto s = get<std::vector<int>>(w, "stride", where + ".window");
    const auto p = get<std::vector<int>>(w, "pad", where + ".window");
    if (k.size() != 2 || s.size() != 2 || p.size() != 4) fail(where + ": malformed window");
    std::vector<int> d{1, 1};
    if (w.contains("dilation")) d = get<std::vector<int>>(w, "dilation", where + ".window");
    if (d.size() != 2) fail(where + ": malformed window dilation");
    return {k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1]};
  }

  PackedLayer layer(const json& j, std::size_t index) const {
    const std::string where = "layers[" + std::to_string(index) + "]";
    PackedLayer l;
    l.name = get<std::string>(j, "name", where);
    try {
      l.kind = op_kind_from_string(get<std::string>(j, "op", where));
    } catch (const std::invalid_argument& e) {
      fail(where + ": " + e.what());
    }
    l.in = shape(j, "in", where);
    l.out = shape(j, "out", where);
    l.in_scale = get<float>(j, "in_scale", where);
    l.out_scale = get<float>(j, "out_scale", where);
    if (j.contains("inputs")) l.inputs = get<std::vector<int>>(j, "inputs", where);
    const auto multipliers = [&](const char* m0_key, const char* shift_key) {
      const auto m0 = get<std::vector<std::int32_t>>(j, m0_key, where);
      const auto shift = get<std::vector<int>>(j, shift_key, where);
      if (m0.size() != shift.size()) fail(where + ": " + m0_key + " and " + shift_key + " differ in length");
      std::vector<fixed::Multiplier> out;
      for (std::size_t i = 0; i < m0.size(); ++i) out.push_back({m0[i], shift[i]});
      return out;
    };
    switch (l.kind) {
      case OpKind::Matmul: {
        l.window = window(j, where);
        l.alpha = get<int>(j, "alpha", where);
        l.gamma = get<double>(j, "gamma", where);
        l.section = get<int>(j, "section", where);
        l.max_overlap = get<int>(j, "max_overlap", where);
        l.nonzeros_before = get<std::int64_t>(j, "nonzeros_before", where);
        l.nonzeros_after = get<std::int64_t>(j, "nonzeros_after", where);
        l.act_min = get<std::int8_t>(j, "act_min", where);
        l.act_max = get<std::int8_t>(j, "act_max", where);
        l.groups = get<std::vector<std::vector<std::uint32_t>>>(j, "groups", where);
        l.weights = bytes<std::int8_t>(j, "weights", where);
        l.select = bytes<std::uint8_t>(j, "select", where);
        l.bias = bytes<std::int32_t>(j, "bias", where);
        const auto m0 = bytes<std::int32_t>(j, "requant_m0", where);
        const auto shift = bytes<std::int8_t>(j, "requant_shift", where);
        if (m0.size() != shift.size()) fail(where + ": requant_m0 and requant_shift differ in length");
        for (std::size_t i = 0; i < m0.size(); ++i) l.requant.push_back({m0[i], shift[i]});
        l.weight_scale = get<std::vector<float>>(j, "weight_scale", where);
        break;
      }
      case OpKind::Shift: {
        const auto flat = bytes<std::int8_t>(j, "shift", where);
        if (flat.size() % 2 != 0) fail(where + ": shift must hold (dy, dx) pairs");
        for (std::size_t i = 0; i < flat.size(); i += 2) l.shift.push_back({flat[i], flat[i + 1]});
        break;
      }
      case OpKind::MaxPool:
      case OpKind::AvgPool:
        l.window = window(j, where);
        l.count_include_pad = get<bool>(j, "count_include_pad", where);
        break;
      case OpKind::Clamp:
        l.act_min = get<std::int8_t>(j, "act_min", where);
        l.act_max = get<std::int8_t>(j, "act_max", where);
        break;
      case OpKind::Add:
        l.act_min = get<std::int8_t>(j, "act_min", where);
        l.act_max = get<std::int8_t>(j, "act_max", where);
        l.requant = multipliers("requant_m0", "requant_shift");
        [[fallthrough]];
      case OpKind::Concat:
        l.operand_scales = get<std::vector<float>>(j, "operand_scales", where);
        l.operand_requant = multipliers("operand_m0", "operand_shift");
        break;
      case OpKind::Pad:
        l.window = window(j, where);
        break;
      default:
        break;
    }
    return l;
  }

  PackedNetwork network(const json& j) const {
    if (get<std::string>(j, "format", "payload") != "ccsim-packed") fail("payload is not a ccsim packed network");
    PackedNetwork net;
    net.name = get<std::string>(j, "name", "payload");
    net.input = shape(j, "input", "payload");
    net.input_scale = get<float>(j, "input_scale", "payload");
    // Files written before the widths were recorded hold 8-bit values (their only width).
    if (j.contains("quantization") && j["quantization"].contains("activation_bits")) {
      net.activation_bits = get<int>(j["quantization"], "activation_bits", "quantization");
      net.weight_bits = get<int>(j["quantization"], "weight_bits", "quantization");
    }
    const json& p = at(j, "preprocess", "payload");
    net.preprocess.scale = get<float>(p, "scale", "preprocess");
    net.preprocess.mean = get<std::vector<float>>(p, "mean", "preprocess");
    net.preprocess.std = get<std::vector<float>>(p, "std", "preprocess");
    const json& prov = at(j, "provenance", "payload");
    net.provenance = {get<std::string>(prov, "source", "provenance"), get<std::string>(prov, "tool", "provenance"),
                      get<std::string>(prov, "options", "provenance")};
    const json& layers = at(j, "layers", "payload");
    if (!layers.is_array()) fail("payload: 'layers' must be an array");
    for (std::size_t i = 0; i < layers.size(); ++i) net.layers.push_back(layer(layers[i], i));
    try {
      validate(net);
    } catch (const std::invalid_argument& e) {
      fail(std::string("inconsistent network: ") + e.what());
    }
    return net;
  }

 private:
  std::string source_;
};

}  // namespace

json packed_to_json(const PackedNetwork& net, bool with_data) { return network_json(net, false, with_data); }

std::string encode_packed(const PackedNetwork& net) {
  const std::vector<std::uint8_t> payload = json::to_cbor(network_json(net, true, true));
  std::string out(kMagic, sizeof(kMagic));
  put_le<std::uint32_t>(out, kPackedFileVersion);
  put_le<std::uint32_t>(out, 0);
  put_le<std::uint64_t>(out, payload.size());
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  put_le<std::uint32_t>(out, crc32_of(out.data(), out.size()));
  return out;
}

PackedNetwork decode_packed(const std::string& bytes, const std::string& source) {
  const Decoder d(source);
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    d.fail("not a ccsim packed weight file (bad magic)");
  }
  if (bytes.size() < kHeaderSize + kTrailerSize) d.fail("truncated: the file is shorter than its header");
  const auto version = get_le<std::uint32_t>(bytes, 8);
  if (version != kPackedFileVersion) {
    d.fail("format version " + std::to_string(version) + " is not supported (this build reads version " +
           std::to_string(kPackedFileVersion) + ")");
  }
  const auto payload_size = get_le<std::uint64_t>(bytes, 16);
  const std::uint64_t expected = kHeaderSize + payload_size + kTrailerSize;
  if (bytes.size() < expected) {
    d.fail("truncated: header announces " + std::to_string(expected) + " bytes, file has " +
           std::to_string(bytes.size()));
  }
  if (bytes.size() > expected) d.fail("corrupt: " + std::to_string(bytes.size() - expected) + " bytes after the checksum");
  const std::size_t body = kHeaderSize + payload_size;
  const auto stored_crc = get_le<std::uint32_t>(bytes, body);
  if (crc32_of(bytes.data(), body) != stored_crc) d.fail("corrupt: checksum mismatch");
  const auto* payload = reinterpret_cast<const std::uint8_t*>(bytes.data());
  json j;
  try {
    j = json_read::parse_cbor(payload + kHeaderSize, payload + body, "payload");
  } catch (const std::runtime_error& e) {
    d.fail(std::string("corrupt ") + e.what());
  }
  return d.network(j);
}

void save_packed(const PackedNetwork& net, const std::string& path) {
  validate(net);
  write_file_atomic(path, encode_packed(net));
}

PackedNetwork load_packed(const std::string& path) { return decode_packed(read_file(path), path); }

}  // namespace ccsim::model
