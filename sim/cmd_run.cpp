#include <chrono>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "hw/accelerator.hpp"
#include "models/atomic_file.hpp"
#include "models/idx_dataset.hpp"
#include "models/packed_file.hpp"
#include "sim/commands.hpp"
#include "sim/model_loader.hpp"

namespace ccsim::cli {
namespace {

struct RunArgs {
  std::string file;
  std::string array = "16x16";
  int data_bits = 8;
  std::string mode = "cycle";
  std::vector<std::string> inputs;
  std::string dataset;
  int count = 1;
  std::string report;
};

// Names the first element where a layer output differs from the golden model.
void check_against_golden(const model::PackedNetwork& net, const hw::NetworkRun& run,
                          const std::vector<model::Int8Tensor>& golden, std::size_t sample) {
  for (std::size_t i = 0; i < golden.size(); ++i) {
    const auto& want = golden[i].data;
    const auto& got = run.layer_outputs[i].data;
    if (got.size() != want.size()) {
      throw std::runtime_error("sample " + std::to_string(sample) + ", layer " + std::to_string(i) + " '" +
                               net.layers[i].name + "': output has " + std::to_string(got.size()) +
                               " values, golden " + std::to_string(want.size()));
    }
    for (std::size_t k = 0; k < want.size(); ++k) {
      if (got[k] == want[k]) continue;
      const model::Shape& s = golden[i].shape;
      const std::size_t hw = static_cast<std::size_t>(s.h) * s.w;
      std::ostringstream msg;
      msg << "mismatch against the golden model: sample " << sample << ", layer " << i << " '" << net.layers[i].name
          << "' at channel " << k / hw << ", y " << (k % hw) / s.w << ", x " << k % s.w << ": expected "
          << int(want[k]) << ", got " << int(got[k]);
      throw std::runtime_error(msg.str());
    }
  }
}

void run_command(const RunArgs& a) {
  const model::PackedNetwork net = model::load_packed(a.file);
  hw::ArrayConfig array = hw::parse_array(a.array);
  array.data_bits = a.data_bits;
  array.validate();
  if (a.inputs.empty() == a.dataset.empty()) {
    throw std::invalid_argument("run needs exactly one input source: --input FILE.pb or --dataset DIR");
  }
  model::FloatTensor batch;
  std::vector<int> labels;
  if (!a.inputs.empty()) {
    batch = stack_inputs(a.inputs, net.input);
  } else {
    const auto data = model::load_idx_dataset(a.dataset, "t10k", a.count);
    batch = model::to_batch(data, net.preprocess, net.input, 0, data.count);
    labels.assign(data.labels.begin(), data.labels.end());
  }
  const auto per = static_cast<std::size_t>(net.input.size());
  const std::size_t n = batch.data.size() / per;
  std::vector<model::Int8Tensor> inputs;
  for (std::size_t i = 0; i < n; ++i) inputs.push_back(model::quantize_input(net, batch.data.data() + i * per, per));

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<hw::NetworkRun> runs;
  if (a.mode == "fast") {
    for (const auto& x : inputs) runs.push_back(hw::run_fast(net, x, array));
  } else {
    runs = hw::run_cycle_accurate(net, inputs, array);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::int64_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<model::Int8Tensor> golden;
    model::run_golden(net, inputs[i], &golden);
    check_against_golden(net, runs[i], golden, i);
    if (!labels.empty()) correct += static_cast<int>(model::argmax(runs[i].output().data)) == labels[i];
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& s : runs.front().layers) layers.push_back(s.to_json());
  const auto& total = runs.front().total;
  nlohmann::json report = {{"network", net.name},
                           {"file", a.file},
                           {"mode", a.mode},
                           {"array", array.to_json()},
                           {"samples", n},
                           {"golden_check", "pass"},
                           {"cycles_per_inference", total.cycles},
                           {"utilization", total.utilization()},
                           {"per_inference", total.to_json()},
                           {"layers", layers},
                           {"wall_seconds", seconds},
                           {"simulated_mac_slots_per_second", seconds > 0 ? total.mac_slots * n / seconds : 0.0}};
  if (!labels.empty()) report["accuracy"] = static_cast<double>(correct) / static_cast<double>(n);
  if (!a.report.empty()) write_file_atomic(a.report, report.dump(2) + "\n");
  std::cout << "PASS: " << n << " sample(s) bit-exact with the golden model on every layer; " << total.cycles
            << " cycles per inference on a " << array.rows << "x" << array.cols << " array ("
            << 100.0 * total.utilization() << "% utilization), " << a.mode << " mode, " << seconds << " s\n";
  if (!labels.empty()) std::cout << "accuracy " << report["accuracy"].get<double>() << "\n";
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run a packed network on the accelerator model and check it against the golden model");
  cmd->add_option("FILE", a->file, "packed weight file (.ccpack)")->required();
  cmd->add_option("--array", a->array, "systolic array size ROWSxCOLS")->capture_default_str();
  cmd->add_option("--data-bits", a->data_bits, "bits per input value (cycles per MAC)")->capture_default_str();
  cmd->add_option("--mode", a->mode, "cycle (clocked SystemC) or fast (analytical)")
      ->check(CLI::IsMember({"cycle", "fast"}))->capture_default_str();
  cmd->add_option("--input", a->inputs, "input tensor (ONNX TensorProto .pb), repeatable");
  cmd->add_option("--dataset", a->dataset, "IDX data set directory (test split)");
  cmd->add_option("--count", a->count, "images from the data set")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--report", a->report, "write per-layer cycles, utilization and counters (JSON)");
  cmd->callback([a] { run_command(*a); });
}

}  // namespace ccsim::cli
