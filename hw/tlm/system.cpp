#include "hw/tlm/system.hpp"
#include "hw/simulation_context.hpp"

namespace ccsim::hw {

TlmSystemResult run_tlm_system(const std::string& image, const std::vector<model::Int8Tensor>& inputs,
                               std::size_t output_bytes, const AcceleratorTlmConfig& accelerator,
                               const MemoryConfig& memory) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  std::vector<std::vector<std::int8_t>> raw;
  for (const auto& t : inputs) raw.push_back(t.data);
  Memory mem("memory", memory);
  AcceleratorTlm acc("accelerator", accelerator);
  Host host("host", image, raw, output_bytes);
  sc_core::sc_signal<bool> irq("irq");
  host.mem.bind(mem.host_port);
  host.regs.bind(acc.regs);
  acc.dma.bind(mem.dma_port);
  acc.irq(irq);
  host.irq(irq);
  sc_core::sc_start();
  return {host.results(), mem.stats(), acc.stats(), sc_core::sc_time_stamp()};
}

}  // namespace ccsim::hw
