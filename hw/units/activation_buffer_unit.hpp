// Activation buffer unit: the int8 SRAM a core's layers read and write, one slot per tensor of
// its layer range (slot 0: the range's input). Capacity decides which layers spill to DRAM (the
// memory-system rules, MemorySystem); the unit counts every byte read and written.
#pragma once

#include <vector>

#include <systemc>

#include "hw/activation_buffer.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

class ActivationBufferUnit : public sc_core::sc_module,
                             public ActivationReadIf,
                             public ActivationWriteIf,
                             public ActivityIf {
 public:
  struct Stats {
    std::int64_t read_bytes = 0;     // values read through the read port (padding included)
    std::int64_t padding_reads = 0;  // of those, padding (no SRAM access)
    std::int64_t write_bytes = 0;
  };

  ActivationBufferUnit(sc_core::sc_module_name name, const ActivationBufferConfig& config, int slots);

  std::int8_t read(int slot, std::int64_t address) override;
  const model::Int8Tensor& read_tensor(int slot) override;
  const model::Int8Tensor& peek(int slot) const override { return slots_.at(static_cast<std::size_t>(slot)); }
  void allocate(int slot, const model::Shape& shape) override;
  unsigned char* dma_target(int slot, const model::Shape& shape) override;
  void write(int slot, std::size_t address, std::int8_t value) override;
  void write_tensor(int slot, model::Int8Tensor tensor, bool counted) override;
  void add_activity(LayerStats& into) const override;

  const ActivationBufferConfig& config() const { return config_; }
  const Stats& stats() const { return stats_; }

 private:
  model::Int8Tensor& slot_for_write(int slot);  // grows the slot table for a network with more layers

  ActivationBufferConfig config_;
  std::vector<model::Int8Tensor> slots_;
  Stats stats_;
};

}  // namespace ccsim::hw
