// Buffer and DRAM traffic of each layer and the cycles the array waits for DMA: the one place
// both simulation modes take them from. Rules (hw/README.md, "Memory system"):
// - weights: a Matmul reads its packed cells and per-row parameters from the weight buffer once
//   per inference; they come from DRAM every inference unless the whole network (pipelined: the
//   stage's layers, each stage having its own buffer) fits in the weight buffer, in which case
//   only the first inference fetches them;
// - activations: the network input starts in DRAM and the final output ends there; a layer whose
//   input and output do not fit in the activation buffer together streams its input from DRAM
//   once per pass (per row tile for a Matmul) and writes its output to DRAM, which the next layer
//   then reads once;
// - DMA overlaps the layer's compute; ceil(DRAM bytes / bandwidth) beyond the compute cycles is
//   memory stall.
#pragma once

#include <cstddef>
#include <vector>

#include "hw/accelerator_config.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// A layer's weight-buffer and DRAM bytes for one inference (the activation-buffer bytes follow from
// what the feeder and the vector unit read and write), split by when the DMA moves them:
// - input_load: the first pass over an input that is in DRAM, before the layer computes;
// - streamed: weights filled from DRAM and the further passes over a spilled input, while it computes;
// - written: the output, to DRAM once it is complete (a spill, or the network's output).
struct LayerTraffic {
  std::int64_t weight_buffer_read_bytes = 0;
  std::int64_t weight_buffer_fill_bytes = 0;
  std::int64_t input_load_bytes = 0;
  std::int64_t input_refill_bytes = 0;
  std::int64_t dram_write_bytes = 0;
  // Where the input comes from when it is in DRAM: -1 the network input, else the layer whose
  // output spilled. Whether the output is the network's output (else a spill).
  int input_source = -1;
  bool output_is_final = false;

  std::int64_t streamed_bytes() const { return weight_buffer_fill_bytes + input_refill_bytes; }
  std::int64_t dram_read_bytes() const { return input_load_bytes + streamed_bytes(); }
};

// The memory stall of a layer whose compute takes `compute_cycles`: the input load before it,
// the streamed reads beyond it, the output written after it (hw/README.md, "Memory system").
std::int64_t memory_stall_cycles(const DramConfig& dram, const LayerTraffic& traffic, std::int64_t compute_cycles);

class MemorySystem {
 public:
  MemorySystem(const AcceleratorConfig& config, const model::PackedNetwork& net);

  // Adds layer i's memory counters to `stats` (its compute counters) and the memory stall.
  void account(std::size_t layer, bool first_inference, LayerStats& stats) const;

  // Layer i's weight-buffer and DRAM traffic (none for a fused shift or a flatten).
  LayerTraffic traffic(std::size_t layer, bool first_inference) const;
  // Whether layer i moves data through the buffers (false for a fused shift or a flatten).
  bool moves_data(std::size_t layer) const { return plan_[layer].moves_data; }

  // Whether no inference after the first reads weights from DRAM.
  bool weights_resident() const { return weights_resident_; }
  std::int64_t network_weight_bytes() const { return network_weight_bytes_; }

 private:
  struct LayerPlan {
    bool moves_data = false;       // false for a fused shift or a flatten
    bool input_from_dram = false;  // the input is read from DRAM ...
    std::int64_t input_passes = 0; // ... this many times
    int input_source = -1;         // the network input (-1) or the spilled layer it comes from
    bool output_to_dram = false;
    bool output_is_final = false;
    std::int64_t weight_bytes = 0;
    bool weights_resident = false;  // fetched from DRAM on the first inference only
  };

  AcceleratorConfig config_;
  const model::PackedNetwork& net_;
  std::vector<LayerPlan> plan_;
  bool weights_resident_ = false;
  std::int64_t network_weight_bytes_ = 0;
};

// Whether layer i is a shift that the next layer's feeder absorbs.
bool fused_into_next(const model::PackedNetwork& net, std::size_t i);

// What Matmul layer `layer`'s feeder reads: with a shift fused into it, the shift's input (the
// output two layers back) and the shift; otherwise the layer's own input. `outputs` holds the
// `count` outputs computed so far of a run that started with `first_input` (the last one is
// layer - 1's output; a run may start mid-network, at a stage).
struct FeederInput {
  const model::Int8Tensor& stored;
  const model::PackedLayer* fused_shift;  // nullptr without one
};
FeederInput feeder_input(const model::PackedNetwork& net, std::size_t layer, const model::Int8Tensor* outputs,
                         std::size_t count, const model::Int8Tensor& first_input);

}  // namespace ccsim::hw
