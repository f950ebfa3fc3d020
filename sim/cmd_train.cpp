#include <cstdio>
#include <iomanip>
#include <algorithm>
#include <map>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

#include "models/atomic_file.hpp"
#include "models/combine_report.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "models/scheme_packing.hpp"
#include "models/train/train.hpp"
#include "sim/cli_checks.hpp"
#include "sim/commands.hpp"
#include "sim/names.hpp"
#include "sim/layer_override.hpp"
#include "sim/model_loader.hpp"
#include "sim/preprocess_options.hpp"

namespace ccsim::cli {
namespace {

struct TrainArgs {
  model::TrainOptions options;
  std::string mode = "combine";
  std::string scheme;  // --scheme: PruneMode::Scheme
  std::string output;
  std::string export_json;
  std::string report;
  // An imported network (--init MODEL.onnx|.json that is not a shift network): pack's options.
  int alpha = 8;
  std::vector<std::string> layer_overrides;
  bool combine_all = false;
  PreprocessFlags preprocess;
  bool graph_flags_given = false;  // --alpha, --layer, --combine-all or a preprocessing flag
  bool shift_flags_given = false;  // --filters, --layers, --strides or --groups
};

// Whether --init names a network to train as a layer graph rather than the built-in shift
// network: an ONNX file, pack-style options, or a JSON network the configured shift network
// cannot load (then a note says why, unless a shift-network option asked for that shape).
bool trains_as_graph(const TrainArgs& a, const model::Network& init, std::ostream& notes) {
  if (ends_with(a.options.init, ".onnx") || a.graph_flags_given) {
    if (a.shift_flags_given) {
      throw std::invalid_argument("--filters/--layers/--strides/--groups shape the built-in shift network; " +
                                  a.options.init + " is trained as it is (with --alpha, --layer, --combine-all)");
    }
    return true;
  }
  try {
    model::ShiftNet(a.options.net)->load_from(init);
    return false;
  } catch (const std::invalid_argument& e) {
    if (a.shift_flags_given) throw std::runtime_error(a.options.init + ": " + e.what());
    notes << "ccsim: note: " << a.options.init << " is not a shift network of the configured shape (" << e.what()
          << "); training it as a layer graph"
          << (a.scheme.empty() ? ", combining as `ccsim pack` would (--alpha " + std::to_string(a.alpha) + ")" : std::string())
          << "\n";
    return true;
  }
}

void print_epoch(const model::EpochStats& s) {
  std::ostringstream line;
  line << std::fixed << "epoch " << std::setw(3) << s.epoch << "  lr " << std::setprecision(4) << s.lr << "  loss "
       << std::setprecision(4) << s.train_loss << "  train " << std::setprecision(2) << 100 * s.train_accuracy
       << "%  test " << 100 * s.test_accuracy << "%  nonzeros " << s.nonzeros << "/" << s.weights << "  util "
       << std::setprecision(3) << s.utilization_before << " -> " << s.utilization_after << "  "
       << std::setprecision(1) << s.seconds << "s" << (s.pruned ? "  [pruned]" : "") << (s.qat ? "  [qat]" : "");
  std::cout << line.str() << std::endl;
}

// int8 golden accuracy of a packed network on the test split.
double golden_accuracy(const model::PackedNetwork& net, const std::string& dir, int limit) {
  const auto data = model::load_idx_dataset(dir, "t10k", limit);
  model::check_labels(data, static_cast<int>(net.output().size()));
  const auto batch = model::to_batch(data, net.preprocess, net.input, 0, data.count);
  const auto outputs = model::run_golden_batch(net, batch.data.data(), static_cast<std::size_t>(data.count));
  std::int64_t correct = 0;
  for (int i = 0; i < data.count; ++i) correct += model::argmax(outputs[i].data) == data.labels[i];
  return data.count ? static_cast<double>(correct) / data.count : 0.0;
}

model::TrainResult train(TrainArgs& a) {
  auto& o = a.options;
  if (o.init.empty()) {
    if (a.graph_flags_given) throw std::invalid_argument("--alpha, --layer, --combine-all and --input-* need --init MODEL");
    std::cout << "training " << o.net.to_json().dump() << " on " << o.data_dir << std::endl;
    return model::train_network(o, print_epoch);
  }
  model::Network init = load_model(o.init);
  if (!trains_as_graph(a, init, std::cerr)) {
    std::cout << "training " << o.net.to_json().dump() << " from " << o.init << " on " << o.data_dir << std::endl;
    return model::train_network(o, print_epoch);
  }
  apply_preprocess(a.preprocess, init, o.init, true, std::cerr);
  model::GraphCombineOptions c;
  c.combine = {a.alpha, o.gamma, 0};
  c.scope = a.combine_all ? model::CombineScope::AllWeightLayers : model::CombineScope::Reference;
  for (const auto& spec : a.layer_overrides) {
    auto [name, opt] = parse_override(spec, c.combine);
    if (!c.per_layer.emplace(name, opt).second) throw std::invalid_argument("--layer given twice for '" + name + "'");
  }
  const auto plan = model::graph_combine_plan(init, c);
  std::vector<std::string> combined;
  for (std::size_t i = 0; i < init.layers.size(); ++i) {
    if (init.layers[i].has_weights() && plan[i].alpha > 1) combined.push_back(init.layers[i].name + " (alpha " + std::to_string(plan[i].alpha) + ")");
  }
  std::string what;
  if (o.mode == model::PruneMode::Dense) {
    what = "dense (no pruning, its zeros and column groups kept)";
  } else if (o.mode == model::PruneMode::Scheme) {
    std::vector<std::string> pruned;
    const std::set<std::string> scope = model::scheme_scope(init, c.scope);
    for (const auto& l : init.layers) {
      if ((l.kind == model::LayerKind::Conv || l.kind == model::LayerKind::Linear) && scope.count(l.name) > 0) {
        pruned.push_back(l.name);
      }
    }
    what = "pruning to " + std::to_string(o.density).substr(0, 4) + " the " + a.scheme + " way " +
           (pruned.empty() ? std::string("no layer") : join_names(pruned));
  } else {
    what = (o.mode == model::PruneMode::Prune ? "magnitude pruning " : "combining ") +
           (combined.empty() ? std::string("no layer") : join_names(combined));
  }
  std::cout << "training " << o.init << " (" << init.layers.size() << " layers) on " << o.data_dir << ", input "
            << describe(init.preprocess) << "; " << what << std::endl;
  return model::train_graph(init, o, c, print_epoch);
}

void run_train(TrainArgs& a) {
  model::keep_freed_memory_for_reuse();
  auto& o = a.options;
  o.mode = a.mode == "dense" ? model::PruneMode::Dense
                             : (a.mode == "prune" ? model::PruneMode::Prune : model::PruneMode::Combine);
  if (!a.scheme.empty()) {
    o.mode = model::PruneMode::Scheme;
    o.scheme = model::parse_sparsity_scheme(a.scheme);
  }
  const model::TrainResult result = train(a);
  const model::Network net = result.network();

  // Quantize and pack through the same front end as `ccsim pack`, keeping the trained groups;
  // a layer without them packs dense (alpha 1), as it was trained.
  const auto calib_data = model::load_idx_dataset(o.data_dir, "train", o.calib_count);
  const auto calib = model::to_batch(calib_data, net.preprocess, net.input, 0, calib_data.count);
  model::PackOptions pack_options;
  pack_options.combine = {1, o.gamma, 0};
  pack_options.scope = model::CombineScope::AllWeightLayers;
  pack_options.activation_bits = o.activation_bits;
  pack_options.weight_bits = o.weight_bits;
  model::PackResult packed;
  if (o.mode == model::PruneMode::Scheme) {
    // Packed as explore packs the scheme (ternary's +-scale values, the structured schemes on the
    // array's multiplexers), in the scope it trained: pruning again at the trained density keeps
    // what training kept.
    model::SchemeSpec spec;
    spec.scheme = o.scheme;
    spec.density = o.density;
    spec.params = o.scheme_params;
    spec.activation_bits = o.activation_bits;
    spec.weight_bits = o.weight_bits;
    spec.scope = a.combine_all ? model::CombineScope::AllWeightLayers : model::CombineScope::Reference;
    packed.packed = model::pack_with_scheme(net, spec, calib).packed;
  } else {
    packed = model::pack_network(net, pack_options, calib);
  }
  std::ostringstream prov;
  prov << "ccsim train --mode " << (a.scheme.empty() ? a.mode : "scheme " + a.scheme) << " " << result.fingerprint.dump();
  packed.packed.provenance = {result.trained_graph ? o.init : "ccsim train", "ccsim 0.1.0", prov.str()};
  const double int8_accuracy = golden_accuracy(packed.packed, o.data_dir, o.max_test_samples);
  std::cout << std::fixed << std::setprecision(2);
  if (result.initial_test_accuracy) {
    std::cout << "float test accuracy of " << o.init << " before training " << 100 * *result.initial_test_accuracy << "%"
              << std::endl;
  }
  if (result.ptq_fake_quant_accuracy) {
    std::cout << "fake-quantized test accuracy before QAT " << 100 * *result.ptq_fake_quant_accuracy
              << "%, after " << 100 * result.history.back().test_accuracy << "%" << std::endl;
  }
  const std::string widths = o.activation_bits == 8 && o.weight_bits == 8
                                 ? std::string("int8")
                                 : std::to_string(o.activation_bits) + "/" + std::to_string(o.weight_bits) + "-bit";
  std::cout << "float test accuracy " << 100 * result.float_test_accuracy << "%, " << widths << " golden test accuracy "
            << 100 * int8_accuracy << "%" << std::endl;

  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : result.history) history.push_back(h.to_json());
  nlohmann::json report = {{"options", result.fingerprint},
                           {"history", history},
                           {"float_test_accuracy", result.float_test_accuracy},
                           {"int8_test_accuracy", int8_accuracy},  // of the packed network, at its widths
                           {"activation_bits", o.activation_bits},
                           {"weight_bits", o.weight_bits},
                           {"combining", model::combine_report(packed.packed)}};
  if (result.initial_test_accuracy) report["initial_float_test_accuracy"] = *result.initial_test_accuracy;
  if (result.ptq_fake_quant_accuracy) {
    report["fake_quant_test_accuracy_before_qat"] = *result.ptq_fake_quant_accuracy;
    report["fake_quant_test_accuracy"] = result.history.back().test_accuracy;
  }
  OutputFiles files;  // all or none
  if (!a.output.empty()) {
    model::validate(packed.packed);
    files.add(a.output, model::encode_packed(packed.packed));
  }
  if (!a.export_json.empty()) files.add(a.export_json, model::network_to_json(net).dump(1) + "\n");
  if (!a.report.empty()) files.add(a.report, report.dump(2) + "\n");
  files.commit();
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto& o = a->options;
  auto* cmd = app.add_subcommand("train", "Train, combine, prune and retrain a shift network, or retrain an imported one, on an IDX data set (libtorch)");
  cmd->footer("Runs in ccsim-train, the only ccsim program that loads libtorch.");
  cmd->add_option("--data", o.data_dir, "IDX data set directory")->capture_default_str();
  cmd->add_option("--filters", o.net.filters, "channels per block")->capture_default_str();
  cmd->add_option("--layers", o.net.layers, "shift+pointwise layers per block")->capture_default_str();
  cmd->add_option("--strides", o.net.strides, "stride of each block's first layer")->capture_default_str();
  cmd->add_option("--groups", o.net.groups, "alpha per block (a block's first layer uses the previous block's)")
      ->capture_default_str();
  cmd->add_option("--gamma", o.gamma, "average conflicts per row allowed when combining")->capture_default_str();
  cmd->add_option("--l1-penalty", o.l1_penalty, "L1 penalty on masked conv weights until the last pruning epoch")
      ->capture_default_str();
  cmd->add_option("--mode", a->mode, "dense, prune (magnitude only) or combine (joint optimization)")
      ->check(CLI::IsMember({"dense", "prune", "combine"}))->capture_default_str();
  cmd->add_option("--scheme", a->scheme,
                  "train under another sparsity scheme's constraint instead of combining: the convolutions after "
                  "the first are pruned its way at the pruning epochs down to --density (the reference's scope, also "
                  "for an imported network; every weight layer with --combine-all), and the result is packed as "
                  "explore packs the scheme")
      ->check(CLI::IsMember({"bitmap", "csr", "nm", "pcnn", "periodic", "ternary"}));
  cmd->add_option("--density", o.density, "--scheme: the fraction of weights kept at the end in the pruned layers")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--m", o.scheme_params.m, "--scheme nm: group size m (n follows the density)")->check(kPositive);
  cmd->add_option("--patterns", o.scheme_params.patterns, "--scheme pcnn: patterns per layer (Np)")->check(kPositive);
  cmd->add_option("--pcnn-vector", o.scheme_params.pcnn_vector, "--scheme pcnn: input channels per 1-D pattern on 1x1 layers")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--period", o.scheme_params.period, "--scheme periodic: period P")->check(CLI::Range(1, 65536));
  cmd->add_option("--block", o.scheme_params.block, "--scheme ternary: weights per block (N)")->check(CLI::Range(1, 32));
  cmd->add_flag("--restricted", o.scheme_params.restricted, "--scheme ternary: one non-zero per half-block");
  cmd->add_option("--epochs", o.epochs, "training epochs (0: only --qat-epochs, e.g. on an --init network)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--qat-epochs", o.qat_epochs,
                  "quantization-aware fine-tuning epochs after --epochs, masks held (int8 simulated in float)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--qat-lr", o.qat_lr, "initial learning rate of the QAT epochs (cosine)")->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "mini-batch size")->check(kPositive)->capture_default_str();
  cmd->add_option("--lr", o.lr, "initial learning rate (cosine schedule)")->capture_default_str();
  cmd->add_option("--momentum", o.momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay, "SGD weight decay")->capture_default_str();
  cmd->add_option("--prune-steps", o.prune_steps, "pruning epochs over the first half of training")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--final-prune", o.final_prune, "p at the last pruning step (prunes p*(1-1/alpha))")
      ->capture_default_str();
  cmd->add_option("--train-fraction", o.train_fraction, "fraction of the training set used")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--seed", o.net.seed, "random seed (initialization, shifts, data order)")->capture_default_str();
  cmd->add_option("--init", o.init,
                  "start from a trained network: a shift network's JSON from --export (same shape and seed), or any "
                  ".onnx / .json network, retrained as a layer graph with pack's --alpha/--layer/--combine-all");
  cmd->add_option("--alpha", a->alpha,
                  "imported network: max columns per group for the convolutions after the first (as ccsim pack)")
      ->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--layer", a->layer_overrides, "imported network: per-layer NAME:alpha=A[,gamma=G][,section=S]");
  cmd->add_flag("--combine-all", a->combine_all, "imported network: --alpha (or --scheme) applies to every weight layer");
  a->preprocess.add_to(cmd, "for an imported network that does not carry it");
  cmd->add_option("--checkpoint", o.checkpoint, "checkpoint file written after every epoch");
  cmd->add_flag("--resume", o.resume, "continue from --checkpoint");
  cmd->add_option("--threads", o.threads, "libtorch threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--max-train-samples", o.max_train_samples, "use only the first N training images (0 = all)");
  cmd->add_option("--max-test-samples", o.max_test_samples, "use only the first N test images (0 = all)");
  cmd->add_option("--activation-bits", o.activation_bits,
                  "width of the activations the QAT epochs round to and the packed network has (2 to 8)")
      ->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("--weight-bits", o.weight_bits, "width of the weights, likewise (2 to 8)")
      ->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("--calib-count", o.calib_count, "training images used to calibrate int8 scales (QAT and packing)")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("-o,--output", a->output, "packed weight file (.ccpack) to write");
  cmd->add_option("--export", a->export_json, "write the trained float network (ccsim-network JSON)");
  cmd->add_option("--report", a->report, "write per-epoch history, accuracies and the combining report (JSON)");
  cmd->callback([a, cmd] {
    for (const char* flag : {"--alpha", "--layer", "--combine-all", "--input-scale", "--input-mean", "--input-std"}) {
      a->graph_flags_given = a->graph_flags_given || cmd->count(flag) > 0;
    }
    for (const char* flag : {"--filters", "--layers", "--strides", "--groups"}) {
      a->shift_flags_given = a->shift_flags_given || cmd->count(flag) > 0;
    }
    if (!a->scheme.empty() && cmd->count("--mode") > 0) {
      throw std::invalid_argument("--scheme sets the training mode: drop --mode " + a->mode);
    }
    if (a->scheme.empty()) {
      for (const char* flag : {"--density", "--m", "--patterns", "--pcnn-vector", "--period", "--block", "--restricted"}) {
        if (cmd->count(flag) > 0) throw std::invalid_argument(std::string(flag) + " goes with --scheme");
      }
    } else {
      // A flag the scheme does not read would be ignored: refused instead.
      const std::map<std::string, std::vector<std::string>> own = {
          {"nm", {"--m"}}, {"pcnn", {"--patterns", "--pcnn-vector"}}, {"periodic", {"--period"}},
          {"ternary", {"--block", "--restricted"}}};
      const auto it = own.find(a->scheme);
      for (const char* flag : {"--m", "--patterns", "--pcnn-vector", "--period", "--block", "--restricted"}) {
        const bool its = it != own.end() && std::find(it->second.begin(), it->second.end(), flag) != it->second.end();
        if (cmd->count(flag) > 0 && !its) throw std::invalid_argument(std::string(flag) + " does not go with --scheme " + a->scheme);
      }
      for (const char* flag : {"--alpha", "--layer"}) {
        if (cmd->count(flag) > 0) {
          throw std::invalid_argument(std::string(flag) + " sets column combining; --scheme prunes every convolution "
                                      "after the first the scheme's way (--combine-all: every weight layer)");
        }
      }
      for (const char* flag : {"--final-prune", "--gamma"}) {
        if (cmd->count(flag) > 0) {
          throw std::invalid_argument(std::string(flag) + " is column combining's: --scheme prunes to --density");
        }
      }
    }
    if (!(a->options.density > 0.0)) throw std::invalid_argument("--density must be > 0");
    run_train(*a);
  });
}

}  // namespace ccsim::cli
