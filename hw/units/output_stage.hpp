// Accumulator buffer + output stage: R x P int32 partial sums of the current row tile (the bias
// in the first column tile, the sum so far afterwards), read at the array's left edge and written
// at its right edge; after the last column tile each value is requantized (fixed::requantize,
// per-row multiplier, fused ReLU / ReLU6 clamp) and written to the activation buffer.
#pragma once

#include <optional>

#include <systemc>

#include "hw/accumulator.hpp"
#include "hw/array_config.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

class OutputStage : public sc_core::sc_module, public AccumulatorIf, public OutputStageIf {
 public:
  struct Stats {
    std::int64_t acc_reads = 0;
    std::int64_t acc_writes = 0;
    std::int64_t activations_written = 0;  // int8 values requantized into the activation buffer
  };

  sc_core::sc_port<ActivationWriteIf> activations;

  OutputStage(sc_core::sc_module_name name, const ArrayConfig& array);

  fixed::Acc psum_in(int row, std::int64_t pixel) override {
    ++stats_.acc_reads;
    return acc_->read(row, pixel);
  }
  void psum_out(int row, std::int64_t pixel, fixed::Acc value) override {
    ++stats_.acc_writes;
    acc_->write(row, pixel, value);
  }
  void configure(const OutputSetup& setup) override;
  void begin_tile(const TileDescriptor& tile) override;
  void end_tile(const TileDescriptor& tile) override;
  void add_activity(LayerStats& into) const override;

  const Stats& stats() const { return stats_; }

 private:
  ArrayConfig array_;
  OutputSetup setup_;
  std::optional<AccumulatorTile> acc_;
  Stats stats_;
};

}  // namespace ccsim::hw
