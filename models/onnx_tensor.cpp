#include "models/onnx_tensor.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <onnx/onnx_pb.h>

#include "models/atomic_file.hpp"

namespace ccsim::model {
namespace {

std::string dims_text(const onnx::TensorProto& t) {
  std::string s = "[";
  for (int i = 0; i < t.dims_size(); ++i) s += (i ? ", " : "") + std::to_string(t.dims(i));
  return s + "]";
}

// Larger tensors than any input, calibration set or expected output ccsim reads: the bound keeps
// the element count far from overflow and its byte size within memory.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 31;

std::int64_t element_count(const onnx::TensorProto& t, const std::string& what) {
  std::int64_t n = 1;
  for (int i = 0; i < t.dims_size(); ++i) {
    const std::int64_t d = t.dims(i);
    if (d < 0) throw std::runtime_error(what + ": dimension " + std::to_string(i) + " is negative (" + std::to_string(d) + ")");
    if (d > kMaxElements || (d > 0 && n > kMaxElements / d)) {
      throw std::runtime_error(what + ": dims " + dims_text(t) + " hold more than 2^31 values");
    }
    n *= d;
  }
  return n;
}

template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t, std::int64_t n, const std::string& what) {
  const std::string& raw = t.raw_data();
  if (raw.size() != static_cast<std::size_t>(n) * sizeof(T)) {
    throw std::runtime_error(what + ": raw data has " + std::to_string(raw.size()) +
                             " bytes, dims need " + std::to_string(n * sizeof(T)));
  }
  std::vector<T> v(static_cast<std::size_t>(n));
  if (!raw.empty()) std::memcpy(v.data(), raw.data(), raw.size());  // ONNX raw data is little-endian, as is x86
  return v;
}

template <typename Field>
void check_count(const Field& f, std::int64_t n, const std::string& what) {
  if (f.size() != n) {
    throw std::runtime_error(what + ": holds " + std::to_string(f.size()) + " values, dims need " +
                             std::to_string(n));
  }
}

}  // namespace

FloatTensor tensor_from_proto(const onnx::TensorProto& t, const std::string& what) {
  FloatTensor out;
  out.dims.assign(t.dims().begin(), t.dims().end());
  const std::int64_t n = element_count(t, what);
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (t.has_raw_data()) {
        out.data = raw_values<float>(t, n, what);
      } else {
        check_count(t.float_data(), n, what);
        out.data.assign(t.float_data().begin(), t.float_data().end());
      }
      return out;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d;
      if (t.has_raw_data()) {
        d = raw_values<double>(t, n, what);
      } else {
        check_count(t.double_data(), n, what);
        d.assign(t.double_data().begin(), t.double_data().end());
      }
      out.data.assign(d.begin(), d.end());
      return out;
    }
    case onnx::TensorProto::INT64: {
      const auto v = int64s_from_proto(t, what);
      out.data.assign(v.begin(), v.end());
      return out;
    }
    default:
      throw std::runtime_error(what + ": unsupported tensor data type " +
                               std::to_string(t.data_type()) + " (float, double or int64 expected)");
  }
}

std::vector<std::int64_t> int64s_from_proto(const onnx::TensorProto& t, const std::string& what) {
  const std::int64_t n = element_count(t, what);
  if (t.data_type() != onnx::TensorProto::INT64) {
    throw std::runtime_error(what + ": expected an int64 tensor");
  }
  if (t.has_raw_data()) return raw_values<std::int64_t>(t, n, what);
  check_count(t.int64_data(), n, what);
  return {t.int64_data().begin(), t.int64_data().end()};
}

FloatTensor load_tensor_pb(const std::string& path) { return parse_tensor_pb(read_file(path), path); }

FloatTensor parse_tensor_pb(const std::string& bytes, const std::string& path) {
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) throw std::runtime_error(path + ": not an ONNX TensorProto file");
  FloatTensor out = tensor_from_proto(t, path);
  for (std::size_t i = 0; i < out.data.size(); ++i) {
    if (!std::isfinite(out.data[i])) {
      throw std::runtime_error(path + ": value " + std::to_string(i) + " is " + (std::isnan(out.data[i]) ? "NaN" : "infinite"));
    }
  }
  return out;
}

void save_tensor_pb(const FloatTensor& t, const std::string& path) {
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT);
  for (const auto d : t.dims) p.add_dims(d);
  p.set_raw_data(std::string(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float)));
  write_file_atomic(path, p.SerializeAsString());
}

}  // namespace ccsim::model
