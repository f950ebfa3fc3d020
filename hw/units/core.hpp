// One accelerator core: an array with every unit around it, running a range of the network's
// layers for each input it is given. The shared schedule elaborates one core for all layers; the
// pipelined schedule one core per stage (hw/pipeline.hpp).
//
//   controller --> weight buffer --(shadow rows)--> array <--(bit lines)-- feeder <-- activation
//       |------> dma engine (TLM initiator)           |  <--(psums)--> output stage --> buffer
//       |------> vector unit <----------------------------------------------------> (slots)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accelerator_config.hpp"
#include "hw/memory_system.hpp"
#include "hw/trace_options.hpp"
#include "hw/units/activation_buffer_unit.hpp"
#include "hw/units/array_unit.hpp"
#include "hw/units/controller.hpp"
#include "hw/units/dma_engine.hpp"
#include "hw/units/dram_layout.hpp"
#include "hw/units/feeder_unit.hpp"
#include "hw/units/output_stage.hpp"
#include "hw/units/vector_unit.hpp"
#include "hw/units/weight_buffer_unit.hpp"

namespace ccsim::hw {

class AcceleratorCore : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(AcceleratorCore);
  sc_core::sc_in<bool> clk;

  // A core for `config`; load() gives it its layers (at elaboration, or between jobs). Bind
  // dma_socket() to a memory before simulating.
  AcceleratorCore(sc_core::sc_module_name name, const AcceleratorConfig& config, const DmaConfig& dma,
                  sc_core::sc_time clock_period);
  // Runs layers [first, last) of `net` from now on; `memory` decides their traffic, `layout` where
  // it is in DRAM. `net` and `memory` must outlive their use.
  void load(const model::PackedNetwork& net, const MemorySystem& memory, const DramLayout& layout, std::size_t first,
            std::size_t last);

  tlm_utils::simple_initiator_socket<DmaEngine>& dma_socket() { return dma_.socket; }
  DmaIf& dma_engine() { return dma_; }

  Controller& controller() { return controller_; }
  const Controller& controller() const { return controller_; }
  const WeightBufferUnit& weight_buffer() const { return weights_; }
  const ActivationBufferUnit& activation_buffer() const { return activations_; }
  const FeederUnit& feeder() const { return feeder_; }
  const ArrayUnit& array() const { return array_; }
  const OutputStage& output_stage() const { return output_; }
  const VectorUnit& vector_unit() const { return vector_; }
  const DmaEngine& dma() const { return dma_; }

  // The swapped-in Matmul datapath (null: the units above run every Matmul layer), and the DRAM
  // region it uses (TileImplementation::scratch_bytes from `address`); before simulating.
  const TileImplementation* tile_implementation() const { return tile_.get(); }
  void set_tile_scratch(std::uint64_t address) { controller_.set_tile_scratch(address); }

  // Registers the traced values with `file`; call during elaboration (before sc_start).
  void trace(sc_core::sc_trace_file* file, const TraceOptions& options);

 private:
  void sample();
  TileMemoryAccess tile_memory_access();  // through dma_'s socket

  ArrayConfig array_config_;
  sc_core::sc_time period_;
  Controller controller_;
  WeightBufferUnit weights_;
  ActivationBufferUnit activations_;
  FeederUnit feeder_;
  ArrayUnit array_;
  OutputStage output_;
  VectorUnit vector_;
  DmaEngine dma_;
  std::unique_ptr<TileImplementation> tile_;

  // Traced mirrors (plain members: sc_trace samples them every time step).
  TraceOptions trace_options_;
  std::int64_t trace_cycle_ = 0;
  int trace_layer_ = -1;
  std::int64_t trace_tile_ = -1;
  std::int64_t trace_tile_cycle_ = 0;
  bool trace_weight_fill_ = false;
  bool trace_dma_busy_ = false;
  bool trace_array_computing_ = false;
  bool trace_vector_busy_ = false;
  std::int64_t trace_values_fed_ = 0;      // feeder, cumulative
  std::int64_t trace_acc_writes_ = 0;      // accumulator buffer, cumulative
  std::int64_t trace_dram_bytes_ = 0;      // DMA engine, cumulative (read + written)
  std::vector<std::uint32_t> trace_column_lines_;
  std::vector<std::int32_t> trace_row_psum_;
};

}  // namespace ccsim::hw
