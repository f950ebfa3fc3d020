// Feeder + shift unit: reads the activation buffer in im2col order (a fused shift as an address
// offset), one fetch of a column's alpha values per pixel, and serializes them LSB first onto
// each array column's bit lines (bit-parallel cells: the whole values onto its value lines),
// column c one MAC slot behind column c-1 (the skew). Called by the array once per compute cycle.
#pragma once

#include <memory>
#include <vector>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/feeder.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

class FeederUnit : public sc_core::sc_module, public FeederIf, public ActivityIf {
 public:
  struct Stats {
    std::int64_t values_fed = 0;  // activation values read and serialized
    std::int64_t input_bits = 0;  // bits onto the array's bit lines (values x b)
  };

  sc_core::sc_port<ActivationReadIf> activations;

  FeederUnit(sc_core::sc_module_name name, const ArrayConfig& array);

  void configure(const FeederSetup& setup) override;
  void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) override;
  const std::uint32_t* lines(std::int64_t tile_cycle) override;
  const std::int8_t* values(std::int64_t tile_cycle) override;
  void add_activity(LayerStats& into) const override { into.input_bits += stats_.input_bits; }

  const Stats& stats() const { return stats_; }

 private:
  // The values a column reads: the activation buffer at the im2col / shift address.
  struct BufferFetch {
    ActivationReadIf* buffer;
    int slot;
    const model::PackedLayer* layer;
    const model::PackedLayer* shift;
    std::int8_t operator()(std::int64_t p, std::uint32_t column) const {
      return buffer->read(slot, Feeder::address(*layer, shift, p, column));
    }
  };
  BufferFetch fetch();
  void count(std::int64_t fetched);

  ArrayConfig array_;
  FeederSetup setup_;
  std::unique_ptr<ColumnFeed> feed_;
  std::vector<std::uint32_t> top_;
  std::vector<std::int8_t> top_values_;  // bit-parallel: C x alpha_max
  Stats stats_;
};

}  // namespace ccsim::hw
