// --input-scale / --input-mean / --input-std: how data-set pixels become a network's float input,
// x = (pixel * scale - mean[c]) / std[c], given on the command line for a network that does not
// carry it (an ONNX file never does: torchvision's ToTensor() and Normalize() live outside the graph).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/network.hpp"

namespace CLI {
class App;
}

namespace ccsim::cli {

struct PreprocessFlags {
  std::optional<float> scale;
  std::vector<float> mean;
  std::vector<float> std;

  bool given() const { return scale.has_value() || !mean.empty() || !std.empty(); }
  // Adds the three options to `cmd`; `what` ends their help texts (e.g. "stored in the packed file").
  void add_to(CLI::App* cmd, const std::string& what);
  std::string flags_text() const;  // e.g. "--input-scale 0.00392157 --input-std 0.353"
};

// "x = (pixel * 0.00392157 - 0.286) / 0.353" or "x = pixel (no preprocessing)".
std::string describe(const model::Preprocess& p);

// Applies the flags to a network read from `model_path`. Flags replace the network's own
// preprocessing (`notes` says so when it had one). With no flags, a network without preprocessing
// whose data-set images are about to be read (`reads_dataset`) gets a note that the raw pixels
// 0..255 go in and how to change that. Throws std::invalid_argument naming the flag at fault.
void apply_preprocess(const PreprocessFlags& flags, model::Network& net, const std::string& model_path,
                      bool reads_dataset, std::ostream& notes);

// A packed file keeps the preprocessing it was calibrated with: flags given for one are an error
// naming the file and what it stores.
void refuse_preprocess_flags(const PreprocessFlags& flags, const std::string& packed_path, const model::Preprocess& stored);

}  // namespace ccsim::cli
