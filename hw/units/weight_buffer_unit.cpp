#include "hw/units/weight_buffer_unit.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ccsim::hw {

WeightBufferUnit::WeightBufferUnit(sc_core::sc_module_name name, const WeightBufferConfig& config, const ArrayConfig& array)
    : sc_core::sc_module(name), clk("clk"), shadow("shadow"), geometry_(config, array), array_(array) {
  if (array.load_cycles_per_row != geometry_.cycles_per_row()) {
    throw std::invalid_argument(std::string(this->name()) + ": the array's load_cycles_per_row (" +
                                std::to_string(array.load_cycles_per_row) + ") is not the buffer's cycles per row (" +
                                std::to_string(geometry_.cycles_per_row()) + ")");
  }
  SC_THREAD(fill_thread);
  sensitive << clk.pos();
}

unsigned char* WeightBufferUnit::begin_layer(const model::PackedLayer& layer, std::int64_t read_bytes, bool fill) {
  stats_.read_bytes += read_bytes;
  filled_ = nullptr;
  if (!fill) return nullptr;
  const std::int64_t bytes = geometry_.layer_bytes(layer);
  stats_.fill_bytes += bytes;
  sram_.assign(static_cast<std::size_t>(bytes), 0);
  filled_ = &layer;
  return sram_.data();
}

std::string WeightBufferUnit::end_layer() {
  if (!filled_) return {};
  const std::vector<unsigned char> expected = geometry_.encode_layer(*filled_);
  const auto diff = std::mismatch(expected.begin(), expected.end(), sram_.begin());
  const model::PackedLayer* layer = filled_;
  filled_ = nullptr;
  if (diff.first == expected.end()) return {};
  return std::string(name()) + ": the weights of layer '" + layer->name + "' the DMA brought from DRAM differ from the packed layer at byte " +
         std::to_string(diff.first - expected.begin()) + " of " + std::to_string(expected.size());
}

void WeightBufferUnit::request(const TileRequest& tile) {
  if (pending_) throw std::logic_error(std::string(name()) + ": a tile was requested while the shadow registers were busy");
  pending_ = tile;
  ready_ = false;
  request_event_.notify(sc_core::SC_ZERO_TIME);
}

void WeightBufferUnit::consume() {
  if (!ready_) throw std::logic_error(std::string(name()) + ": the array took a tile that was not loaded");
  pending_.reset();
  ready_ = false;
}

void WeightBufferUnit::fill_thread() {
  for (;;) {
    sc_core::wait(request_event_);
    const TileRequest tile = *pending_;
    const TileWeights w = tile_weights(array_, *tile.layer, tile.first_row, tile.first_group);
    const int C = array_.cols;
    for (int r = 0; r < array_.rows; ++r) {
      sc_core::wait(array_.load_cycles_per_row);  // one array row out of the banks
      shadow->load_shadow_row(r, w.weights.data() + static_cast<std::size_t>(r) * C,
                              w.selects.data() + static_cast<std::size_t>(r) * C);
    }
    stats_.tiles += 1;
    stats_.cells += static_cast<std::int64_t>(array_.rows) * C;
    stats_.fill_cycles += static_cast<std::int64_t>(array_.rows) * array_.load_cycles_per_row;
    ready_ = true;
    ready_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void WeightBufferUnit::add_activity(LayerStats& s) const {
  s.weight_loads += stats_.cells;
  s.weight_buffer_read_bytes += stats_.read_bytes;
  s.weight_buffer_fill_bytes += stats_.fill_bytes;
}

}  // namespace ccsim::hw
