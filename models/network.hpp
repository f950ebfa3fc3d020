// Layer IR of the networks ccsim runs: convolutions (dense k x k, grouped, depthwise, pointwise),
// shift layers, batch norm, ReLU/ReLU6, pooling, padding, flatten and fully connected layers, and
// the joins of branching networks (residual Add, channel Concat). Layers are in topological order;
// each reads the layer before it unless `inputs` says otherwise (models/graph.hpp). Activations
// are C x H x W (batch is implicit), stored in CHW order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/graph.hpp"

namespace ccsim::model {

struct Shape {
  int c = 0;
  int h = 0;
  int w = 0;
  std::int64_t size() const { return static_cast<std::int64_t>(c) * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

std::string to_string(const Shape& s);

enum class LayerKind {
  Conv,           // weight [out][in/groups][kh][kw], optional bias
  Linear,         // weight [out][in], optional bias; the input is read flattened in CHW order
  BatchNorm,      // per channel: gamma * (x - mean) / sqrt(var + eps) + beta
  ReLU,
  ReLU6,
  Shift,          // per channel offset: out[c][y][x] = in[c][y + dy][x + dx], zero outside
  MaxPool,
  AvgPool,
  GlobalAvgPool,
  Flatten,        // C x H x W -> (C*H*W) x 1 x 1, data unchanged
  Add,            // elementwise sum of two or more inputs of one shape (a residual join)
  Concat,         // the inputs stacked along channels, in operand order (same H x W)
  Pad,            // zeros around each channel (window.pad_*): a padding no convolution absorbed
};

const char* to_string(LayerKind kind);
LayerKind layer_kind_from_string(const std::string& s);  // throws std::invalid_argument

// Kernel window of a convolution or pooling layer.
struct Window {
  int kh = 1;
  int kw = 1;
  int stride_h = 1;
  int stride_w = 1;
  int pad_top = 0;
  int pad_left = 0;
  int pad_bottom = 0;
  int pad_right = 0;
  int dilation_h = 1;  // Conv only: kernel taps dilation apart (extent (k - 1) * dilation + 1)
  int dilation_w = 1;
};

// Column groups a training run settled on (ccsim train), in filter-matrix column indices;
// `ccsim pack` keeps them unless told to regroup.
struct ColumnGroups {
  int alpha = 1;
  double gamma = 0.0;
  std::vector<std::vector<std::uint32_t>> groups;
};

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::ReLU;
  std::vector<int> inputs;  // earlier layers read (-1: the network input); empty: the one before


  // Conv / Linear
  int out_channels = 0;
  int groups = 1;
  std::vector<float> weight;
  std::vector<float> bias;  // empty = no bias
  std::optional<ColumnGroups> column_groups;

  // Conv / pooling / Pad (pads only)
  Window window;
  bool count_include_pad = false;  // AvgPool

  // BatchNorm
  std::vector<float> bn_scale, bn_bias, bn_mean, bn_var;
  float bn_eps = 1e-5f;

  // Shift: (dy, dx) per channel, each in {-1, 0, 1}
  std::vector<std::array<std::int8_t, 2>> shift;

  bool has_weights() const { return kind == LayerKind::Conv || kind == LayerKind::Linear; }
};

// How raw dataset samples (e.g. 8-bit pixels) become the network's float input:
// x = (raw * scale - mean[c]) / std[c]. Inputs given as tensors are taken as already prepared.
struct Preprocess {
  float scale = 1.0f;
  std::vector<float> mean;  // per channel, or one value for all, or empty (0)
  std::vector<float> std;   // per channel, or one value for all, or empty (1)

  bool is_identity() const { return scale == 1.0f && mean.empty() && std.empty(); }  // x = pixel
};

// Throws std::invalid_argument unless scale, mean and std are finite, scale and every std are
// non-zero, and mean and std hold 0, 1 or `channels` values.
void validate(const Preprocess& p, int channels);

// The largest activation (values per image) any layer may produce: 2^28 int8 values is far beyond
// any CNN ccsim models and keeps every size computed from it inside 64 bits.
constexpr std::int64_t kMaxActivationValues = std::int64_t{1} << 28;

struct Network {
  std::string name;
  Shape input;
  Preprocess preprocess;
  std::vector<Layer> layers;
};

// Output shape of a layer for a given input shape. Throws std::invalid_argument naming the layer
// when the layer's parameters do not fit the input (weight sizes, channel counts, windows).
Shape output_shape(const Layer& layer, const Shape& in);
// The same for any layer given all its operands' shapes (Add: equal shapes; Concat: equal H x W).
Shape output_shape(const Layer& layer, const std::vector<Shape>& inputs);

// Number of operands a layer of this kind takes: Add and Concat 2 or more, the others 1. Throws
// std::invalid_argument naming the layer otherwise.
void check_operand_count(const Layer& layer, std::size_t operands);

// Output shape of every layer (validating inputs and shapes); the last is the network's output.
std::vector<Shape> output_shapes(const Network& net);

// Shape of the tensor a layer index refers to (-1: the network input).
inline const Shape& produced_shape(const Network& net, const std::vector<Shape>& outputs, int index) {
  return index < 0 ? net.input : outputs[static_cast<std::size_t>(index)];
}

// Shape of each layer's first operand followed by the network output: size layers.size() + 1.
// In a chain, entry i + 1 is also layer i's output; in a graph use output_shapes for that.
std::vector<Shape> infer_shapes(const Network& net);

// A weight layer as a filter matrix: rows = output channels, columns = input channels x kh x kw
// (column = c * kh * kw + ky * kw + kx; a Linear layer has kh = kw = 1 over C*H*W inputs).
// Grouped and depthwise convolutions are expanded with zeros outside each group's channels.
struct FilterMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<float> values;  // row-major
};
FilterMatrix filter_matrix(const Layer& layer, const Shape& in);

// Writes a filter matrix back into a layer's weight layout (groups = 1 afterwards for Conv).
void set_filter_matrix(Layer& layer, const Shape& in, const FilterMatrix& m);

// Folds every BatchNorm into the Conv/Linear whose output only it reads; any other BatchNorm
// becomes a depthwise 1x1 Conv. Shapes are validated first (infer_shapes). Returns, for each
// layer of the network given, the index of the layer of the folded network that produces its value
// (a folded BatchNorm: its weight layer).
std::vector<int> fold_batch_norm(Network& net);

}  // namespace ccsim::model
