#include "hw/units/output_stage.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

std::string OutputMismatch::describe(const std::string& layer_name) const {
  return "cycle " + std::to_string(cycle) + ", layer " + std::to_string(layer) + " '" + layer_name + "', channel " +
         std::to_string(channel) + ", pixel " + std::to_string(pixel) + ": output stage value (accumulator " +
         std::to_string(acc) + ") expected " + std::to_string(expected) + ", actual " + std::to_string(actual);
}

OutputStage::OutputStage(sc_core::sc_module_name name, const ArrayConfig& array, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), activations("activations"), array_(array), period_(clock_period) {}

void OutputStage::swap_in(std::unique_ptr<OutputImplementation> implementation) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": swap_in while simulating");
  implementation_ = std::move(implementation);
}

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
  const model::PackedLayer& l = *setup_.layer;
  if (!implementation_) {
    stats_.activations_written += acc_->drain(l, tile.first_row, [&](std::size_t index, std::int8_t value) { out.write(slot, index, value); });
    return;
  }
  const std::int64_t plane = static_cast<std::int64_t>(l.out.h) * l.out.w;
  stats_.activations_written += acc_->for_each_output(l, tile.first_row, [&](std::size_t index, int m, fixed::Acc acc) {
    const std::int8_t expected = fixed::requantize(acc, l.requant[m], l.act_min, l.act_max);
    const std::int8_t actual = implementation_->requantize(acc, l.requant[m], l.act_min, l.act_max);
    ++stats_.compared_values;
    if (actual != expected) {
      ++stats_.mismatches;
      if (mismatches_.size() < 10) {
        OutputMismatch mm;
        mm.cycle = static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / period_.value());
        mm.layer = setup_.layer_index;
        mm.channel = m;
        mm.pixel = static_cast<std::int64_t>(index) % plane;
        mm.acc = acc;
        mm.expected = expected;
        mm.actual = actual;
        mismatches_.push_back(mm);
      }
    }
    out.write(slot, index, actual);  // the buffer gets the swapped-in stage's value
  });
}

void OutputStage::add_activity(LayerStats& s) const {
  s.acc_reads += stats_.acc_reads;
  s.acc_writes += stats_.acc_writes;
  s.activations_written += stats_.activations_written;
}

}  // namespace ccsim::hw
