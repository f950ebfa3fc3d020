// train_graph: the joint optimization on an imported network (a GraphNet), the loop of train.cpp.
#include <algorithm>
#include <set>
#include <stdexcept>

#include "models/column_combine.hpp"
#include "models/scheme_packing.hpp"
#include "models/train/graph_net.hpp"
#include "models/train/train.hpp"
#include "models/train/trainee.hpp"

namespace ccsim::model {
namespace {

using detail::Groups;
using detail::Utilization;

// A weight tensor (the layer's own layout, [out][in / groups][kh][kw] or [out][in]) as the
// layer's filter matrix: a grouped conv's is the expanded block-diagonal one pack combines.
FilterMatrix matrix_of(const Layer& layer, const Shape& in, const torch::Tensor& w) {
  Layer l = layer;
  l.weight = to_floats(w);
  return filter_matrix(l, in);
}

// The inverse of matrix_of for the cells a weight occupies.
torch::Tensor weight_of(const Layer& layer, const Shape& in, const FilterMatrix& m, const torch::Tensor& like) {
  std::vector<float> w(static_cast<std::size_t>(like.numel()));
  if (layer.kind == LayerKind::Linear) {
    w = m.values;
  } else {
    const int k = layer.window.kh * layer.window.kw;
    const int in_per_group = in.c / layer.groups;
    const int out_per_group = layer.out_channels / layer.groups;
    for (int o = 0; o < m.rows; ++o) {
      const int first_in = (o / out_per_group) * in_per_group;
      for (int ci = 0; ci < in_per_group; ++ci) {
        for (int t = 0; t < k; ++t) {
          w[(static_cast<std::size_t>(o) * in_per_group + ci) * k + t] =
              m.values[static_cast<std::size_t>(o) * m.cols + (first_in + ci) * k + t];
        }
      }
    }
  }
  return torch::tensor(w, torch::kFloat32).reshape(like.sizes());
}

// Layer `layer`'s weight `w` pruned the scheme's way to `density` as pack_with_scheme prunes it
// (its filter matrix, a grouped conv's the expanded one): 1 where a weight is kept, in w's layout.
// A weight that is exactly 0 competes as the smallest magnitude (detail::scheme_mask).
torch::Tensor graph_scheme_mask(const Layer& layer, const Shape& in, const torch::Tensor& w, double density,
                                const TrainOptions& o) {
  const torch::Tensor nudged = torch::where(w.detach() == 0, torch::full_like(w, 1e-20), w.detach());
  FilterMatrix m = matrix_of(layer, in, nudged);
  SchemeSpec spec;
  spec.scheme = o.scheme;
  spec.density = std::clamp(density, 1e-9, 1.0);
  spec.params = o.scheme_params;
  const SparseLayer kept = scheme_prune(scheme_weights(layer, m), spec);
  for (std::size_t i = 0; i < m.values.size(); ++i) m.values[i] = kept.w[i] != 0.0f ? 1.0f : 0.0f;
  return weight_of(layer, in, m, w);
}

class GraphTrainee : public detail::Trainee {
 public:
  // `pruned`: per layer, whether training prunes it (column combining: the plan's alpha > 1;
  // another scheme: the layers in its scope).
  GraphTrainee(const Network& net, std::vector<CombineOptions> plan, std::vector<char> pruned)
      : net_(net), inputs_(infer_shapes(net)), plan_(std::move(plan)), pruned_(std::move(pruned)), model_(net) {}

  torch::nn::Module& module() override { return *model_; }
  torch::Tensor forward(const torch::Tensor& x) override { return model_->forward(x); }
  GraphNet& model() { return model_; }

  // Over the layers that combine: the others are not pruned.
  torch::Tensor l1_of_masked_weights() const override {
    torch::Tensor sum = torch::zeros({});
    for (const auto& w : model_->weighted()) {
      if (pruned_[w.layer]) sum = sum + (w.weight * w.mask).abs().sum();
    }
    return sum;
  }

  void prune(double p, const TrainOptions& o, Groups& groups) override {
    torch::NoGradGuard no_grad;
    auto& weighted = model_->weighted();
    for (std::size_t k = 0; k < weighted.size(); ++k) {
      auto& w = weighted[k];
      const Layer& layer = net_.layers[w.layer];
      const CombineOptions& c = plan_[w.layer];
      if (!pruned_[w.layer]) continue;
      if (o.mode == PruneMode::Scheme) {  // the scheme's own pattern at density 1 - p
        w.mask.copy_(graph_scheme_mask(layer, inputs_[w.layer], w.weight, detail::scheme_step_density(p, o), o));
        continue;
      }
      // The filter-matrix density a dense layer is pruned to; a grouped conv's weights are only
      // 1/groups of its matrix cells.
      const double density = 1.0 - p * (1.0 - 1.0 / c.alpha);
      const int g = layer.kind == LayerKind::Conv ? layer.groups : 1;
      const auto magnitude = detail::magnitude_mask(w.weight, std::min(1.0, g * density));
      if (o.mode == PruneMode::Prune) {
        w.mask.copy_(magnitude);
        continue;
      }
      FilterMatrix m = matrix_of(layer, inputs_[w.layer], w.weight * magnitude);
      const CombinedMatrix cm = combine_columns(m.values, m.rows, m.cols, c);
      for (std::size_t i = 0; i < m.values.size(); ++i) m.values[i] = cm.pruned[i] != 0.0f ? 1.0f : 0.0f;
      w.mask.copy_(weight_of(layer, inputs_[w.layer], m, w.weight));
      groups[k] = cm.groups;
    }
  }

  // Over the convolutions, as the shift network's (its classifier is not counted either).
  Utilization utilization(const Groups& groups) const override {
    Utilization u;
    const auto& weighted = model_->weighted();
    for (std::size_t k = 0; k < weighted.size(); ++k) {
      const auto& w = weighted[k];
      const Layer& layer = net_.layers[w.layer];
      if (layer.kind != LayerKind::Conv) continue;
      const FilterMatrix m = matrix_of(layer, inputs_[w.layer], w.mask);
      u.nonzeros += static_cast<std::int64_t>(std::count(m.values.begin(), m.values.end(), 1.0f));
      u.weights += w.mask.numel();
      u.dense_cells += static_cast<std::int64_t>(m.rows) * m.cols;
      std::int64_t packed = static_cast<std::int64_t>(groups[k].size());
      if (groups[k].empty()) {  // the columns that hold a weight
        packed = 0;
        for (int col = 0; col < m.cols; ++col) {
          bool used = false;
          for (int r = 0; r < m.rows && !used; ++r) used = m.values[static_cast<std::size_t>(r) * m.cols + col] != 0.0f;
          packed += used;
        }
      }
      u.packed_cells += static_cast<std::int64_t>(m.rows) * packed;
    }
    return u;
  }

  void set_fake_quant_from(const torch::Tensor& images, int activation_bits, int weight_bits) override {
    model_->set_fake_quant(model_->calibrate(images, activation_bits, weight_bits));
  }
  void clear_fake_quant() override { model_->set_fake_quant(std::nullopt); }

 private:
  Network net_;
  std::vector<Shape> inputs_;
  std::vector<CombineOptions> plan_;  // per layer
  std::vector<char> pruned_;          // per layer
  GraphNet model_;
};

}  // namespace

nlohmann::json GraphCombineOptions::to_json() const {
  nlohmann::json layers = nlohmann::json::object();
  for (const auto& [name, c] : per_layer) layers[name] = {{"alpha", c.alpha}, {"gamma", c.gamma}, {"section", c.section}};
  return {{"alpha", combine.alpha}, {"gamma", combine.gamma}, {"section", combine.section},
          {"scope", scope == CombineScope::Reference ? "reference" : "all"}, {"layers", layers}};
}

std::vector<CombineOptions> graph_combine_plan(const Network& net, const GraphCombineOptions& c) {
  std::vector<CombineOptions> plan(net.layers.size(), CombineOptions{1, c.combine.gamma, 0});
  std::set<std::string> unused;
  for (const auto& [name, opt] : c.per_layer) unused.insert(name);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    const auto it = c.per_layer.find(l.name);
    if (it != c.per_layer.end()) {
      plan[i] = it->second;
      unused.erase(l.name);
    } else if (in_combine_scope(net, i, c.scope)) {
      plan[i] = c.combine;
    }
  }
  if (!unused.empty()) throw std::invalid_argument("per-layer option names no weight layer: '" + *unused.begin() + "'");
  return plan;
}

TrainResult train_graph(const Network& init, const TrainOptions& o, const GraphCombineOptions& c,
                        const std::function<void(const EpochStats&)>& on_epoch) {
  const std::vector<CombineOptions> plan = graph_combine_plan(init, c);
  // The layers training prunes: column combining's (alpha > 1), or a scheme's scope (c.scope, as
  // `ccsim train` packs the result and explore's "scope" evaluates it).
  std::vector<char> pruned(init.layers.size(), 0);
  std::vector<std::pair<std::string, LayerWeights>> scheme_layers;
  const std::vector<Shape> inputs = infer_shapes(init);
  const std::set<std::string> scope = o.mode == PruneMode::Scheme ? scheme_scope(init, c.scope) : std::set<std::string>{};
  for (std::size_t i = 0; i < init.layers.size(); ++i) {
    const Layer& l = init.layers[i];
    if (!l.has_weights()) continue;
    if (o.mode != PruneMode::Scheme) {
      pruned[i] = plan[i].alpha > 1;
      continue;
    }
    if (l.kind != LayerKind::Conv && l.kind != LayerKind::Linear) continue;
    pruned[i] = scope.count(l.name) > 0;
    if (!pruned[i]) continue;
    LayerWeights shape = scheme_weights(l, filter_matrix(l, inputs[i]));
    shape.w.clear();  // the shape is what the check needs
    scheme_layers.emplace_back(l.name, std::move(shape));
  }
  detail::check_scheme_training(o, scheme_layers);
  const std::vector<Shape> outputs = output_shapes(init);
  const int classes = outputs.empty() ? init.input.size() : outputs.back().size();
  const detail::Data data = detail::load_data(o, init.preprocess, init.input, classes);

  GraphTrainee trainee(init, plan, pruned);
  auto& weighted = trainee.model()->weighted();
  if (o.mode == PruneMode::Scheme && o.scheme == SparsityScheme::Ternary) {
    // Ternary values from the first epoch on, as the shift network trains them.
    for (auto& w : weighted) w.ternary = pruned[w.layer] != 0;
  }
  Groups groups(weighted.size());
  // Dense training keeps the groups the network carries (its zeros are held); magnitude pruning
  // and combining make their own.
  const bool combines = std::any_of(weighted.begin(), weighted.end(), [&](const auto& w) { return pruned[w.layer] != 0; });
  if (o.mode != PruneMode::Dense && combines && prune_schedule(o).empty()) {
    throw std::invalid_argument("--epochs " + std::to_string(o.epochs) +
                                " leaves no pruning epoch (the first is after a training epoch): at least 2");
  }

  nlohmann::json fingerprint = o.to_json();
  fingerprint.erase("net");
  fingerprint["seed"] = o.net.seed;
  fingerprint["network"] = {{"name", init.name}, {"layers", init.layers.size()}};
  fingerprint["combine"] = c.to_json();
  TrainResult result;
  if (!o.resume) result.initial_test_accuracy = detail::evaluate(trainee, data.test);
  detail::LoopResult loop = detail::run_training(trainee, o, data, std::move(groups), fingerprint, on_epoch);
  result.ptq_fake_quant_accuracy = loop.ptq_fake_quant_accuracy;

  result.options = o;
  result.fingerprint = fingerprint;
  result.groups = loop.groups;
  result.history = std::move(loop.history);
  result.float_test_accuracy = loop.float_test_accuracy;
  Network trained = trainee.model()->to_network();
  for (std::size_t k = 0; k < weighted.size(); ++k) {
    Layer& l = trained.layers[weighted[k].layer];
    if (o.mode == PruneMode::Dense) continue;  // as it came
    const CombineOptions& p = plan[weighted[k].layer];
    if (o.mode == PruneMode::Combine && p.alpha > 1) {
      l.column_groups = ColumnGroups{p.alpha, p.gamma, loop.groups[k]};
    } else {
      l.column_groups.reset();
    }
  }
  result.trained_graph = std::move(trained);
  return result;
}

}  // namespace ccsim::model
