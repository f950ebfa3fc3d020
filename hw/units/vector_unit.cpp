#include "hw/units/vector_unit.hpp"

#include <stdexcept>

#include "hw/units/clock_wait.hpp"
#include "models/golden.hpp"

namespace ccsim::hw {

std::string VectorMismatch::describe(const std::string& layer_name) const {
  std::string text = "cycle " + std::to_string(cycle) + ", layer " + std::to_string(layer) + " '" + layer_name + "'";
  if (layer_cycle >= 0) text += " (vector unit cycle " + std::to_string(layer_cycle) + " of the layer)";
  if (channel >= 0) text += ", channel " + std::to_string(channel) + ", pixel " + std::to_string(pixel);
  return text + ": " + signal + " expected " + std::to_string(expected) + ", actual " + std::to_string(actual);
}

VectorUnit::VectorUnit(sc_core::sc_module_name name, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), clk("clk"), input("input"), output("output"), period_(clock_period) {
  SC_THREAD(run_thread);
  sensitive << clk.pos();
}

void VectorUnit::swap_in(std::unique_ptr<VectorImplementation> implementation) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": swap_in while simulating");
  implementation_ = std::move(implementation);
}

void VectorUnit::start(const VectorOp& op) {
  if (!done_) throw std::logic_error(std::string(name()) + ": a layer was started while the vector unit was busy");
  op_ = op;
  done_ = false;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

std::int64_t VectorUnit::now_cycle() const {
  return static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / period_.value());
}

void VectorUnit::mismatch(VectorMismatch m) {
  ++stats_.mismatches;
  if (mismatches_.size() < 10) mismatches_.push_back(std::move(m));
}

model::Int8Tensor VectorUnit::run_swapped(const std::vector<const model::Int8Tensor*>& operands,
                                          const model::Int8Tensor& expected) {
  const model::PackedLayer& l = *op_.layer;
  const std::int64_t start = now_cycle();
  // One rising edge per compute cycle: the system's time runs with the implementation.
  const VectorImplementationRun run = implementation_->run(l, operands, expected.data.size(), [] { sc_core::wait(); });
  const std::int64_t plane = static_cast<std::int64_t>(expected.shape.h) * expected.shape.w;
  const auto at = [&](std::int64_t layer_cycle, std::int64_t value) {
    VectorMismatch m;
    m.cycle = layer_cycle >= 0 ? start + layer_cycle + 1 : now_cycle();
    m.layer = op_.layer_index;
    m.layer_cycle = layer_cycle;
    if (value >= 0 && plane > 0) {
      m.channel = static_cast<int>(value / plane);
      m.pixel = value % plane;
    }
    return m;
  };
  ++stats_.compared_layers;
  stats_.compared_cycles += run.compute_cycles;
  if (run.error) {
    VectorMismatch m = at(run.error->cycle, run.error->value);
    m.signal = run.error->signal;
    m.expected = run.error->expected;
    m.actual = run.error->actual;
    mismatch(std::move(m));
  } else if (run.compute_cycles != op_.cycles) {
    VectorMismatch m = at(-1, -1);
    m.signal = "cycles (" + implementation_->name() + " against the unit's formula)";
    m.expected = op_.cycles;
    m.actual = run.compute_cycles;
    mismatch(std::move(m));
  }
  // After a protocol error the output is partial (the rest never written): not compared value by value.
  for (std::size_t k = 0; !run.error && k < expected.data.size() && k < run.output.size(); ++k) {
    ++stats_.compared_values;
    if (run.output[k] == expected.data[k]) continue;
    VectorMismatch m = at(k < run.write_cycle.size() ? run.write_cycle[k] : -1, static_cast<std::int64_t>(k));
    m.signal = "output value";
    m.expected = expected.data[k];
    m.actual = run.output[k];
    mismatch(std::move(m));
  }
  model::Int8Tensor y{expected.shape, run.output};
  y.data.resize(expected.data.size(), 0);
  return y;
}

void VectorUnit::run_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const model::PackedLayer& l = *op_.layer;
    const bool swapped = implementation_ && op_.moves_data && l.kind != model::OpKind::Flatten;
    if (!swapped) wait_clocks(op_.cycles);
    if (!op_.operand_slots.empty() || op_.moves_data) {  // a join reads every operand
      std::vector<const model::Int8Tensor*> operands;
      if (!op_.operand_slots.empty()) {
        for (const int slot : op_.operand_slots) operands.push_back(&input->read_tensor(slot));
      } else {
        operands.push_back(&input->read_tensor(op_.input_slot));
      }
      model::Int8Tensor y = model::run_layer(l, operands);
      if (swapped) y = run_swapped(operands, y);
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
