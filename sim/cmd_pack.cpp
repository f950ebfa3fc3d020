#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/atomic_file.hpp"
#include "models/combine_report.hpp"
#include "models/float_reference.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "sim/cli_checks.hpp"
#include "sim/layer_override.hpp"
#include "sim/names.hpp"
#include "sim/commands.hpp"
#include "sim/model_loader.hpp"
#include "sim/preprocess_options.hpp"

namespace ccsim::cli {
namespace {

struct PackArgs {
  std::string model;
  std::string output;
  std::string report;
  std::string pruned_model;
  int alpha = 8;
  double gamma = 1.75;
  int section = 0;
  std::vector<std::string> layer_overrides;
  std::string calib_dataset;
  int calib_count = 256;
  std::vector<std::string> calib_inputs;
  bool regroup = false;
  bool combine_all = false;
  int check_count = 1000;
  int activation_bits = 8;
  int weight_bits = 8;
  PreprocessFlags preprocess;
  bool combine_given = false;  // --alpha, --gamma or --section on the command line
};


model::FloatTensor calibration_batch(const PackArgs& a, const model::Network& net) {
  if (a.calib_dataset.empty() == a.calib_inputs.empty()) {
    throw std::invalid_argument("pack needs exactly one calibration source: --calib-dataset DIR or --calib-input FILE.pb");
  }
  if (!a.calib_inputs.empty()) return stack_inputs(a.calib_inputs, net.input);
  const auto data = model::load_idx_dataset(a.calib_dataset, "train", a.calib_count);
  return model::to_batch(data, net.preprocess, net.input, 0, data.count);
}

void print_summary(const nlohmann::json& report, std::ostream& os) {
  os << std::left << std::setw(20) << "layer" << std::right << std::setw(6) << "alpha" << std::setw(7) << "gamma"
     << std::setw(7) << "rows" << std::setw(8) << "cols" << std::setw(8) << "packed" << std::setw(10) << "nz-before"
     << std::setw(10) << "nz-after" << std::setw(9) << "util-in" << std::setw(9) << "util-out" << "\n";
  auto line = [&os](const std::string& name, const nlohmann::json& e) {
    os << std::left << std::setw(20) << name << std::right;
    if (e.contains("alpha")) {
      os << std::setw(6) << e["alpha"].get<int>() << std::fixed << std::setprecision(2) << std::setw(7)
         << e["gamma"].get<double>();
    } else {
      os << std::setw(13) << "";
    }
    os << std::setw(7) << e["rows"].get<long>() << std::setw(8)
       << e["columns"].get<long>() << std::setw(8) << e["packed_columns"].get<long>() << std::setw(10)
       << e["nonzeros_before"].get<long>() << std::setw(10) << e["nonzeros_after"].get<long>() << std::fixed
       << std::setprecision(3) << std::setw(9) << e["utilization_before"].get<double>() << std::setw(9)
       << e["utilization_after"].get<double>() << "\n";
  };
  for (const auto& l : report["layers"]) line(l["name"].get<std::string>(), l);
  line("total", report["total"]);
}

// Top-1 float accuracy of `net` on the first `count` test images of an IDX data set.
double float_accuracy(const model::Network& net, const model::IdxDataset& test) {
  const model::FloatTensor out = model::run_float(net, model::to_batch(test, net.preprocess, net.input, 0, test.count)).output;
  const auto classes = static_cast<std::size_t>(out.dims[1]);
  int correct = 0;
  for (int i = 0; i < test.count; ++i) {
    const float* y = out.data.data() + static_cast<std::size_t>(i) * classes;
    correct += static_cast<int>(std::max_element(y, y + classes) - y) == test.labels[i];
  }
  return static_cast<double>(correct) / test.count;
}

// Which layers the defaults left dense, and what combining cost a network not trained for it.
void print_combining_notes(const PackArgs& a, const model::Network& net, const model::PackResult& result,
                           const nlohmann::json& report, std::ostream& os) {
  if (!result.kept_dense_by_scope.empty() && a.alpha > 1) {
    os << "ccsim: note: kept dense (alpha 1) as the reference does, the first weight layer and fully connected layers: "
       << join_names(result.kept_dense_by_scope) << "; --combine-all or --layer NAME:alpha=A combines them\n";
  }
  long pruned = 0;
  long before = 0;
  for (const auto& l : report["layers"]) {
    const std::string name = l["name"].get<std::string>();
    if (std::find(result.combined_untrained.begin(), result.combined_untrained.end(), name) ==
        result.combined_untrained.end()) {
      continue;
    }
    pruned += l["pruned_by_combining"].get<long>();
    before += l["nonzeros_before"].get<long>();
  }
  if (pruned == 0) return;
  os << "ccsim: warning: combining pruned " << pruned << " of " << before << " non-zero weights (" << std::fixed
     << std::setprecision(1) << 100.0 * pruned / before << " %) in layers not trained with these groups ("
     << join_names(result.combined_untrained)
     << "); retrain with them (ccsim train --init " << a.model << " --alpha " << a.alpha
     << " combines and retrains it; pack its --export) or pack with --alpha 1\n";
  if (a.calib_dataset.empty() || a.check_count == 0) return;
  const auto test = model::load_idx_dataset(a.calib_dataset, "t10k", a.check_count);
  model::check_labels(test, static_cast<int>(model::infer_shapes(net).back().size()));
  model::Network folded = net;
  model::fold_batch_norm(folded);
  os << "ccsim: warning: float accuracy on " << test.count << " test images of " << a.calib_dataset << ": "
     << std::setprecision(2) << 100.0 * float_accuracy(folded, test) << " % before combining, "
     << 100.0 * float_accuracy(result.pruned, test) << " % after\n";
}

void run_pack(const PackArgs& a) {
  model::Network net = load_model(a.model);
  apply_preprocess(a.preprocess, net, a.model, !a.calib_dataset.empty(), std::cerr);
  model::PackOptions options;
  options.combine = {a.alpha, a.gamma, a.section};
  options.regroup = a.regroup;
  options.activation_bits = a.activation_bits;
  options.weight_bits = a.weight_bits;
  options.combine_given = a.combine_given;
  options.scope = a.combine_all ? model::CombineScope::AllWeightLayers : model::CombineScope::Reference;
  for (const auto& spec : a.layer_overrides) {
    auto [name, opt] = parse_override(spec, options.combine);
    if (!options.per_layer.emplace(name, opt).second) throw std::invalid_argument("--layer given twice for '" + name + "'");
  }
  const model::FloatTensor calibration = calibration_batch(a, net);
  model::PackResult result = model::pack_network(net, options, calibration);
  std::ostringstream opts;
  opts << "alpha=" << a.alpha << " gamma=" << a.gamma << " section=" << a.section
       << " scope=" << (a.combine_all ? "all" : "reference");
  for (const auto& s : a.layer_overrides) opts << " layer=" << s;
  if (a.preprocess.given()) opts << " " << a.preprocess.flags_text();
  opts << " calibration=" << (a.calib_dataset.empty() ? "inputs" : a.calib_dataset) << " samples=" << calibration.dims[0];
  result.packed.provenance = {a.model, "ccsim pack 0.1.0", opts.str()};

  const nlohmann::json report = model::combine_report(result.packed);
  // Everything is computed before anything is written, and the files are written all or none.
  model::validate(result.packed);
  OutputFiles files;
  files.add(a.output, model::encode_packed(result.packed));
  if (!a.report.empty()) files.add(a.report, report.dump(2) + "\n");
  if (!a.pruned_model.empty()) files.add(a.pruned_model, model::network_to_json(result.pruned).dump(1) + "\n");
  files.commit();
  print_summary(report, std::cout);
  print_combining_notes(a, net, result, report, std::cerr);
  std::cout << "input: " << describe(result.packed.preprocess) << "\n";
  std::cout << "wrote " << a.output << "\n";
}

}  // namespace

void add_pack_command(CLI::App& app) {
  auto args = std::make_shared<PackArgs>();
  auto* cmd = app.add_subcommand("pack", "Column-combine, prune, quantize and pack a network into a .ccpack file");
  cmd->add_option("MODEL", args->model, "network: .onnx (exported from PyTorch) or .json (ccsim-network)")->required();
  cmd->add_option("-o,--output", args->output, "packed weight file to write")->required();
  cmd->add_option("--alpha", args->alpha, "max original columns combined per packed column (alpha)")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--gamma", args->gamma, "average conflicts per row allowed in a group (max_overlap = int(gamma*rows))")
      ->check(CLI::Range(0.0, 1e6))->capture_default_str();
  cmd->add_option("--section", args->section, "combine within consecutive sections of this many columns (0 = whole layer)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--layer", args->layer_overrides, "per-layer override NAME:alpha=A[,gamma=G][,section=S]");
  cmd->add_flag("--regroup", args->regroup,
                "regroup layers that carry column groups from training (default: keep them, and refuse "
                "--alpha/--gamma that contradict them)");
  cmd->add_flag("--combine-all", args->combine_all,
                "combine every weight layer (default: as the reference, the first weight layer and fully connected "
                "layers stay dense)");
  cmd->add_option("--check-count", args->check_count,
                  "test images of the --calib-dataset on which to report the float accuracy combining costs a network "
                  "not trained for it (0: skip)")
      ->check(kNonNegative)->capture_default_str();
  cmd->add_option("--activation-bits", args->activation_bits,
                  "width of the quantized activations (the input and every layer's output), 2 to 8 bits; a bit-serial "
                  "array needs --data-bits of at least this")
      ->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("--weight-bits", args->weight_bits, "width of the quantized weights, 2 to 8 bits")
      ->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("--report", args->report, "write the combining report (JSON)");
  cmd->add_option("--pruned-model", args->pruned_model, "write the folded, pruned float network (ccsim-network JSON)");
  cmd->add_option("--calib-dataset", args->calib_dataset, "IDX data set directory for calibration (train split)");
  cmd->add_option("--calib-count", args->calib_count, "calibration samples from the data set")
      ->check(kPositive)->capture_default_str();
  cmd->add_option("--calib-input", args->calib_inputs, "calibration input tensor (ONNX TensorProto .pb), repeatable");
  args->preprocess.add_to(cmd, "stored in the packed file");
  cmd->callback([args, cmd] {
    args->combine_given = cmd->count("--alpha") + cmd->count("--gamma") + cmd->count("--section") > 0;
    run_pack(*args);
  });
}

}  // namespace ccsim::cli
