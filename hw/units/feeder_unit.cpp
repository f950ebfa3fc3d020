#include "hw/units/feeder_unit.hpp"

#include <stdexcept>

namespace ccsim::hw {

std::string FeederMismatch::describe(const std::string& layer_name) const {
  // The lines as bits, member alpha-1 first (hex would hide which member's line differs).
  int width = 8;
  while (width < 32 && ((expected | actual) >> width) != 0) ++width;
  const auto bits = [width](std::int64_t word) {
    std::string text = "0b";
    for (int k = width - 1; k >= 0; --k) text += ((word >> k) & 1) ? '1' : '0';
    return text;
  };
  return "cycle " + std::to_string(cycle) + ", layer " + std::to_string(layer) + " '" + layer_name + "', tile " +
         std::to_string(tile) + " (tile cycle " + std::to_string(tile_cycle) + "), col " + std::to_string(col) +
         ": feeder bit lines (bit k = member k) expected " + bits(expected) + ", actual " + bits(actual);
}

FeederUnit::FeederUnit(sc_core::sc_module_name name, const ArrayConfig& array, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), activations("activations"), array_(array), period_(clock_period), top_(array.cols, 0),
      top_values_(static_cast<std::size_t>(array.cols) * array.alpha_max, 0) {}

void FeederUnit::swap_in(std::unique_ptr<FeederImplementation> implementation) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": swap_in while simulating");
  if (array_.mac != MacKind::BitSerial) {
    throw std::invalid_argument(std::string(name()) + ": a swapped-in feeder drives bit lines; this array's cells are " +
                                to_string(array_.mac));
  }
  implementation_ = std::move(implementation);
}

void FeederUnit::configure(const FeederSetup& setup) {
  if (!setup.matmul) throw std::logic_error(std::string(name()) + ": configured without a Matmul layer");
  setup_ = setup;
  feed_ = std::make_unique<ColumnFeed>(array_, *setup.matmul);
  tile_ = -1;
  if (implementation_) implementation_->configure(*setup.matmul, setup.fused_shift);
}

void FeederUnit::begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) {
  if (!feed_) throw std::logic_error(std::string(name()) + ": tile started before a layer was configured");
  feed_->begin_tile(first_group, first_pixel, pixels);
  ++tile_;
  if (implementation_) implementation_->begin_tile(first_group, first_pixel, pixels);
}

const std::uint32_t* FeederUnit::lines(std::int64_t tile_cycle) {
  count(feed_->lines(tile_cycle, top_.data(), fetch()));
  if (!implementation_) return top_.data();
  // The swapped-in feeder reads the same stored activation (without counting: the unit's own
  // fetches are the model's activity).
  const model::Int8Tensor& stored = activations->peek(setup_.input_slot);
  const std::uint32_t* actual = implementation_->lines(tile_cycle, [&stored](std::int64_t a) {
    return a < 0 || a >= static_cast<std::int64_t>(stored.data.size()) ? std::int8_t{0} : stored.data[static_cast<std::size_t>(a)];
  });
  ++stats_.compared_cycles;
  for (int c = 0; c < array_.cols; ++c) {
    if (actual[c] == top_[static_cast<std::size_t>(c)]) continue;
    ++stats_.mismatches;
    if (mismatches_.size() >= 10) continue;
    FeederMismatch m;
    m.cycle = static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / period_.value());
    m.layer = setup_.layer_index;
    m.tile = tile_;
    m.tile_cycle = tile_cycle;
    m.col = c;
    m.expected = top_[static_cast<std::size_t>(c)];
    m.actual = actual[c];
    mismatches_.push_back(m);
  }
  return actual;  // the array computes on the swapped-in feeder's lines
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
