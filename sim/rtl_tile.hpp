// `ccsim run --mode cycle|--tlm lt|at --rtl tile`: the Verilated RTL accelerator (rtl/ccsim_accel.sv:
// its layer controller, the tile-stream, stored-input and output DMAs, the tile buffer,
// activation buffer, feeder, array, accumulator buffer and output stage) in place of a core's
// Matmul datapath inside the SystemC accelerator (MatchLib's design swap at the tile's boundary).
//
// Per Matmul layer the core's activation buffer writes the layer's stored input to the tile's DRAM
// region through the core's memory port; the tile's descriptors and tile stream are there as the
// compiler lays them out (written once per layer by debug transport: no time, no traffic); the
// core pulses the RTL controller's start. The RTL's three memory ports (descriptors and input
// words, tile-stream records, output words with byte strobes) become TLM-2.0 transactions on the
// core's socket, so in `--tlm` runs they cross the interconnect and the memory model, and each
// response comes when the transaction's annotated delay says. Beside it, the SystemC model of the
// tile (hw::MatmulEngine) starts with each block the RTL controller starts and is compared every
// cycle (every cell's partial sum and product, the bit lines, computing); when the RTL's tile waits
// for its weights (a slow memory), the model waits with it. The layer's outputs are checked
// against the model and the golden model, then read back into the core's activation buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/matmul_engine.hpp"
#include "hw/tile_implementation.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cosim {

// A waveform of the Verilated tile (FST, on the system's time base: the falling clock edges of the
// cycles it runs a layer, within [start_cycle, end_cycle] (-1: to the end)) and a GTKWave save
// file for it, grouped by unit; `dumpfile` is the name the save file opens (the FST's final name).
struct RtlTileTrace {
  std::string fst_path;  // empty: no waveform
  std::string dumpfile;
  std::string gtkw_path;
  std::int64_t start_cycle = 0;
  std::int64_t end_cycle = -1;
};

// Test-only corruption on the RTL's side: bit 0 of the n-th word (counted from 0 over the run) the
// stored-input DMA reads is flipped on its way to the RTL (-1: none).
struct RtlTileCorruption {
  std::int64_t flip_input_word = -1;
};

// The factory for AcceleratorConfig::tile_implementation. `fault` (tests) is injected into the
// SystemC model beside the RTL, `corruption` into what the RTL reads, so the comparison has
// something to find.
hw::TileImplementationFactory rtl_tile_factory(hw::Fault fault = hw::Fault::None, RtlTileTrace trace = {},
                                               RtlTileCorruption corruption = {});

// Refuses, before simulating, an array configuration no built tile implements (size, multiplexer
// width, data bits, bit-serial cells, shadow weights) and a layer of `net` that fits no block of
// the tile (naming the layer and the parameter to raise). std::invalid_argument.
void check_rtl_tile_fits(const model::PackedNetwork& net, const hw::ArrayConfig& array);

}  // namespace ccsim::cosim
