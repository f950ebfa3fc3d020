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
// - branches: only the output of the layer that ran last stays on chip; an operand produced
//   earlier (the skip input of a residual Add, a Concat's other branches, a branch that starts
//   from an older tensor) is read from DRAM, where its producer also wrote it (NVDLA's SDP reads
//   its element-wise operand through a DMA of its own the same way);
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
  // The operands after the first that are in DRAM (Add, Concat), each read once before the layer
  // computes: the layer that wrote it (-1: the network input), its index among the operands, bytes.
  struct OperandLoad {
    int source = -1;
    int operand = 0;
    std::int64_t bytes = 0;
  };
  std::vector<OperandLoad> operand_loads;

  std::int64_t operand_load_bytes() const {
    std::int64_t b = 0;
    for (const auto& o : operand_loads) b += o.bytes;
    return b;
  }
  std::int64_t streamed_bytes() const { return weight_buffer_fill_bytes + input_refill_bytes; }
  std::int64_t loaded_bytes() const { return input_load_bytes + operand_load_bytes(); }  // before compute
  std::int64_t dram_read_bytes() const { return loaded_bytes() + streamed_bytes(); }
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
  // The moving layer whose stored output holds layer i's value (-1: the network input): i itself,
  // or for a flatten or a fused shift the tensor they view.
  int stored(int layer) const { return layer < 0 ? -1 : stored_[static_cast<std::size_t>(layer)]; }
  // Bytes of all of layer i's operands (what the vector unit or feeder reads from).
  std::int64_t operand_bytes(std::size_t layer) const;
  // DRAM copies of layer i's output that consecutive inputs take in turn: 2, or for a pipelined
  // reader D stages on, 2D + 1 (the producer may then be 2D inputs ahead of it).
  int region_copies(std::size_t layer) const { return plan_[layer].region_copies; }
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
    int input_source = -1;         // the network input (-1) or the layer that wrote it to DRAM
    std::vector<LayerTraffic::OperandLoad> operand_loads;
    bool output_to_dram = false;
    bool output_is_final = false;
    std::int64_t weight_bytes = 0;
    std::int64_t pixel_blocks = 1;  // a Matmul's weights are read once per block
    bool weights_resident = false;  // fetched from DRAM on the first inference only
    int region_copies = 2;
  };

  AcceleratorConfig config_;
  const model::PackedNetwork& net_;
  std::vector<LayerPlan> plan_;
  std::vector<int> stored_;
  bool weights_resident_ = false;
  std::int64_t network_weight_bytes_ = 0;
};

// Whether layer i is a shift that the next layer's feeder absorbs: a Matmul that is its only
// reader, reading the output of the layer right before the shift.
bool fused_into_next(const model::PackedNetwork& net, std::size_t i);
// The shift fused into layer i's feeder (layer i - 1 when fused_into_next), or null.
const model::PackedLayer* fused_shift(const model::PackedNetwork& net, std::size_t i);
// Whether layer i moves no data: a fused shift, or a flatten of the output right before it (a
// view of that slot). A flatten of an older tensor or of the network input copies it.
bool is_view(const model::PackedNetwork& net, std::size_t i);

// What Matmul layer `layer`'s feeder reads: with a shift fused into it, the shift's input and the
// shift; otherwise the layer's own input. `outputs` holds the `count` outputs computed so far of a
// run over layers [layer - count, ...) that started with `first_input` (the output of the layer
// before the run; a run may start mid-network, at a stage).
struct FeederInput {
  const model::Int8Tensor& stored;
  const model::PackedLayer* fused_shift;  // nullptr without one
};
FeederInput feeder_input(const model::PackedNetwork& net, std::size_t layer, const model::Int8Tensor* outputs,
                         std::size_t count, const model::Int8Tensor& first_input);

}  // namespace ccsim::hw
