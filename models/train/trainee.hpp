// What the training loop (train.cpp) needs of a network being trained, so that one loop (prune
// schedule, L1 penalty, cosine learning rate, QAT epochs, checkpoints) serves both the built-in
// shift network and an imported layer graph (train_graph.cpp). Internal to models/train/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "models/network.hpp"
#include "models/sparsity_formats.hpp"
#include "models/train/train.hpp"

namespace ccsim::model::detail {

using Groups = std::vector<std::vector<std::vector<std::uint32_t>>>;  // per prunable layer

struct Split {
  torch::Tensor images;  // N x C x H x W, prepared
  torch::Tensor labels;  // N, int64
};

// The first `limit` images (0 = all) of an IDX split, prepared for a network with this input.
Split load_split(const std::string& dir, const std::string& split, int limit, const Preprocess& p, const Shape& input,
                 int classes);

// Keeps the largest-magnitude `keep_fraction` of a weight tensor (ties: all equal to the threshold).
torch::Tensor magnitude_mask(const torch::Tensor& w, double keep_fraction);
// 1 where the scheme (o.scheme, o.scheme_params) pruning conv weight w (out x in x kh x kw) to
// `density` keeps a weight, else 0.
torch::Tensor scheme_mask(const torch::Tensor& w, double density, const TrainOptions& o);
// The density a scheme-mode pruning step at fraction p prunes to: 1 - p, and at the schedule's
// last step (p = 1 - o.density) o.density itself, which packing uses: 1 - (1 - D) can be a float
// step off D and keep a weight more or fewer than the packed file.
double scheme_step_density(double p, const TrainOptions& o);

// What scheme training (o.mode Scheme) would do wrong quietly is refused before any data is read
// (std::invalid_argument): no pruning epoch, a scheme its parameters make fail on one of the
// `pruned` layers (name, shape; no weights needed), or one that prunes nothing in them (periodic
// patterns are k x k). Nothing for other modes.
void check_scheme_training(const TrainOptions& o, const std::vector<std::pair<std::string, LayerWeights>>& pruned);

struct Utilization {
  std::int64_t nonzeros = 0;
  std::int64_t weights = 0;
  std::int64_t dense_cells = 0;   // rows x columns of the filter matrices
  std::int64_t packed_cells = 0;  // rows x packed columns
};

class Trainee {
 public:
  virtual ~Trainee() = default;
  virtual torch::nn::Module& module() = 0;
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  virtual torch::Tensor l1_of_masked_weights() const = 0;
  // Recomputes the masks (and `groups`) of the layers that combine, at prune fraction p.
  virtual void prune(double p, const TrainOptions& o, Groups& groups) = 0;
  virtual Utilization utilization(const Groups& groups) const = 0;
  // Quantization-aware training: fake quantization at the scales these images calibrate, or off.
  // Fake quantization on the grids of `activation_bits` / `weight_bits`-bit values, calibrated on the images.
  virtual void set_fake_quant_from(const torch::Tensor& calibration_images, int activation_bits, int weight_bits) = 0;
  virtual void clear_fake_quant() = 0;
};

// Accuracy (eval mode, no gradient) on prepared images and labels.
double evaluate(Trainee& t, const Split& s);

struct Data {
  Split train;
  Split test;
  Split calib;  // QAT only
};

struct LoopResult {
  Groups groups;
  std::vector<EpochStats> history;
  std::optional<double> ptq_fake_quant_accuracy;
  double float_test_accuracy = 0.0;
};

// Validates the loop's options (std::invalid_argument) and loads the data set.
Data load_data(const TrainOptions& o, const Preprocess& p, const Shape& input, int classes);

// The epochs: `groups` holds the starting groups; `fingerprint` is what a checkpoint must have
// been made with to be resumed.
LoopResult run_training(Trainee& t, const TrainOptions& o, const Data& data, Groups groups,
                        const nlohmann::json& fingerprint, const std::function<void(const EpochStats&)>& on_epoch);

}  // namespace ccsim::model::detail
