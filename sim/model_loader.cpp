#include "sim/model_loader.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

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

}  // namespace ccsim::cli
