#include "hw/units/dma_engine.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "hw/tlm/blocking_access.hpp"

namespace ccsim::hw {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const DmaConfig& config, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), socket("socket"), config_(config), period_(clock_period) {
  if (config.burst_bytes < 1) throw std::invalid_argument(std::string(this->name()) + ": burst size must be >= 1 byte");
  if (config.max_outstanding < 1) throw std::invalid_argument(std::string(this->name()) + ": max_outstanding must be >= 1");
  socket.register_nb_transport_bw(this, &DmaEngine::nb_transport_bw);
  socket.register_invalidate_direct_mem_ptr(this, &DmaEngine::invalidate_dmi);
  quantum_.set_global_quantum(sc_core::sc_time(config.quantum_ns, sc_core::SC_NS));
  SC_THREAD(run_thread);
}

void DmaEngine::start(const DmaJob& job) {
  if (!done_) throw std::logic_error(std::string(name()) + ": a job was started while the DMA engine was busy");
  job_ = job;
  done_ = false;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

std::vector<DmaEngine::Burst> DmaEngine::bursts(const DmaJob& job) const {
  std::vector<Burst> out;
  for (const DmaTransfer& t : job.transfers) {
    for (std::uint64_t done = 0; done < t.bytes;) {
      const auto n = static_cast<unsigned>(std::min<std::uint64_t>(config_.burst_bytes, t.bytes - done));
      out.push_back({t.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, t.address + done, t.data + done, n});
      done += n;
    }
  }
  return out;
}

void DmaEngine::prepare(tlm::tlm_generic_payload& trans, const Burst& b) {
  init_payload(trans, b.command, b.address, b.data, b.bytes);
}

void DmaEngine::run_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const std::vector<Burst> list = bursts(job_);
    failed_ = false;
    sc_core::sc_time arrived = sc_core::sc_time_stamp();
    if (!list.empty()) arrived = config_.path == MemoryPath::LooselyTimed ? run_lt(list) : run_at(list);
    for (const Burst& b : list) (b.command == tlm::TLM_READ_COMMAND ? stats_.read_bytes : stats_.write_bytes) += b.bytes;
    stats_.phases += 1;
    // Done at the first rising edge at or after the last byte (edges at multiples of the period).
    const sc_dt::uint64 ticks = arrived.value();
    const sc_dt::uint64 period = period_.value();
    const sc_core::sc_time edge = period_ * static_cast<double>((ticks + period - 1) / period);
    if (edge > sc_core::sc_time_stamp()) sc_core::wait(edge - sc_core::sc_time_stamp());
    done_ = true;
    done_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

bool DmaEngine::dmi_access(const Burst& b, sc_core::sc_time& local) {
  if (!dmi_valid_ || b.address < dmi_.get_start_address() || b.address + b.bytes - 1 > dmi_.get_end_address()) return false;
  const bool read = b.command == tlm::TLM_READ_COMMAND;
  if (!(read ? dmi_.is_read_allowed() : dmi_.is_write_allowed())) return false;
  unsigned char* mem = dmi_.get_dmi_ptr() + (b.address - dmi_.get_start_address());
  if (read) {
    std::memcpy(b.data, mem, b.bytes);
  } else {
    std::memcpy(mem, b.data, b.bytes);
  }
  local += (read ? dmi_.get_read_latency() : dmi_.get_write_latency()) * static_cast<double>(b.bytes);
  ++stats_.dmi_accesses;
  return true;
}

sc_core::sc_time DmaEngine::run_lt(const std::vector<Burst>& list) {
  quantum_.reset();
  sc_core::sc_time arrived = sc_core::sc_time_stamp();
  for (const Burst& b : list) {
    sc_core::sc_time local = quantum_.get_local_time();
    if (config_.use_dmi && dmi_access(b, local)) {
      quantum_.set(local);
    } else {
      tlm::tlm_generic_payload trans;
      prepare(trans, b);
      socket->b_transport(trans, local);
      ++stats_.transactions;
      if (!trans.is_response_ok()) {
        ++stats_.errors;
        failed_ = true;
        quantum_.set(local);
        break;
      }
      quantum_.set(local);
      if (config_.use_dmi && trans.is_dmi_allowed() && !dmi_valid_) {
        tlm::tlm_generic_payload probe;
        prepare(probe, b);
        dmi_valid_ = socket->get_direct_mem_ptr(probe, dmi_);
      }
    }
    arrived = std::max(arrived, sc_core::sc_time_stamp() + quantum_.get_local_time());
    if (quantum_.need_sync()) quantum_.sync();
  }
  quantum_.sync();
  return arrived;
}

sc_core::sc_time DmaEngine::run_at(const std::vector<Burst>& list) {
  std::vector<tlm::tlm_generic_payload> payloads(list.size());
  last_response_ = sc_core::sc_time_stamp();
  answered_ = 0;
  in_flight_ = 0;
  request_open_ = false;
  std::size_t issued = 0;
  for (;;) {
    if (issued < list.size() && !failed_ && !request_open_ && in_flight_ < config_.max_outstanding) {
      tlm::tlm_generic_payload& trans = payloads[issued++];
      prepare(trans, list[issued - 1]);
      ++stats_.transactions;
      ++in_flight_;
      request_open_ = true;
      current_request_ = &trans;
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      const tlm::tlm_sync_enum status = socket->nb_transport_fw(trans, phase, delay);
      if (status == tlm::TLM_UPDATED && phase == tlm::END_REQ) request_open_ = false;
      if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP)) {
        request_open_ = false;
        sc_core::wait(delay);
        if (status == tlm::TLM_UPDATED) {  // the target moved to the response phase: end it
          tlm::tlm_phase end_resp = tlm::END_RESP;
          sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
          socket->nb_transport_fw(trans, end_resp, zero);
        }
        responded(trans, sc_core::SC_ZERO_TIME);
      }
      continue;
    }
    if (answered_ == issued && (issued == list.size() || failed_)) break;  // an error stops the phase
    sc_core::wait(progress_event_);
  }
  return last_response_;
}

void DmaEngine::responded(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay) {
  ++answered_;
  --in_flight_;
  if (!trans.is_response_ok()) {
    ++stats_.errors;
    failed_ = true;
  }
  last_response_ = std::max(last_response_, sc_core::sc_time_stamp() + delay);
}

tlm::tlm_sync_enum DmaEngine::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                              sc_core::sc_time& delay) {
  if (phase == tlm::END_REQ) {
    request_open_ = false;
    progress_event_.notify(delay);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    request_open_ = request_open_ && &trans != current_request_;
    responded(trans, delay);
    progress_event_.notify(delay);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("ccsim/dma", "unexpected phase on nb_transport_bw");
  return tlm::TLM_COMPLETED;
}

void DmaEngine::invalidate_dmi(sc_dt::uint64 /*start*/, sc_dt::uint64 /*end*/) { dmi_valid_ = false; }

void DmaEngine::add_activity(LayerStats& s) const {
  s.dram_read_bytes += stats_.read_bytes;
  s.dram_write_bytes += stats_.write_bytes;
}

}  // namespace ccsim::hw
