// Builders of random networks and inputs shared by the test suites.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "hw/accelerator_config.hpp"
#include "models/network.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::test {

// Small buffers and few weight banks on an 8 x 6 array (shift_net's layers spill, its weights
// stream every inference): weight loads and DMA stall the array.
inline hw::AcceleratorConfig memory_bound_config(double dram_bytes_per_cycle) {
  hw::AcceleratorConfig c;
  c.array.rows = 8;
  c.array.cols = 6;
  c.weight_buffer.capacity_bytes = 512;
  c.weight_buffer.banks = 2;
  c.activation_buffer.capacity_bytes = 2048;
  c.dram.bytes_per_cycle = dram_bytes_per_cycle;
  return c;
}

// A path in the temp directory unique to this test process: PREFIX-PID-NAME.
inline std::string temp_path(const std::string& prefix, const std::string& name) {
  return (std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + name)).string();
}

inline std::vector<float> random_values(std::size_t n, std::mt19937& rng, float scale, double density = 1.0) {
  std::normal_distribution<float> value(0.0f, scale);
  std::bernoulli_distribution keep(density);
  std::vector<float> v(n);
  for (auto& x : v) x = keep(rng) ? value(rng) : 0.0f;
  return v;
}

inline model::Layer conv(const std::string& name, int in_c, int out_c, int k, int stride, int pad, std::mt19937& rng,
                         double density = 1.0, int groups = 1) {
  model::Layer l;
  l.name = name;
  l.kind = model::LayerKind::Conv;
  l.out_channels = out_c;
  l.groups = groups;
  l.window = {k, k, stride, stride, pad, pad, pad, pad};
  l.weight = random_values(static_cast<std::size_t>(out_c) * (in_c / groups) * k * k, rng,
                           std::sqrt(2.0f / static_cast<float>(in_c / groups * k * k * density)), density);
  l.bias = random_values(out_c, rng, 0.1f);
  return l;
}

inline model::Layer batch_norm(const std::string& name, int c, std::mt19937& rng) {
  model::Layer l;
  l.name = name;
  l.kind = model::LayerKind::BatchNorm;
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (int i = 0; i < c; ++i) {
    l.bn_scale.push_back(u(rng));
    l.bn_bias.push_back(u(rng) - 1.0f);
    l.bn_mean.push_back(u(rng) - 1.0f);
    l.bn_var.push_back(u(rng));
  }
  return l;
}

inline model::Layer simple(const std::string& name, model::LayerKind kind) {
  model::Layer l;
  l.name = name;
  l.kind = kind;
  return l;
}

inline model::Layer shift(const std::string& name, int c, std::mt19937& rng) {
  model::Layer l = simple(name, model::LayerKind::Shift);
  std::uniform_int_distribution<int> d(-1, 1);
  for (int i = 0; i < c; ++i) l.shift.push_back({static_cast<std::int8_t>(d(rng)), static_cast<std::int8_t>(d(rng))});
  return l;
}

// A fully connected layer in -> out: weights normal(0, scale), then a bias normal(0, 0.1) if asked.
inline model::Layer linear(const std::string& name, int in, int out, std::mt19937& rng, float scale, bool bias = true) {
  model::Layer l;
  l.name = name;
  l.kind = model::LayerKind::Linear;
  l.out_channels = out;
  l.weight = random_values(static_cast<std::size_t>(out) * in, rng, scale);
  if (bias) l.bias = random_values(out, rng, 0.1f);
  return l;
}

// The paper's network family in miniature: 3x3 conv, shift + pointwise blocks (stride on a
// block's first layer), global average pool, fully connected.
inline model::Network shift_net(std::uint32_t seed, double density = 0.4, int width = 16) {
  std::mt19937 rng(seed);
  model::Network net;
  net.name = "shiftnet-test";
  net.input = {1, 12, 12};
  net.layers.push_back(conv("conv0", 1, width, 3, 1, 1, rng));
  net.layers.push_back(batch_norm("bn0", width, rng));
  net.layers.push_back(simple("relu0", model::LayerKind::ReLU6));
  int c = width;
  const int widths[] = {width, 2 * width, 2 * width};
  const int strides[] = {1, 2, 1};
  for (int b = 0; b < 3; ++b) {
    const std::string id = std::to_string(b + 1);
    net.layers.push_back(shift("shift" + id, c, rng));
    net.layers.push_back(conv("pw" + id, c, widths[b], 1, strides[b], 0, rng, density));
    net.layers.push_back(batch_norm("bn" + id, widths[b], rng));
    net.layers.push_back(simple("relu" + id, model::LayerKind::ReLU6));
    c = widths[b];
  }
  net.layers.push_back(simple("pool", model::LayerKind::GlobalAvgPool));
  net.layers.push_back(simple("flatten", model::LayerKind::Flatten));
  net.layers.push_back(linear("fc", c, 10, rng, std::sqrt(1.0f / c)));
  return net;
}

inline model::FloatTensor random_batch(const model::Shape& s, int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  model::FloatTensor t;
  t.dims = {n, s.c, s.h, s.w};
  t.data = random_values(static_cast<std::size_t>(n) * s.size(), rng, 1.0f);
  return t;
}

}  // namespace ccsim::test
