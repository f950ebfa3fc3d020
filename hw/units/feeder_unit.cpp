#include "hw/units/feeder_unit.hpp"

#include <stdexcept>

namespace ccsim::hw {

FeederUnit::FeederUnit(sc_core::sc_module_name name, const ArrayConfig& array)
    : sc_core::sc_module(name), activations("activations"), array_(array), top_(array.cols, 0),
      top_values_(static_cast<std::size_t>(array.cols) * array.alpha_max, 0) {}

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
  count(feed_->lines(tile_cycle, top_.data(), fetch()));
  return top_.data();
}

const std::int8_t* FeederUnit::values(std::int64_t tile_cycle) {
  count(feed_->values(tile_cycle, top_values_.data(), fetch()));
  return top_values_.data();
}

FeederUnit::BufferFetch FeederUnit::fetch() {
  return {activations.operator->(), setup_.input_slot, setup_.matmul, setup_.fused_shift};
}

void FeederUnit::count(std::int64_t fetched) {
  stats_.values_fed += fetched;
  stats_.input_bits += fetched * array_.data_bits;
}

}  // namespace ccsim::hw
