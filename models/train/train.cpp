#include "models/train/train.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <stdexcept>

#include "models/atomic_file.hpp"
#include "models/column_combine.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/scheme_packing.hpp"
#include "models/train/trainee.hpp"

namespace ccsim::model {
namespace detail {

Split load_split(const std::string& dir, const std::string& split, int limit, const Preprocess& p, const Shape& input,
                 int classes) {
  const IdxDataset d = load_idx_dataset(dir, split, limit);
  check_labels(d, classes);
  const FloatTensor batch = to_batch(d, p, input, 0, d.count);
  Split s;
  s.images = torch::from_blob(const_cast<float*>(batch.data.data()), {d.count, input.c, input.h, input.w},
                              torch::kFloat32).clone();
  std::vector<std::int64_t> labels(d.labels.begin(), d.labels.end());
  s.labels = torch::tensor(labels, torch::kInt64);
  return s;
}

torch::Tensor magnitude_mask(const torch::Tensor& w, double keep_fraction) {
  const auto n = w.numel();
  const auto keep = static_cast<std::int64_t>(std::llround(keep_fraction * static_cast<double>(n)));
  if (keep >= n) return torch::ones_like(w);
  if (keep <= 0) return torch::zeros_like(w);
  const auto threshold = std::get<0>(w.abs().flatten().topk(keep)).min();
  return (w.abs() >= threshold).to(torch::kFloat32);
}

double scheme_step_density(double p, const TrainOptions& o) { return p >= 1.0 - o.density ? o.density : 1.0 - p; }

torch::Tensor scheme_mask(const torch::Tensor& w, double density, const TrainOptions& o) {
  const torch::Tensor weights = w.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  LayerWeights lw{static_cast<int>(w.size(0)), static_cast<int>(w.size(1)), static_cast<int>(w.size(2)),
                  static_cast<int>(w.size(3)),
                  std::vector<float>(weights.data_ptr<float>(), weights.data_ptr<float>() + weights.numel())};
  // A weight that is exactly 0 (an --init network pruned it) competes as the smallest magnitude,
  // so a position the scheme selects is kept, and trained, even while its weight is 0.
  for (float& v : lw.w) {
    if (v == 0.0f) v = 1e-20f;
  }
  SchemeSpec spec;
  spec.scheme = o.scheme;
  spec.density = std::clamp(density, 1e-9, 1.0);
  spec.params = o.scheme_params;
  const SparseLayer kept = scheme_prune(std::move(lw), spec);
  std::vector<float> mask(kept.w.size());
  for (std::size_t k = 0; k < mask.size(); ++k) mask[k] = kept.w[k] != 0.0f ? 1.0f : 0.0f;
  return torch::from_blob(mask.data(), w.sizes(), torch::kFloat32).clone().to(w.device());
}

}  // namespace detail

namespace {

using detail::Groups;
using detail::Split;
using detail::Utilization;

const char* mode_name(PruneMode m) {
  switch (m) {
    case PruneMode::Dense: return "dense";
    case PruneMode::Prune: return "prune";
    case PruneMode::Combine: return "combine";
    case PruneMode::Scheme: return "scheme";
  }
  return "?";
}

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::SGD& opt,
                     const nlohmann::json& state) {
  torch::serialize::OutputArchive archive;
  model.save(archive);
  torch::serialize::OutputArchive opt_archive;
  opt.save(opt_archive);
  archive.write("optimizer", opt_archive);
  archive.write("ccsim_state", c10::IValue(state.dump()));
  const std::string tmp = path + ".tmp";
  archive.save_to(tmp);
  std::filesystem::rename(tmp, path);
}

nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::SGD& opt) {
  const std::string missing = missing_file_reason(path);
  if (!missing.empty()) throw std::runtime_error(path + ": cannot --resume from this checkpoint: " + missing);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    model.load(archive);
    torch::serialize::InputArchive opt_archive;
    archive.read("optimizer", opt_archive);
    opt.load(opt_archive);
    c10::IValue state;
    archive.read("ccsim_state", state);
    return nlohmann::json::parse(state.toStringRef());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a usable ccsim checkpoint: " + std::string(e.what()).substr(0, 300));
  }
}

// Accuracy of the trainee (eval mode, no gradient) on prepared images and labels.
}  // namespace

namespace detail {

double evaluate(Trainee& t, const Split& s) {
  torch::NoGradGuard no_grad;
  t.module().eval();
  std::int64_t correct = 0;
  const std::int64_t n = s.images.size(0);
  for (std::int64_t first = 0; first < n; first += kInferenceChunk) {
    const auto last = std::min(n, first + kInferenceChunk);
    const auto pred = t.forward(s.images.slice(0, first, last)).argmax(1);
    correct += pred.eq(s.labels.slice(0, first, last)).sum().item<std::int64_t>();
  }
  return n ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
}

}  // namespace detail

namespace {

using detail::evaluate;

// The built-in shift network: every conv of alpha > 1 combines.
class ShiftTrainee : public detail::Trainee {
 public:
  explicit ShiftTrainee(ShiftNet model) : model_(std::move(model)) {}
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor forward(const torch::Tensor& x) override { return model_->forward(x); }
  torch::Tensor l1_of_masked_weights() const override { return model_->l1_of_masked_weights(); }
  void set_fake_quant_from(const torch::Tensor& images, int activation_bits, int weight_bits) override {
    model_->set_fake_quant(model_->calibrate(images, activation_bits, weight_bits));
  }
  void clear_fake_quant() override { model_->set_fake_quant(std::nullopt); }

  void prune(double p, const TrainOptions& o, Groups& groups) override {
    torch::NoGradGuard no_grad;
    auto& convs = model_->convs();
    if (o.mode == PruneMode::Scheme) {
      for (std::size_t i = 1; i < convs.size(); ++i) convs[i].mask.copy_(detail::scheme_mask(convs[i].conv->weight, detail::scheme_step_density(p, o), o));
      return;
    }
    for (std::size_t i = 0; i < convs.size(); ++i) {
      MaskedConv& mc = convs[i];
      if (mc.alpha <= 1) continue;
      const auto& w = mc.conv->weight;
      const auto magnitude = detail::magnitude_mask(w, 1.0 - p * (1.0 - 1.0 / mc.alpha));
      if (o.mode == PruneMode::Prune) {
        mc.mask.copy_(magnitude);
        continue;
      }
      const int rows = static_cast<int>(w.size(0));
      const int cols = static_cast<int>(w.numel() / rows);
      const CombinedMatrix cm = combine_columns(weight_matrix(w * magnitude), rows, cols, {mc.alpha, o.gamma, 0});
      std::vector<float> keep(cm.pruned.size());
      for (std::size_t k = 0; k < keep.size(); ++k) keep[k] = cm.pruned[k] != 0.0f ? 1.0f : 0.0f;
      mc.mask.copy_(matrix_to_weight(keep, w));
      groups[i] = cm.groups;
    }
  }

  Utilization utilization(const Groups& groups) const override {
    Utilization u;
    const auto& convs = model_->convs();
    for (std::size_t i = 0; i < convs.size(); ++i) {
      const auto& m = convs[i].mask;
      const std::int64_t rows = m.size(0);
      const std::int64_t cols = m.numel() / rows;
      u.nonzeros += m.sum().item<float>();
      u.weights += m.numel();
      u.dense_cells += rows * cols;
      const std::int64_t packed = !groups[i].empty()
                                      ? static_cast<std::int64_t>(groups[i].size())
                                      : (m.reshape({rows, cols}).sum(0) > 0).sum().item<std::int64_t>();  // non-zero columns
      u.packed_cells += rows * packed;
    }
    return u;
  }

 private:
  ShiftNet model_;
};

// The column groups of a combined network being retrained (--init), for each conv whose alpha
// matches; empty where the layer is not combined at this model's alpha.
Groups combined_groups(const Network& net, const ShiftNet& model) {
  Groups out(model->convs().size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const MaskedConv& mc = model->convs()[i];
    for (const auto& l : net.layers) {
      if (l.name == mc.name && l.kind == LayerKind::Conv && mc.alpha > 1 && l.column_groups &&
          l.column_groups->alpha == mc.alpha) {
        out[i] = l.column_groups->groups;
      }
    }
  }
  return out;
}

}  // namespace

namespace detail {

Data load_data(const TrainOptions& o, const Preprocess& p, const Shape& input, int classes) {
  if (o.epochs < 0 || o.qat_epochs < 0 || o.epochs + o.qat_epochs < 1 || o.batch_size < 1 || !(o.lr > 0) ||
      !(o.qat_lr > 0) || o.calib_count < 1 || !(o.train_fraction > 0 && o.train_fraction <= 1.0) || o.gamma < 0 ||
      !(o.final_prune >= 0 && o.final_prune < 1)) {
    throw std::invalid_argument(
        "training options out of range (epochs + QAT epochs >= 1, batch size, lr, QAT lr, calibration count, "
        "train fraction, gamma, prune)");
  }
  if (o.resume && o.checkpoint.empty()) throw std::invalid_argument("--resume needs --checkpoint FILE");
  Data d;
  d.train = load_split(o.data_dir, "train", o.max_train_samples, p, input, classes);
  d.test = load_split(o.data_dir, "t10k", o.max_test_samples, p, input, classes);
  // The images `ccsim train` packs with: QAT calibrates on the same ones.
  if (o.qat_epochs > 0) d.calib = load_split(o.data_dir, "train", o.calib_count, p, input, classes);
  return d;
}

LoopResult run_training(Trainee& t, const TrainOptions& o, const Data& data, Groups groups,
                        const nlohmann::json& fingerprint, const std::function<void(const EpochStats&)>& on_epoch) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  // --train-fraction: a seeded subset of the training set.
  std::vector<std::int64_t> subset(static_cast<std::size_t>(data.train.images.size(0)));
  std::iota(subset.begin(), subset.end(), 0);
  std::shuffle(subset.begin(), subset.end(), std::mt19937_64(o.net.seed ^ 0x5eed5eedULL));
  subset.resize(std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(o.train_fraction * subset.size()))));
  std::sort(subset.begin(), subset.end());

  LoopResult result;
  result.groups = std::move(groups);
  torch::optim::SGD opt(t.module().parameters(),
                        torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  int start_epoch = 1;
  if (o.resume) {
    const auto state = load_checkpoint(o.checkpoint, t.module(), opt);
    if (state.at("options") != fingerprint) {
      throw std::runtime_error(o.checkpoint + ": checkpoint was made with different training options");
    }
    try {
      start_epoch = state.at("epoch").get<int>() + 1;
      result.groups = state.at("groups").get<Groups>();
      for (const auto& h : state.at("history")) result.history.push_back(EpochStats::from_json(h));
      if (state.contains("ptq_fake_quant_accuracy")) result.ptq_fake_quant_accuracy = state.at("ptq_fake_quant_accuracy");
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(o.checkpoint + ": checkpoint state is incomplete: " + e.what());
    }
  }

  const auto schedule = prune_schedule(o);
  const int last_prune_epoch = schedule.empty() ? 0 : schedule.back().first;
  const double pi = std::acos(-1.0);
  constexpr std::int64_t kRecalibrateEvery = 100;  // batches; the scales follow the weights as pack will
  const auto recalibrate = [&] { t.set_fake_quant_from(data.calib.images, o.activation_bits, o.weight_bits); };
  for (int epoch = start_epoch; epoch <= o.epochs + o.qat_epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    EpochStats s;
    s.epoch = epoch;
    s.qat = epoch > o.epochs;
    for (const auto& [at, p] : schedule) {
      if (at == epoch) {
        t.prune(p, o, result.groups);
        s.pruned = true;
        s.prune_fraction = p;
      }
    }
    if (s.qat) {
      recalibrate();
      if (epoch == o.epochs + 1) {
        // What post-training quantization alone gives, then fine-tuning starts with fresh momentum.
        result.ptq_fake_quant_accuracy = evaluate(t, data.test);
        opt.state().clear();
      }
      s.lr = 0.5 * o.qat_lr * (1.0 + std::cos(pi * (epoch - o.epochs - 1) / o.qat_epochs));
    } else {
      s.lr = 0.5 * o.lr * (1.0 + std::cos(pi * (epoch - 1) / o.epochs));  // cosine annealing
    }
    for (auto& group : opt.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(s.lr);

    std::vector<std::int64_t> order = subset;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(o.net.seed * 1000003ULL + static_cast<std::uint64_t>(epoch)));
    const auto index = torch::tensor(order, torch::kInt64);
    t.module().train();
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    const bool l1 = o.l1_penalty > 0 && epoch < last_prune_epoch;
    for (std::int64_t first = 0, batch = 0; first < index.size(0); first += o.batch_size, ++batch) {
      if (s.qat && batch > 0 && batch % kRecalibrateEvery == 0) {
        recalibrate();
        t.module().train();
      }
      const auto idx = index.slice(0, first, std::min<std::int64_t>(index.size(0), first + o.batch_size));
      const auto x = data.train.images.index_select(0, idx);
      const auto y = data.train.labels.index_select(0, idx);
      opt.zero_grad();
      const auto logits = t.forward(x);
      auto loss = torch::nn::functional::cross_entropy(logits, y);
      loss_sum += loss.item<double>() * static_cast<double>(idx.size(0));
      correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
      if (l1) loss = loss + o.l1_penalty * t.l1_of_masked_weights();
      loss.backward();
      opt.step();
    }
    const auto n = static_cast<double>(index.size(0));
    s.train_loss = loss_sum / n;
    s.train_accuracy = static_cast<double>(correct) / n;
    if (s.qat) recalibrate();  // the scales of the weights as they are now, as pack will see them
    s.test_accuracy = evaluate(t, data.test);
    const Utilization u = t.utilization(result.groups);
    s.nonzeros = u.nonzeros;
    s.weights = u.weights;
    s.utilization_before = static_cast<double>(u.nonzeros) / static_cast<double>(u.dense_cells);
    s.utilization_after = static_cast<double>(u.nonzeros) / static_cast<double>(u.packed_cells);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.history.push_back(s);
    if (!o.checkpoint.empty()) {
      nlohmann::json history = nlohmann::json::array();
      for (const auto& h : result.history) history.push_back(h.to_json());
      nlohmann::json state = {{"epoch", epoch}, {"options", fingerprint}, {"groups", result.groups},
                              {"history", history}};
      if (result.ptq_fake_quant_accuracy) state["ptq_fake_quant_accuracy"] = *result.ptq_fake_quant_accuracy;
      save_checkpoint(o.checkpoint, t.module(), opt, state);
    }
    if (on_epoch) on_epoch(s);
  }
  t.clear_fake_quant();
  result.float_test_accuracy =
      result.history.back().qat ? evaluate(t, data.test) : result.history.back().test_accuracy;
  return result;
}

}  // namespace detail

Preprocess fashion_mnist_preprocess() { return {1.0f / 255.0f, {0.2860f}, {0.3530f}}; }

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EpochStats, epoch, lr, train_loss, train_accuracy, test_accuracy, pruned, qat,
                                   prune_fraction, nonzeros, weights, utilization_before, utilization_after, seconds)

nlohmann::json EpochStats::to_json() const { return *this; }

EpochStats EpochStats::from_json(const nlohmann::json& j) { return j.get<EpochStats>(); }

void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest glibc accepts
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

nlohmann::json TrainOptions::to_json() const {
  nlohmann::json j = {{"net", net.to_json()}, {"epochs", epochs}, {"batch_size", batch_size}, {"lr", lr},
                      {"momentum", momentum}, {"weight_decay", weight_decay}, {"l1_penalty", l1_penalty},
                      {"gamma", gamma}, {"prune_steps", prune_steps}, {"final_prune", final_prune},
                      {"mode", mode_name(mode)}, {"train_fraction", train_fraction},
                      {"max_train_samples", max_train_samples}, {"init", init}, {"qat_epochs", qat_epochs},
                      {"qat_lr", qat_lr}, {"calib_count", calib_count}};
  // Only when not 8: checkpoints written before the widths existed still resume.
  if (activation_bits != 8) j["activation_bits"] = activation_bits;
  if (weight_bits != 8) j["weight_bits"] = weight_bits;
  if (mode == PruneMode::Scheme) {
    const SparsityParams& p = scheme_params;
    j["scheme"] = {{"name", to_string(scheme)},     {"density", density},         {"bits", p.bits},
                   {"m", p.m},                      {"patterns", p.patterns},     {"pcnn_vector", p.pcnn_vector},
                   {"period", p.period},            {"block", p.block},           {"restricted", p.restricted}};
    // Ternary layers train their ternary values since 2026-12-07 (before, only the block mask): a
    // checkpoint of a mask-only run does not resume as one of these.
    if (scheme == SparsityScheme::Ternary) j["scheme"]["values"] = "ternary";
  }
  return j;
}

Network TrainResult::network() const {
  if (trained_graph) return *trained_graph;
  return model->to_network("shiftnet-fmnist", fashion_mnist_preprocess(), groups, options.gamma);
}

std::vector<std::pair<int, double>> prune_schedule(const TrainOptions& o) {
  std::vector<std::pair<int, double>> out;
  if (o.mode == PruneMode::Dense) return out;
  const int half = std::max(1, o.epochs / 2);
  const int steps = std::max(1, std::min(o.prune_steps, half));
  for (int i = 1; i <= steps; ++i) {
    // Evenly spaced over the first half: the first after half/steps epochs of training, the
    // last at the start of epoch half + 1.
    const int epoch = 1 + (i * half + steps / 2) / steps;
    const double t = static_cast<double>(i) / steps;
    // Scheme mode ends at the scheme's density: p = 1 - density.
    const double final_prune = o.mode == PruneMode::Scheme ? 1.0 - o.density : o.final_prune;
    if (epoch <= o.epochs) out.emplace_back(epoch, final_prune * (1.0 - std::pow(1.0 - t, 3.0)));
  }
  return out;
}

double evaluate(ShiftNet& model, const torch::Tensor& images, const torch::Tensor& labels) {
  ShiftTrainee t(model);
  return detail::evaluate(t, {images, labels});
}

namespace detail {

void check_scheme_training(const TrainOptions& o, const std::vector<std::pair<std::string, LayerWeights>>& pruned) {
  if (o.mode != PruneMode::Scheme) return;
  const std::string what = "--scheme " + to_string(o.scheme) + " --density " + std::to_string(o.density);
  if (o.scheme == SparsityScheme::Dense || o.scheme == SparsityScheme::ColumnCombine) {
    throw std::invalid_argument(what + ": use --mode " + (o.scheme == SparsityScheme::Dense ? "dense" : "combine"));
  }
  if (!(o.density > 0.0 && o.density <= 1.0)) throw std::invalid_argument(what + ": the density must be in (0, 1]");
  if (prune_schedule(o).empty()) {
    throw std::invalid_argument(what + ": --epochs " + std::to_string(o.epochs) +
                                " has no pruning epoch (they lie in the first half of training): at least 2");
  }
  if (o.scheme == SparsityScheme::Ternary && o.scheme_params.restricted &&
      scheme_count_for(o.density, o.scheme_params.block) != 2) {
    throw std::invalid_argument(what + " --restricted: the restricted code keeps 2 of every block, the density " +
                                std::to_string(scheme_count_for(o.density, o.scheme_params.block)) + " of " +
                                std::to_string(o.scheme_params.block));
  }
  if (pruned.empty()) {
    throw std::invalid_argument(what + ": no layer of this network is in the scheme's scope (the convolutions after "
                                "the first; an imported network's weight layers: --combine-all)");
  }
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  bool prunes = o.density >= 1.0;
  for (const auto& [name, shape] : pruned) {
    LayerWeights lw = shape;
    lw.w.resize(static_cast<std::size_t>(lw.size()));
    for (float& v : lw.w) v = normal(rng);
    SchemeSpec spec;
    spec.scheme = o.scheme;
    spec.density = o.density;
    spec.params = o.scheme_params;
    try {
      prunes = prunes || scheme_prune(lw, spec).nonzeros < lw.size();
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(what + ": layer " + name + ": " + e.what());
    }
  }
  if (!prunes) {
    throw std::invalid_argument(what + ": prunes nothing in this network (periodic patterns are k x k and keep 1x1 "
                                "layers whole; a density that keeps every weight of a group prunes nothing)");
  }
}

}  // namespace detail

namespace {

// The shapes of the shift network's layers a scheme prunes (the convolutions after the first).
std::vector<std::pair<std::string, LayerWeights>> scheme_pruned_layers(ShiftNet& model) {
  std::vector<std::pair<std::string, LayerWeights>> layers;
  const auto& convs = model->convs();
  for (std::size_t i = 1; i < convs.size(); ++i) {
    const auto& w = convs[i].conv->weight;
    layers.emplace_back(convs[i].name, LayerWeights{static_cast<int>(w.size(0)), static_cast<int>(w.size(1)),
                                                    static_cast<int>(w.size(2)), static_cast<int>(w.size(3)), {}});
  }
  return layers;
}

}  // namespace

TrainResult train_network(const TrainOptions& o, const std::function<void(const EpochStats&)>& on_epoch) {
  o.net.validate();
  if (o.mode == PruneMode::Scheme) {
    ShiftNet probe(o.net);  // its shapes (the constructor seeds its own initialization)
    detail::check_scheme_training(o, scheme_pruned_layers(probe));
  }
  const detail::Data data =
      detail::load_data(o, fashion_mnist_preprocess(), {o.net.in_channels, o.net.image_size, o.net.image_size},
                        o.net.classes);
  TrainResult result;
  result.options = o;
  result.model = ShiftNet(o.net);
  Groups groups(result.model->convs().size());
  if (!o.init.empty()) {
    try {
      const Network init = load_network_json(o.init);
      result.model->load_from(init);
      // Magnitude pruning alone would leave the groups stale; dense and combine keep the masks
      // (or recombine them), so a combined network keeps its packing.
      if (o.mode != PruneMode::Prune && o.mode != PruneMode::Scheme) groups = combined_groups(init, result.model);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(o.init + ": " + e.what());
    }
  }
  if (o.mode == PruneMode::Scheme && o.scheme == SparsityScheme::Ternary) {
    // The layers the scheme prunes (all convolutions after the first) train as ternary layers
    // from the first epoch on, so the network learns the values pack will store.
    auto& convs = result.model->convs();
    for (std::size_t i = 1; i < convs.size(); ++i) convs[i].ternary = true;
  }
  ShiftTrainee trainee(result.model);
  detail::LoopResult loop = detail::run_training(trainee, o, data, std::move(groups), o.to_json(), on_epoch);
  result.groups = std::move(loop.groups);
  result.history = std::move(loop.history);
  result.ptq_fake_quant_accuracy = loop.ptq_fake_quant_accuracy;
  result.float_test_accuracy = loop.float_test_accuracy;
  result.fingerprint = o.to_json();
  return result;
}

}  // namespace ccsim::model
