#include "sim/rtl_vector.hpp"

#include <stdexcept>

#include <verilated_fst_c.h>

#include "Vvector_unit.h"  // generated (CMakeLists.txt): the Verilated vector unit
#include "sim/vector_driver.hpp"

namespace ccsim::cosim {

struct RtlVectorUnit::Impl {
  explicit Impl(std::function<void()> on_cycle)
      : context(make_context()), unit(context.get(), "vector_unit"),
        driver(unit, limits(), std::move(on_cycle), [this](bool rising, std::int64_t cycle) { on_edge(rising, cycle); }) {}
  static std::unique_ptr<VerilatedContext> make_context() {
    auto c = std::make_unique<VerilatedContext>();
    c->randReset(2);  // unreset state starts random (built with --x-initial unique) ...
    c->randSeed(1);   // ... reproducibly
    c->traceEverOn(true);
    return c;
  }
  void on_edge(bool rising, std::int64_t cycle) {
    if (!fst || !dumping) return;
    if (cycle < first || (last >= 0 && cycle > last)) return;
    fst->dump(now() + (rising ? period / 2 : period));
    ++edges;
  }
  std::unique_ptr<VerilatedContext> context;
  Vvector_unit unit;
  VectorUnitDriver<Vvector_unit> driver;
  std::unique_ptr<VerilatedFstC> fst;
  std::function<std::uint64_t()> now;
  std::uint64_t period = 0;
  bool dumping = false;
  std::int64_t first = 0, last = -1;
  std::int64_t edges = 0;  // dumped since open_trace
};

RtlVectorUnit::RtlVectorUnit(std::function<void()> on_cycle) : impl_(std::make_unique<Impl>(std::move(on_cycle))) {}
RtlVectorUnit::~RtlVectorUnit() {
  close_trace();
  impl_->unit.final();
}

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

void RtlVectorUnit::open_trace(const std::string& path, std::function<std::uint64_t()> now, std::uint64_t period) {
  close_trace();
  auto fst = std::make_unique<VerilatedFstC>();
  impl_->unit.trace(fst.get(), 99);
  fst->open(path.c_str());
  if (!fst->isOpen()) throw std::runtime_error(path + ": cannot write the vector unit's waveform");
  impl_->fst = std::move(fst);
  impl_->now = std::move(now);
  impl_->period = period;
  impl_->dumping = false;
  impl_->edges = 0;
}

void RtlVectorUnit::trace_window(std::int64_t first, std::int64_t last) {
  impl_->dumping = true;
  impl_->first = first;
  impl_->last = last;
}

void RtlVectorUnit::trace_always() { trace_window(0, -1); }
void RtlVectorUnit::trace_off() { impl_->dumping = false; }
std::int64_t RtlVectorUnit::traced_edges() const { return impl_->edges; }

void RtlVectorUnit::close_trace() {
  if (impl_->fst) impl_->fst->close();
  impl_->fst.reset();
  impl_->dumping = false;
}

}  // namespace ccsim::cosim
