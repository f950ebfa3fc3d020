// Vector unit beside the array: pooling, clamp, padding, residual adds, concatenations and shifts
// that no Matmul absorbs, in the cycles of hw/README.md "Vector unit" (lanes x one tap per cycle, passes
// of whole channels; the RTL's ccsim_vector_unit takes the same). Transaction level inside:
// the layer's output (golden arithmetic, model::run_layer) is written once its cycles have passed.
// Another implementation can be swapped in (hw/vector_implementation.hpp; `ccsim run --rtl
// vector`): it then runs every layer that moves data (not a fused shift; not a flatten, which
// stays here even when it copies), clocked by this unit, and is compared with it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/units/activation_iface.hpp"
#include "hw/units/control_iface.hpp"
#include "hw/vector_implementation.hpp"

namespace ccsim::hw {

// A difference between a swapped-in implementation and the unit's own model.
struct VectorMismatch {
  std::int64_t cycle = 0;        // the system's clock cycle (the value's write, or the layer's end)
  int layer = -1;
  std::int64_t layer_cycle = -1;  // compute cycle of the layer (-1: not tied to one)
  int channel = -1;               // the output value concerned (-1: none)
  std::int64_t pixel = -1;
  std::string signal;
  std::int64_t expected = 0, actual = 0;
  std::string describe(const std::string& layer_name) const;
};

class VectorUnit : public sc_core::sc_module, public VectorIf {
 public:
  SC_HAS_PROCESS(VectorUnit);

  struct Stats {
    std::int64_t layers = 0;
    std::int64_t busy_cycles = 0;
    std::int64_t activations_written = 0;
    // With a swapped-in implementation:
    std::int64_t compared_layers = 0;  // layers it ran
    std::int64_t compared_cycles = 0;  // their compute cycles
    std::int64_t compared_values = 0;  // output values compared
    std::int64_t mismatches = 0;
  };

  sc_core::sc_in<bool> clk;
  sc_core::sc_port<ActivationReadIf> input;
  sc_core::sc_port<ActivationWriteIf> output;

  explicit VectorUnit(sc_core::sc_module_name name, sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS));

  // Before simulating: `implementation` runs every data-moving layer from now on.
  void swap_in(std::unique_ptr<VectorImplementation> implementation);

  void start(const VectorOp& op) override;
  bool done() const override { return done_; }
  const sc_core::sc_event& done_event() const override { return done_event_; }
  void add_activity(LayerStats& into) const override { into.activations_written += stats_.activations_written; }

  const Stats& stats() const { return stats_; }
  const std::vector<VectorMismatch>& mismatches() const { return mismatches_; }  // the first ones

 private:
  void run_thread();
  // The layer on the swapped-in implementation, compared with `expected` (the unit's own result);
  // returns what the implementation wrote.
  model::Int8Tensor run_swapped(const std::vector<const model::Int8Tensor*>& operands, const model::Int8Tensor& expected);
  void mismatch(VectorMismatch m);
  std::int64_t now_cycle() const;

  sc_core::sc_time period_;
  VectorOp op_;
  bool done_ = true;
  Stats stats_;
  std::unique_ptr<VectorImplementation> implementation_;
  std::vector<VectorMismatch> mismatches_;
  sc_core::sc_event start_event_;
  sc_core::sc_event done_event_;
};

}  // namespace ccsim::hw
