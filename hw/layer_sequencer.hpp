// Layer sequencer: runs a range of a network's layers for one input, one clock per step():
// Matmul layers on the array (MatmulEngine), the other layers on the vector unit with their
// hw/README.md cycle costs, then whatever DMA time the memory system adds. The shared-array
// schedule runs every layer in one sequencer; the pipelined schedule runs one per stage.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "hw/accelerator_config.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/memory_system.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

class LayerSequencer {
 public:
  // Runs layers [first, last) on `input` (the output of layer first-1, or the network input).
  // `array` is the resolved array (AcceleratorConfig::resolved_array). Everything referenced
  // must outlive the sequencer.
  LayerSequencer(const ArrayConfig& array, const model::PackedNetwork& net, const MemorySystem& memory,
                 std::size_t first, std::size_t last, model::Int8Tensor input, bool first_inference);

  // One clock cycle; false (and no cycle spent) once every layer of the range is done.
  bool step();
  bool finished() const { return layer_ == last_; }

  // For tracing: the layer being run and its engine (null on the vector unit or in a DMA stall).
  std::size_t layer() const { return layer_; }
  const MatmulEngine* engine() const { return engine_.get(); }

  // Results, one per layer of the range.
  std::vector<model::Int8Tensor>& outputs() { return outputs_; }
  std::vector<LayerStats>& stats() { return stats_; }

 private:
  enum class Phase { Begin, Compute, MemoryStall };
  void settle();  // takes every zero-cycle transition, so finished() is exact before a step
  void begin_layer();
  void end_compute();
  const model::Int8Tensor& layer_input() const;

  ArrayConfig array_;
  const model::PackedNetwork& net_;
  const MemorySystem& memory_;
  std::size_t layer_;
  std::size_t last_;
  model::Int8Tensor input_;
  bool first_inference_;

  Phase phase_ = Phase::Begin;
  std::unique_ptr<MatmulEngine> engine_;
  std::int64_t countdown_ = 0;
  LayerStats current_;
  std::vector<model::Int8Tensor> outputs_;
  std::vector<LayerStats> stats_;
};

}  // namespace ccsim::hw
