#include "hw/units/dma_engine.hpp"

#include <stdexcept>

#include "hw/units/clock_wait.hpp"

namespace ccsim::hw {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const DramConfig& dram)
    : sc_core::sc_module(name), clk("clk"), dram_(dram) {
  if (!(dram.bytes_per_cycle > 0)) throw std::invalid_argument(std::string(this->name()) + ": DRAM bandwidth must be > 0");
  SC_THREAD(run_thread);
  sensitive << clk.pos();
}

std::int64_t DmaEngine::transfer_cycles(std::int64_t bytes) const {
  return dma_cycles(dram_, bytes);
}

void DmaEngine::start(const DmaJob& job) {
  if (!done_) throw std::logic_error(std::string(name()) + ": a job was started while the DMA engine was busy");
  job_ = job;
  done_ = false;
  stats_.jobs += 1;
  stats_.read_bytes += job.read_bytes;
  stats_.write_bytes += job.write_bytes;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void DmaEngine::run_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const std::int64_t cycles = transfer_cycles(job_.read_bytes + job_.write_bytes);
    wait_clocks(cycles);
    stats_.busy_cycles += cycles;
    done_ = true;
    done_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void DmaEngine::add_activity(LayerStats& s) const {
  s.dram_read_bytes += stats_.read_bytes;
  s.dram_write_bytes += stats_.write_bytes;
}

}  // namespace ccsim::hw
