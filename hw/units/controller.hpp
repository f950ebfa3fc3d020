// Controller: walks a core's layer descriptors for each input it is given and drives the other
// units: per layer it starts the DMA job, then either sequences the Matmul's tiles (weight-buffer
// fill requests one tile ahead, feeder and output-stage setup, array starts) or hands the layer to
// the vector unit, and ends the layer when both compute and DMA are done. Per-layer statistics are
// the differences of the units' activity counters across the layer plus the cycles it took.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/memory_system.hpp"
#include "hw/tile_implementation.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"
#include "hw/units/dram_layout.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// One layer as the controller runs it: what the compiler (front end + MemorySystem) decides.
struct LayerDescriptor {
  std::size_t index = 0;  // in the network
  const model::PackedLayer* layer = nullptr;
  const model::PackedLayer* fused_shift = nullptr;  // Matmul: the shift its feeder absorbs
  int input_slot = 0;   // activation-buffer slot read (with a fused shift: the shift's input)
  int output_slot = 0;  // slot written
  VectorOp vector;      // a layer that is not a Matmul
  model::Shape input_shape;  // of the input slot
  LayerTraffic first_inference;
  LayerTraffic later_inference;
  // DRAM: the layer's weights, the regions its input is read from when another layer wrote it
  // there (none when it is the network input: the job says where), those its output goes to.
  std::uint64_t weight_address = 0;
  SpillRegions input_spill;
  SpillRegions output_spill;
  // The operands after the first that come from DRAM (LayerTraffic::operand_loads, same order):
  // the slot each is loaded into and the regions it is read from (none: the network input).
  struct OperandFetch {
    int slot = 0;
    model::Shape shape;
    bool network_input = false;
    SpillRegions spill;
  };
  std::vector<OperandFetch> operand_fetches;
};

// The descriptors of layers [first, last) of `net`, with the DRAM addresses of `layout`. Slots:
// 0 holds the range's input (layer first - 1's output), k + 1 layer first + k's output, and
// slots after those the outputs of earlier layers the range reads from DRAM.
std::vector<LayerDescriptor> layer_program(const ArrayConfig& array, const model::PackedNetwork& net,
                                           const MemorySystem& memory, const DramLayout& layout, std::size_t first,
                                           std::size_t last);

struct CoreJob {
  std::optional<model::Int8Tensor> input;  // on chip (a pipelined stage's slot); else read from DRAM
  std::uint64_t input_address = 0;         // the network input in DRAM
  std::uint64_t output_address = 0;        // where the network output goes
  std::uint64_t sequence = 0;              // the input's number in the run: picks the DRAM region copies
  std::uint64_t relocation = 0;            // added (mod 2^64) to every weight and spill address
  bool first_inference = true;
};

struct CoreResult {
  std::vector<model::Int8Tensor> outputs;  // one per layer of the range
  std::vector<LayerStats> layers;
  std::string error;       // what ended the job early (empty: it ran to the end)
  std::string data_error;  // of those, bytes from DRAM that were not what was stored there
};

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);

  struct Stats {
    std::int64_t jobs = 0;
    std::int64_t layers = 0;
    std::int64_t tiles = 0;
    std::int64_t weight_wait_cycles = 0;  // the array waited for a shadow-register fill
    std::int64_t dma_wait_cycles = 0;     // layer cycles outside its compute: input load, late stream, output write
  };

  sc_core::sc_port<WeightLoadIf> weights;
  sc_core::sc_port<ArrayControlIf> array;
  sc_core::sc_port<FeederIf> feeder;
  sc_core::sc_port<OutputStageIf> output;
  sc_core::sc_port<VectorIf> vector;
  sc_core::sc_port<DmaIf> dma;
  sc_core::sc_port<ActivationWriteIf> activations;
  sc_core::sc_port<ActivationReadIf> results;
  sc_core::sc_port<ActivityIf, 0> counters;  // every unit whose activity makes up a layer's stats

  // `clock_period` converts simulated time to cycles.
  Controller(sc_core::sc_module_name name, const ArrayConfig& array, std::vector<LayerDescriptor> program,
             sc_core::sc_time clock_period);

  // Every Matmul layer from now on runs on `tile` (not owned) in place of the weight buffer,
  // feeder, array and output stage; it reaches DRAM through `memory` and may use `scratch`'s region.
  // Before simulating.
  void swap_in_tile(TileImplementation* tile, TileMemoryAccess memory);
  void set_tile_scratch(std::uint64_t address) { tile_scratch_ = address; }

  // Replaces the layer program (a network loaded at run time); only between jobs.
  void load_program(std::vector<LayerDescriptor> program);
  // Starts the layer range on an input (from the scheduler, between jobs).
  void submit(CoreJob job);
  bool finished() const { return finished_; }
  const sc_core::sc_event& finished_event() const { return finished_event_; }
  CoreResult take_result();

  // For tracing: the network index of the layer running (-1 between jobs) and the current tile.
  int current_layer() const { return current_layer_; }
  const std::vector<LayerDescriptor>& program() const { return program_; }
  const Stats& stats() const { return stats_; }
  std::int64_t now_cycle() const;

 private:
  void run_thread();
  LayerStats run_layer(const LayerDescriptor& d);
  bool run_dma(const DmaJob& job, const LayerDescriptor& d);  // one phase, waited for; false on an error
  bool dma_done(const LayerDescriptor& d);                   // waits for the phase started; false on an error
  std::int64_t run_matmul(const LayerDescriptor& d);  // returns the array's compute cycles
  // The layer on the swapped-in tile implementation: its busy cycles; `compute` gets its counters.
  std::int64_t run_on_tile(const LayerDescriptor& d, LayerStats& compute);
  LayerStats activity() const;

  ArrayConfig array_;
  std::vector<LayerDescriptor> program_;
  sc_core::sc_time period_;
  CoreJob job_;
  CoreResult result_;
  TileImplementation* tile_ = nullptr;
  TileMemoryAccess tile_memory_;
  std::uint64_t tile_scratch_ = 0;
  std::vector<unsigned char> refills_;  // further passes over a spilled input (checked against the slot)
  bool busy_ = false;
  bool finished_ = false;
  int current_layer_ = -1;
  Stats stats_;
  sc_core::sc_event submit_event_;
  sc_core::sc_event finished_event_;
};

}  // namespace ccsim::hw
