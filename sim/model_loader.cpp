#include "sim/model_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "models/atomic_file.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/onnx_import.hpp"

namespace ccsim::cli {

model::Network load_model(const std::string& path) {
  const std::string missing = missing_file_reason(path);
  if (!missing.empty()) throw std::runtime_error(path + ": " + missing);
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx") return model::load_onnx(path);
  if (ext == ".json") return model::load_network_json(path);
  throw std::runtime_error(path + ": unknown model type '" + ext + "' (expected .onnx or .json)");
}

bool is_packed_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof(magic));
  return in.gcount() == 8 && std::string(magic, 7) == "CCSIMPK";
}

model::FloatTensor stack_inputs(const std::vector<std::string>& paths, const model::Shape& input) {
  model::FloatTensor batch;
  std::int64_t n = 0;
  for (const auto& p : paths) {
    const model::FloatTensor t = model::load_tensor_pb(p);
    // One input C x H x W, or a batch N x C x H x W of them.
    const std::vector<std::int64_t> one{input.c, input.h, input.w};
    const bool single = t.dims == one;
    const bool batch_of = t.dims.size() == 4 && t.dims[0] >= 1 && std::equal(one.begin(), one.end(), t.dims.begin() + 1);
    if (!single && !batch_of) {
      std::string dims;
      for (const auto d : t.dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
      throw std::runtime_error(p + ": dims [" + dims + "] are neither the network input [" + std::to_string(input.c) +
                               ", " + std::to_string(input.h) + ", " + std::to_string(input.w) + "] nor a batch [N, " +
                               std::to_string(input.c) + ", " + std::to_string(input.h) + ", " + std::to_string(input.w) + "]");
    }
    n += static_cast<std::int64_t>(t.data.size()) / input.size();
    batch.data.insert(batch.data.end(), t.data.begin(), t.data.end());
  }
  batch.dims = {n, input.c, input.h, input.w};
  return batch;
}

std::vector<model::Int8Tensor> load_int8_inputs(const model::PackedNetwork& net, const std::vector<std::string>& paths,
                                                const std::string& dataset, int count, std::vector<int>* labels,
                                                int first) {
  if (paths.empty() == dataset.empty()) {
    throw std::invalid_argument("needs exactly one input source: --input FILE.pb or --dataset DIR");
  }
  model::FloatTensor batch;
  if (!paths.empty()) {
    batch = stack_inputs(paths, net.input);
  } else {
    if (first < 0) throw std::invalid_argument("--first must be >= 0");
    const auto data = model::load_idx_dataset(dataset, "t10k", first + count);
    if (first >= data.count) {
      throw std::invalid_argument(dataset + ": the test split has " + std::to_string(data.count) + " images, --first is " +
                                  std::to_string(first));
    }
    batch = model::to_batch(data, net.preprocess, net.input, first, data.count - first);
    model::check_labels(data, static_cast<int>(net.output().size()));
    if (labels) labels->assign(data.labels.begin() + first, data.labels.end());
  }
  const auto per = static_cast<std::size_t>(net.input.size());
  std::vector<model::Int8Tensor> inputs;
  for (std::size_t i = 0; i < batch.data.size() / per; ++i) {
    inputs.push_back(model::quantize_input(net, batch.data.data() + i * per, per));
  }
  return inputs;
}

}  // namespace ccsim::cli
