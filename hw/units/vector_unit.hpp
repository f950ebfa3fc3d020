// Vector unit beside the array: pooling, clamp, padding, residual adds, concatenations and shifts
// that no Matmul absorbs, in the cycles of hw/README.md "Vector unit" (lanes x one tap per cycle, passes
// of whole channels; the RTL's ccsim_vector_unit takes the same). Transaction level inside:
// the layer's output (golden arithmetic, model::run_layer) is written once its cycles have passed.
#pragma once

#include <systemc>

#include "hw/units/activation_iface.hpp"
#include "hw/units/control_iface.hpp"

namespace ccsim::hw {

class VectorUnit : public sc_core::sc_module, public VectorIf {
 public:
  SC_HAS_PROCESS(VectorUnit);

  struct Stats {
    std::int64_t layers = 0;
    std::int64_t busy_cycles = 0;
    std::int64_t activations_written = 0;
  };

  sc_core::sc_in<bool> clk;
  sc_core::sc_port<ActivationReadIf> input;
  sc_core::sc_port<ActivationWriteIf> output;

  explicit VectorUnit(sc_core::sc_module_name name);

  void start(const VectorOp& op) override;
  bool done() const override { return done_; }
  const sc_core::sc_event& done_event() const override { return done_event_; }
  void add_activity(LayerStats& into) const override { into.activations_written += stats_.activations_written; }

  const Stats& stats() const { return stats_; }

 private:
  void run_thread();

  VectorOp op_;
  bool done_ = true;
  Stats stats_;
  sc_core::sc_event start_event_;
  sc_core::sc_event done_event_;
};

}  // namespace ccsim::hw
