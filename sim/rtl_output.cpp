#include "sim/rtl_output.hpp"

#include <memory>

#include "Vrequant.h"  // generated (CMakeLists.txt): the Verilated output stage

namespace ccsim::rtl {
namespace {

class RtlOutput final : public hw::OutputImplementation {
 public:
  RtlOutput() : context_(std::make_unique<VerilatedContext>()), rtl_(std::make_unique<Vrequant>(context_.get())) {}
  ~RtlOutput() override { rtl_->final(); }
  std::string name() const override { return "rtl"; }
  // Combinational: the inputs, one evaluation, the output.
  std::int8_t requantize(fixed::Acc acc, fixed::Multiplier m, std::int8_t act_min, std::int8_t act_max) override {
    rtl_->acc_i = static_cast<std::uint32_t>(acc);
    rtl_->mult_i = static_cast<std::uint32_t>(m.m0);
    rtl_->shift_i = static_cast<std::uint8_t>(static_cast<std::int8_t>(m.shift));
    rtl_->act_min_i = static_cast<std::uint8_t>(act_min);
    rtl_->act_max_i = static_cast<std::uint8_t>(act_max);
    rtl_->eval();
    return static_cast<std::int8_t>(rtl_->act_o);
  }

 private:
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vrequant> rtl_;
};

}  // namespace

hw::OutputImplementationFactory rtl_output_factory() {
  return [](const hw::ArrayConfig&) -> std::unique_ptr<hw::OutputImplementation> { return std::make_unique<RtlOutput>(); };
}

}  // namespace ccsim::rtl
