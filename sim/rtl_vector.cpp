#include "sim/rtl_vector.hpp"

#include <stdexcept>

#include <verilated_fst_c.h>

#include "Vvector_unit.h"  // generated (CMakeLists.txt): the Verilated vector unit
#include "sim/vector_driver.hpp"
#include "sim/vector_program.hpp"

namespace ccsim::cosim {

struct RtlVectorUnit::Impl {
  explicit Impl(std::function<void(bool computing)> on_cycle)
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

RtlVectorUnit::RtlVectorUnit(std::function<void(bool computing)> on_cycle) : impl_(std::make_unique<Impl>(std::move(on_cycle))) {}
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

namespace {

class RtlVectorImplementation final : public hw::VectorImplementation {
 public:
  RtlVectorImplementation() : unit_([this](bool computing) { on_cycle(computing); }) { unit_.reset(); }
  std::string name() const override { return "RTL vector unit"; }
  hw::VectorImplementationRun run(const model::PackedLayer& layer, const std::vector<const model::Int8Tensor*>& operands,
                                  std::size_t output_size, const std::function<void()>& compute_clock) override {
    clock_ = &compute_clock;
    compute_cycle_.clear();
    computed_ = 0;
    VectorLayerRun r;
    try {
      r = unit_.run(make_vector_passes(layer, operands, RtlVectorUnit::limits()), output_size);
    } catch (...) {
      clock_ = nullptr;
      throw;
    }
    clock_ = nullptr;
    hw::VectorImplementationRun out;
    out.output = std::move(r.output);
    out.write_cycle = std::move(r.write_cycle);
    for (auto& c : out.write_cycle) c = compute_cycle(c);
    out.compute_cycles = r.compute_cycles;
    if (r.error) {
      out.error = hw::VectorImplementationRun::Error{r.error->signal, r.error->expected, r.error->actual, r.error->value,
                                                     compute_cycle(r.error->cycle)};
      unit_.reset();  // it may have stopped mid-pass: the next layer starts from a clean unit
    }
    return out;
  }

 private:
  // A clock cycle of the unit: the system's clock advances in those it computes in.
  void on_cycle(bool computing) {
    compute_cycle_.push_back(computing ? computed_++ : -1);
    if (computing && clock_) (*clock_)();
  }
  // The compute cycle a cycle of the layer run (the driver's count, loads and starts included) was.
  std::int64_t compute_cycle(std::int64_t layer_cycle) const {
    return layer_cycle >= 0 && layer_cycle < static_cast<std::int64_t>(compute_cycle_.size())
               ? compute_cycle_[static_cast<std::size_t>(layer_cycle)]
               : -1;
  }

  const std::function<void()>* clock_ = nullptr;  // during run()
  std::vector<std::int64_t> compute_cycle_;       // per cycle of the layer run: its compute cycle, -1 for loads and starts
  std::int64_t computed_ = 0;
  RtlVectorUnit unit_;
};

}  // namespace

hw::VectorImplementationFactory rtl_vector_factory() {
  return [](const hw::ArrayConfig& a) -> std::unique_ptr<hw::VectorImplementation> {
    const VectorLimits built = RtlVectorUnit::limits();
    const std::int64_t store = std::int64_t{1} << built.addr_bits;
    const auto kib = [](std::int64_t bytes) {
      return bytes % 1024 == 0 ? std::to_string(bytes / 1024) + " KiB" : std::to_string(bytes) + " bytes";
    };
    if (a.vector_lanes != built.lanes) {
      throw std::invalid_argument("--rtl vector: the Verilated vector unit has " + std::to_string(built.lanes) +
                                  " lanes; this configuration " + std::to_string(a.vector_lanes) + " (use --vector-lanes " +
                                  std::to_string(built.lanes) + ")");
    }
    if (a.vector_store_bytes != store) {
      throw std::invalid_argument("--rtl vector: the Verilated vector unit has a " + kib(store) + " input store; this configuration " +
                                  kib(a.vector_store_bytes) + " (use --vector-store-kib " + std::to_string(store / 1024) +
                                  ", or build the unit with CMake's CCSIM_COSIM_VECTOR_ADDR_BITS)");
    }
    return std::make_unique<RtlVectorImplementation>();
  };
}

}  // namespace ccsim::cosim
