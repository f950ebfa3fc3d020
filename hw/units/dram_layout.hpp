// Where a network's data sit in DRAM for the DMA engine: the weight image (every Matmul layer as
// the weight buffer stores it, WeightBuffer::encode_layer) and regions for each layer whose output
// goes to DRAM for a later layer (a spill, or an operand of a later branch): consecutive inputs
// take them in turn (MemorySystem::region_copies, 2 unless a pipelined reader is more stages on),
// so a pipelined stage never overwrites an output a later stage has not read. The network's
// inputs and outputs are placed by the host.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/memory_system.hpp"
#include "hw/weight_buffer.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// A layer's DRAM copies of its output: input number `sequence` uses copy sequence % copies.
struct SpillRegions {
  std::uint64_t base = 0;   // 0: the layer's output does not go to DRAM (or is the network's)
  std::uint64_t bytes = 0;  // per copy, 64-byte aligned
  int copies = 0;

  std::uint64_t address(std::uint64_t sequence) const {
    return copies > 0 ? base + (sequence % static_cast<std::uint64_t>(copies)) * bytes : 0;
  }
};

struct DramLayout {
  std::uint64_t base = 0;
  std::vector<std::uint64_t> weights;  // per layer: address of its encoded weights (Matmul layers)
  std::vector<SpillRegions> spill;     // per layer
  std::uint64_t end = 0;               // one past the last byte used
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
