#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/atomic_file.hpp"
#include "models/float_reference.hpp"
#include "models/golden.hpp"
#include "models/idx_dataset.hpp"
#include "models/packed_file.hpp"
#include "sim/cli_checks.hpp"
#include "sim/commands.hpp"
#include "sim/model_loader.hpp"
#include "sim/preprocess_options.hpp"

namespace ccsim::cli {
namespace {

struct GoldenArgs {
  std::string file;
  std::vector<std::string> inputs;
  std::string expect;
  double atol = 1e-4;
  double rtol = 1e-3;
  std::string dataset;
  std::string split = "t10k";
  int count = 0;
  std::string output;
  PreprocessFlags preprocess;
};

// One model behind a common face: the int8 golden model of a .ccpack or the float reference.
struct Runner {
  bool int8 = false;
  model::PackedNetwork packed;
  model::Network net;

  model::Shape input() const { return int8 ? packed.input : net.input; }
  const model::Preprocess& preprocess() const { return int8 ? packed.preprocess : net.preprocess; }

  // Returns N x F outputs (dequantized for int8) and, for int8, the raw int8 outputs.
  model::FloatTensor run(const model::FloatTensor& batch, std::vector<std::vector<std::int8_t>>* raw) const {
    if (!int8) return model::run_float(net, batch).output;
    const auto per = static_cast<std::size_t>(packed.input.size());
    const std::size_t n = batch.data.size() / per;
    model::FloatTensor out;
    for (const auto& y : model::run_golden_batch(packed, batch.data.data(), n)) {
      const auto f = model::dequantize(y, packed.output_scale());
      out.data.insert(out.data.end(), f.begin(), f.end());
      if (raw) raw->push_back(y.data);
    }
    out.dims = {static_cast<std::int64_t>(n), static_cast<std::int64_t>(n ? out.data.size() / n : 0)};
    return out;
  }
};

Runner make_runner(const GoldenArgs& a) {
  Runner r;
  const std::string missing = missing_file_reason(a.file);
  if (!missing.empty()) throw std::runtime_error(a.file + ": " + missing);
  if (a.preprocess.given() && a.dataset.empty()) {
    throw std::invalid_argument(a.preprocess.flags_text() +
                                ": applies to --dataset images; --input tensors are taken as already preprocessed");
  }
  r.int8 = is_packed_file(a.file);
  if (r.int8) {
    r.packed = model::load_packed(a.file);
    refuse_preprocess_flags(a.preprocess, a.file, r.packed.preprocess);
  } else {
    r.net = load_model(a.file);
    apply_preprocess(a.preprocess, r.net, a.file, !a.dataset.empty(), std::cerr);
  }
  return r;
}

std::size_t argmax_of(const float* v, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

nlohmann::json compare(const model::FloatTensor& got, const std::string& path, double atol, double rtol) {
  const model::FloatTensor expect = model::load_tensor_pb(path);
  if (expect.data.size() != got.data.size()) {
    throw std::runtime_error(path + ": expected output has " + std::to_string(expect.data.size()) +
                             " values, the model produced " + std::to_string(got.data.size()));
  }
  double max_abs = 0.0;
  std::size_t worst = 0;
  std::size_t failures = 0;
  for (std::size_t i = 0; i < got.data.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got.data[i]) - expect.data[i]);
    if (err > max_abs) {
      max_abs = err;
      worst = i;
    }
    if (!(err <= atol + rtol * std::fabs(expect.data[i]))) ++failures;
  }
  return {{"expect", path}, {"values", got.data.size()}, {"max_abs_error", max_abs}, {"worst_index", worst},
          {"mismatches", failures}, {"atol", atol}, {"rtol", rtol}, {"pass", failures == 0}};
}

void run_golden_command(const GoldenArgs& a) {
  const Runner runner = make_runner(a);
  nlohmann::json result = {{"model", a.file}, {"mode", runner.int8 ? "int8-golden" : "float-reference"}};
  if (a.inputs.empty() == a.dataset.empty()) {
    throw std::invalid_argument("golden needs exactly one input source: --input FILE.pb or --dataset DIR");
  }
  if (!a.expect.empty() && a.inputs.empty()) throw std::invalid_argument("--expect goes with --input");

  bool pass = true;
  model::FloatTensor outputs;
  std::vector<std::vector<std::int8_t>> raw;
  if (!a.inputs.empty()) {
    const model::FloatTensor batch = stack_inputs(a.inputs, runner.input());
    outputs = runner.run(batch, runner.int8 ? &raw : nullptr);
    nlohmann::json samples = nlohmann::json::array();
    const auto n = static_cast<std::size_t>(outputs.dims[0]);
    const auto f = static_cast<std::size_t>(outputs.dims[1]);
    for (std::size_t i = 0; i < n && i < 16; ++i) {
      nlohmann::json s = {{"argmax", argmax_of(outputs.data.data() + i * f, f)},
                          {"output", std::vector<float>(outputs.data.begin() + i * f, outputs.data.begin() + (i + 1) * f)}};
      if (runner.int8) s["output_int8"] = raw[i];
      samples.push_back(std::move(s));
    }
    result["samples"] = n;
    result["outputs"] = samples;
    if (!a.expect.empty()) {
      result["comparison"] = compare(outputs, a.expect, a.atol, a.rtol);
      pass = result["comparison"]["pass"].get<bool>();
    }
  } else {
    const auto data = model::load_idx_dataset(a.dataset, a.split, a.count);
    std::int64_t correct = 0;
    constexpr int kBatch = 2000;
    for (int first = 0; first < data.count; first += kBatch) {
      const int n = std::min(kBatch, data.count - first);
      const auto batch = model::to_batch(data, runner.preprocess(), runner.input(), first, n);
      const auto out = runner.run(batch, nullptr);
      const auto f = static_cast<std::size_t>(out.dims[1]);
      if (first == 0) model::check_labels(data, static_cast<int>(f));
      for (int i = 0; i < n; ++i) {
        correct += argmax_of(out.data.data() + i * f, f) == data.labels[first + i];
      }
      outputs.data.insert(outputs.data.end(), out.data.begin(), out.data.end());
      outputs.dims = {static_cast<std::int64_t>(first + n), static_cast<std::int64_t>(f)};
    }
    result["dataset"] = a.dataset;
    result["split"] = a.split;
    result["preprocess"] = describe(runner.preprocess());
    result["samples"] = data.count;
    result["correct"] = correct;
    result["accuracy"] = data.count ? static_cast<double>(correct) / data.count : 0.0;
  }
  if (!a.output.empty()) {
    if (std::filesystem::path(a.output).extension() == ".pb") {
      model::save_tensor_pb(outputs, a.output);
    } else {
      write_file_atomic(a.output, nlohmann::json{{"dims", outputs.dims}, {"data", outputs.data}}.dump() + "\n");
    }
  }
  std::cout << result.dump(2) << "\n";
  if (!pass) throw std::runtime_error("output differs from " + a.expect + " beyond the tolerance");
}

}  // namespace

void add_golden_command(CLI::App& app) {
  auto args = std::make_shared<GoldenArgs>();
  auto* cmd = app.add_subcommand(
      "golden", "Reference inference: bit-exact int8 on a .ccpack, or float (oneDNN) on an .onnx/.json model");
  cmd->add_option("FILE", args->file, "packed weight file (int8 golden) or model (float reference)")->required();
  cmd->add_option("--input", args->inputs, "input tensor (ONNX TensorProto .pb), repeatable");
  cmd->add_option("--expect", args->expect, "expected output tensor (.pb): compare, exit 1 beyond tolerance");
  cmd->add_option("--atol", args->atol, "absolute tolerance for --expect")->capture_default_str();
  cmd->add_option("--rtol", args->rtol, "relative tolerance for --expect")->capture_default_str();
  cmd->add_option("--dataset", args->dataset, "IDX data set directory: report accuracy");
  cmd->add_option("--split", args->split, "data set split")->check(CLI::IsMember({"t10k", "train"}))->capture_default_str();
  cmd->add_option("--count", args->count, "samples from the data set (default: all)")->check(kPositive);
  cmd->add_option("-o,--output", args->output, "write outputs: .pb (TensorProto) or .json");
  args->preprocess.add_to(cmd, "float models; a .ccpack keeps what it was packed with");
  cmd->callback([args] { run_golden_command(*args); });
}

}  // namespace ccsim::cli
