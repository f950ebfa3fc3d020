// The paper's network family in libtorch: a first 3x3 convolution, then blocks of
// [shift -> 1x1 convolution -> batch norm -> ReLU6] (stride on a block's first layer), global
// average pool and a fully connected classifier. Every convolution weight has a mask buffer
// (1 = kept) applied in the forward pass, so pruned weights contribute nothing and get no
// gradient; the stored weights keep their values and can return when masks are recomputed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "models/network.hpp"

namespace ccsim::model {

// Images per forward pass when evaluating or calibrating: small enough that the largest
// activation (256 x 32 x 28 x 28 floats, 26 MB) stays under glibc's largest mmap threshold, so
// `ccsim train` can keep freed memory for reuse instead of faulting fresh pages in every pass.
constexpr std::int64_t kInferenceChunk = 256;

struct ShiftNetConfig {
  int in_channels = 1;
  int image_size = 28;
  int classes = 10;
  std::vector<int> filters{32, 64, 128};
  std::vector<int> layers{2, 2, 2};
  std::vector<int> strides{1, 2, 2};
  std::vector<int> groups{2, 4, 8};  // alpha per block; a block's first layer uses the previous block's
  std::uint64_t seed = 1;            // shift offsets and weight initialization

  void validate() const;  // throws std::invalid_argument
  nlohmann::json to_json() const;
  static ShiftNetConfig from_json(const nlohmann::json& j);
};

// Activation scales of the int8 network `ccsim pack` builds from this one: symmetric, max |x| / 127
// over calibration images of the float network with batch norm folded (its eval mode).
struct ActivationScales {
  float input = 1.0f;
  std::vector<float> conv;  // per conv, of its output after ReLU6
  float logits = 1.0f;
  int activation_bits = 8;  // the grid the values are rounded to (pack --activation-bits)
  int weight_bits = 8;
};

struct MaskedConv {
  std::string name;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::Tensor mask;                                // same shape as the weight
  torch::Tensor shift_kernel;                        // one-hot depthwise kernel; undefined for the first conv
  std::vector<std::array<std::int8_t, 2>> offsets;   // (dy, dx) per input channel of the shift
  int alpha = 1;
  int stride = 1;
  int padding = 0;
  // Trained as a ternary layer (ccsim train --scheme ternary): the forward pass and the export
  // use the masked weights' signs times one scale for the layer (the mean magnitude of the kept
  // non-zero weights, Boo & Sung's L2-optimal step), with straight-through gradients.
  bool ternary = false;
};

// The weights a layer computes with: w * mask, or its ternary values (MaskedConv::ternary).
torch::Tensor effective_weight(const MaskedConv& mc);

class ShiftNetImpl : public torch::nn::Module {
 public:
  explicit ShiftNetImpl(const ShiftNetConfig& config);

  // The float network; with fake quantization on, the int8 network the packed file computes,
  // simulated in float for quantization-aware training: batch norm folded into the weights with
  // its running statistics (which stay fixed), per-row int8 weights, every activation rounded to
  // its int8 grid, straight-through gradients.
  torch::Tensor forward(torch::Tensor x);

  // The scales `ccsim pack` would choose for these calibration images (eval mode, no gradient;
  // leaves the module in eval mode).
  ActivationScales calibrate(const torch::Tensor& images, int activation_bits = 8, int weight_bits = 8);
  void set_fake_quant(std::optional<ActivationScales> scales) { fake_quant_ = std::move(scales); }

  // The fake-quantized network one stage at a time, on values already on the previous stage's int8
  // grid: stage i < convs().size() is conv i with its shift (and batch norm folded, ReLU6 fused);
  // the last stage is the average pool and the classifier. Each stage ends where a weight layer of
  // the packed network ends, so a test can feed every stage the golden model's input to it.
  // `unrounded`, if given, receives the stage's output in steps of its scale before the final
  // rounding and clamp (how close each value came to a rounding boundary).
  std::size_t fake_quant_stages() const { return convs_.size() + 1; }
  torch::Tensor fake_quant_stage(std::size_t stage, torch::Tensor x, const ActivationScales& scales,
                                 torch::Tensor* unrounded = nullptr);
  bool fake_quantized() const { return fake_quant_.has_value(); }

  const ShiftNetConfig& config() const { return config_; }
  std::vector<MaskedConv>& convs() { return convs_; }
  const std::vector<MaskedConv>& convs() const { return convs_; }
  torch::nn::Linear& fc() { return fc_; }

  // Copies weights, batch-norm parameters and statistics from a network exported by to_network()
  // of the same configuration (e.g. a dense model to retrain). Masks are set to the non-zero
  // pattern of the imported weights. Throws std::invalid_argument naming the first mismatch.
  void load_from(const Network& net);

  // Sum of |w * mask| over all convolution weights (the L1 penalty term).
  torch::Tensor l1_of_masked_weights() const;

  // The trained network as layer IR (masked weights, batch-norm statistics, preprocessing of
  // Fashion-MNIST pixels), with each conv's column groups attached where `groups` has them.
  Network to_network(const std::string& name, const Preprocess& preprocess,
                     const std::vector<std::vector<std::vector<std::uint32_t>>>& groups, double gamma) const;

 private:
  // One pass for all three uses: float (quant null), fake-quantized, or float recording absmax.
  torch::Tensor run(torch::Tensor x, const ActivationScales* quant, ActivationScales* record);

  ShiftNetConfig config_;
  std::vector<MaskedConv> convs_;
  std::optional<ActivationScales> fake_quant_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ShiftNet);

// The filter matrix (rows = out channels) of a conv weight tensor and back.
std::vector<float> weight_matrix(const torch::Tensor& weight);
torch::Tensor matrix_to_weight(const std::vector<float>& m, const torch::Tensor& like);

}  // namespace ccsim::model
