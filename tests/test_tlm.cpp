// The TLM-2.0 system: host -> registers, accelerator DMA -> memory. Loosely timed (with and
// without DMI) and approximately timed memory paths give the golden model's results; bad
// register and memory accesses get the proper TLM error responses. Each test elaborates in a simulation context of its own.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include "hw/accelerator.hpp"
#include "hw/tlm/blocking_access.hpp"
#include "hw/tlm/register_map.hpp"
#include "hw/tlm/system.hpp"
#include "hw/simulation_context.hpp"
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
  opt.combine = {4, 1.75, 0};
  Fixture f;
  f.packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  const auto batch = test::random_batch(net.input, 3, 5);
  const auto per = static_cast<std::size_t>(net.input.size());
  for (int i = 0; i < 3; ++i) f.inputs.push_back(model::quantize_input(f.packed, batch.data.data() + i * per, per));
  return f;
}

void check_system(MemoryPath path, bool dmi) {
  const Fixture f = make_fixture();
  AcceleratorTlmConfig cfg;
  cfg.path = path;
  cfg.use_dmi = dmi;
  MemoryConfig mem;
  mem.size = 1u << 20;
  const auto out_bytes = static_cast<std::size_t>(f.packed.output().size());
  const TlmSystemResult r = run_tlm_system(model::encode_packed(f.packed), f.inputs, out_bytes, cfg, mem);
  ASSERT_EQ(r.runs.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.runs[i].status, regs::kDone) << "error code " << r.runs[i].error;
    EXPECT_EQ(r.runs[i].output, model::run_golden(f.packed, f.inputs[i]).data) << "input " << i;
    EXPECT_EQ(r.runs[i].cycles, static_cast<std::uint64_t>(run_fast(f.packed, f.inputs[i], cfg.accelerator).total.cycles));
    // The run takes at least its array cycles of simulated time.
    EXPECT_GE((r.runs[i].finished - r.runs[i].started).to_seconds() * 1e9, static_cast<double>(r.runs[i].cycles));
  }
  const auto image = static_cast<std::int64_t>(model::encode_packed(f.packed).size());
  EXPECT_EQ(r.accelerator.dma_bytes_read, 3 * (image + static_cast<std::int64_t>(f.inputs[0].data.size())));
  EXPECT_EQ(r.accelerator.dma_bytes_written, 3 * static_cast<std::int64_t>(out_bytes));
  if (path == MemoryPath::LooselyTimed && dmi) {
    EXPECT_GT(r.accelerator.dmi_accesses, 0);
    EXPECT_GE(r.memory.dmi_grants, 1);
  } else {
    EXPECT_EQ(r.accelerator.dmi_accesses, 0);
  }
}

TEST(TlmSystem, LooselyTimedWithDmi) { check_system(MemoryPath::LooselyTimed, true); }
TEST(TlmSystem, LooselyTimedWithoutDmi) { check_system(MemoryPath::LooselyTimed, false); }
TEST(TlmSystem, ApproximatelyTimed) { check_system(MemoryPath::ApproximatelyTimed, false); }

// Each system elaborates in a context of its own: one process runs several (was SystemC E529).
TEST(TlmSystem, SeveralSystemsInOneProcess) {
  check_system(MemoryPath::LooselyTimed, true);
  check_system(MemoryPath::ApproximatelyTimed, false);
  check_system(MemoryPath::LooselyTimed, false);
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
  std::string image;

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
    if (!irq.read()) wait(irq.posedge_event());
    errors.emplace_back(what, (read(regs::kStatus) & regs::kErrorBit) ? read(regs::kError) : 0u);
    reg(what + " clear", tlm::TLM_WRITE_COMMAND, regs::kCtrl, regs::kClear);
  }

  void run() {
    reg("unmapped register", tlm::TLM_READ_COMMAND, 0x100, 0);
    reg("misaligned register", tlm::TLM_READ_COMMAND, 0x02, 0);
    reg("2-byte register access", tlm::TLM_READ_COMMAND, regs::kStatus, 0, 2);
    reg("write to read-only STATUS", tlm::TLM_WRITE_COMMAND, regs::kStatus, 1);
    reg("ID read", tlm::TLM_READ_COMMAND, regs::kId, 0);
    unsigned char buf[16] = {};
    responses.emplace_back("memory read past the end", access(mem_socket, tlm::TLM_READ_COMMAND, (1u << 16) - 8, buf, 16));
    // DMA from outside memory: the accelerator reports a DMA error.
    reg("net addr", tlm::TLM_WRITE_COMMAND, regs::kNetAddrLo, 1u << 20);
    reg("net size", tlm::TLM_WRITE_COMMAND, regs::kNetSize, 64);
    start_and_wait("dma outside memory");
    // A corrupt image: the accelerator reports a bad network.
    std::string bad = image;
    bad[bad.size() / 2] ^= 0x40;
    for (std::size_t i = 0; i < bad.size(); i += 1024) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(1024, bad.size() - i));
      access(mem_socket, tlm::TLM_WRITE_COMMAND, 0x100 + i, reinterpret_cast<unsigned char*>(bad.data() + i), n);
    }
    reg("net addr", tlm::TLM_WRITE_COMMAND, regs::kNetAddrLo, 0x100);
    reg("net size", tlm::TLM_WRITE_COMMAND, regs::kNetSize, static_cast<std::uint32_t>(bad.size()));
    start_and_wait("corrupt image");
    sc_core::sc_stop();
  }
};

TEST(TlmSystem, ErrorResponses) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const Fixture f = make_fixture();
  const SimulationContext context;
  MemoryConfig mc;
  mc.size = 1u << 16;
  Memory mem("memory", mc);
  AcceleratorTlm acc("accelerator", AcceleratorTlmConfig{});
  ErrorProbe probe("probe");
  probe.image = model::encode_packed(f.packed);
  sc_core::sc_signal<bool> irq("irq");
  probe.regs_socket.bind(acc.regs);
  probe.mem_socket.bind(mem.host_port);
  acc.dma.bind(mem.dma_port);
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
  ASSERT_EQ(probe.errors.size(), 2u);
  EXPECT_EQ(probe.errors[0].second, regs::kDmaError);
  EXPECT_EQ(probe.errors[1].second, regs::kBadNetwork);
  EXPECT_EQ(acc.stats().register_errors, 4);
}

}  // namespace
}  // namespace ccsim::hw
