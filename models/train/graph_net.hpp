// A layer-IR network (any graph ccsim imports) as a libtorch module: the groundwork for training
// an imported network (issue 15, item 5). Every Conv / Linear weight and bias is a parameter with
// a mask buffer (1 = kept) applied in the forward pass; a BatchNorm is a torch BatchNorm2d with
// the network's statistics; the other layers (shift, pools with their explicit padding, global
// average pool, flatten, ReLU / ReLU6, add, concat, pad) are functions. In eval mode the forward
// pass computes what the float reference (models/float_reference.hpp) computes.
#pragma once

#include <cstddef>
#include <vector>

#include <torch/torch.h>

#include "models/network.hpp"

namespace ccsim::model {

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
  };
  std::vector<Weighted>& weighted() { return weighted_; }
  const std::vector<Weighted>& weighted() const { return weighted_; }

  // The network with the trained (masked) weights, biases and batch-norm statistics.
  Network to_network() const;

 private:
  torch::Tensor run_layer(std::size_t i, const std::vector<torch::Tensor>& operands);

  Network net_;
  std::vector<Shape> outputs_;          // each layer's output shape
  std::vector<int> weighted_of_;        // layer -> index into weighted_, or -1
  std::vector<Weighted> weighted_;
  std::vector<int> bn_of_;              // layer -> index into bn_, or -1
  std::vector<torch::nn::BatchNorm2d> bn_;
  std::vector<torch::Tensor> shift_kernels_;  // per layer (undefined unless a shift)
};
TORCH_MODULE(GraphNet);

}  // namespace ccsim::model
