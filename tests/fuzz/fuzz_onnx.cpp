// ONNX model import (protobuf, graph walk, attributes, initializers) into the layer IR.
#include "models/onnx_import.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  fuzz::expect_clean("fuzz.onnx", [&] { (void)model::parse_onnx(fuzz::bytes(data, size), "fuzz.onnx"); });
  return 0;
}
