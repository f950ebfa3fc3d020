#include "hw/simulation_context.hpp"

namespace ccsim::hw {

SimulationContext::SimulationContext()
    : previous_(sc_core::sc_curr_simcontext),
      previous_default_(sc_core::sc_default_global_context),
      own_(new sc_core::sc_simcontext) {
  sc_core::sc_curr_simcontext = own_;
  sc_core::sc_default_global_context = own_;
}

SimulationContext::~SimulationContext() {
  delete own_;
  sc_core::sc_curr_simcontext = previous_;
  sc_core::sc_default_global_context = previous_default_;
}

}  // namespace ccsim::hw
