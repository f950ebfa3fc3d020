// The accelerator as a clocked SystemC module (cycle-accurate mode), and the same schedule
// evaluated analytically (fast mode). Layer by layer (LayerSequencer): a Matmul runs on the array
// (MatmulEngine, one step per clock); a shift right before a Matmul is fused into its feeder;
// pooling, clamp and standalone shifts run on the vector unit with the cycle costs of
// hw/README.md; DMA beyond a layer's compute stalls it (MemorySystem). Shared schedule: one array,
// inputs one after another. Pipelined schedule: one array per stage (pipeline.hpp). Both modes
// produce the same outputs, the same counters and the same start/end cycles.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accelerator_config.hpp"
#include "hw/memory_system.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

enum class SimMode { Cycle, Fast };

struct NetworkRun {
  std::vector<model::Int8Tensor> layer_outputs;  // one per packed layer (a fused shift: its output)
  std::vector<LayerStats> layers;
  LayerStats total;
  std::int64_t start_cycle = 0;  // the input entered the accelerator (cycles from the first input)
  std::int64_t end_cycle = 0;    // its output was complete
  const model::Int8Tensor& output() const { return layer_outputs.back(); }
};

// Fast mode: golden arithmetic, the cycle formulas and the memory system; no SystemC kernel.
// One input, as the first inference of a run.
NetworkRun run_fast(const model::PackedNetwork& net, const model::Int8Tensor& input, const AcceleratorConfig& config);
// A stream of inputs on the configured schedule.
std::vector<NetworkRun> run_fast(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                 const AcceleratorConfig& config);

// Waveform tracing of the cycle-accurate mode: the sequencer state, the bit lines entering each
// array column, and the partial sum leaving each array row, recorded only inside the window
// (layer, first and last cycle counted from the start of the simulation). Pipelined: the stage
// holding `layer` (layer 0's when -1) is traced.
struct TraceOptions {
  std::string vcd_path;       // without the .vcd extension sc_create_vcd_trace_file adds; empty = off
  int layer = -1;             // -1 = every layer
  std::int64_t tile = -1;     // -1 = every tile of the traced layer(s)
  std::int64_t start_cycle = 0;
  std::int64_t end_cycle = -1;  // -1 = to the end
};

class Accelerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Accelerator);
  sc_core::sc_in<bool> clk;

  // Runs every input through the network in order, then stops the simulation.
  Accelerator(sc_core::sc_module_name name, const model::PackedNetwork& net, const AcceleratorConfig& config,
              std::vector<model::Int8Tensor> inputs);

  const std::vector<NetworkRun>& runs() const { return runs_; }
  std::int64_t cycles() const { return cycles_; }

  // Registers the traced values with a VCD file; call before sc_start.
  void trace(sc_core::sc_trace_file* file, const TraceOptions& options);

 private:
  void main_thread();
  void run_shared();
  void run_pipelined();
  void sample(std::size_t layer, const class MatmulEngine* engine);

  const model::PackedNetwork& net_;
  AcceleratorConfig config_;
  ArrayConfig array_;  // resolved
  MemorySystem memory_;
  std::vector<model::Int8Tensor> inputs_;
  std::vector<NetworkRun> runs_;
  std::int64_t cycles_ = 0;

  // Traced mirrors of the model's state (plain members: sc_trace samples them every time step).
  bool tracing_ = false;
  TraceOptions trace_options_;
  std::int64_t trace_cycle_ = 0;
  int trace_layer_ = -1;
  std::int64_t trace_tile_ = -1;
  std::int64_t trace_tile_cycle_ = 0;
  std::vector<std::uint32_t> trace_column_lines_;
  std::vector<std::int32_t> trace_row_psum_;
};

// Cycle mode: elaborates a clock and the accelerator, simulates, returns one run per input.
// SystemC elaborates once per process, so this may be called once per process.
std::vector<NetworkRun> run_cycle_accurate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const AcceleratorConfig& config, double clock_ns = 1.0,
                                           const TraceOptions& trace = {});

}  // namespace ccsim::hw
