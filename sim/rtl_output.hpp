// The Verilated output stage (rtl/ccsim_requant.sv with ccsim_apply_mult, Verilator C++ output) as
// an implementation of the output stage's requantization (hw/output_implementation.hpp): `ccsim
// run --mode cycle|--tlm ... --rtl output` runs it inside the SystemC accelerator, every output
// value of every Matmul layer through it, compared with fixed::requantize.
#pragma once

#include "hw/output_implementation.hpp"

namespace ccsim::rtl {

hw::OutputImplementationFactory rtl_output_factory();

}  // namespace ccsim::rtl
