#include "hw/tlm/system.hpp"

#include <algorithm>

#include "hw/simulation_context.hpp"
#include "models/packed_file.hpp"

namespace ccsim::hw {

TlmSystemResult run_tlm_system(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                               const AcceleratorTlmConfig& accelerator, const MemoryConfig& memory,
                               const std::optional<TrafficConfig>& traffic) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  std::vector<std::vector<std::int8_t>> raw;
  for (const auto& t : inputs) raw.push_back(t.data);
  sc_core::sc_clock clock("clock", sc_core::sc_time(accelerator.clock_ns, sc_core::SC_NS));
  AcceleratorTlm acc("accelerator", accelerator);
  Host host("host", model::encode_packed(net), dram_image(net, accelerator.accelerator), raw,
            static_cast<std::size_t>(net.output().size()));
  MemoryConfig mc = memory;
  mc.ports = 1;
  mc.shared_channel = true;
  mc.size = std::max<std::uint64_t>(mc.size, host.layout().out_addr + static_cast<std::uint64_t>(net.output().size()));
  if (const TileImplementation* tile = acc.core().tile_implementation()) {  // its region after all else
    mc.size = (mc.size + 63) / 64 * 64;
    acc.set_tile_scratch(mc.size);
    mc.size += tile->scratch_bytes(net);
  }
  Memory mem("memory", mc);
  Interconnect bus("interconnect", traffic ? 3 : 2);
  sc_core::sc_signal<bool> irq("irq");
  std::optional<TrafficGenerator> generator;
  // A protocol checker on every hop.
  ProtocolChecker host_mem("check_host_memory"), dma("check_dma"), to_memory("check_memory"), regs("check_registers");
  std::optional<ProtocolChecker> traffic_check;
  acc.clk(clock);
  host.mem.bind(host_mem.in);
  host_mem.out.bind(bus.initiator_port(0));
  acc.dma().bind(dma.in);
  dma.out.bind(bus.initiator_port(1));
  if (traffic) {
    generator.emplace("traffic", *traffic);
    traffic_check.emplace("check_traffic");
    generator->socket.bind(traffic_check->in);
    traffic_check->out.bind(bus.initiator_port(2));
  }
  bus.to_target.bind(to_memory.in);
  to_memory.out.bind(mem.port(0));
  host.regs.bind(regs.in);
  regs.out.bind(acc.regs);
  acc.irq(irq);
  host.irq(irq);
  sc_core::sc_start();
  TlmSystemResult r;
  r.runs = host.results();
  r.layers = acc.runs();
  r.memory = mem.stats();
  r.accelerator = acc.stats();
  r.dma = acc.core().dma().stats();
  r.array = acc.core().array().stats();
  r.array_mismatches = acc.core().array().mismatches();
  r.vector = acc.core().vector_unit().stats();
  r.feeder = acc.core().feeder().stats();
  r.output = acc.core().output_stage().stats();
  r.output_mismatches = acc.core().output_stage().mismatches();
  r.feeder_mismatches = acc.core().feeder().mismatches();
  r.vector_mismatches = acc.core().vector_unit().mismatches();
  if (const TileImplementation* tile = acc.core().tile_implementation()) {
    r.tile = tile->stats();
    r.tile_mismatches = tile->mismatches();
  }
  r.interconnect = bus.stats();
  r.traffic_bytes = generator ? generator->bytes() : 0;
  r.end_time = sc_core::sc_time_stamp();
  for (const ProtocolChecker* c : {&host_mem, &dma, &to_memory, &regs}) {
    r.protocol_violations.insert(r.protocol_violations.end(), c->violations().begin(), c->violations().end());
  }
  if (traffic_check) {
    r.protocol_violations.insert(r.protocol_violations.end(), traffic_check->violations().begin(), traffic_check->violations().end());
  }
  return r;
}

}  // namespace ccsim::hw
