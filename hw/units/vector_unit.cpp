#include "hw/units/vector_unit.hpp"

#include <stdexcept>

#include "hw/units/clock_wait.hpp"
#include "models/golden.hpp"

namespace ccsim::hw {

VectorUnit::VectorUnit(sc_core::sc_module_name name)
    : sc_core::sc_module(name), clk("clk"), input("input"), output("output") {
  SC_THREAD(run_thread);
  sensitive << clk.pos();
}

void VectorUnit::start(const VectorOp& op) {
  if (!done_) throw std::logic_error(std::string(name()) + ": a layer was started while the vector unit was busy");
  op_ = op;
  done_ = false;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void VectorUnit::run_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    wait_clocks(op_.cycles);
    const model::PackedLayer& l = *op_.layer;
    if (!op_.operand_slots.empty()) {  // a join reads every operand
      std::vector<const model::Int8Tensor*> operands;
      for (const int slot : op_.operand_slots) operands.push_back(&input->read_tensor(slot));
      model::Int8Tensor y = model::run_layer(l, operands);
      stats_.activations_written += static_cast<std::int64_t>(y.data.size());
      output->write_tensor(op_.output_slot, std::move(y), true);
    } else if (op_.moves_data) {
      model::Int8Tensor y = model::run_layer(l, input->read_tensor(op_.input_slot));
      stats_.activations_written += static_cast<std::int64_t>(y.data.size());
      output->write_tensor(op_.output_slot, std::move(y), true);
    } else {  // a fused shift (the feeder's addressing) or a flatten (a view): kept for layer-by-layer checks
      output->write_tensor(op_.output_slot, model::run_layer(l, input->peek(op_.input_slot)), false);
    }
    stats_.layers += 1;
    stats_.busy_cycles += op_.cycles;
    done_ = true;
    done_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace ccsim::hw
