// Weight buffer unit: the banked SRAM of packed weights and selects, double-buffered against the
// array. A requested tile is read out of the banks one array row per `cycles_per_row` clocks
// into the array's shadow registers (T_load = R x cycles_per_row cycles) while the array computes
// the current tile; the controller cannot start the tile before the fill is complete, so a late
// fill stalls the array. Geometry, capacity and bank limits: WeightBuffer (hw/weight_buffer.hpp).
#pragma once

#include <optional>
#include <vector>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/systolic_array.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"
#include "hw/weight_buffer.hpp"

namespace ccsim::hw {

class WeightBufferUnit : public sc_core::sc_module, public WeightLoadIf {
 public:
  SC_HAS_PROCESS(WeightBufferUnit);

  struct Stats {
    std::int64_t tiles = 0;        // tiles moved into the shadow registers
    std::int64_t cells = 0;        // cells moved (R x C per tile)
    std::int64_t fill_cycles = 0;  // cycles the banks spent filling shadow registers
    std::int64_t read_bytes = 0;   // memory-system accounting (hw/README.md)
    std::int64_t fill_bytes = 0;
  };

  sc_core::sc_in<bool> clk;
  sc_core::sc_port<ShadowLoadIf> shadow;

  // `array` is the resolved array (its load_cycles_per_row is this buffer's cycles_per_row).
  WeightBufferUnit(sc_core::sc_module_name name, const WeightBufferConfig& config, const ArrayConfig& array);

  unsigned char* begin_layer(const model::PackedLayer& layer, std::int64_t read_bytes, bool fill) override;
  std::string end_layer() override;
  void request(const TileRequest& tile) override;
  bool ready() const override { return ready_; }
  const sc_core::sc_event& ready_event() const override { return ready_event_; }
  void consume() override;
  void add_activity(LayerStats& into) const override;

  const WeightBuffer& geometry() const { return geometry_; }
  const Stats& stats() const { return stats_; }
  bool filling() const { return pending_.has_value() && !ready_; }

 private:
  void fill_thread();

  WeightBuffer geometry_;
  ArrayConfig array_;
  Stats stats_;
  std::optional<TileRequest> pending_;
  std::vector<unsigned char> sram_;            // the layer's bytes as the DMA filled them
  const model::PackedLayer* filled_ = nullptr;  // the layer being filled, until end_layer
  bool ready_ = false;
  sc_core::sc_event request_event_;
  sc_core::sc_event ready_event_;
};

}  // namespace ccsim::hw
