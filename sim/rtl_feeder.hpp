// The Verilated feeder and shift unit (rtl/ccsim_feeder.sv, Verilator C++ output, one model per
// array width in CMake's CCSIM_COSIM_ARRAYS) as an implementation of the feeder unit's bit lines
// (hw/feeder_implementation.hpp): `ccsim run --mode cycle|--tlm ... --rtl feeder` runs it inside
// the SystemC accelerator, compared with the SystemC feeder every cycle.
#pragma once

#include "hw/feeder_implementation.hpp"
#include "models/packed_network.hpp"

namespace ccsim::rtl {

// Makes the RTL feeder for a config: bit-serial cells, 8-bit data, alpha_max 8 and a built
// width. Throws std::invalid_argument naming what is missing.
hw::FeederImplementationFactory rtl_feeder_factory();

// Throws std::invalid_argument naming the layer and the field when a Matmul layer of `net` does not
// fit the RTL feeder's ports (12-bit sizes and pixel coordinates, 4-bit stride and top/left
// padding, a kernel extent within 8 with dilation, 16-bit channels, fused shifts of one pixel; the
// 32-bit addresses hold any tensor: activations are capped at 2^28 values).
void check_rtl_feeder_fits(const model::PackedNetwork& net);

}  // namespace ccsim::rtl
