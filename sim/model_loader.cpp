#include "sim/model_loader.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/onnx_import.hpp"

namespace ccsim::cli {

model::Network load_model(const std::string& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
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
    if (t.data.size() % static_cast<std::size_t>(input.size()) != 0 || t.data.empty()) {
      throw std::runtime_error(p + ": holds " + std::to_string(t.data.size()) + " values, not a whole number of " +
                               model::to_string(input) + " inputs");
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
