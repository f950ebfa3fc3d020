// Channels from the controller to the weight buffer, the output stage, the vector unit and the
// DMA engine, and the activity counters every unit reports for a layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  // A layer starts: it reads `read_bytes` from the weight buffer (the memory-system rules of
  // hw/README.md); with `fill`, its bytes come from DRAM first, and the returned buffer (the
  // layer's bytes, WeightBuffer::layer_bytes long) is where the DMA engine writes them.
  virtual unsigned char* begin_layer(const model::PackedLayer& layer, std::int64_t read_bytes, bool fill) = 0;
  // The layer is done: what the DMA filled must be the layer's encoding (WeightBuffer::encode_layer);
  // returns what differs (empty: nothing).
  virtual std::string end_layer() = 0;
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
  int layer_index = -1;  // the layer's index in its network (for reports)
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
  std::vector<int> operand_slots;  // Add / Concat: every operand's slot, in order (input_slot first)
  int layer_index = -1;            // the layer's index in its network (for reports)
};

class VectorIf : public virtual ActivityIf {
 public:
  virtual void start(const VectorOp& op) = 0;
  virtual bool done() const = 0;
  virtual const sc_core::sc_event& done_event() const = 0;
};

// Controller -> DMA engine: one phase of a layer's DRAM traffic. Each transfer moves `bytes`
// between DRAM `address` and on-chip memory at `data` (which must stay valid until the phase is done).
struct DmaTransfer {
  bool write = false;  // on chip -> DRAM
  std::uint64_t address = 0;
  unsigned char* data = nullptr;
  std::uint64_t bytes = 0;
};

struct DmaJob {
  std::vector<DmaTransfer> transfers;
};

class DmaIf : public virtual ActivityIf {
 public:
  virtual void start(const DmaJob& job) = 0;
  virtual bool done() const = 0;
  virtual const sc_core::sc_event& done_event() const = 0;
  virtual bool failed() const = 0;  // a transfer of the last phase got an error response
};

}  // namespace ccsim::hw
