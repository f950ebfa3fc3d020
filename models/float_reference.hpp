// Float inference of a layer-IR network on oneDNN (CPU convolution, matmul and pooling
// primitives): the reference an imported model is checked against (the outputs stored with it)
// and the source of calibration statistics.
#pragma once

#include <vector>

#include "models/network.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::model {

struct FloatRun {
  FloatTensor output;               // N x (output C*H*W)
  std::vector<float> layer_absmax;  // max |x| of each layer's output over the batch
  float input_absmax = 0.0f;
};

// Runs a batch: dims N x C x H x W, C x H x W (N = 1), or N x F for a 1 x 1 input of F channels.
// Throws std::invalid_argument when the input does not match the network's input shape.
FloatRun run_float(const Network& net, const FloatTensor& batch);

// Threads each run_float call may use (oneDNN's OpenMP team); 0 = OpenMP's default (all cores).
// Callers that run many networks in parallel themselves (sweeps) set 1.
void set_float_threads(int threads);

}  // namespace ccsim::model
