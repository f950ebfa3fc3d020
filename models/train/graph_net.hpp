// A layer-IR network (any graph ccsim imports) as a libtorch module, for training an imported
// network (models/train/train.hpp, train_graph). Every Conv / Linear weight and bias is a parameter with
// a mask buffer (1 = kept) applied in the forward pass; a BatchNorm is a torch BatchNorm2d with
// the network's statistics; the other layers (shift, pools with their explicit padding, global
// average pool, flatten, ReLU / ReLU6, add, concat, pad) are functions. In eval mode the forward
// pass computes what the float reference (models/float_reference.hpp) computes.
//
// With fake quantization on, the forward pass is the int8 network `ccsim pack` makes of it,
// simulated in float for quantization-aware training: on the network with its batch norms folded
// (models/network.hpp fold_batch_norm; a folded batch norm's running statistics stay fixed, its
// scale and shift train through the folded weights), per-row int8 weights, every value pack
// requantizes rounded to its scale (a weight layer or an add at its calibrated scale with a fused
// ReLU / ReLU6 before the rounding; a concat's operands at the largest operand scale; an average
// pool's result at its input's scale), straight-through gradients (models/train/fake_quant.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "models/network.hpp"

namespace ccsim::model {

// A tensor's values (detached, contiguous, float32) in row-major order.
std::vector<float> to_floats(const torch::Tensor& t);

class GraphNetImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument naming the layer if the network's shapes do not check.
  explicit GraphNetImpl(const Network& net);

  // N x C x H x W (the network input) -> N x (output C*H*W).
  torch::Tensor forward(torch::Tensor x);

  // A weight layer's parameters and mask (indices into the network's layers).
  struct Weighted {
    std::size_t layer = 0;
    torch::Tensor weight;  // [out][in / groups][kh][kw] or [out][in]
    torch::Tensor bias;    // undefined when the layer has none
    torch::Tensor mask;    // same shape as the weight
    bool ternary = false;  // trains as a ternary layer (ternary_straight_through of the masked weight)
    // What the layer computes with: the masked weight, or its ternary form.
    torch::Tensor effective() const;
  };
  std::vector<Weighted>& weighted() { return weighted_; }
  const std::vector<Weighted>& weighted() const { return weighted_; }

  // The network with the trained (masked) weights, biases and batch-norm statistics.
  Network to_network() const;

  // The scales pack would calibrate on these images (float, eval mode, no gradient; leaves the
  // module in eval mode): the input's and, per layer of the folded network, its output's (used
  // for weight layers and adds; the other layers' scales follow from their operands').
  struct FakeQuantScales {
    float input = 1.0f;
    std::vector<float> layer;
    int activation_bits = 8;  // the grid the values are rounded to (pack --activation-bits)
    int weight_bits = 8;
  };
  FakeQuantScales calibrate(const torch::Tensor& images, int activation_bits = 8, int weight_bits = 8);
  void set_fake_quant(std::optional<FakeQuantScales> scales) { fake_quant_ = std::move(scales); }
  bool fake_quantized() const { return fake_quant_.has_value(); }
  // One layer of the folded network (a layer of the packed file, its fused activation included),
  // fake-quantized, on operands given on their grids with their scales: its output and scale, and
  // if asked its value before the last rounding, in output steps. For checking each layer against
  // the golden model. Needs fake quantization on.
  std::pair<torch::Tensor, float> fake_quant_layer(const std::string& name, const std::vector<torch::Tensor>& operands,
                                                   const std::vector<float>& operand_scales,
                                                   torch::Tensor* unrounded = nullptr);

 private:
  torch::Tensor run_layer(std::size_t i, const std::vector<torch::Tensor>& operands);
  // The folded network: fake-quantized with `quant`, else float recording each layer's absmax.
  torch::Tensor run_folded(torch::Tensor x, const FakeQuantScales* quant, FakeQuantScales* record);
  // Folded layer j on its operands: its output and the scale of the grid it is on.
  std::pair<torch::Tensor, float> folded_layer(std::size_t j, const std::vector<torch::Tensor>& in,
                                               const std::vector<float>& in_scale, const FakeQuantScales* quant,
                                               torch::Tensor* unrounded = nullptr);
  // Conv / Linear layer i of the IR with these weights.
  torch::Tensor weight_layer(std::size_t i, const torch::Tensor& x, const torch::Tensor& weight,
                             const torch::Tensor& bias) const;

  Network net_;
  std::vector<Shape> outputs_;          // each layer's output shape
  std::vector<int> weighted_of_;        // layer -> index into weighted_, or -1
  std::vector<Weighted> weighted_;
  std::vector<int> bn_of_;              // layer -> index into bn_, or -1
  std::vector<torch::nn::BatchNorm2d> bn_;
  std::vector<torch::Tensor> shift_kernels_;  // per layer (undefined unless a shift)

  Network folded_;                 // structure only: the layers pack quantizes
  std::vector<int> origin_;        // folded layer -> the IR layer it is (a weight layer, or an unfoldable BN)
  std::vector<int> bn_folded_;     // folded layer -> the IR batch norm folded into it, or -1
  std::vector<char> fused_;        // folded layer runs the activation after it
  std::optional<FakeQuantScales> fake_quant_;
};
TORCH_MODULE(GraphNet);

}  // namespace ccsim::model
