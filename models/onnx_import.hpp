// Import of ONNX models exported from PyTorch into the layer IR.
//
// Supported operators: Conv (2-D, any group; dilation 1), BatchNormalization, Relu, Clip (as ReLU
// or ReLU6), MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape to [N, -1], Gemm, MatMul
// (+ Add of a constant bias), Identity and Dropout (dropped). A depthwise 3x3 convolution whose
// every kernel is one-hot (a single 1, stride 1, pad 1, no bias) is a shift layer and imports as
// one. The graph must be a chain: each node consumes the previous node's output. Anything else
// is an error naming the node and its operator.
#pragma once

#include <string>

#include "models/network.hpp"

namespace ccsim::model {

Network load_onnx(const std::string& path);
// The same from the bytes of a model file; `source` names it in errors.
Network parse_onnx(const std::string& bytes, const std::string& source);

}  // namespace ccsim::model
