// The seam where another implementation of a core's whole Matmul datapath plugs into the
// cycle-accurate model (hw/units/controller.hpp): weight and activation buffers, feeder, array,
// output stage and the DMAs that feed them, with a controller of its own that walks block
// descriptors in memory. `ccsim run --mode cycle|--tlm lt|at --rtl tile` puts the Verilated RTL
// accelerator (rtl/ccsim_accel.sv, sim/rtl_tile.hpp) here. Plain C++ (no SystemC types): the
// configuration that carries the factory is also used by the tool without the SystemC kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/array_config.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace sc_core {
template <class T>
class sc_in;
}

namespace ccsim::hw {

// One access of the implementation to the memory behind the core's DMA socket (a TLM-2.0
// b_transport through the core's socket: the interconnect and the memory model's timing, or the
// ideal memory of cycle mode). `byte_enable` (may be null) has `length` entries, 0xff per byte
// written. Returns the transaction's annotated delay in picoseconds, or -1 on an error response.
// `debug` accesses go through transport_dbg: no time, no traffic (an image the host or compiler
// would have placed in memory ahead of the run).
struct TileMemoryAccess {
  std::function<std::int64_t(bool write, std::uint64_t address, unsigned char* data, unsigned length,
                             const unsigned char* byte_enable)>
      transport;
  std::function<bool(bool write, std::uint64_t address, unsigned char* data, unsigned length)> debug;
};

// A Matmul layer handed to the implementation: its input (the stored input the feeder reads: with
// a fused shift, the shift's input), the memory it reaches and the DRAM region it may use.
struct TileLayerJob {
  int index = 0;  // the layer's index in the network
  const model::PackedLayer* layer = nullptr;
  const model::PackedLayer* fused_shift = nullptr;
  const model::Int8Tensor* input = nullptr;
  TileMemoryAccess memory;
  std::uint64_t scratch = 0;  // scratch_bytes() of DRAM from here on
  std::int64_t clock_period_ps = 1000;  // the core's clock
};

struct TileLayerRun {
  model::Int8Tensor output;   // as it reached the core's activation buffer
  LayerStats compute;         // the compared SystemC model's counters for the layer (MACs, reads, writes, cycles)
  std::int64_t busy_cycles = 0;  // cycles the array computed or loaded weights (the layer's busy time)
  std::string error;          // what stopped the layer (a protocol error, an error response): the run fails
};

// A difference between the implementation and the SystemC model beside it (or the golden model).
struct TileMismatch {
  std::int64_t cycle = 0;  // system clock cycle
  int layer = -1;
  int block = -1;          // pixel block of the layer (-1: the layer as a whole)
  std::int64_t tile = -1;  // tile of the layer, counted over its blocks
  std::int64_t tile_cycle = -1;
  int row = -1, col = -1;  // cell, or (output channel, pixel) for a value
  std::string signal;
  std::int64_t expected = 0, actual = 0;
  std::string describe(const std::string& layer_name) const;
};

struct TileCheckStats {
  std::int64_t layers = 0;           // Matmul layers the implementation ran
  std::int64_t blocks = 0;           // pixel blocks its controller started
  std::int64_t cycles_compared = 0;  // cycles whose every cell register, bit line and state was compared
  std::int64_t wait_cycles = 0;      // cycles its tile waited for weights (the model beside it waited too)
  std::int64_t values_compared = 0;  // output values checked against the model and the golden model
  std::int64_t memory_reads = 0;     // its read requests (descriptors, input words, tile-stream records)
  std::int64_t memory_writes = 0;    // its output words
  std::int64_t spill_bytes = 0;      // layer inputs written to, and outputs read back from, its DRAM region
  std::int64_t mismatches = 0;
};

// Another implementation of a core's Matmul datapath (MatchLib's design swap at the tile's
// boundary). The controller hands it each Matmul layer; run_layer() returns once the layer's
// output is back in the core (it waits clock edges: call it from a SystemC thread). The
// implementation compares itself with the SystemC model every cycle and keeps the differences.
class TileImplementation {
 public:
  virtual ~TileImplementation() = default;
  virtual std::string name() const = 0;
  // DRAM the implementation needs for the layers of `net` (its descriptors, tile stream and a
  // layer's input and output tensors), reused layer after layer. Throws std::invalid_argument
  // naming the layer and the parameter to raise when a layer does not fit it.
  virtual std::uint64_t scratch_bytes(const model::PackedNetwork& net) const = 0;
  virtual TileLayerRun run_layer(const TileLayerJob& job) = 0;
  virtual const TileCheckStats& stats() const = 0;
  virtual const std::vector<TileMismatch>& mismatches() const = 0;  // the first ones
};

// Makes the implementation (an sc_module, during elaboration) for an array configuration, clocked
// by `clock` (the core's clock port); throws std::invalid_argument naming what it was not built for.
using TileImplementationFactory =
    std::function<std::unique_ptr<TileImplementation>(const ArrayConfig&, sc_core::sc_in<bool>& clock)>;

inline std::string TileMismatch::describe(const std::string& layer_name) const {
  std::string s = "tile: cycle " + std::to_string(cycle) + ", layer " + std::to_string(layer) + " '" + layer_name + "'";
  if (block >= 0) s += ", block " + std::to_string(block);
  if (tile >= 0) s += ", tile " + std::to_string(tile) + " (tile cycle " + std::to_string(tile_cycle) + ")";
  if (row >= 0) s += ", row " + std::to_string(row);
  if (col >= 0) s += ", col " + std::to_string(col);
  return s + ": " + signal + " expected " + std::to_string(expected) + ", actual " + std::to_string(actual);
}

}  // namespace ccsim::hw
