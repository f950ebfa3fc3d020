// Where a network's data sit in DRAM for the DMA engine: the weight image (every Matmul layer as
// the weight buffer stores it, WeightBuffer::encode_layer) and two regions per layer whose output
// spills (inputs in flight alternate between them, so a pipelined stage never overwrites an output
// the next stage has not read). The network's inputs and outputs are placed by the host.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/memory_system.hpp"
#include "hw/weight_buffer.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct DramLayout {
  std::uint64_t base = 0;
  std::vector<std::uint64_t> weights;  // per layer: address of its encoded weights (Matmul layers)
  std::vector<std::uint64_t> spill;    // per layer: its first spill region (0 when it does not spill)
  std::vector<std::uint64_t> spill_bytes;
  std::uint64_t end = 0;               // one past the last byte used

  std::uint64_t spill_address(std::size_t layer, int parity) const {
    return spill[layer] + static_cast<std::uint64_t>(parity) * spill_bytes[layer];
  }
};

// Lays the weight image and the spill regions out from `base` (64-byte aligned regions).
DramLayout plan_dram(const model::PackedNetwork& net, const WeightBuffer& weights, const MemorySystem& memory,
                     std::uint64_t base);
// What a host puts at the weight address for `net` on an accelerator configured with `config`
// (the layout from address 0, moved by the WEIGHT_ADDR register): the weight image, and how many
// bytes from there the accelerator uses (weights and spill regions).
struct DramImage {
  std::vector<unsigned char> weights;
  std::uint64_t bytes = 0;
};
DramImage dram_image(const model::PackedNetwork& net, const AcceleratorConfig& config);

// The weight image's bytes, from layout.base to the first spill region.
std::vector<unsigned char> weight_image(const model::PackedNetwork& net, const WeightBuffer& weights,
                                        const DramLayout& layout);

}  // namespace ccsim::hw
