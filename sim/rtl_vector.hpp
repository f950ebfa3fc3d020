// The Verilated RTL vector unit (rtl/ccsim_vector_unit.sv, Verilator C++ output, built once with
// CMake's CCSIM_COSIM_VECTOR_LANES / CCSIM_COSIM_VECTOR_ADDR_BITS), behind a plain interface so
// the SystemC co-simulation bench can step it (a C++ model in a target of its own: the tile's
// SystemC models are built with other Verilator runtime options).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "sim/vector_driver_types.hpp"

namespace ccsim::cosim {

class RtlVectorUnit {
 public:
  // `on_cycle` runs once per clock cycle of the unit.
  explicit RtlVectorUnit(std::function<void()> on_cycle);
  ~RtlVectorUnit();
  RtlVectorUnit(const RtlVectorUnit&) = delete;
  RtlVectorUnit& operator=(const RtlVectorUnit&) = delete;

  static VectorLimits limits();  // the built parameters
  void reset();
  // Runs a layer's passes (make_vector_passes); output_size = the layer's output values.
  VectorLayerRun run(const std::vector<VectorPass>& passes, std::size_t output_size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ccsim::cosim
