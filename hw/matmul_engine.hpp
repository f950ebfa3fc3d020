// Runs one Matmul layer (convolution via im2col, or fully connected) on the systolic array, cycle
// by cycle, as one plain C++ object (the co-simulation bench steps it beside the RTL tile; the
// accelerator's SystemC units in hw/units run the same pieces: Feeder, ColumnFeed, SystolicArray,
// AccumulatorTile): tiling over filter-matrix rows and packed columns, double-buffered weight loads, the
// accumulator buffer carrying partial sums between column tiles, and the output stage
// (requantize, clamp). Timing as hw/README.md; step() is one clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/accumulator.hpp"
#include "hw/array_config.hpp"
#include "hw/feeder.hpp"
#include "hw/systolic_array.hpp"
#include "hw/timing.hpp"
#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// Test-only faults: deliberate bugs that co-simulation must report (ccsim cosim --inject).
enum class Fault {
  None,
  SelectStuckAt0,  // bit 0 of every cell's multiplexer select stuck at 0
  SkewOffByOne,    // the last array column gets its inputs one MAC slot late
  AccBitStuckAt0,  // bit 16 of the accumulator buffer's write port stuck at 0
  VectorBitFlip,   // bit 0 of the middle value of every vector-unit layer's result flipped (the
                   // reference the RTL vector unit is checked against; ccsim cosim)
};
Fault parse_fault(const std::string& text);  // none, select, skew, acc, vector

class MatmulEngine {
 public:
  // `input` must outlive the engine. `shift` (may be null) is a shift layer fused into the feeder.
  // The layer's pixel blocks run one after another (hw/README.md, "Pixel blocks"), or with
  // `block` >= 0 only that one (its outputs in output(), the rest 0).
  MatmulEngine(const ArrayConfig& config, const model::PackedLayer& layer, const model::Int8Tensor& input,
               const model::PackedLayer* shift, Fault fault = Fault::None, int block = -1);

  // Advances one clock cycle; returns false once the layer has finished (no cycle is spent then).
  bool step();
  // Runs the layer to its end: the same outputs, cycles and counters as step() until it returns
  // false, each tile's compute evaluated in the skewed frame (SystolicArray::clock_slot, one MAC
  // slot per step) instead of cycle by cycle; for runs that look at the result, not at the cells.
  void run();

  bool done() const { return done_; }
  const LayerStats& stats() const { return stats_; }
  const model::Int8Tensor& output() const { return output_; }
  const SystolicArray& array() const { return array_; }
  // The tile, counted from the first the engine runs (block by block).
  std::int64_t tile() const { return tile_; }
  const std::vector<PixelBlock>& blocks() const { return blocks_; }
  std::int64_t tile_cycle() const { return t_; }
  // Whether the last step() was a compute cycle, and the bit lines it fed into row 0.
  bool computed() const { return computed_; }
  // Whether the next step() is a compute cycle (not a weight load, not after the end).
  bool computes_next() const { return !done_ && phase_ == Phase::Compute; }
  const std::vector<std::uint32_t>& top_lines() const { return top_; }

 private:
  void start_tile();
  void compute_cycle();
  void compute_tile_skewed();  // the whole of the current tile's compute
  // The accumulator buffer at the array's edges in MAC slot `slot`: row r's left-edge partial sum
  // (0 outside the block's pixels) and its right-edge result (dropped outside them).
  fixed::Acc psum_in(int r, std::int64_t slot);
  void psum_out(int r, std::int64_t slot, fixed::Acc value);
  void finish_tile();

  ArrayConfig config_;
  const model::PackedLayer& layer_;
  Fault fault_;
  bool computed_ = false;
  Feeder feeder_;
  ColumnFeed feed_;
  SystolicArray array_;

  std::vector<PixelBlock> blocks_;  // the blocks it runs
  int row_tiles_ = 0;
  int col_tiles_ = 0;
  std::int64_t tiles_per_block_ = 0;
  const PixelBlock* block_ = nullptr;  // the current tile's
  std::int64_t compute_cycles_ = 0;    // T_compute(P) of the block

  enum class Phase { FirstLoad, Compute, Stall };
  Phase phase_ = Phase::FirstLoad;
  std::int64_t phase_left_ = 0;
  std::int64_t tile_ = 0;  // row tile * col_tiles + col tile
  std::int64_t t_ = 0;     // cycle within the tile's compute
  bool done_ = false;

  int m0_ = 0;  // first filter-matrix row of the tile
  int g0_ = 0;  // first packed column of the tile
  AccumulatorTile acc_;
  std::vector<std::uint32_t> top_;  // bit lines into row 0
  std::vector<std::int8_t> top_values_;  // C x alpha_max values into row 0 (bit-parallel cycles, skewed slots)
  model::Int8Tensor output_;
  LayerStats stats_;
};

}  // namespace ccsim::hw
