// The accelerator as SystemC modules, one per hardware unit (cycle-accurate mode); the same
// schedule evaluated analytically (fast mode) is hw/network_run.hpp. Layer by layer: a Matmul runs on the array, tile
// by tile; a shift right before a Matmul is fused into its feeder; pooling, clamp and standalone
// shifts run on the vector unit with the cycle costs of hw/README.md; DMA beyond a layer's
// compute stalls it (MemorySystem). Shared schedule: one array,
// inputs one after another. Pipelined schedule: one array per stage (pipeline.hpp). Both modes
// produce the same outputs, the same counters and the same start/end cycles.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accelerator_config.hpp"
#include "hw/memory_system.hpp"
#include "hw/network_run.hpp"
#include "hw/pipeline.hpp"
#include "hw/units/core.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// Appends a core's layer outputs and per-layer counters to `run` (a pipelined input collects one
// result per stage), keeping its total.
void append(NetworkRun& run, CoreResult&& result);

// The cycle-accurate accelerator: its cores (hw/units/core.hpp: controller, weight buffer,
// activation buffer, feeder, array, output stage, vector unit, DMA engine), one for the shared
// schedule, one per stage when pipelined, and the scheduler that hands inputs to them with the
// PipelineControl rules (with one core they are the shared schedule's: input k starts when input
// k-1 ends). A stage's result moves to the next stage's input slot (transaction level).
// Where the accelerator finds its data in DRAM: the weight image and spill regions (DramLayout)
// from `weights`, input k at inputs + k x (input bytes, 64-byte aligned), output k likewise.
struct DramMap {
  std::uint64_t weights = 0x1000;
  std::uint64_t inputs = 0;   // 0: after the spill regions
  std::uint64_t outputs = 0;  // 0: after `inputs` of the network's inputs
};

class Accelerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Accelerator);
  sc_core::sc_in<bool> clk;

  // Runs every input through the network in order (each read from DRAM at input_address(k), its
  // output written to output_address(k)), then stops the simulation. `net` must outlive the
  // module; bind every core's DMA socket to a memory holding weight_image() at
  // dram_layout().base and the inputs before simulating.
  Accelerator(sc_core::sc_module_name name, const model::PackedNetwork& net, const AcceleratorConfig& config,
              std::size_t inputs, sc_core::sc_time clock_period, const DmaConfig& dma = {}, DramMap map = {});

  const DramLayout& dram_layout() const { return layout_; }
  std::vector<unsigned char> weight_image() const;
  std::uint64_t input_address(std::size_t k) const { return map_.inputs + k * input_stride_; }
  std::uint64_t output_address(std::size_t k) const { return map_.outputs + k * output_stride_; }
  std::uint64_t dram_bytes() const { return output_address(inputs_); }  // one past the last byte used
  AcceleratorCore& core(std::size_t i) { return *cores_[i]; }

  const std::vector<NetworkRun>& runs() const { return runs_; }
  const std::string& error() const { return error_; }  // the first DMA error of a run (empty: none)
  std::int64_t cycles() const { return cycles_; }
  std::size_t cores() const { return cores_.size(); }
  const AcceleratorCore& core(std::size_t i) const { return *cores_[i]; }

  // Registers the traced values with a VCD file; call before sc_start. Pipelined: the stage
  // holding `options.layer` (layer 0's when -1) is traced.
  void trace(sc_core::sc_trace_file* file, const TraceOptions& options);

 private:
  void scheduler_thread();
  std::int64_t now_cycle() const;

  const model::PackedNetwork& net_;
  AcceleratorConfig config_;
  sc_core::sc_time period_;
  MemorySystem memory_;
  DramLayout layout_;
  DramMap map_;
  std::uint64_t input_stride_ = 0;
  std::uint64_t output_stride_ = 0;
  std::size_t inputs_ = 0;
  std::vector<StageRange> stages_;
  std::vector<std::unique_ptr<AcceleratorCore>> cores_;
  std::vector<NetworkRun> runs_;
  std::string error_;
  std::int64_t origin_ = 0;  // time (ticks) of the first rising edge: cycle 0
  std::int64_t cycles_ = 0;
};

// Cycle mode: elaborates a clock, the accelerator and an ideal DRAM (zero latency, the configured
// bandwidth; each pipelined stage a channel of its own, as the analytical model has it) in a
// simulation context of its own, puts the weights and inputs into DRAM, simulates, checks that
// every output the DMA wrote to DRAM is the one computed, and returns one run per input.
// `inspect` (optional) sees the units after the simulation, e.g. their Stats.
std::vector<NetworkRun> run_cycle_accurate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const AcceleratorConfig& config, double clock_ns = 1.0,
                                           const TraceOptions& trace = {},
                                           const std::function<void(Accelerator&)>& inspect = {});

}  // namespace ccsim::hw
