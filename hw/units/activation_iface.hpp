// Ports of the activation buffer (int8 SRAM). Slots: 0 holds the input of a core's layer range,
// slot k + 1 the output of the range's layer k. Every access through these ports is counted.
#pragma once

#include <cstdint>

#include <systemc>

#include "models/golden.hpp"

namespace ccsim::hw {

class ActivationReadIf : public virtual sc_core::sc_interface {
 public:
  // One value of slot `slot` at CHW address `address`, for the feeder. Address -1 is padding: it
  // takes a read-port slot like any other value fed (the model's counters count values fed) and
  // reads 0.
  virtual std::int8_t read(int slot, std::int64_t address) = 0;
  // A whole slot, for the vector unit: counts its bytes.
  virtual const model::Int8Tensor& read_tensor(int slot) = 0;
  // A slot without an access (a fused shift or a flatten moves no data; results for the host;
  // the DMA engine's source when it writes a slot to DRAM).
  virtual const model::Int8Tensor& peek(int slot) const = 0;
};

class ActivationWriteIf : public virtual sc_core::sc_interface {
 public:
  // Gives slot `slot` the shape of the tensor the output stage will write into it.
  virtual void allocate(int slot, const model::Shape& shape) = 0;
  // Allocates slot `slot` with `shape` and returns its bytes, for the DMA engine to fill.
  virtual unsigned char* dma_target(int slot, const model::Shape& shape) = 0;
  // One int8 value (the output stage).
  virtual void write(int slot, std::size_t address, std::int8_t value) = 0;
  // A whole tensor: the vector unit's result (counted) or data that moves no bytes (not counted).
  virtual void write_tensor(int slot, model::Int8Tensor tensor, bool counted) = 0;
};

}  // namespace ccsim::hw
