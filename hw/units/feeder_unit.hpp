// Feeder + shift unit: reads the activation buffer in im2col order (a fused shift as an address
// offset), one fetch of a column's alpha values per pixel, and serializes them LSB first onto
// each array column's bit lines (bit-parallel cells: the whole values onto its value lines),
// column c one MAC slot behind column c-1 (the skew). Called by the array once per compute cycle.
// Another implementation of the bit lines can be swapped in (hw/feeder_implementation.hpp;
// `ccsim run --rtl feeder`): the array then gets its lines, compared with this unit's every cycle.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/feeder.hpp"
#include "hw/feeder_implementation.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

// A bit-line word of a swapped-in feeder that differs from the unit's.
struct FeederMismatch {
  std::int64_t cycle = 0;  // the system's clock cycle
  int layer = -1;
  std::int64_t tile = -1;  // of the layer, in the order the unit started them
  std::int64_t tile_cycle = 0;
  int col = 0;             // array column
  std::int64_t expected = 0, actual = 0;  // its alpha lines as a word (bit k = line k)
  std::string describe(const std::string& layer_name) const;
};

class FeederUnit : public sc_core::sc_module, public FeederIf, public ActivityIf {
 public:
  struct Stats {
    std::int64_t values_fed = 0;  // activation values read and serialized
    std::int64_t input_bits = 0;  // bits onto the array's bit lines (values x b)
    std::int64_t compared_cycles = 0;  // with a swapped-in implementation: cycles whose lines were compared
    std::int64_t mismatches = 0;       // bit-line words that differed
  };

  sc_core::sc_port<ActivationReadIf> activations;

  FeederUnit(sc_core::sc_module_name name, const ArrayConfig& array,
             sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS));

  // Before simulating: `implementation` gives the array its bit lines from now on (bit-serial cells).
  void swap_in(std::unique_ptr<FeederImplementation> implementation);
  bool swapped() const { return implementation_ != nullptr; }

  void configure(const FeederSetup& setup) override;
  void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) override;
  const std::uint32_t* lines(std::int64_t tile_cycle) override;
  const std::int8_t* values(std::int64_t tile_cycle) override;
  void add_activity(LayerStats& into) const override { into.input_bits += stats_.input_bits; }

  const Stats& stats() const { return stats_; }
  const std::vector<FeederMismatch>& mismatches() const { return mismatches_; }  // the first ones

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
  sc_core::sc_time period_;
  FeederSetup setup_;
  std::unique_ptr<ColumnFeed> feed_;
  std::vector<std::uint32_t> top_;
  std::vector<std::int8_t> top_values_;  // bit-parallel: C x alpha_max
  Stats stats_;
  std::unique_ptr<FeederImplementation> implementation_;
  std::vector<FeederMismatch> mismatches_;
  std::int64_t tile_ = -1;  // tiles of the layer begun
};

}  // namespace ccsim::hw
