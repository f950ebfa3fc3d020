// The Verilated systolic array (rtl/ccsim_systolic_array.sv, Verilator C++ output) as an
// implementation of the array unit's cells (hw/array_implementation.hpp): `ccsim run --mode
// cycle|--tlm ... --rtl array` runs it inside the SystemC accelerator, compared with the C++
// cells every cycle. One Verilated model per array size in CMake's CCSIM_COSIM_ARRAYS.
#pragma once

#include <string>
#include <vector>

#include "hw/array_implementation.hpp"

namespace ccsim::rtl {

// The built array sizes ("4x4", ...).
std::vector<std::string> array_configurations();

// Makes the RTL array for a config: 8-bit data and alpha_max 8 (the built parameters), a built
// size. Throws std::invalid_argument naming what is missing.
hw::ArrayImplementationFactory rtl_array_factory();

}  // namespace ccsim::rtl
