// A quantized, column-combined network: what the packed weight file holds and what the golden
// model, the SystemC model and the RTL execute. All activations are int8 with a symmetric
// per-tensor scale (zero point 0); weights are int8 with a symmetric per-output-channel scale.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/fixed_point.hpp"
#include "models/network.hpp"

namespace ccsim::model {

enum class OpKind {
  Matmul,         // conv (k x k, im2col over the input) or linear (1 x 1 over the flattened input)
  Shift,          // out[c][y][x] = in[c][y + dy][x + dx], zero outside
  MaxPool,
  AvgPool,        // rounded integer mean (fixed::rounding_divide)
  GlobalAvgPool,
  Flatten,
  Clamp,          // a ReLU / ReLU6 that could not be fused into a weight layer
  Add,            // residual join: fixed::add_term per operand, summed, requant[0], clamp
  Concat,         // channel concatenation, each operand rescaled to the output scale
  Pad,            // zeros around each channel (window.pad_*)
};

const char* to_string(OpKind kind);
OpKind op_kind_from_string(const std::string& s);  // throws std::invalid_argument

struct PackedLayer {
  std::string name;
  OpKind kind = OpKind::Flatten;
  std::vector<int> inputs;  // earlier layers read (-1: the network input); empty: the one before
  Shape in;   // operand 0; for a linear Matmul, the flattened (C*H*W) x 1 x 1 view of its input
  Shape out;
  Window window;                   // Matmul (conv), MaxPool, AvgPool
  bool count_include_pad = false;  // AvgPool

  // Matmul: filter matrix of rows = out.c x cols = in.c * kh * kw, column-combined into groups.
  int alpha = 1;
  double gamma = 0.0;
  int section = 0;
  int max_overlap = 0;
  std::vector<std::vector<std::uint32_t>> groups;  // original columns of each packed column
  std::vector<std::int8_t> weights;                // rows x groups, row-major
  std::vector<std::uint8_t> select;                // rows x groups: position within the group
  std::vector<std::int32_t> bias;                  // rows, in units of in_scale * weight_scale[r]
  std::vector<fixed::Multiplier> requant;          // rows: in_scale * weight_scale[r] / out_scale; Add: 1
  std::vector<fixed::Multiplier> operand_requant;  // Add / Concat: one per operand (fixed_point.hpp)
  std::vector<float> operand_scales;               // Add / Concat: each operand's scale (operand 0: in_scale)
  std::vector<float> weight_scale;                 // rows (informational; requant is normative)
  std::int64_t nonzeros_before = 0;                // float non-zeros before combining
  std::int64_t nonzeros_after = 0;                 // float non-zeros after conflict pruning

  float in_scale = 1.0f;
  float out_scale = 1.0f;
  std::int8_t act_min = -128;  // Matmul, Add and Clamp output range (fused ReLU / ReLU6)
  std::int8_t act_max = 127;

  std::vector<std::array<std::int8_t, 2>> shift;  // Shift: (dy, dx) per channel

  int rows() const { return out.c; }
  int cols() const { return in.c * window.kh * window.kw; }
  int packed_cols() const { return static_cast<int>(groups.size()); }
  std::size_t cell(int row, int group) const {
    return static_cast<std::size_t>(row) * groups.size() + static_cast<std::size_t>(group);
  }
  std::int64_t nonzeros_int8() const;
};

// Where the network came from and how it was packed (free-form, kept in the file for the record).
struct Provenance {
  std::string source;
  std::string tool;
  std::string options;
};

struct PackedNetwork {
  std::string name;
  Shape input;
  Preprocess preprocess;
  float input_scale = 1.0f;
  // Widths of the quantized values (2 to 8 bits, held in int8): every activation (the input and
  // each layer's output) is in [-2^(a-1), 2^(a-1) - 1], every weight in the same for w bits.
  int activation_bits = 8;
  int weight_bits = 8;
  std::vector<PackedLayer> layers;
  Provenance provenance;

  Shape output() const { return layers.empty() ? input : layers.back().out; }
  // Shape of the tensor a layer index refers to (-1: the network input).
  const Shape& produced(int index) const { return index < 0 ? input : layers[static_cast<std::size_t>(index)].out; }
  float produced_scale(int index) const { return index < 0 ? input_scale : layers[static_cast<std::size_t>(index)].out_scale; }
  float output_scale() const { return layers.empty() ? input_scale : layers.back().out_scale; }
};

// Checks every invariant the models rely on (inputs of earlier layers, shapes, sizes, select and
// column indices in range, activation ranges, operand multipliers). Throws std::invalid_argument naming the layer and the problem.
void validate(const PackedNetwork& net);

// The network's widest packed column: how many filter-matrix columns one group combines (what an
// array cell's multiplexer must select among) and the layer holding it; nullptr and 0 without groups.
struct WidestGroup {
  const PackedLayer* layer = nullptr;
  std::size_t width = 0;
};
WidestGroup widest_group(const PackedNetwork& net);

}  // namespace ccsim::model
