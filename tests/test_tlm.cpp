// The TLM-2.0 system: host -> registers, accelerator DMA and host -> interconnect -> memory, the
// accelerator being the cycle-accurate unit modules. With an ideal memory (zero latency, the
// configured bandwidth) every counter equals the cycle mode's, on the LT (with and without DMI)
// and AT paths; with latency and contention the TLM run is slower and still bit-exact; bad
// register and memory accesses get the TLM error responses. Each test elaborates in a
// simulation context of its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include <tlm_utils/simple_initiator_socket.h>

#include "hw/accelerator.hpp"
#include "hw/simulation_context.hpp"
#include "hw/tlm/blocking_access.hpp"
#include "hw/tlm/register_map.hpp"
#include "hw/tlm/system.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

struct Fixture {
  model::PackedNetwork packed;
  std::vector<model::Int8Tensor> inputs;
};

Fixture make_fixture() {
  const auto net = test::shift_net(41, 0.35);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {4, 1.75, 0};
  Fixture f;
  f.packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  const auto batch = test::random_batch(net.input, 3, 5);
  const auto per = static_cast<std::size_t>(net.input.size());
  for (int i = 0; i < 3; ++i) f.inputs.push_back(model::quantize_input(f.packed, batch.data.data() + i * per, per));
  return f;
}

// A memory-bound configuration at 2 B/cycle (a byte is 500 ps, whole for DMI): spills, refills,
// weights streamed every inference.
AcceleratorConfig memory_bound() { return test::memory_bound_config(2); }

MemoryConfig ideal_memory(const AcceleratorConfig& c) {
  MemoryConfig m;
  m.size = 0;
  m.latency_ns = 0;
  m.bytes_per_ns = c.dram.bytes_per_cycle;  // 1 ns clock
  return m;
}

void check_equals_cycle_mode(const AcceleratorConfig& config, MemoryPath path, bool dmi) {
  const Fixture f = make_fixture();
  AcceleratorTlmConfig cfg;
  cfg.accelerator = config;
  cfg.dma.path = path;
  cfg.dma.use_dmi = dmi;
  const TlmSystemResult r = run_tlm_system(f.packed, f.inputs, cfg, ideal_memory(config));
  const auto cycle = run_cycle_accurate(f.packed, f.inputs, config);
  ASSERT_EQ(r.runs.size(), 3u);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_TRUE(r.protocol_violations.empty()) << r.protocol_violations.front();
  std::int64_t dram_read = 0;
  std::int64_t dram_written = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.runs[i].status, regs::kDone) << "error code " << r.runs[i].error;
    EXPECT_EQ(r.runs[i].output, model::run_golden(f.packed, f.inputs[i]).data) << "input " << i;
    ASSERT_EQ(r.layers[i].layers.size(), cycle[i].layers.size());
    for (std::size_t l = 0; l < cycle[i].layers.size(); ++l) {
      EXPECT_TRUE(r.layers[i].layers[l].same_counts(cycle[i].layers[l]))
          << "input " << i << " layer " << f.packed.layers[l].name << "\ntlm:   " << r.layers[i].layers[l].to_json().dump()
          << "\ncycle: " << cycle[i].layers[l].to_json().dump();
    }
    EXPECT_EQ(r.runs[i].cycles, static_cast<std::uint64_t>(cycle[i].total.cycles));
    dram_read += cycle[i].total.dram_read_bytes;
    dram_written += cycle[i].total.dram_write_bytes;
  }
  // DMA bytes are the model's DRAM counters plus the network file, fetched once; without DMI
  // every one crossed the memory's port.
  dram_read += static_cast<std::int64_t>(model::encode_packed(f.packed).size());
  EXPECT_EQ(r.dma.read_bytes, dram_read);
  EXPECT_EQ(r.dma.write_bytes, dram_written);
  if (dmi) {
    EXPECT_GT(r.dma.dmi_accesses, 0);
    EXPECT_GE(r.memory.dmi_grants, 1);
  } else {
    EXPECT_EQ(r.dma.dmi_accesses, 0);
    EXPECT_EQ(r.interconnect.bytes.at(1), dram_read + dram_written);
  }
}

TEST(TlmSystem, LooselyTimedIdealMemoryEqualsCycleMode) {
  check_equals_cycle_mode(AcceleratorConfig{}, MemoryPath::LooselyTimed, false);
}
TEST(TlmSystem, LooselyTimedWithDmiEqualsCycleMode) { check_equals_cycle_mode(memory_bound(), MemoryPath::LooselyTimed, true); }
TEST(TlmSystem, ApproximatelyTimedEqualsCycleMode) {
  check_equals_cycle_mode(AcceleratorConfig{}, MemoryPath::ApproximatelyTimed, false);
}
TEST(TlmSystem, MemoryBoundLtAndAtEqualCycleMode) {
  check_equals_cycle_mode(memory_bound(), MemoryPath::LooselyTimed, false);
  check_equals_cycle_mode(memory_bound(), MemoryPath::ApproximatelyTimed, false);
}

// Latency makes every DMA phase longer; a traffic generator on the interconnect takes bandwidth.
// Results stay bit-exact, the AT path keeps several bursts in flight.
TEST(TlmSystem, LatencyAndContentionSlowTheAcceleratorDown) {
  const Fixture f = make_fixture();
  AcceleratorTlmConfig cfg;
  cfg.accelerator = memory_bound();
  cfg.dma.path = MemoryPath::ApproximatelyTimed;
  const auto ideal = run_tlm_system(f.packed, f.inputs, cfg, ideal_memory(cfg.accelerator));
  MemoryConfig slow = ideal_memory(cfg.accelerator);
  slow.latency_ns = 40;
  slow.max_outstanding = 2;
  const auto latency = run_tlm_system(f.packed, f.inputs, cfg, slow);
  TrafficConfig traffic;
  traffic.bytes_per_ns = 1.0;  // half the memory's bandwidth
  traffic.base = 0;
  traffic.span = 4096;
  const auto contended = run_tlm_system(f.packed, f.inputs, cfg, ideal_memory(cfg.accelerator), traffic);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto golden = model::run_golden(f.packed, f.inputs[i]).data;
    EXPECT_EQ(latency.runs[i].output, golden);
    EXPECT_EQ(contended.runs[i].output, golden);
    EXPECT_GT(latency.runs[i].cycles, ideal.runs[i].cycles);
    EXPECT_GT(contended.runs[i].cycles, ideal.runs[i].cycles);
  }
  EXPECT_GT(contended.traffic_bytes, 0);
  for (const auto* run : {&latency, &contended}) EXPECT_TRUE(run->protocol_violations.empty()) << run->protocol_violations.front();
  EXPECT_GT(latency.memory.backpressured, 0);  // more than 2 bursts wanted to be in flight
  EXPECT_EQ(latency.dma.read_bytes, ideal.dma.read_bytes);
}

// Each system elaborates in a context of its own: one process runs several (was SystemC E529).
TEST(TlmSystem, SeveralSystemsInOneProcess) {
  check_equals_cycle_mode(AcceleratorConfig{}, MemoryPath::LooselyTimed, false);
  check_equals_cycle_mode(AcceleratorConfig{}, MemoryPath::ApproximatelyTimed, false);
}

// The checker is not a test that cannot fail: an initiator that breaks the base protocol (a second
// BEGIN_REQ before END_REQ, END_RESP for a transaction never answered) is reported.
class RudeInitiator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(RudeInitiator);
  tlm_utils::simple_initiator_socket<RudeInitiator> socket;
  tlm::tlm_generic_payload a, b, c;
  unsigned char data[64] = {};

  explicit RudeInitiator(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {
    socket.register_nb_transport_bw(this, &RudeInitiator::bw);
    SC_THREAD(run);
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) { return tlm::TLM_COMPLETED; }
  void send(tlm::tlm_generic_payload& t, tlm::tlm_phase phase, unsigned length) {
    init_payload(t, tlm::TLM_READ_COMMAND, 0, data, length);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->nb_transport_fw(t, phase, delay);
  }
  void run() {
    send(a, tlm::BEGIN_REQ, 64);
    send(b, tlm::BEGIN_REQ, 64);  // a is still in its request phase
    send(c, tlm::END_RESP, 64);   // never requested
    sc_core::wait(1, sc_core::SC_US);
    sc_core::sc_stop();
  }
};

TEST(ProtocolChecker, ReportsABrokenBaseProtocol) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  MemoryConfig mc;
  mc.size = 4096;
  mc.ports = 1;
  Memory mem("memory", mc);
  ProtocolChecker checker("checker");
  RudeInitiator rude("rude");
  rude.socket.bind(checker.in);
  checker.out.bind(mem.port(0));
  sc_core::sc_start();
  const auto& v = checker.violations();
  ASSERT_GE(v.size(), 2u);
  const auto said = [&](const std::string& text) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return s.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(said("BEGIN_REQ while another transaction is in its request phase"));
  EXPECT_TRUE(said("END_RESP for a transaction not in its response phase"));
}

// A test bench that drives the accelerator's registers and the memory directly.
class ErrorProbe : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ErrorProbe);
  tlm_utils::simple_initiator_socket<ErrorProbe> regs_socket;
  tlm_utils::simple_initiator_socket<ErrorProbe> mem_socket;
  sc_core::sc_in<bool> irq;
  std::vector<std::pair<std::string, tlm::tlm_response_status>> responses;
  std::vector<std::pair<std::string, std::uint32_t>> errors;
  std::vector<unsigned char> weights;
  std::string network;
  std::uint64_t memory_size = 0;
  std::uint32_t layers = 0;

  explicit ErrorProbe(sc_core::sc_module_name n) : sc_core::sc_module(n), regs_socket("r"), mem_socket("m"), irq("irq") {
    SC_THREAD(run);
  }

  tlm::tlm_response_status access(tlm_utils::simple_initiator_socket<ErrorProbe>& s, tlm::tlm_command cmd,
                                  std::uint64_t addr, unsigned char* data, unsigned len) {
    return blocking_access(s, cmd, addr, data, len);
  }
  void reg(const std::string& what, tlm::tlm_command cmd, std::uint64_t offset, std::uint32_t value, unsigned len = 4) {
    responses.emplace_back(what, access(regs_socket, cmd, offset, reinterpret_cast<unsigned char*>(&value), len));
  }
  std::uint32_t read(std::uint64_t offset) {
    std::uint32_t v = 0;
    access(regs_socket, tlm::TLM_READ_COMMAND, offset, reinterpret_cast<unsigned char*>(&v), 4);
    return v;
  }
  void start_and_wait(const std::string& what) {
    reg(what + " start", tlm::TLM_WRITE_COMMAND, regs::kCtrl, regs::kStart);
    reg(what + " start while busy", tlm::TLM_WRITE_COMMAND, regs::kCtrl, regs::kStart);
    if (!irq.read()) wait(irq.posedge_event());
    errors.emplace_back(what, (read(regs::kStatus) & regs::kErrorBit) ? read(regs::kError) : 0u);
    reg(what + " clear", tlm::TLM_WRITE_COMMAND, regs::kCtrl, regs::kClear);
  }
  void write_memory(std::uint64_t addr, std::vector<unsigned char> bytes) {
    for (std::size_t i = 0; i < bytes.size(); i += 1024) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(1024, bytes.size() - i));
      access(mem_socket, tlm::TLM_WRITE_COMMAND, addr + i, bytes.data() + i, n);
    }
  }

  std::function<void()> script;  // instead of the error sequence

  void run() {
    if (script) {
      script();
      sc_core::sc_stop();
      return;
    }
    reg("unmapped register", tlm::TLM_READ_COMMAND, 0x100, 0);
    reg("misaligned register", tlm::TLM_READ_COMMAND, 0x02, 0);
    reg("2-byte register access", tlm::TLM_READ_COMMAND, regs::kStatus, 0, 2);
    reg("write to read-only STATUS", tlm::TLM_WRITE_COMMAND, regs::kStatus, 1);
    reg("ID read", tlm::TLM_READ_COMMAND, regs::kId, 0);
    unsigned char buf[16] = {};
    responses.emplace_back("memory read past the end", access(mem_socket, tlm::TLM_READ_COMMAND, memory_size - 8, buf, 16));
    // The network file: outside memory (a DMA error), corrupt (a bad network), then the real one.
    reg("net addr", tlm::TLM_WRITE_COMMAND, regs::kNetAddrLo, static_cast<std::uint32_t>(memory_size));
    reg("net size", tlm::TLM_WRITE_COMMAND, regs::kNetSize, static_cast<std::uint32_t>(network.size()));
    start_and_wait("network outside memory");
    std::vector<unsigned char> file(network.begin(), network.end());
    file[file.size() / 2] ^= 0x40;
    write_memory(0x8000, file);
    reg("net addr", tlm::TLM_WRITE_COMMAND, regs::kNetAddrLo, 0x8000);
    start_and_wait("corrupt network");
    write_memory(0x8000, std::vector<unsigned char>(network.begin(), network.end()));
    // Weights outside memory: the accelerator reports a DMA error.
    reg("weight addr", tlm::TLM_WRITE_COMMAND, regs::kWeightAddrLo, static_cast<std::uint32_t>(memory_size));
    start_and_wait("weights outside memory");
    // Corrupt weights in memory: the weight buffer's check reports bad data.
    std::vector<unsigned char> bad = weights;
    bad[0] ^= 0x40;  // the first layer's first cell
    write_memory(0x1000, bad);
    reg("weight addr", tlm::TLM_WRITE_COMMAND, regs::kWeightAddrLo, 0x1000);
    start_and_wait("corrupt weights");
    // The right weights: a clean run.
    write_memory(0x1000, weights);
    start_and_wait("good weights");
    layers = read(regs::kLayers);
    sc_core::sc_stop();
  }
};

TEST(TlmSystem, ErrorResponses) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const Fixture f = make_fixture();
  const SimulationContext context;
  sc_core::sc_clock clock("clock", 1, sc_core::SC_NS);
  AcceleratorTlm acc("accelerator", AcceleratorTlmConfig{});
  const DramImage image = dram_image(f.packed, AcceleratorConfig{});
  MemoryConfig mc;
  mc.size = 1u << 16;
  mc.ports = 1;
  ASSERT_LT(0x1000 + image.bytes, 0x8000u);
  ASSERT_LT(0x8000 + model::encode_packed(f.packed).size(), mc.size);
  Memory mem("memory", mc);
  Interconnect bus("interconnect", 2);
  ErrorProbe probe("probe");
  probe.weights = image.weights;
  probe.network = model::encode_packed(f.packed);
  probe.memory_size = mc.size;
  sc_core::sc_signal<bool> irq("irq");
  ProtocolChecker check_regs("check_regs"), check_mem("check_mem"), check_dma("check_dma");
  acc.clk(clock);
  probe.regs_socket.bind(check_regs.in);
  check_regs.out.bind(acc.regs);
  probe.mem_socket.bind(check_mem.in);
  check_mem.out.bind(bus.initiator_port(0));
  acc.dma().bind(check_dma.in);
  check_dma.out.bind(bus.initiator_port(1));
  bus.to_target.bind(mem.port(0));
  acc.irq(irq);
  probe.irq(irq);
  sc_core::sc_start();

  std::map<std::string, tlm::tlm_response_status> r(probe.responses.begin(), probe.responses.end());
  EXPECT_EQ(r["unmapped register"], tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(r["misaligned register"], tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(r["2-byte register access"], tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(r["write to read-only STATUS"], tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(r["ID read"], tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r["memory read past the end"], tlm::TLM_ADDRESS_ERROR_RESPONSE);
  ASSERT_EQ(probe.errors.size(), 5u);
  EXPECT_EQ(probe.errors[0].second, regs::kDmaError);
  EXPECT_EQ(probe.errors[1].second, regs::kBadNetwork);
  EXPECT_EQ(probe.errors[2].second, regs::kDmaError);
  EXPECT_EQ(probe.errors[3].second, regs::kBadData);
  EXPECT_EQ(probe.errors[4].second, regs::kNoError);
  EXPECT_EQ(probe.layers, f.packed.layers.size());
  EXPECT_EQ(acc.stats().register_errors, 4);
  EXPECT_EQ(acc.stats().runs, 1);
  // Error responses are protocol-clean.
  for (const ProtocolChecker* c : {&check_regs, &check_mem, &check_dma}) {
    EXPECT_TRUE(c->violations().empty()) << c->violations().front();
    EXPECT_GT(c->transactions(), 0);
  }
}

// Byte enables on the memory (the RTL tile's output DMA writes 8-byte words with a strobe per
// byte): only enabled bytes are written, a shorter pattern repeats over the data, reads return
// every byte, and enables without a length are refused.
struct ByteEnableProbe : sc_core::sc_module {
  SC_HAS_PROCESS(ByteEnableProbe);
  tlm_utils::simple_initiator_socket<ByteEnableProbe> socket;
  std::vector<tlm::tlm_response_status> status;
  std::vector<unsigned char> read_back;
  explicit ByteEnableProbe(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") { SC_THREAD(run); }
  void access(tlm::tlm_command command, std::uint64_t address, unsigned char* data, unsigned length, unsigned char* enable,
              unsigned enable_length) {
    tlm::tlm_generic_payload t;
    t.set_command(command);
    t.set_address(address);
    t.set_data_ptr(data);
    t.set_data_length(length);
    t.set_streaming_width(length);
    t.set_byte_enable_ptr(enable);
    t.set_byte_enable_length(enable_length);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    status.push_back(t.get_response_status());
  }
  void run() {
    std::vector<unsigned char> ones(8, 0x11), twos(8, 0x22), threes(8, 0x33);
    unsigned char strobe[8] = {0xff, 0, 0xff, 0, 0, 0, 0, 0xff};
    unsigned char odd[2] = {0, 0xff};
    access(tlm::TLM_WRITE_COMMAND, 0x100, ones.data(), 8, nullptr, 0);
    access(tlm::TLM_WRITE_COMMAND, 0x100, twos.data(), 8, strobe, 8);
    access(tlm::TLM_WRITE_COMMAND, 0x108, threes.data(), 8, odd, 2);  // bytes 1, 3, 5, 7
    access(tlm::TLM_WRITE_COMMAND, 0x100, threes.data(), 8, strobe, 0);
    read_back.assign(16, 0);
    access(tlm::TLM_READ_COMMAND, 0x100, read_back.data(), 16, strobe, 8);
  }
};

TEST(TlmMemory, WritesOnlyTheEnabledBytes) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  MemoryConfig mc;
  mc.size = 1u << 12;
  mc.ports = 1;
  Memory mem("memory", mc);
  ByteEnableProbe probe("probe");
  probe.socket.bind(mem.port(0));
  sc_core::sc_start();
  ASSERT_EQ(probe.status.size(), 5u);
  EXPECT_EQ(probe.status[0], tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(probe.status[1], tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(probe.status[2], tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(probe.status[3], tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(probe.status[4], tlm::TLM_OK_RESPONSE);
  const std::vector<unsigned char> expected = {0x22, 0x11, 0x22, 0x11, 0x11, 0x11, 0x11, 0x22,
                                               0x00, 0x33, 0x00, 0x33, 0x00, 0x33, 0x00, 0x33};
  EXPECT_EQ(std::vector<unsigned char>(mem.contents().begin() + 0x100, mem.contents().begin() + 0x110), expected);
  EXPECT_EQ(probe.read_back, expected);
}

// DMI: the LT DMA engine copies through the granted pointer; when the memory revokes it, the
// invalidation reaches the DMA engine through the interconnect (and the checker counts it), which
// falls back to b_transport and gets DMI again; both runs are bit-exact.
TEST(TlmSystem, DmiInvalidationFallsBackToTransactions) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const Fixture f = make_fixture();
  const SimulationContext context;
  sc_core::sc_clock clock("clock", 1, sc_core::SC_NS);
  AcceleratorTlmConfig cfg;
  cfg.dma.use_dmi = true;
  AcceleratorTlm acc("accelerator", cfg);
  const DramImage image = dram_image(f.packed, cfg.accelerator);
  const std::string network = model::encode_packed(f.packed);
  MemoryConfig mc;
  mc.size = 1u << 16;
  mc.ports = 1;
  mc.bytes_per_ns = 8;  // a byte is 125 ps: DMI timing is exact
  Memory mem("memory", mc);
  Interconnect bus("interconnect", 2);
  ErrorProbe probe("probe");
  ProtocolChecker check_dma("check_dma");
  sc_core::sc_signal<bool> irq("irq");
  acc.clk(clock);
  probe.regs_socket.bind(acc.regs);
  probe.mem_socket.bind(bus.initiator_port(0));
  acc.dma().bind(check_dma.in);
  check_dma.out.bind(bus.initiator_port(1));
  bus.to_target.bind(mem.port(0));
  acc.irq(irq);
  probe.irq(irq);
  std::vector<std::vector<std::int8_t>> outputs;
  std::vector<std::int64_t> dmi_after_run;
  std::vector<std::int64_t> transactions_after_run;
  const auto out_bytes = static_cast<unsigned>(f.packed.output().size());
  probe.script = [&] {
    probe.write_memory(0x1000, image.weights);
    probe.write_memory(0x8000, std::vector<unsigned char>(network.begin(), network.end()));
    probe.reg("net addr", tlm::TLM_WRITE_COMMAND, regs::kNetAddrLo, 0x8000);
    probe.reg("net size", tlm::TLM_WRITE_COMMAND, regs::kNetSize, static_cast<std::uint32_t>(network.size()));
    probe.reg("weight addr", tlm::TLM_WRITE_COMMAND, regs::kWeightAddrLo, 0x1000);
    probe.reg("in addr", tlm::TLM_WRITE_COMMAND, regs::kInAddrLo, 0x100);
    probe.reg("out addr", tlm::TLM_WRITE_COMMAND, regs::kOutAddrLo, 0x800);
    for (int k = 0; k < 2; ++k) {
      probe.write_memory(0x100, std::vector<unsigned char>(f.inputs[k].data.begin(), f.inputs[k].data.end()));
      probe.start_and_wait("run " + std::to_string(k));
      std::vector<std::int8_t> out(out_bytes);
      probe.access(probe.mem_socket, tlm::TLM_READ_COMMAND, 0x800, reinterpret_cast<unsigned char*>(out.data()), out_bytes);
      outputs.push_back(out);
      dmi_after_run.push_back(acc.core().dma().stats().dmi_accesses);
      transactions_after_run.push_back(acc.core().dma().stats().transactions);
      if (k == 0) mem.invalidate_dmi();
    }
  };
  sc_core::sc_start();
  ASSERT_EQ(outputs.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(probe.errors[k].second, regs::kNoError);
    EXPECT_EQ(outputs[k], model::run_golden(f.packed, f.inputs[k]).data) << "run " << k;
  }
  EXPECT_EQ(check_dma.dmi_invalidations(), 1);
  EXPECT_GT(dmi_after_run[0], 0);
  EXPECT_GT(dmi_after_run[1], dmi_after_run[0]);                        // DMI again after the fallback
  EXPECT_GT(transactions_after_run[1], transactions_after_run[0]);      // the fallback went through b_transport
  EXPECT_GE(mem.stats().dmi_grants, 2);
  EXPECT_TRUE(check_dma.violations().empty()) << check_dma.violations().front();
}

}  // namespace
}  // namespace ccsim::hw
