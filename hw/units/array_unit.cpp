#include "hw/units/array_unit.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

std::string ArrayMismatch::describe(const std::string& layer_name) const {
  return "cycle " + std::to_string(cycle) + ", layer " + std::to_string(layer) + " '" + layer_name + "', tile " +
         std::to_string(tile) + " (tile cycle " + std::to_string(tile_cycle) + "), row " + std::to_string(row) + ", col " +
         std::to_string(col) + ": " + signal + " expected " + std::to_string(expected) + ", actual " + std::to_string(actual);
}

ArrayUnit::ArrayUnit(sc_core::sc_module_name name, const ArrayConfig& array, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), clk("clk"), feeder("feeder"), accumulator("accumulator"), array_(array),
      period_(clock_period), left_(static_cast<std::size_t>(array.rows), 0), array_cells_(array) {
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

void ArrayUnit::swap_in(std::unique_ptr<ArrayImplementation> implementation) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": swap_in while simulating");
  if (array_.mac != MacKind::BitSerial) {
    throw std::invalid_argument(std::string(name()) + ": a swapped-in implementation has bit-serial cells; this array's are " +
                                to_string(array_.mac));
  }
  implementation_ = std::move(implementation);
}

void ArrayUnit::observe_every_cycle() {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": observe_every_cycle while simulating");
  observed_ = true;
}

void ArrayUnit::compute_tile_skewed(FeederIf& feed, AccumulatorIf& acc) {
  const std::int64_t P = tile_.pixels;
  const int last_col = array_.cols - 1;
  const auto left = [&](int r, std::int64_t slot) -> fixed::Acc { return slot < 0 || slot >= P ? 0 : acc.psum_in(r, slot); };
  const auto right = [&](int r, std::int64_t slot, fixed::Acc value) {
    const std::int64_t p = slot - last_col;
    if (p >= 0 && p < P) acc.psum_out(r, p, value);
  };
  const std::int64_t slots = P + array_.cols - 1;  // those that carry a pixel through some column
  for (std::int64_t s = 0; s < slots; ++s) array_cells_.clock_slot(s, feed.values(s), left, right);
  lines_ = nullptr;
  t_ = tile_.compute_cycles;
  stats_.compute_cycles += tile_.compute_cycles;
  // The tile's clock cycles, as a timed wait: the thread is not woken on each edge meanwhile.
  sc_core::wait(period_ * static_cast<double>(tile_.compute_cycles));
}

void ArrayUnit::compare_cells(std::int64_t t) {
  ++stats_.compared_cycles;
  const auto differs = [&](int r, int c, const char* signal, fixed::Acc expected, fixed::Acc actual) {
    ++stats_.mismatches;
    if (mismatches_.size() >= 10) return;
    ArrayMismatch m;
    m.cycle = static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / period_.value());
    m.layer = tile_.layer;
    m.tile = tile_.index;
    m.tile_cycle = t;
    m.row = r;
    m.col = c;
    m.signal = signal;
    m.expected = expected;
    m.actual = actual;
    mismatches_.push_back(std::move(m));
  };
  for (int r = 0; r < array_.rows; ++r) {
    for (int c = 0; c < array_.cols; ++c) {
      const MxCell cell = array_cells_.cell(r, c);
      if (cell.psum() != implementation_->psum(r, c)) differs(r, c, "psum", cell.psum(), implementation_->psum(r, c));
      if (cell.product() != implementation_->product(r, c)) differs(r, c, "product", cell.product(), implementation_->product(r, c));
    }
  }
}

void ArrayUnit::start_tile(const TileDescriptor& tile) {
  if (computing_) throw std::logic_error(std::string(name()) + ": a tile was started while the array was computing");
  tile_ = tile;
  computing_ = true;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void ArrayUnit::compute_thread() {
  const bool parallel = array_.mac == MacKind::BitParallel;
  const int last_col = array_.cols - 1;
  for (;;) {
    sc_core::wait(start_event_);
    array_cells_.load(shadow_);
    if (implementation_) implementation_->start_tile(shadow_);
    const std::int64_t busy = std::count_if(shadow_.weights.begin(), shadow_.weights.end(), [](std::int8_t w) { return w != 0; });
    const std::int64_t P = tile_.pixels;
    stats_.tiles += 1;
    stats_.mac_slots += static_cast<std::int64_t>(array_.rows) * array_.cols * P;
    stats_.busy_slots += busy * P;
    FeederIf& feed = *feeder.operator->();
    AccumulatorIf& acc = *accumulator.operator->();
    if (!observed_ && !implementation_) {
      compute_tile_skewed(feed, acc);
      computing_ = false;
      done_event_.notify(sc_core::SC_ZERO_TIME);
      continue;
    }
    for (t_ = 0; t_ < tile_.compute_cycles;) {
      const std::int64_t t = t_;
      if (implementation_) std::fill(left_.begin(), left_.end(), 0);
      const auto left = [&](int r, std::int64_t slot) -> fixed::Acc {
        const std::int64_t p = slot;  // column 0 finishes pixel p in this slot
        const fixed::Acc in = p < 0 || p >= P ? 0 : acc.psum_in(r, p);
        if (implementation_) left_[r] = in;  // what the swapped-in cells get too
        return in;
      };
      const auto right = [&](int r, std::int64_t slot, fixed::Acc value) {
        const std::int64_t p = slot - last_col;
        if (p < 0 || p >= P) return;
        if (implementation_) {
          finished_.emplace_back(r, p);
        } else {
          acc.psum_out(r, p, value);
        }
      };
      if (parallel) {
        lines_ = nullptr;
        array_cells_.clock_values(t, feed.values(t), left, right);
      } else {
        lines_ = feed.lines(t);
        array_cells_.clock(t, lines_, left, right);
      }
      if (implementation_) {  // the swapped-in cells compute the same cycle; their results go on
        implementation_->clock(lines_, left_.data());
        compare_cells(t);
        for (const auto& [r, p] : finished_) acc.psum_out(r, p, implementation_->psum(r, last_col));
        finished_.clear();
      }
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
