#include "hw/units/output_stage.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

OutputStage::OutputStage(sc_core::sc_module_name name, const ArrayConfig& array)
    : sc_core::sc_module(name), activations("activations"), array_(array) {}

void OutputStage::configure(const OutputSetup& setup) {
  if (!setup.layer) throw std::logic_error(std::string(name()) + ": configured without a layer");
  setup_ = setup;
  acc_.emplace(array_.rows,
               std::min<std::int64_t>(array_.accumulator_pixels, static_cast<std::int64_t>(setup.layer->out.h) * setup.layer->out.w));
  activations->allocate(setup.output_slot, setup.layer->out);
}

void OutputStage::begin_tile(const TileDescriptor& tile) {
  if (tile.first_column_tile) acc_->load_bias(*setup_.layer, tile.first_row, tile.first_pixel, tile.pixels);
}

void OutputStage::end_tile(const TileDescriptor& tile) {
  if (!tile.last_column_tile) return;
  ActivationWriteIf& out = *activations.operator->();
  const int slot = setup_.output_slot;
  stats_.activations_written +=
      acc_->drain(*setup_.layer, tile.first_row, [&](std::size_t index, std::int8_t value) { out.write(slot, index, value); });
}

void OutputStage::add_activity(LayerStats& s) const {
  s.acc_reads += stats_.acc_reads;
  s.acc_writes += stats_.acc_writes;
  s.activations_written += stats_.activations_written;
}

}  // namespace ccsim::hw
