// Systolic array unit: R x C bit-serial MX cells (plain C++ state inside, SystolicArray), their
// shadow weight registers, and one process for the whole array. A started tile takes T_compute
// cycles: the feeder's bit lines enter row 0, the accumulator buffer supplies row r's left-edge
// partial sum and takes its right-edge result; computed one cycle per clock when the cells are
// observed (observe_every_cycle, a swapped-in implementation), else in the skewed frame at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/array_config.hpp"
#include "hw/systolic_array.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

// A cell register of the swapped-in implementation that differs from the unit's own cells.
struct ArrayMismatch {
  std::int64_t cycle = 0;  // clock cycles since the simulation started
  int layer = -1;
  std::int64_t tile = 0;
  std::int64_t tile_cycle = 0;
  int row = 0;
  int col = 0;
  std::string signal;      // psum or product
  std::int64_t expected = 0;  // the unit's C++ cells (the SystemC model)
  std::int64_t actual = 0;    // the swapped-in implementation
  std::string describe(const std::string& layer_name) const;
};

class ArrayUnit : public sc_core::sc_module, public ShadowLoadIf, public ArrayControlIf, public ActivityIf {
 public:
  SC_HAS_PROCESS(ArrayUnit);

  struct Stats {
    std::int64_t tiles = 0;
    std::int64_t compute_cycles = 0;
    std::int64_t mac_slots = 0;   // R x C x P per tile
    std::int64_t busy_slots = 0;  // cells with a non-zero weight, x P
    std::int64_t compared_cycles = 0;  // cycles checked against a swapped-in implementation
    std::int64_t mismatches = 0;       // cell registers that differed
  };

  sc_core::sc_in<bool> clk;
  sc_core::sc_port<FeederIf> feeder;
  sc_core::sc_port<AccumulatorIf> accumulator;

  ArrayUnit(sc_core::sc_module_name name, const ArrayConfig& array, sc_core::sc_time clock_period);

  // Runs `implementation` beside the unit's own cells (before the simulation starts): the
  // accumulator buffer then gets its results, and every cycle both are compared.
  void swap_in(std::unique_ptr<ArrayImplementation> implementation);
  const ArrayImplementation* implementation() const { return implementation_.get(); }
  // The first mismatches (up to 10; Stats::mismatches counts all).
  const std::vector<ArrayMismatch>& mismatches() const { return mismatches_; }
  // Keeps the cells' registers those of each clock cycle (a waveform samples them; before the
  // simulation starts). Otherwise, and with nothing swapped in, a tile's MAC slots are evaluated
  // in the skewed frame when it starts (SystolicArray::clock_slot) and the unit then waits out
  // its T_compute cycles: the same results, accumulator traffic and timing at the unit's ports
  // (the accumulator buffer's entries are written before the tile's last cycle rather than
  // through it; the output stage reads them after it).
  void observe_every_cycle();

  void load_shadow_row(int row, const std::int8_t* weights, const std::uint8_t* selects) override;
  void start_tile(const TileDescriptor& tile) override;
  const sc_core::sc_event& done_event() const override { return done_event_; }
  bool computing() const override { return computing_; }
  void add_activity(LayerStats& into) const override;

  const Stats& stats() const { return stats_; }
  const SystolicArray& cells() const { return array_cells_; }
  const TileDescriptor& tile() const { return tile_; }
  // The tile cycle computed last and the bit lines it fed into row 0 (for tracing).
  std::int64_t last_tile_cycle() const { return t_ - 1; }
  const std::uint32_t* last_lines() const { return lines_; }

 private:
  void compute_thread();
  void compute_tile_skewed(FeederIf& feed, AccumulatorIf& acc);
  void compare_cells(std::int64_t t);

  ArrayConfig array_;
  sc_core::sc_time period_;
  std::unique_ptr<ArrayImplementation> implementation_;
  std::vector<fixed::Acc> left_;  // per row: the left-edge partial sum of this cycle
  std::vector<std::pair<int, std::int64_t>> finished_;  // (row, pixel) leaving the right edge this cycle
  std::vector<ArrayMismatch> mismatches_;
  SystolicArray array_cells_;
  TileWeights shadow_;
  TileDescriptor tile_;
  bool computing_ = false;
  bool observed_ = false;  // observe_every_cycle()
  std::int64_t t_ = 0;
  const std::uint32_t* lines_ = nullptr;
  Stats stats_;
  sc_core::sc_event start_event_;
  sc_core::sc_event done_event_;
};

}  // namespace ccsim::hw
