// The Verilated RTL vector unit (rtl/ccsim_vector_unit.sv, Verilator C++ output, built once with
// CMake's CCSIM_COSIM_VECTOR_LANES / CCSIM_COSIM_VECTOR_ADDR_BITS), behind a plain interface so
// the SystemC co-simulation bench can step it (a C++ model in a target of its own: the tile's
// SystemC models are built with other Verilator runtime options).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/vector_implementation.hpp"
#include "sim/vector_driver_types.hpp"

namespace ccsim::cosim {

class RtlVectorUnit {
 public:
  // `on_cycle` runs once per clock cycle of the unit, told whether it computed in it (the cycles
  // VectorPass::cycles counts) or was loaded, started or reset.
  explicit RtlVectorUnit(std::function<void(bool computing)> on_cycle);
  ~RtlVectorUnit();
  RtlVectorUnit(const RtlVectorUnit&) = delete;
  RtlVectorUnit& operator=(const RtlVectorUnit&) = delete;

  static VectorLimits limits();  // the built parameters
  void reset();
  // Runs a layer's passes (make_vector_passes); output_size = the layer's output values.
  VectorLayerRun run(const std::vector<VectorPass>& passes, std::size_t output_size);

  // Waveform (FST) of the unit on the caller's time base: a clock cycle of the unit runs from
  // now() (e.g. the SystemC time stamp of the falling edge a bench samples on) to now() + period,
  // its rising edge dumped at now() + period / 2, its falling edge at now() + period.
  // Throws std::runtime_error when the file cannot be opened.
  void open_trace(const std::string& path, std::function<std::uint64_t()> now, std::uint64_t period);
  // Dump only the cycles of a layer run in [first, last] (its clock cycles, as VectorLayerRun's
  // write_cycle; last -1 = to the end) from the next run() on; always = every cycle.
  void trace_window(std::int64_t first, std::int64_t last);
  void trace_always();
  void trace_off();  // no dumps until the next window
  // Clock edges dumped since open_trace.
  std::int64_t traced_edges() const;
  void close_trace();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `ccsim run --mode cycle|--tlm ... --rtl vector`: the Verilated vector unit as every core's vector
// unit (hw/vector_implementation.hpp), clocked by the SystemC unit in the cycles it computes. The
// factory throws std::invalid_argument when the configuration's lanes or input store are not the
// built ones (naming the flags).
hw::VectorImplementationFactory rtl_vector_factory();

}  // namespace ccsim::cosim
