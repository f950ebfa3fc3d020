// Co-simulation of the SystemC cycle model and the Verilated RTL accelerator (rtl/ccsim_accel.sv:
// the layer controller, the tile-stream DMA and the tile) in one SystemC simulation: the
// testbench puts each layer's descriptors, tile stream and tensors in memory, starts the
// controller, and from each block's start compares, every clock, the array's partial-sum and product registers, the bit lines entering row 0 and the
// sequencer state; at the end of each layer both outputs against each other and the golden
// model. Matmul layers run on the tile; every other layer that moves data (pooling, clamp,
// shift, padding, add, concatenation) on the RTL vector unit (rtl/ccsim_vector_unit.sv) while the
// tile idles, checked against the golden model and the SystemC model's cycle count. Either design
// can also run alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/matmul_engine.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"
#include "sim/tile_program.hpp"

namespace ccsim::cosim {

enum class Design { Both, SystemC, Rtl };

struct CosimOptions {
  int rows = 16;
  int cols = 16;
  Design design = Design::Both;
  std::string trace_path;           // .fst or .vcd (RTL, Verilator) + -systemc.vcd beside it; empty = off
  std::string systemc_trace_base;   // set by run_cosim: the SystemC model's VCD (without .vcd)
  std::string vector_trace_path;    // set by run_cosim: the RTL vector unit's FST
  std::int64_t trace_start = 0;     // window, in compared cycles from the first layer's start
  std::int64_t trace_end = -1;      // -1 = to the end
  std::string mismatch_trace_path;  // on FAIL: waveform of the failing RTL unit (tile or vector
                                    // unit) around the first mismatch (empty = off)
  std::int64_t mismatch_margin = 64;
  int max_mismatches = 10;
  hw::Fault fault = hw::Fault::None;  // test-only: injected into the SystemC model (VectorBitFlip:
                                      // into the vector unit's golden reference)
  // Cycles the memory refuses the tile-stream DMA's port after each read (RTL alone only): a
  // stream slower than the tiles makes the tile wait for its weights (the RTL's flow control);
  // outputs are still checked against the golden model, the cycles that took longer are counted.
  int stream_gap = 0;
  // The memory behind the RTL's ports: rising edges from a read request it accepts to the one
  // that takes its response (>= 1; each reader keeps up to 4 reads in flight; both read ports),
  // and cycles it refuses requests after each one it accepts (back-pressure, 0: none), on the
  // controller's and stored-input DMA's read port and on the output DMA's write port.
  int mem_latency = 2;
  int mem_busy = 0;
};

struct Mismatch {
  std::int64_t cycle = 0;  // global cycle (all layers, all inputs)
  std::size_t sample = 0;
  std::size_t layer = 0;
  std::string layer_name;
  std::int64_t tile = 0;        // -1 when not on the tile
  std::int64_t tile_cycle = 0;  // on the vector unit (tile -1): its clock cycle of the layer run, or -1
  int row = -1;  // -1 when not a cell signal
  int col = -1;
  std::string signal;
  std::int64_t expected = 0;  // SystemC model (or golden for outputs)
  std::int64_t actual = 0;    // RTL
  std::string describe() const;
};

struct CosimResult {
  bool pass = true;
  std::int64_t cycles_compared = 0;  // clock cycles both designs ran in lockstep
  std::int64_t cycles_simulated = 0; // including table loads
  std::int64_t layers_run = 0;         // Matmul layers on the tile
  std::int64_t vector_layers_run = 0;  // layers on the RTL vector unit
  std::int64_t vector_cycles = 0;      // its passes' cycles, start_i to done_o
  std::int64_t rtl_wait_cycles = 0;  // cycles beyond the schedule the RTL waited for the tile stream
  std::int64_t output_words_written = 0;  // words the output DMA wrote to memory
  std::int64_t input_segments = 0;        // band segments the stored-input DMA gathered
  std::int64_t input_unaligned_segments = 0;  // of them, starting inside an 8-byte word
  std::int64_t output_drain_cycles = 0;   // cycles after the blocks' last compared cycle until it held no word
  std::int64_t blocks_started = 0;        // blocks the RTL controller started (from descriptors in memory)
  std::int64_t controller_cycles = 0;     // cycles from a block's descriptor fetch to its tile's start
  std::vector<Mismatch> mismatches;  // the first ones (CosimOptions::max_mismatches)
  std::vector<model::Int8Tensor> outputs;  // network output per input
  std::string waveform;              // RTL waveform written, if any
  std::string waveform_unit;         // on FAIL: the unit that waveform holds (tile, vector_unit)
  std::int64_t vector_edges_traced = 0;  // --trace: clock edges of the vector unit in its waveform
  std::string vector_waveform;       // --trace: the RTL vector unit's waveform, if it ran in the window
  std::string vector_gtkw;           // GTKWave save file beside it
  std::string systemc_waveform;      // the SystemC model's VCD, if any
  std::string gtkw;                  // GTKWave save file written beside it, if any
  double wall_seconds = 0;
};

// The array sizes a Verilated tile was built for ("4x4", "16x16", ...), as CMake lists them.
std::vector<std::string> cosim_configurations();
// The buffer sizes of the tile built for a rows x cols array. Throws std::invalid_argument
// listing the built sizes when there is none.
TileLimits cosim_limits(int rows, int cols);

// Runs every input through the network. Throws std::invalid_argument for an array size without
// a Verilated configuration or a layer that does not fit it. Elaborates SystemC: once per process.
CosimResult run_cosim(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                      const CosimOptions& options);

}  // namespace ccsim::cosim
