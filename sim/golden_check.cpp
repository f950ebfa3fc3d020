#include "sim/golden_check.hpp"

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ccsim::cli {

void check_against_golden(const model::PackedNetwork& net, const model::Int8Tensor& input, const hw::NetworkRun& run,
                          std::size_t sample) {
  std::vector<model::Int8Tensor> golden;
  model::run_golden(net, input, &golden);
  for (std::size_t i = 0; i < golden.size(); ++i) {
    const auto& want = golden[i].data;
    const auto& got = run.layer_outputs.at(i).data;
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

}  // namespace ccsim::cli
