// Workloads the simulation benchmarks share: the dense 256 x 256 x 196 GEMM peer simulators are
// quoted on (a pointwise layer of 256 -> 256 channels on 14 x 14 pixels, every weight non-zero)
// and random int8 inputs.
#pragma once

#include <random>
#include <vector>

#include "models/fixed_point.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::bench {

inline model::PackedNetwork dense_gemm() {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> w(-127, 127);
  model::PackedNetwork net;
  net.name = "gemm";
  net.input = {256, 14, 14};
  model::PackedLayer l;
  l.name = "pw";
  l.kind = model::OpKind::Matmul;
  l.in = {256, 14, 14};
  l.out = {256, 14, 14};
  for (std::uint32_t c = 0; c < 256; ++c) l.groups.push_back({c});
  for (int i = 0; i < 256 * 256; ++i) l.weights.push_back(static_cast<std::int8_t>(w(rng) | 1));  // non-zero
  l.select.assign(l.weights.size(), 0);
  l.bias.assign(256, 0);
  l.requant.assign(256, fixed::quantize_multiplier(1.0 / 4096));
  l.weight_scale.assign(256, 1.0f);
  net.layers.push_back(l);
  return net;
}

inline std::vector<model::Int8Tensor> random_inputs(const model::Shape& s, int count) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> v(-128, 127);
  std::vector<model::Int8Tensor> inputs;
  for (int k = 0; k < count; ++k) {
    model::Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
    for (auto& x : t.data) x = static_cast<std::int8_t>(v(rng));
    inputs.push_back(std::move(t));
  }
  return inputs;
}

}  // namespace ccsim::bench
