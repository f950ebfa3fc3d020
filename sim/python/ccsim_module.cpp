// The `ccsim` Python module (pybind11): the tool's libraries from Python. Pack a model, run the
// golden model and the accelerator in fast or cycle mode, read the run's report as a dict (the
// same as `ccsim run --report`) and tensors as numpy arrays, run a sweep and get its rows.
// Errors are the tool's: ValueError for bad input (naming the file or argument), RuntimeError
// for a failed check.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include "hw/accelerator.hpp"
#include "models/combine_report.hpp"
#include "models/golden.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "models/idx_dataset.hpp"
#include "sim/hardware_options.hpp"
#include "sim/explore.hpp"
#include "sim/golden_check.hpp"
#include "sim/model_loader.hpp"
#include "sim/preprocess_options.hpp"
#include "sim/run_report.hpp"
#include "sim/sweep.hpp"

// libsystemc defines main() calling sc_main; the module never runs it, but the symbol must resolve
// when Python loads the module (it binds every symbol at once): exported, as pybind11 hides the rest.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char*[]) { return 0; }

namespace py = pybind11;

namespace ccsim::python {
namespace {

using Int8Array = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& e : j) out.append(to_python(e));
      return std::move(out);
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = to_python(v);
      return std::move(out);
    }
    default: return py::none();
  }
}

// A packed network, as `ccsim pack` writes it.
struct Network {
  std::shared_ptr<const model::PackedNetwork> net;
  std::string file;  // where it was loaded from or saved to ("" when only in memory)
};

std::string shape_text(const std::vector<py::ssize_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

// N x C x H x W (or one C x H x W) int8 inputs of `net`, checked against its input shape.
std::vector<model::Int8Tensor> int8_inputs(const model::PackedNetwork& net, const Int8Array& a, const char* what) {
  const std::vector<py::ssize_t> dims(a.shape(), a.shape() + a.ndim());
  const model::Shape& in = net.input;
  const bool one = a.ndim() == 3, batch = a.ndim() == 4;
  const std::size_t first = batch ? 1 : 0;
  if ((!one && !batch) || dims[first] != in.c || dims[first + 1] != in.h || dims[first + 2] != in.w) {
    throw std::invalid_argument(std::string(what) + ": shape " + shape_text(dims) + ", the network '" + net.name + "' takes (N, " +
                                std::to_string(in.c) + ", " + std::to_string(in.h) + ", " + std::to_string(in.w) + ") or (" +
                                std::to_string(in.c) + ", " + std::to_string(in.h) + ", " + std::to_string(in.w) + ")");
  }
  const std::size_t n = batch ? static_cast<std::size_t>(dims[0]) : 1;
  if (n == 0) throw std::invalid_argument(std::string(what) + ": no inputs (shape " + shape_text(dims) + ")");
  const auto per = static_cast<std::size_t>(in.size());
  std::vector<model::Int8Tensor> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    out[k].shape = in;
    out[k].data.assign(a.data() + k * per, a.data() + (k + 1) * per);
    model::require_input_range(net, out[k], std::string(what) + "[" + std::to_string(k) + "]");
  }
  return out;
}

// Inputs as one (N, C, H, W) array.
Int8Array batch(const model::Shape& in, const std::vector<model::Int8Tensor>& inputs) {
  Int8Array x({inputs.size(), static_cast<std::size_t>(in.c), static_cast<std::size_t>(in.h), static_cast<std::size_t>(in.w)});
  auto* p = x.mutable_data();
  for (const auto& t : inputs) p = std::copy(t.data.begin(), t.data.end(), p);
  return x;
}

Int8Array stack(const std::vector<const std::vector<std::int8_t>*>& rows) {
  const std::size_t width = rows.empty() ? 0 : rows.front()->size();
  Int8Array out({rows.size(), width});
  auto* p = out.mutable_data();
  for (const auto* r : rows) p = std::copy(r->begin(), r->end(), p);
  return out;
}

Network load(const std::string& path) { return {std::make_shared<const model::PackedNetwork>(model::load_packed(path)), path}; }

// alpha / gamma / section left out (None) keep the groups a model carries from training, as
// `ccsim pack` without --alpha / --gamma / --section does.
Network pack(const std::string& model_path, const std::string& calib_dataset, const std::optional<FloatArray>& calib_inputs,
             int calib_count, std::optional<int> alpha_arg, std::optional<double> gamma_arg, std::optional<int> section_arg,
             bool combine_all, bool regroup, int activation_bits, int weight_bits, const std::string& output) {
  const int alpha = alpha_arg.value_or(8);
  const double gamma = gamma_arg.value_or(1.75);
  const int section = section_arg.value_or(0);
  model::Network net = cli::load_model(model_path);
  // The network's own preprocessing, as `ccsim pack` without preprocessing flags (its notes on stderr).
  cli::apply_preprocess(cli::PreprocessFlags{}, net, model_path, !calib_dataset.empty(), std::cerr);
  if (calib_dataset.empty() == !calib_inputs.has_value()) {
    throw std::invalid_argument("pack needs exactly one calibration source: calib_dataset=DIR or calib_inputs=ARRAY");
  }
  model::FloatTensor calibration;
  if (calib_inputs) {
    const auto& a = *calib_inputs;
    calibration.dims.assign(a.shape(), a.shape() + a.ndim());
    calibration.data.assign(a.data(), a.data() + a.size());
    if (a.ndim() != 4 || a.shape(1) != net.input.c || a.shape(2) != net.input.h || a.shape(3) != net.input.w) {
      throw std::invalid_argument("calib_inputs: shape " + shape_text(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim())) +
                                  ", the model takes (N, " + std::to_string(net.input.c) + ", " + std::to_string(net.input.h) +
                                  ", " + std::to_string(net.input.w) + ")");
    }
  } else {
    const auto data = model::load_idx_dataset(calib_dataset, "train", calib_count);
    calibration = model::to_batch(data, net.preprocess, net.input, 0, data.count);
  }
  model::PackOptions options;
  options.combine = {alpha, gamma, section};
  options.regroup = regroup;
  options.activation_bits = activation_bits;
  options.weight_bits = weight_bits;
  options.combine_given = alpha_arg || gamma_arg || section_arg;
  options.scope = combine_all ? model::CombineScope::AllWeightLayers : model::CombineScope::Reference;
  model::PackResult result;
  {
    py::gil_scoped_release unlocked;
    result = model::pack_network(net, options, calibration);
  }
  result.packed.provenance = {model_path, "ccsim python 0.1.0",
                              "alpha=" + std::to_string(alpha) + " gamma=" + cli::format_number(gamma) +
                                  " section=" + std::to_string(section) + " scope=" + (combine_all ? "all" : "reference") +
                                  " activation_bits=" + std::to_string(activation_bits) +
                                  " weight_bits=" + std::to_string(weight_bits) +
                                  " calibration=" + (calib_dataset.empty() ? "inputs" : calib_dataset) +
                                  " samples=" + std::to_string(calibration.dims.empty() ? 0 : calibration.dims[0])};
  model::validate(result.packed);
  if (!output.empty()) model::save_packed(result.packed, output);
  return {std::make_shared<const model::PackedNetwork>(std::move(result.packed)), output};
}

Int8Array golden(const Network& n, const Int8Array& inputs) {
  const auto in = int8_inputs(*n.net, inputs, "inputs");
  std::vector<model::Int8Tensor> outs(in.size());
  {
    py::gil_scoped_release unlocked;
    for (std::size_t k = 0; k < in.size(); ++k) outs[k] = model::run_golden(*n.net, in[k]);
  }
  std::vector<const std::vector<std::int8_t>*> rows;
  for (const auto& o : outs) rows.push_back(&o.data);
  return stack(rows);
}

Int8Array quantize(const Network& n, const FloatArray& x) {
  const model::Shape& in = n.net->input;
  const auto per = static_cast<std::size_t>(in.size());
  if (x.size() == 0 || static_cast<std::size_t>(x.size()) % per != 0) {
    throw std::invalid_argument("quantize: " + std::to_string(x.size()) + " values are not a whole number of inputs of " +
                                std::to_string(per));
  }
  const std::size_t count = static_cast<std::size_t>(x.size()) / per;
  std::vector<model::Int8Tensor> q;
  for (std::size_t k = 0; k < count; ++k) q.push_back(model::quantize_input(*n.net, x.data() + k * per, per));
  return batch(in, q);
}

py::tuple dataset(const Network& n, const std::string& path, int count, int first) {
  std::vector<int> labels;
  const auto inputs = cli::load_int8_inputs(*n.net, {}, path, count, &labels, first);
  return py::make_tuple(batch(n.net->input, inputs), py::array_t<int>(static_cast<py::ssize_t>(labels.size()), labels.data()));
}

// The hardware (HardwareOptions, as `ccsim run`'s flags) and the run's mode and clock.
struct RunOptions : cli::HardwareOptions {
  std::string mode = "fast";
  double clock_mhz = 500;
};

py::dict run(const Network& n, const Int8Array& inputs, const std::optional<std::vector<int>>& labels, const RunOptions& o) {
  if (o.mode != "fast" && o.mode != "cycle") throw std::invalid_argument("mode '" + o.mode + "': fast or cycle");
  const auto& net = *n.net;
  hw::AcceleratorConfig config = cli::accelerator_config(o);
  cli::widen_multiplexers("network '" + net.name + "'", net, config.array, std::cerr);  // as `ccsim run` does
  const auto in = int8_inputs(net, inputs, "inputs");
  if (labels && labels->size() != in.size()) {
    throw std::invalid_argument("labels: " + std::to_string(labels->size()) + " for " + std::to_string(in.size()) + " inputs");
  }
  std::vector<hw::NetworkRun> runs;
  const auto t0 = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release unlocked;
    runs = o.mode == "fast" ? hw::run_fast(net, in, config) : hw::run_cycle_accurate(net, in, config);
    // As `ccsim run`: the clocked model's values are checked layer by layer against the golden model.
    if (o.mode == "cycle") {
      for (std::size_t k = 0; k < in.size(); ++k) cli::check_against_golden(net, in[k], runs[k], k);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::vector<int> no_labels;
  const hw::EnergyTable energy = hw::EnergyTable::defaults();
  const hw::AreaTable area = hw::AreaTable::defaults();
  if (!(o.clock_mhz > 0)) throw std::invalid_argument("clock_mhz " + std::to_string(o.clock_mhz) + " must be > 0");
  const nlohmann::json report = cli::run_report({net, n.file, o.mode, config, o.clock_mhz, runs, o.mode == "fast", seconds, energy, area,
                                                 labels ? *labels : no_labels});
  auto out = py::reinterpret_steal<py::dict>(to_python(report).release());
  std::vector<const std::vector<std::int8_t>*> rows;
  for (const auto& r : runs) rows.push_back(&r.output().data);
  out["outputs"] = stack(rows);
  return out;
}

py::list explore(const std::string& sweep_path, int threads) {
  const cli::Sweep sweep = cli::load_sweep(sweep_path);
  std::map<std::string, nlohmann::json> rows;
  {
    py::gil_scoped_release unlocked;
    std::mutex m;
    cli::evaluate_points(sweep, sweep.points, threads, [&](const cli::Row& row) {
      const std::lock_guard<std::mutex> lock(m);
      rows[row.front().second] = cli::row_json(row);
    });
  }
  py::list out;
  for (const auto& p : sweep.points) out.append(to_python(rows.at(p.id)));
  return out;
}

}  // namespace
}  // namespace ccsim::python

PYBIND11_MODULE(ccsim, m) {
  using namespace ccsim::python;
  m.doc() = "ccsim: column-combining sparse CNN accelerator simulation (the ccsim tool's libraries)";
  py::class_<Network>(m, "Network", "A packed network (.ccpack): int8 weights in combined columns, scales, layers")
      .def_property_readonly("name", [](const Network& n) { return n.net->name; })
      .def_property_readonly("file", [](const Network& n) { return n.file; })
      .def_property_readonly("input_shape", [](const Network& n) {
        return py::make_tuple(n.net->input.c, n.net->input.h, n.net->input.w);
      }, "(C, H, W) of one input")
      .def_property_readonly("input_scale", [](const Network& n) { return n.net->input_scale; },
                             "the int8 input's scale: value = scale x int8")
      .def_property_readonly("layers", [](const Network& n) { return to_python(ccsim::model::packed_to_json(*n.net, false)["layers"]); },
                             "the layers as dicts (as `ccsim inspect` prints them, without weights)")
      .def("combine_report", [](const Network& n) { return to_python(ccsim::model::combine_report(*n.net)); },
           "per layer: columns before and after combining, non-zeros kept, utilization")
      .def("save", [](Network& n, const std::string& path) {
        ccsim::model::save_packed(*n.net, path);
        n.file = path;
      }, py::arg("path"), "write the .ccpack (atomically)")
      .def("golden", &golden, py::arg("inputs"),
           "the golden model: int8 inputs (N, C, H, W) or (C, H, W) -> int8 outputs (N, outputs)")
      .def("quantize", &quantize, py::arg("x"),
           "prepared float inputs (N, C, H, W) -> int8 inputs at the network's input scale")
      .def("__repr__", [](const Network& n) {
        return "<ccsim.Network '" + n.net->name + "', " + std::to_string(n.net->layers.size()) + " layers" +
               (n.file.empty() ? "" : ", " + n.file) + ">";
      });
  m.def("load", &load, py::arg("path"), "read a packed network (.ccpack)");
  m.def("pack", &pack, py::arg("model"), py::kw_only(), py::arg("calib_dataset") = "", py::arg("calib_inputs") = py::none(),
        py::arg("calib_count") = 256, py::arg("alpha") = py::none(), py::arg("gamma") = py::none(), py::arg("section") = py::none(),
        py::arg("combine_all") = false, py::arg("regroup") = false, py::arg("activation_bits") = 8, py::arg("weight_bits") = 8,
        py::arg("output") = "",
        "the front end of `ccsim pack`: an ONNX or JSON model -> a packed network (calibrated on the data set's train "
        "split or on prepared float inputs (N, C, H, W)); alpha, gamma, section as pack's (8, 1.75, 0 when left out, "
        "which also keeps groups the model carries from training); activation_bits / weight_bits as pack's --activation-bits / "
        "--weight-bits (2 to 8); written to `output` if given");
  m.def("dataset", &dataset, py::arg("network"), py::arg("path"), py::arg("count") = 1, py::arg("first") = 0,
        "`count` test images of an IDX data set from image `first`, prepared and quantized for the network: "
        "(int8 inputs (N, C, H, W), labels (N,))");
  m.def("run", [](const Network& n, const Int8Array& inputs, const std::optional<std::vector<int>>& labels, const std::string& mode,
                  const std::string& array, const std::string& schedule, int data_bits, const std::string& mac,
                  const std::string& weight_load, double weight_buffer_kib, double act_buffer_kib, double dram_bytes_per_cycle,
                  double clock_mhz) {
        RunOptions o;
        o.mode = mode;
        o.array = array;
        o.schedule = schedule;
        o.data_bits = data_bits;
        o.mac = mac;
        o.weight_load = weight_load;
        o.weight_buffer_kib = weight_buffer_kib;
        o.act_buffer_kib = act_buffer_kib;
        o.dram_bytes_per_cycle = dram_bytes_per_cycle;
        o.clock_mhz = clock_mhz;
        return run(n, inputs, labels, o);
      },
        py::arg("network"), py::arg("inputs"), py::kw_only(), py::arg("labels") = py::none(), py::arg("mode") = "fast",
        py::arg("array") = "16x16", py::arg("schedule") = "shared", py::arg("data_bits") = 8, py::arg("mac") = "serial",
        py::arg("weight_load") = "overlapped", py::arg("weight_buffer_kib") = 64.0,
        py::arg("act_buffer_kib") = 128.0, py::arg("dram_bytes_per_cycle") = 16.0, py::arg("clock_mhz") = 500.0,
        "run int8 inputs (N, C, H, W) on the accelerator (mode 'fast' or 'cycle'): the report of `ccsim run --report` "
        "as a dict, with 'outputs' (N, outputs) int8; cycle mode checks every layer against the golden model");
  m.def("explore", &explore, py::arg("sweep"), py::arg("threads") = 0,
        "evaluate every point of a sweep (SWEEP.json): its rows as dicts, in the sweep's order");
}
