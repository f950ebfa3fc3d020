// Channels around the systolic array: the weight buffer filling the array's shadow registers,
// the feeder's bit lines into row 0, the accumulator buffer at the left and right edges, and the
// controller starting a tile.
#pragma once

#include <cstdint>

#include <systemc>

#include "hw/array_implementation.hpp"

#include "models/fixed_point.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// Weight buffer -> array: one row of the next tile into the shadow registers.
class ShadowLoadIf : public virtual sc_core::sc_interface {
 public:
  // `weights` and `selects` hold C cells (weight 0 beyond the filter matrix).
  virtual void load_shadow_row(int row, const std::int8_t* weights, const std::uint8_t* selects) = 0;
};

// What the feeder is set up with for a Matmul layer.
struct FeederSetup {
  const model::PackedLayer* matmul = nullptr;
  const model::PackedLayer* fused_shift = nullptr;  // a shift absorbed into the addressing, or null
  int input_slot = 0;                               // activation-buffer slot it reads
  int layer_index = -1;                             // the Matmul layer's index in its network (for reports)
};

// Feeder -> array: the bit lines (bit-parallel cells: the value lines) entering row 0.
class FeederIf : public virtual sc_core::sc_interface {
 public:
  virtual void configure(const FeederSetup& setup) = 0;
  // The tile's first packed column and its pixel block (`pixels` output pixels from `first_pixel`).
  virtual void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) = 0;
  // The C bit-line words for tile cycle t (bit k of word c = line k of array column c).
  virtual const std::uint32_t* lines(std::int64_t tile_cycle) = 0;
  // Bit-parallel cells: the C x alpha_max values for tile cycle t (value k of column c = line k).
  virtual const std::int8_t* values(std::int64_t tile_cycle) = 0;
};

// Array <-> accumulator buffer.
class AccumulatorIf : public virtual sc_core::sc_interface {
 public:
  virtual fixed::Acc psum_in(int row, std::int64_t pixel) = 0;              // left edge of row `row`
  virtual void psum_out(int row, std::int64_t pixel, fixed::Acc value) = 0;  // right edge
};

// Where a tile sits in its layer, and how long it computes.
struct TileDescriptor {
  int layer = -1;          // index of the layer in the network
  std::int64_t index = 0;  // block * tiles per block + row tile * column tiles + column tile
  int block = 0;           // pixel block (hw/README.md, "Pixel blocks")
  int first_row = 0;       // m0
  int first_group = 0;     // g0
  std::int64_t first_pixel = 0;     // the block's
  std::int64_t pixels = 0;          // the block's
  std::int64_t compute_cycles = 0;  // T_compute(P)
  bool first_column_tile = false;
  bool last_column_tile = false;
};

// Controller -> array.
class ArrayControlIf : public virtual sc_core::sc_interface {
 public:
  // Moves the shadow registers into the cells and computes the tile, one cycle per clock, from
  // the current clock cycle; done_event() fires once its T_compute cycles have passed.
  virtual void start_tile(const TileDescriptor& tile) = 0;
  virtual const sc_core::sc_event& done_event() const = 0;
  virtual bool computing() const = 0;
};

}  // namespace ccsim::hw
