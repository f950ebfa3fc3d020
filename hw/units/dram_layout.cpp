#include "hw/units/dram_layout.hpp"

#include <algorithm>

namespace ccsim::hw {
namespace {
std::uint64_t align64(std::uint64_t x) { return (x + 63) & ~std::uint64_t{63}; }
}  // namespace

DramLayout plan_dram(const model::PackedNetwork& net, const WeightBuffer& weights, const MemorySystem& memory,
                     std::uint64_t base) {
  DramLayout layout;
  layout.base = base;
  const std::size_t n = net.layers.size();
  layout.weights.assign(n, 0);
  layout.spill.assign(n, SpillRegions{});
  std::uint64_t at = align64(base);
  for (std::size_t i = 0; i < n; ++i) {
    if (net.layers[i].kind != model::OpKind::Matmul) continue;
    layout.weights[i] = at;
    at = align64(at + static_cast<std::uint64_t>(weights.layer_bytes(net.layers[i])));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const LayerTraffic t = memory.traffic(i, true);
    if (t.dram_write_bytes == 0 || t.output_is_final) continue;
    SpillRegions& r = layout.spill[i];
    r.base = at;
    r.bytes = align64(static_cast<std::uint64_t>(t.dram_write_bytes));
    r.copies = memory.region_copies(i);
    at += static_cast<std::uint64_t>(r.copies) * r.bytes;
  }
  layout.end = at;
  return layout;
}

std::vector<unsigned char> weight_image(const model::PackedNetwork& net, const WeightBuffer& weights,
                                        const DramLayout& layout) {
  std::uint64_t end = layout.base;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind == model::OpKind::Matmul) {
      end = std::max(end, layout.weights[i] + static_cast<std::uint64_t>(weights.layer_bytes(net.layers[i])));
    }
  }
  std::vector<unsigned char> image(end - layout.base, 0);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != model::OpKind::Matmul) continue;
    const auto bytes = weights.encode_layer(net.layers[i]);
    std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(layout.weights[i] - layout.base));
  }
  return image;
}

DramImage dram_image(const model::PackedNetwork& net, const AcceleratorConfig& config) {
  const WeightBuffer weights(config.weight_buffer, config.resolved_array());
  const MemorySystem memory(config, net);
  const DramLayout layout = plan_dram(net, weights, memory, 0);
  return {weight_image(net, weights, layout), layout.end};
}

}  // namespace ccsim::hw
