// Joint optimization (Kung, McDanel, Zhang, ASPLOS 2019; reference train.py): train with an L1
// penalty on the masked convolution weights; at each pruning epoch (evenly spaced over the first
// half of training) every conv of alpha > 1 is magnitude-pruned afresh to p * (1 - 1/alpha) of its
// weights (p rising on a cubic schedule to `final_prune`), its columns are combined with gamma
// and the conflict losers masked; training goes on with masked weights held at zero. SGD with
// momentum and weight decay, cosine learning rate. Then, optionally, quantization-aware
// fine-tuning with the masks held: the int8 network is simulated in float (fake quantization with
// the activation scales `ccsim pack` would calibrate) so training absorbs the rounding.
// Deterministic for a seed; resumable.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/network.hpp"
#include "models/pack.hpp"
#include "models/sparsity_formats.hpp"
#include "models/train/shiftnet.hpp"

namespace ccsim::model {

enum class PruneMode {
  Dense,    // no pruning
  Prune,    // magnitude pruning only (the "pruned-only" baseline)
  Combine,  // magnitude pruning + column combining (the paper)
  Scheme,   // another sparsity scheme's constraint (TrainOptions::scheme), for equal-accuracy comparisons
};

struct TrainOptions {
  ShiftNetConfig net;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 10;
  int batch_size = 128;
  double lr = 0.05;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  double l1_penalty = 1e-7;
  double gamma = 1.75;
  int prune_steps = 10;  // pruning epochs, capped at half the epochs
  double final_prune = 0.8;
  PruneMode mode = PruneMode::Combine;
  // PruneMode::Scheme: at each pruning epoch every convolution after the first (the reference's
  // scope: the first layer and the classifier stay dense) is pruned afresh the scheme's way
  // (scheme_prune) to density 1 - p, p rising on the cubic schedule to 1 - `density`, and the
  // weights it drops are masked. Ternary layers also compute with their ternary values (sign
  // times one scale per layer, straight-through gradients; MaskedConv::ternary) from the first
  // epoch. Bitmap, CSR, N:M, PCNN, periodic and ternary (column combining is Combine).
  SparsityScheme scheme = SparsityScheme::Dense;
  double density = 0.25;
  SparsityParams scheme_params;
  double train_fraction = 1.0;
  int max_train_samples = 0;  // 0 = all (tests use a few batches)
  int max_test_samples = 0;
  int qat_epochs = 0;         // quantization-aware epochs after `epochs` (which may then be 0)
  double qat_lr = 0.002;      // their initial learning rate (cosine over the QAT epochs)
  int calib_count = 512;      // first N training images calibrate the int8 scales (QAT and packing)
  int activation_bits = 8;    // the widths QAT rounds to and the packed network has (2 to 8)
  int weight_bits = 8;
  std::string init;           // start from this trained network (ccsim-network JSON) instead of random weights
  std::string checkpoint;     // written after every epoch if set
  bool resume = false;
  int threads = 0;            // 0 = all cores
  // Every option that shapes the result (not threads or resume): the checkpoint's fingerprint
  // and the training report's "options".
  nlohmann::json to_json() const;
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double lr = 0.0;
  double train_loss = 0.0;
  double train_accuracy = 0.0;
  double test_accuracy = 0.0;
  bool pruned = false;        // masks were recomputed at the start of this epoch
  bool qat = false;           // quantization-aware epoch: accuracies are of the fake-quantized network
  double prune_fraction = 0.0;
  std::int64_t nonzeros = 0;  // conv weights
  std::int64_t weights = 0;
  double utilization_before = 0.0;  // nonzeros / (rows x columns), conv layers
  double utilization_after = 0.0;   // nonzeros / (rows x packed columns)
  double seconds = 0.0;
  nlohmann::json to_json() const;
  static EpochStats from_json(const nlohmann::json& j);
};

struct TrainResult {
  TrainOptions options;
  ShiftNet model{nullptr};
  std::vector<std::vector<std::vector<std::uint32_t>>> groups;  // per conv, from the last combining
  std::vector<EpochStats> history;
  double float_test_accuracy = 0.0;             // the final float network (no fake quantization)
  std::optional<double> ptq_fake_quant_accuracy;  // fake-quantized, before the QAT epochs
  nlohmann::json fingerprint;                     // the options that shaped the result (report, checkpoint)
  std::optional<Network> trained_graph;           // train_graph: the trained network with its groups
  std::optional<double> initial_test_accuracy;    // train_graph: the float network it started from
  Network network() const;  // the trained float network with its column groups
};

// The epochs (1-based, within `epochs`) at whose start masks are recomputed, and p at each.
std::vector<std::pair<int, double>> prune_schedule(const TrainOptions& o);

// Runs training. Throws std::runtime_error naming the file on a missing or corrupt data set or
// checkpoint, std::invalid_argument on bad options.
TrainResult train_network(const TrainOptions& o, const std::function<void(const EpochStats&)>& on_epoch);

// Which layers of an imported network combine while it trains, the rules `ccsim pack` applies
// (PackOptions): a per-layer override, else `combine` for a layer in `scope`, else alpha 1.
struct GraphCombineOptions {
  CombineOptions combine{1, 1.75, 0};
  CombineScope scope = CombineScope::Reference;
  std::map<std::string, CombineOptions> per_layer;
  nlohmann::json to_json() const;
};

// The alpha, gamma and section each weight layer of `net` trains with (alpha 1 where it does not
// combine; entries for the other layers are unused). Throws std::invalid_argument for a per-layer
// option that names no weight layer.
std::vector<CombineOptions> graph_combine_plan(const Network& net, const GraphCombineOptions& c);

// Trains an imported network (any layer graph GraphNet runs: Conv incl. grouped and depthwise,
// Linear, BatchNorm, shift, pools, add, concat, pad) with the joint optimization of train_network:
// every weight layer of alpha > 1 is magnitude-pruned at the scheduled epochs and its filter
// matrix (a grouped conv's expanded, block-diagonal one, as pack combines it) column-combined.
// A grouped conv's expanded matrix has only 1/groups of its cells as weights, so magnitude pruning
// keeps min(1, groups * (1 - p (1 - 1/alpha))) of them: the same density of the filter matrix as a
// dense conv (a depthwise conv is combined without magnitude pruning). In dense mode the weights
// the network holds at zero stay at zero and its column groups are kept. The data set is read with
// the network's preprocessing; its input shape and classes must match the network.
// Quantization-aware epochs (o.qat_epochs) fake-quantize the network as GraphNet does.
// `o.net` is used for its seed only; `o.init` names the file for messages and the fingerprint.
TrainResult train_graph(const Network& init, const TrainOptions& o, const GraphCombineOptions& c,
                        const std::function<void(const EpochStats&)>& on_epoch);

// libtorch frees and reallocates the same activation-sized blocks every batch; glibc's defaults
// hand blocks of a few MB back to the kernel and fault them in again (a third of a training
// run's time). Keeps them in the heap instead: process-wide, so called by the process that
// trains (`ccsim train`), not by train_network. tests/bench/bench_train.cpp measures it.
void keep_freed_memory_for_reuse();

// Fashion-MNIST pixels -> network input: x = (pixel / 255 - 0.2860) / 0.3530.
Preprocess fashion_mnist_preprocess();

// Accuracy of a model (float, masks applied) on prepared images N x 1 x H x W and labels N.
double evaluate(ShiftNet& model, const torch::Tensor& images, const torch::Tensor& labels);

}  // namespace ccsim::model
