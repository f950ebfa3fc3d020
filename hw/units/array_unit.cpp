#include "hw/units/array_unit.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

ArrayUnit::ArrayUnit(sc_core::sc_module_name name, const ArrayConfig& array)
    : sc_core::sc_module(name), clk("clk"), feeder("feeder"), accumulator("accumulator"), array_(array), array_cells_(array) {
  shadow_.weights.assign(static_cast<std::size_t>(array.rows) * array.cols, 0);
  shadow_.selects.assign(shadow_.weights.size(), 0);
  SC_THREAD(compute_thread);
  sensitive << clk.pos();
}

void ArrayUnit::load_shadow_row(int row, const std::int8_t* weights, const std::uint8_t* selects) {
  const auto at = static_cast<std::ptrdiff_t>(row) * array_.cols;
  std::copy_n(weights, array_.cols, shadow_.weights.begin() + at);
  std::copy_n(selects, array_.cols, shadow_.selects.begin() + at);
}

void ArrayUnit::start_tile(const TileDescriptor& tile) {
  if (computing_) throw std::logic_error(std::string(name()) + ": a tile was started while the array was computing");
  tile_ = tile;
  computing_ = true;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void ArrayUnit::compute_thread() {
  const int bits = array_.data_bits;
  const int last_col = array_.cols - 1;
  for (;;) {
    sc_core::wait(start_event_);
    array_cells_.load(shadow_);
    const std::int64_t busy = std::count_if(shadow_.weights.begin(), shadow_.weights.end(), [](std::int8_t w) { return w != 0; });
    const std::int64_t P = tile_.pixels;
    stats_.tiles += 1;
    stats_.mac_slots += static_cast<std::int64_t>(array_.rows) * array_.cols * P;
    stats_.busy_slots += busy * P;
    FeederIf& feed = *feeder.operator->();
    AccumulatorIf& acc = *accumulator.operator->();
    for (t_ = 0; t_ < tile_.compute_cycles;) {
      const std::int64_t t = t_;
      lines_ = feed.lines(t);
      array_cells_.clock(
          t, lines_,
          [&](int r) -> fixed::Acc {
            const std::int64_t p = (t - r) / bits;  // column 0 finishes pixel p in this slot
            return p < 0 || p >= P ? 0 : acc.psum_in(r, p);
          },
          [&](int r, fixed::Acc value) {
            const std::int64_t p = (t - r) / bits - last_col;
            if (p >= 0 && p < P) acc.psum_out(r, p, value);
          });
      ++t_;
      ++stats_.compute_cycles;
      sc_core::wait();  // the next clock
    }
    computing_ = false;
    done_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void ArrayUnit::add_activity(LayerStats& s) const {
  s.tiles += stats_.tiles;
  s.mac_slots += stats_.mac_slots;
  s.busy_slots += stats_.busy_slots;
}

}  // namespace ccsim::hw
