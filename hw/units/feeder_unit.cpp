#include "hw/units/feeder_unit.hpp"

#include <stdexcept>

namespace ccsim::hw {

FeederUnit::FeederUnit(sc_core::sc_module_name name, const ArrayConfig& array)
    : sc_core::sc_module(name), activations("activations"), array_(array), top_(array.cols, 0) {}

void FeederUnit::configure(const FeederSetup& setup) {
  if (!setup.matmul) throw std::logic_error(std::string(name()) + ": configured without a Matmul layer");
  setup_ = setup;
  feed_ = std::make_unique<ColumnFeed>(array_, *setup.matmul);
}

void FeederUnit::begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) {
  if (!feed_) throw std::logic_error(std::string(name()) + ": tile started before a layer was configured");
  feed_->begin_tile(first_group, first_pixel, pixels);
}

const std::uint32_t* FeederUnit::lines(std::int64_t tile_cycle) {
  ActivationReadIf& buffer = *activations.operator->();
  const int slot = setup_.input_slot;
  const model::PackedLayer& layer = *setup_.matmul;
  const model::PackedLayer* shift = setup_.fused_shift;
  const std::int64_t fetched = feed_->lines(tile_cycle, top_.data(), [&](std::int64_t p, std::uint32_t column) {
    return buffer.read(slot, Feeder::address(layer, shift, p, column));
  });
  stats_.values_fed += fetched;
  stats_.input_bits += fetched * array_.data_bits;
  return top_.data();
}

}  // namespace ccsim::hw
