#include "hw/units/activation_buffer_unit.hpp"

#include <stdexcept>
#include <string>

namespace ccsim::hw {

ActivationBufferUnit::ActivationBufferUnit(sc_core::sc_module_name name, const ActivationBufferConfig& config, int slots)
    : sc_core::sc_module(name), config_(config), slots_(static_cast<std::size_t>(slots)) {
  if (config.capacity_bytes < 1) throw std::invalid_argument("activation buffer: capacity must be at least 1 byte");
}

std::int8_t ActivationBufferUnit::read(int slot, std::int64_t address) {
  ++stats_.read_bytes;
  if (address < 0) {
    ++stats_.padding_reads;
    return 0;
  }
  return slots_[static_cast<std::size_t>(slot)].data[static_cast<std::size_t>(address)];
}

const model::Int8Tensor& ActivationBufferUnit::read_tensor(int slot) {
  const model::Int8Tensor& t = slots_.at(static_cast<std::size_t>(slot));
  stats_.read_bytes += static_cast<std::int64_t>(t.data.size());
  return t;
}

model::Int8Tensor& ActivationBufferUnit::slot_for_write(int slot) {
  if (slot < 0) throw std::logic_error(std::string(name()) + ": slot " + std::to_string(slot));
  if (static_cast<std::size_t>(slot) >= slots_.size()) slots_.resize(static_cast<std::size_t>(slot) + 1);  // a larger network
  return slots_[static_cast<std::size_t>(slot)];
}

void ActivationBufferUnit::allocate(int slot, const model::Shape& shape) {
  model::Int8Tensor& t = slot_for_write(slot);
  t.shape = shape;
  t.data.assign(static_cast<std::size_t>(shape.size()), 0);
}

unsigned char* ActivationBufferUnit::dma_target(int slot, const model::Shape& shape) {
  allocate(slot, shape);
  return reinterpret_cast<unsigned char*>(slots_[static_cast<std::size_t>(slot)].data.data());
}

void ActivationBufferUnit::write(int slot, std::size_t address, std::int8_t value) {
  ++stats_.write_bytes;
  slots_[static_cast<std::size_t>(slot)].data[address] = value;
}

void ActivationBufferUnit::write_tensor(int slot, model::Int8Tensor tensor, bool counted) {
  if (counted) stats_.write_bytes += static_cast<std::int64_t>(tensor.data.size());
  slot_for_write(slot) = std::move(tensor);
}

void ActivationBufferUnit::add_activity(LayerStats& s) const {
  s.act_buffer_read_bytes += stats_.read_bytes;
  s.act_buffer_write_bytes += stats_.write_bytes;
}

}  // namespace ccsim::hw
