#include "sim/rtl_vector.hpp"

#include "Vvector_unit.h"  // generated (CMakeLists.txt): the Verilated vector unit
#include "sim/vector_driver.hpp"

namespace ccsim::cosim {

struct RtlVectorUnit::Impl {
  explicit Impl(std::function<void()> on_cycle) : context(make_context()), unit(context.get(), "vector_unit"),
                                                  driver(unit, limits(), std::move(on_cycle)) {}
  static std::unique_ptr<VerilatedContext> make_context() {
    auto c = std::make_unique<VerilatedContext>();
    c->randReset(2);  // unreset state starts random (built with --x-initial unique) ...
    c->randSeed(1);   // ... reproducibly
    return c;
  }
  std::unique_ptr<VerilatedContext> context;
  Vvector_unit unit;
  VectorUnitDriver<Vvector_unit> driver;
};

RtlVectorUnit::RtlVectorUnit(std::function<void()> on_cycle) : impl_(std::make_unique<Impl>(std::move(on_cycle))) {}
RtlVectorUnit::~RtlVectorUnit() { impl_->unit.final(); }

VectorLimits RtlVectorUnit::limits() {
  VectorLimits v;
  v.lanes = CCSIM_VECTOR_LANES;
  v.addr_bits = CCSIM_VECTOR_ADDR_BITS;
  return v;
}

void RtlVectorUnit::reset() { impl_->driver.reset(); }

VectorLayerRun RtlVectorUnit::run(const std::vector<VectorPass>& passes, std::size_t output_size) {
  return impl_->driver.run(passes, output_size);
}

}  // namespace ccsim::cosim
