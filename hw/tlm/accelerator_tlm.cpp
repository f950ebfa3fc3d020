#include "hw/tlm/accelerator_tlm.hpp"

#include <cstring>

#include "hw/tlm/register_map.hpp"
#include "models/packed_file.hpp"

namespace ccsim::hw {

namespace {
const AcceleratorTlmConfig& checked(const AcceleratorTlmConfig& config) {
  if (config.accelerator.schedule != Schedule::SharedArray) {
    throw std::invalid_argument("the TLM accelerator runs the shared schedule (one inference per START)");
  }
  config.accelerator.validate();
  return config;
}
}  // namespace

AcceleratorTlm::AcceleratorTlm(sc_core::sc_module_name name, const AcceleratorTlmConfig& config)
    : sc_core::sc_module(name), clk("clk"), regs("regs"), irq("irq"), config_(checked(config)),
      core_("core", config.accelerator, config.dma, sc_core::sc_time(config.clock_ns, sc_core::SC_NS)) {
  core_.clk(clk);
  regs.register_b_transport(this, &AcceleratorTlm::b_transport_regs);
  SC_THREAD(run_thread);
  SC_METHOD(drive_irq);
  sensitive << irq_event_;
  dont_initialize();
}

// The interrupt line has one driver (this method), whichever process changed its level.
void AcceleratorTlm::set_irq(bool level, const sc_core::sc_time& delay) {
  irq_level_ = level;
  irq_event_.notify(delay);
}

void AcceleratorTlm::drive_irq() { irq.write(irq_level_); }

// ---- control/status registers ------------------------------------------------------------

void AcceleratorTlm::b_transport_regs(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += sc_core::sc_time(config_.clock_ns, sc_core::SC_NS);  // one register access per clock
  const std::uint64_t offset = trans.get_address();
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  std::uint32_t value = 0;
  if (offset >= regs::kSize || offset % 4 != 0) {
    status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  } else if (trans.get_data_length() != 4 || trans.get_streaming_width() < 4) {
    status = tlm::TLM_BURST_ERROR_RESPONSE;
  } else if (trans.get_byte_enable_ptr() != nullptr) {
    status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  } else if (trans.is_read()) {
    if (read_register(offset, value)) {
      std::memcpy(trans.get_data_ptr(), &value, 4);
    } else {
      status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
  } else if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    status = write_register(offset, value, delay);
  } else {
    status = tlm::TLM_COMMAND_ERROR_RESPONSE;
  }
  if (status != tlm::TLM_OK_RESPONSE) ++stats_.register_errors;
  trans.set_response_status(status);
}

bool AcceleratorTlm::read_register(std::uint64_t offset, std::uint32_t& v) const {
  switch (offset) {
    case regs::kCtrl: v = 0; return true;
    case regs::kStatus: v = status_; return true;
    case regs::kError: v = error_; return true;
    case regs::kId: v = regs::kIdValue; return true;
    case regs::kWeightAddrLo: v = static_cast<std::uint32_t>(weight_addr_); return true;
    case regs::kWeightAddrHi: v = static_cast<std::uint32_t>(weight_addr_ >> 32); return true;
    case regs::kDramBytes: v = static_cast<std::uint32_t>(layout_.end); return true;
    case regs::kInAddrLo: v = static_cast<std::uint32_t>(in_addr_); return true;
    case regs::kInAddrHi: v = static_cast<std::uint32_t>(in_addr_ >> 32); return true;
    case regs::kOutAddrLo: v = static_cast<std::uint32_t>(out_addr_); return true;
    case regs::kOutAddrHi: v = static_cast<std::uint32_t>(out_addr_ >> 32); return true;
    case regs::kCyclesLo: v = static_cast<std::uint32_t>(last_cycles_); return true;
    case regs::kCyclesHi: v = static_cast<std::uint32_t>(last_cycles_ >> 32); return true;
    case regs::kLayers: v = net_ ? static_cast<std::uint32_t>(net_->layers.size()) : 0u; return true;
    case regs::kNetAddrLo: v = static_cast<std::uint32_t>(net_addr_); return true;
    case regs::kNetAddrHi: v = static_cast<std::uint32_t>(net_addr_ >> 32); return true;
    case regs::kNetSize: v = net_size_; return true;
    default: return false;
  }
}

tlm::tlm_response_status AcceleratorTlm::write_register(std::uint64_t offset, std::uint32_t v,
                                                        const sc_core::sc_time& delay) {
  auto set_lo = [](std::uint64_t& r, std::uint32_t x) { r = (r & ~0xffffffffull) | x; };
  auto set_hi = [](std::uint64_t& r, std::uint32_t x) { r = (r & 0xffffffffull) | (std::uint64_t{x} << 32); };
  switch (offset) {
    case regs::kCtrl:
      if (v & regs::kClear) {
        status_ &= ~(regs::kDone | regs::kErrorBit);
        error_ = regs::kNoError;
        set_irq(false, delay);
      }
      if (v & regs::kStart) {
        if (status_ & regs::kBusy) {
          error_ = regs::kStartWhileBusy;
          status_ |= regs::kErrorBit;
        } else {
          status_ = regs::kBusy;
          start_event_.notify(delay);
        }
      }
      return tlm::TLM_OK_RESPONSE;
    case regs::kNetAddrLo: set_lo(net_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kNetAddrHi: set_hi(net_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kNetSize: net_size_ = v; return tlm::TLM_OK_RESPONSE;
    case regs::kWeightAddrLo: set_lo(weight_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kWeightAddrHi: set_hi(weight_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kInAddrLo: set_lo(in_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kInAddrHi: set_hi(in_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kOutAddrLo: set_lo(out_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kOutAddrHi: set_hi(out_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kStatus:
    case regs::kError:
    case regs::kId:
    case regs::kDramBytes:
    case regs::kCyclesLo:
    case regs::kCyclesHi:
    case regs::kLayers:
      return tlm::TLM_COMMAND_ERROR_RESPONSE;  // read-only
    default:
      return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
}

// ---- runs ----------------------------------------------------------------------------------

std::uint32_t AcceleratorTlm::load_network() {
  std::string image(net_size_, '\0');
  DmaIf& dma = core_.dma_engine();
  dma.start({{{false, net_addr_, reinterpret_cast<unsigned char*>(image.data()), net_size_}}});
  if (!dma.done()) sc_core::wait(dma.done_event());
  if (dma.failed()) return regs::kDmaError;
  loaded_weight_addr_ = ~std::uint64_t{0};  // whatever is on chip is not this network's
  loaded_net_size_ = 0;
  try {
    auto net = std::make_unique<model::PackedNetwork>(model::decode_packed(image, "the network file at NET_ADDR"));
    config_.accelerator.validate_for(*net);  // its activations fit the data path
    auto memory = std::make_unique<MemorySystem>(config_.accelerator, *net);
    const DramLayout layout =
        plan_dram(*net, WeightBuffer(config_.accelerator.weight_buffer, config_.accelerator.resolved_array()), *memory, 0);
    core_.load(*net, *memory, layout, 0, net->layers.size());  // refuses groups wider than the multiplexers
    net_ = std::move(net);
    memory_ = std::move(memory);
    layout_ = layout;
  } catch (const std::exception&) {
    return regs::kBadNetwork;
  }
  loaded_net_addr_ = net_addr_;
  loaded_net_size_ = net_size_;
  return regs::kNoError;
}

void AcceleratorTlm::run_thread() {
  Controller& controller = core_.controller();
  for (;;) {
    sc_core::wait(start_event_);
    sc_core::wait(clk.posedge_event());  // the core counts rising edges: start on one
    std::uint32_t error = regs::kNoError;
    if (!net_ || loaded_net_addr_ != net_addr_ || loaded_net_size_ != net_size_) {
      error = load_network();
      sc_core::wait(clk.posedge_event());
    }
    if (error != regs::kNoError) {
      error_ = error;
      status_ = regs::kDone | regs::kErrorBit;
      set_irq(true, sc_core::SC_ZERO_TIME);
      continue;
    }
    CoreJob job;
    job.input_address = in_addr_;
    job.output_address = out_addr_;
    job.relocation = weight_addr_;
    job.first_inference = loaded_weight_addr_ != weight_addr_;
    const std::int64_t start = controller.now_cycle();
    controller.submit(job);
    sc_core::wait(controller.finished_event());
    CoreResult result = controller.take_result();
    const std::string data_error = result.data_error;
    const std::string any_error = result.error;
    NetworkRun run;
    append(run, std::move(result));
    run.start_cycle = start;
    run.end_cycle = controller.now_cycle();
    last_cycles_ = static_cast<std::uint64_t>(run.end_cycle - run.start_cycle);
    if (!data_error.empty()) {
      error = regs::kBadData;
    } else if (!any_error.empty()) {
      error = regs::kDmaError;
    } else {
      loaded_weight_addr_ = weight_addr_;
      stats_.runs += 1;
      stats_.cycles += run.total.cycles;
    }
    runs_.push_back(std::move(run));
    error_ = error;
    status_ = regs::kDone | (error ? regs::kErrorBit : 0u);
    set_irq(true, sc_core::SC_ZERO_TIME);
  }
}

}  // namespace ccsim::hw
