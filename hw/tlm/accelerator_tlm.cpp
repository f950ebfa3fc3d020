#include "hw/tlm/accelerator_tlm.hpp"

#include <cstring>

#include "hw/accelerator.hpp"
#include "hw/tlm/register_map.hpp"
#include "models/packed_file.hpp"

namespace ccsim::hw {

AcceleratorTlm::AcceleratorTlm(sc_core::sc_module_name name, const AcceleratorTlmConfig& config)
    : sc_core::sc_module(name), regs("regs"), dma("dma"), irq("irq"), config_(config) {
  config_.accelerator.validate();
  regs.register_b_transport(this, &AcceleratorTlm::b_transport_regs);
  dma.register_nb_transport_bw(this, &AcceleratorTlm::nb_transport_bw);
  dma.register_invalidate_direct_mem_ptr(this, &AcceleratorTlm::invalidate_dmi);
  quantum_.set_global_quantum(sc_core::sc_time(config_.quantum_ns, sc_core::SC_NS));
  quantum_.reset();
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
  if (offset >= regs::kSize || offset % 4 != 0) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++stats_.register_errors;
    return;
  }
  if (trans.get_data_length() != 4 || trans.get_streaming_width() < 4) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    ++stats_.register_errors;
    return;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    ++stats_.register_errors;
    return;
  }
  std::uint32_t value = 0;
  if (trans.is_read()) {
    if (!read_register(offset, value)) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      ++stats_.register_errors;
      return;
    }
    std::memcpy(trans.get_data_ptr(), &value, 4);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  } else if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    trans.set_response_status(write_register(offset, value, delay));
    if (!trans.is_response_ok()) ++stats_.register_errors;
  } else {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    ++stats_.register_errors;
  }
}

bool AcceleratorTlm::read_register(std::uint64_t offset, std::uint32_t& v) const {
  switch (offset) {
    case regs::kCtrl: v = 0; return true;
    case regs::kStatus: v = status_; return true;
    case regs::kError: v = error_; return true;
    case regs::kId: v = regs::kIdValue; return true;
    case regs::kNetAddrLo: v = static_cast<std::uint32_t>(net_addr_); return true;
    case regs::kNetAddrHi: v = static_cast<std::uint32_t>(net_addr_ >> 32); return true;
    case regs::kNetSize: v = net_size_; return true;
    case regs::kInAddrLo: v = static_cast<std::uint32_t>(in_addr_); return true;
    case regs::kInAddrHi: v = static_cast<std::uint32_t>(in_addr_ >> 32); return true;
    case regs::kOutAddrLo: v = static_cast<std::uint32_t>(out_addr_); return true;
    case regs::kOutAddrHi: v = static_cast<std::uint32_t>(out_addr_ >> 32); return true;
    case regs::kCyclesLo: v = static_cast<std::uint32_t>(last_cycles_); return true;
    case regs::kCyclesHi: v = static_cast<std::uint32_t>(last_cycles_ >> 32); return true;
    case regs::kLayers: v = last_layers_; return true;
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
    case regs::kInAddrLo: set_lo(in_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kInAddrHi: set_hi(in_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kOutAddrLo: set_lo(out_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kOutAddrHi: set_hi(out_addr_, v); return tlm::TLM_OK_RESPONSE;
    case regs::kStatus:
    case regs::kError:
    case regs::kId:
    case regs::kCyclesLo:
    case regs::kCyclesHi:
    case regs::kLayers:
      return tlm::TLM_COMMAND_ERROR_RESPONSE;  // read-only
    default:
      return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
}

// ---- run -----------------------------------------------------------------------------------

void AcceleratorTlm::run_thread() {
  for (;;) {
    wait(start_event_);
    execute_run();
  }
}

void AcceleratorTlm::finish(std::uint32_t error) {
  quantum_.sync();
  error_ = error;
  status_ = regs::kDone | (error ? regs::kErrorBit : 0u);
  set_irq(true, sc_core::SC_ZERO_TIME);
}

void AcceleratorTlm::execute_run() {
  quantum_.reset();
  std::string image(net_size_, '\0');
  model::PackedNetwork net;
  try {
    dma_transfer(tlm::TLM_READ_COMMAND, net_addr_, reinterpret_cast<unsigned char*>(image.data()), image.size());
  } catch (const DmaError&) {
    return finish(regs::kDmaError);
  }
  try {
    net = model::decode_packed(image, "DMA image");
  } catch (const std::exception&) {
    return finish(regs::kBadNetwork);
  }
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  try {
    dma_transfer(tlm::TLM_READ_COMMAND, in_addr_, reinterpret_cast<unsigned char*>(input.data.data()), input.data.size());
    const NetworkRun run = run_fast(net, input, config_.accelerator);
    quantum_.inc(sc_core::sc_time(config_.clock_ns * static_cast<double>(run.total.cycles), sc_core::SC_NS));
    auto out = run.output().data;
    dma_transfer(tlm::TLM_WRITE_COMMAND, out_addr_, reinterpret_cast<unsigned char*>(out.data()), out.size());
    last_cycles_ = static_cast<std::uint64_t>(run.total.cycles);
    last_layers_ = static_cast<std::uint32_t>(net.layers.size());
    stats_.cycles += run.total.cycles;
    ++stats_.runs;
  } catch (const DmaError&) {
    return finish(regs::kDmaError);
  }
  finish(regs::kNoError);
}

// ---- DMA -------------------------------------------------------------------------------------

void AcceleratorTlm::dma_transfer(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::size_t bytes) {
  for (std::size_t done = 0; done < bytes;) {
    const auto len = static_cast<unsigned>(std::min<std::size_t>(config_.burst_bytes, bytes - done));
    tlm::tlm_generic_payload trans;
    trans.set_command(cmd);
    trans.set_address(addr + done);
    trans.set_data_ptr(data + done);
    trans.set_data_length(len);
    trans.set_streaming_width(len);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (config_.path == MemoryPath::LooselyTimed) {
      dma_burst_lt(trans);
    } else {
      dma_burst_at(trans);
    }
    if (!trans.is_response_ok()) throw DmaError{};
    ++stats_.dma_transactions;
    (cmd == tlm::TLM_READ_COMMAND ? stats_.dma_bytes_read : stats_.dma_bytes_written) += len;
    done += len;
  }
}

void AcceleratorTlm::dma_burst_lt(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address();
  const std::uint64_t last = addr + trans.get_data_length() - 1;
  if (dmi_valid_ && addr >= dmi_.get_start_address() && last <= dmi_.get_end_address() &&
      (trans.is_read() ? dmi_.is_read_allowed() : dmi_.is_write_allowed())) {
    unsigned char* mem = dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
    if (trans.is_read()) {
      std::memcpy(trans.get_data_ptr(), mem, trans.get_data_length());
    } else {
      std::memcpy(mem, trans.get_data_ptr(), trans.get_data_length());
    }
    const auto per_byte = trans.is_read() ? dmi_.get_read_latency() : dmi_.get_write_latency();
    quantum_.inc(per_byte * static_cast<double>(trans.get_data_length()));
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    ++stats_.dmi_accesses;
  } else {
    sc_core::sc_time delay = quantum_.get_local_time();
    dma->b_transport(trans, delay);
    quantum_.set(delay);
    if (config_.use_dmi && trans.is_response_ok() && trans.is_dmi_allowed() && !dmi_valid_) {
      tlm::tlm_generic_payload probe;
      probe.set_command(trans.get_command());
      probe.set_address(addr);
      dmi_valid_ = dma->get_direct_mem_ptr(probe, dmi_);
    }
  }
  if (quantum_.need_sync()) quantum_.sync();
}

void AcceleratorTlm::dma_burst_at(tlm::tlm_generic_payload& trans) {
  quantum_.sync();  // AT: no temporal decoupling on the memory path
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const tlm::tlm_sync_enum status = dma->nb_transport_fw(trans, phase, delay);
  if (status == tlm::TLM_COMPLETED) {
    wait(delay);
    return;
  }
  if (status == tlm::TLM_ACCEPTED || (status == tlm::TLM_UPDATED && phase == tlm::END_REQ)) {
    if (phase != tlm::END_REQ) wait(end_req_event_);
    wait(response_event_);  // BEGIN_RESP, completed in nb_transport_bw
    return;
  }
  if (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP) {
    wait(delay);
    tlm::tlm_phase end_resp = tlm::END_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    dma->nb_transport_fw(trans, end_resp, zero);
  }
}

tlm::tlm_sync_enum AcceleratorTlm::nb_transport_bw(tlm::tlm_generic_payload& /*trans*/, tlm::tlm_phase& phase,
                                                   sc_core::sc_time& delay) {
  if (phase == tlm::END_REQ) {
    end_req_event_.notify(delay);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    response_event_.notify(delay);
    return tlm::TLM_COMPLETED;  // no END_RESP needed
  }
  SC_REPORT_ERROR("ccsim/accelerator", "unexpected phase on nb_transport_bw");
  return tlm::TLM_COMPLETED;
}

void AcceleratorTlm::invalidate_dmi(sc_dt::uint64 /*start*/, sc_dt::uint64 /*end*/) { dmi_valid_ = false; }

}  // namespace ccsim::hw
