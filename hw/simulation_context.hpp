// A SystemC simulation of its own for each run of a model.
//
// SystemC 2.3 elaborates once per simulation context and keeps one global context, so a second
// simulation in the same process fails with E529 ("elaboration done"). Every entry point that
// elaborates modules and calls sc_start (the cycle-accurate accelerator, the TLM system, cosim)
// installs a fresh context for its lifetime with this guard, so a program, a test binary or a
// sweep can run any number of simulations one after another. Declare it before the modules: they
// must be destroyed while their context is still installed.
#pragma once

#include <systemc>

namespace ccsim::hw {

class SimulationContext {
 public:
  SimulationContext();
  ~SimulationContext();
  SimulationContext(const SimulationContext&) = delete;
  SimulationContext& operator=(const SimulationContext&) = delete;

 private:
  sc_core::sc_simcontext* previous_;
  sc_core::sc_simcontext* previous_default_;
  sc_core::sc_simcontext* own_;
};

}  // namespace ccsim::hw
