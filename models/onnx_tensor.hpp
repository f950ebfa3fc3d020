// Float tensors to and from ONNX TensorProto (the .pb files of ONNX test data sets).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace ccsim::model {

struct FloatTensor {
  std::vector<std::int64_t> dims;
  std::vector<float> data;
};

// Converts FLOAT, DOUBLE or INT64 TensorProto data to floats. Throws std::runtime_error naming
// `what` on another data type or a size that does not match the dims.
FloatTensor tensor_from_proto(const onnx::TensorProto& t, const std::string& what);
std::vector<std::int64_t> int64s_from_proto(const onnx::TensorProto& t, const std::string& what);

FloatTensor load_tensor_pb(const std::string& path);
// The same from a file's bytes; `source` names it in errors.
FloatTensor parse_tensor_pb(const std::string& bytes, const std::string& source);
void save_tensor_pb(const FloatTensor& t, const std::string& path);  // atomic

}  // namespace ccsim::model
