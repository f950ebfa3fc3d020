// Bit-exact integer inference of a packed network: the reference every hardware model is checked
// against. It computes from the packed form exactly as the accelerator does: each cell of a
// packed column multiplies its int8 weight by the input channel its select picks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/packed_network.hpp"

namespace ccsim::model {

struct Int8Tensor {
  Shape shape;
  std::vector<std::int8_t> data;  // CHW
};

// Quantizes one prepared float input (C*H*W values, CHW) with the network's input scale.
Int8Tensor quantize_input(const PackedNetwork& net, const float* values, std::size_t count);

// Throws std::invalid_argument, naming `what`, when a value of an already quantized input is
// outside the network's activation width (e.g. 100 for 4-bit activations, [-8, 7]).
void require_input_range(const PackedNetwork& net, const Int8Tensor& input, const std::string& what);

// The instruction set of the Matmul kernels in use: "avx512", "avx2" or "default" (baseline
// x86-64), the best the CPU has, capped by the environment variable CCSIM_GOLDEN_ISA. Every choice
// computes the same values.
const char* golden_kernel_isa();

// Runs one single-input layer. Throws std::invalid_argument if the input shape is not the
// layer's, or if the layer is a join (Add, Concat).
Int8Tensor run_layer(const PackedLayer& layer, const Int8Tensor& in);
// Runs any layer on its operands, in the order of its inputs.
Int8Tensor run_layer(const PackedLayer& layer, const std::vector<const Int8Tensor*>& operands);

// The operands of layer `layer` in a run over layers [first, ...): outputs[k] is layer first + k's
// output, `first_input` the output of layer first - 1 (or the network input). Throws
// std::invalid_argument if the layer reads an output from before first - 1.
std::vector<const Int8Tensor*> operands_of(const PackedNetwork& net, std::size_t layer, const Int8Tensor* outputs,
                                           std::size_t first, const Int8Tensor& first_input);

// Runs the network; if `trace` is given every layer's output is appended to it.
Int8Tensor run_golden(const PackedNetwork& net, const Int8Tensor& input,
                      std::vector<Int8Tensor>* trace = nullptr);

// Quantizes and runs `count` prepared float inputs (CHW each, back to back), in parallel over
// the machine's cores (oneTBB); results are in input order and independent of the thread count.
std::vector<Int8Tensor> run_golden_batch(const PackedNetwork& net, const float* inputs, std::size_t count);

std::vector<float> dequantize(const Int8Tensor& t, float scale);

// Index of the largest value (first on ties).
std::size_t argmax(const std::vector<std::int8_t>& v);

}  // namespace ccsim::model
