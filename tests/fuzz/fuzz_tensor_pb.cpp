// ONNX TensorProto files (.pb inputs, calibration sets, expected outputs).
#include "models/onnx_tensor.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  fuzz::expect_clean("fuzz.pb", [&] { (void)model::parse_tensor_pb(fuzz::bytes(data, size), "fuzz.pb"); });
  return 0;
}
