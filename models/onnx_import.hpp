// Import of ONNX models exported from PyTorch into the layer IR.
//
// Supported operators: Conv (2-D, any group and dilation), BatchNormalization, Relu, Clip (as ReLU
// or ReLU6), MaxPool and AveragePool (ceil_mode too, except an average whose last window would
// count padding beyond the pads), GlobalAveragePool, Flatten, Reshape to [N, -1], Gemm, MatMul
// (+ Add of a constant bias), Add of two or more tensors (a residual join), Concat along channels,
// Pad (constant zeros on H and W; absorbed by the convolution when it is the only reader),
// Identity and Dropout (dropped). A depthwise 3x3 convolution whose every kernel is one-hot (a
// single 1, stride 1, pad 1, no bias) is a shift layer and imports as one. The graph may branch
// and join; nodes are taken in the file's (topological) order, every node's output must be read
// and the graph has one output. Anything else is an error naming the node and its operator.
#pragma once

#include <string>

#include "models/network.hpp"

namespace ccsim::model {

Network load_onnx(const std::string& path);
// The same from the bytes of a model file; `source` names it in errors.
Network parse_onnx(const std::string& bytes, const std::string& source);

}  // namespace ccsim::model
