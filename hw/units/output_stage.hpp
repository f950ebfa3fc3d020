// Accumulator buffer + output stage: R x P int32 partial sums of the current row tile (the bias
// in the first column tile, the sum so far afterwards), read at the array's left edge and written
// at its right edge; after the last column tile each value is requantized (fixed::requantize,
// per-row multiplier, fused ReLU / ReLU6 clamp) and written to the activation buffer. Another
// implementation of the requantization can be swapped in (hw/output_implementation.hpp; `ccsim
// run --rtl output`): the buffer then gets its values, compared with the stage's one by one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accumulator.hpp"
#include "hw/array_config.hpp"
#include "hw/output_implementation.hpp"
#include "hw/units/activation_iface.hpp"
#include "hw/units/array_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

// An output value of a swapped-in output stage that differs from the stage's.
struct OutputMismatch {
  std::int64_t cycle = 0;  // the system's clock cycle of the drain
  int layer = -1;
  int channel = 0;  // output channel (matrix row)
  std::int64_t pixel = 0;
  fixed::Acc acc = 0;  // the accumulator value requantized
  std::int64_t expected = 0, actual = 0;
  std::string describe(const std::string& layer_name) const;
};

class OutputStage : public sc_core::sc_module, public AccumulatorIf, public OutputStageIf {
 public:
  struct Stats {
    std::int64_t acc_reads = 0;
    std::int64_t acc_writes = 0;
    std::int64_t activations_written = 0;  // int8 values requantized into the activation buffer
    std::int64_t compared_values = 0;      // with a swapped-in implementation
    std::int64_t mismatches = 0;
  };

  sc_core::sc_port<ActivationWriteIf> activations;

  OutputStage(sc_core::sc_module_name name, const ArrayConfig& array,
              sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS));

  // Before simulating: `implementation` requantizes every value from now on.
  void swap_in(std::unique_ptr<OutputImplementation> implementation);

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
  const std::vector<OutputMismatch>& mismatches() const { return mismatches_; }  // the first ones

 private:
  ArrayConfig array_;
  sc_core::sc_time period_;
  OutputSetup setup_;
  std::optional<AccumulatorTile> acc_;
  Stats stats_;
  std::unique_ptr<OutputImplementation> implementation_;
  std::vector<OutputMismatch> mismatches_;
};

}  // namespace ccsim::hw
