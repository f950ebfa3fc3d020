// Channels from the controller to the weight buffer, the output stage, the vector unit and the
// DMA engine, and the activity counters every unit reports for a layer.
#pragma once

#include <cstdint>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/units/array_iface.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// Every unit adds its activity counters (cumulative since elaboration) to a LayerStats; the
// controller takes the difference across a layer.
class ActivityIf : public virtual sc_core::sc_interface {
 public:
  virtual void add_activity(LayerStats& into) const = 0;
};

// Controller -> weight buffer: fill the shadow registers with a tile (double buffering: the
// request for tile k+1 is made when tile k starts computing).
struct TileRequest {
  const model::PackedLayer* layer = nullptr;
  int first_row = 0;
  int first_group = 0;
};

class WeightLoadIf : public virtual ActivityIf {
 public:
  // Bytes the layer reads from the weight buffer and fills into it from DRAM (the memory-system
  // rules of hw/README.md), counted when its first tile is requested.
  virtual void begin_layer(std::int64_t read_bytes, std::int64_t fill_bytes) = 0;
  // Starts filling the shadow registers; throws std::logic_error while a fill is pending.
  virtual void request(const TileRequest& tile) = 0;
  virtual bool ready() const = 0;  // the shadow registers hold the requested tile
  virtual const sc_core::sc_event& ready_event() const = 0;
  virtual void consume() = 0;      // the array took the tile: the shadow registers are free
};

// Controller -> accumulator buffer and output stage.
struct OutputSetup {
  const model::PackedLayer* layer = nullptr;
  int output_slot = 0;
};

class OutputStageIf : public virtual ActivityIf {
 public:
  virtual void configure(const OutputSetup& setup) = 0;
  virtual void begin_tile(const TileDescriptor& tile) = 0;  // first column tile: load the bias
  virtual void end_tile(const TileDescriptor& tile) = 0;    // last column tile: requantize, write out
};

// Controller -> vector unit: a layer that is not a Matmul.
struct VectorOp {
  const model::PackedLayer* layer = nullptr;
  bool moves_data = true;  // false for a fused shift or a flatten (addressing or a view only)
  int input_slot = 0;
  int output_slot = 0;
  std::int64_t cycles = 0;  // hw/README.md, "Timing of a layer"
};

class VectorIf : public virtual ActivityIf {
 public:
  virtual void start(const VectorOp& op) = 0;
  virtual bool done() const = 0;
  virtual const sc_core::sc_event& done_event() const = 0;
};

// Controller -> DMA engine: a layer's DRAM traffic, moved while the layer computes.
struct DmaJob {
  std::int64_t read_bytes = 0;
  std::int64_t write_bytes = 0;
};

class DmaIf : public virtual ActivityIf {
 public:
  virtual void start(const DmaJob& job) = 0;
  virtual bool done() const = 0;
  virtual const sc_core::sc_event& done_event() const = 0;
};

}  // namespace ccsim::hw
