// A platform of one's own: its own memory (a plain loosely-timed target with a fixed latency) and
// its own CPU (programs the accelerator's registers), around ccsim's accelerator (the
// cycle-accurate unit modules behind a register socket and a DMA initiator socket; it fetches
// the network from memory), built against the installed package. Runs one inference on a ramp input and checks it against the golden model.
#include <cstring>
#include <iostream>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "hw/tlm/accelerator_tlm.hpp"
#include "hw/tlm/blocking_access.hpp"
#include "hw/tlm/register_map.hpp"
#include "models/golden.hpp"
#include "models/packed_file.hpp"

namespace {

using namespace ccsim;

struct MyMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<MyMemory> socket;
  std::vector<unsigned char> bytes;

  MyMemory(sc_core::sc_module_name name, std::size_t size) : sc_core::sc_module(name), socket("socket"), bytes(size, 0) {
    socket.register_b_transport(this, &MyMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    if (t.get_address() >= bytes.size() || t.get_data_length() > bytes.size() - t.get_address()) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    unsigned char* at = bytes.data() + t.get_address();
    if (t.is_read()) std::memcpy(t.get_data_ptr(), at, t.get_data_length());
    if (t.is_write()) std::memcpy(at, t.get_data_ptr(), t.get_data_length());
    delay += sc_core::sc_time(20 + t.get_data_length() / 8.0, sc_core::SC_NS);  // 20 ns + 8 bytes/ns
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct MyCpu : sc_core::sc_module {
  SC_HAS_PROCESS(MyCpu);
  tlm_utils::simple_initiator_socket<MyCpu> regs;
  sc_core::sc_in<bool> irq;
  std::uint32_t status = 0;
  std::uint64_t cycles = 0;

  explicit MyCpu(sc_core::sc_module_name name) : sc_core::sc_module(name), regs("regs"), irq("irq") { SC_THREAD(run); }
  void write(std::uint64_t offset, std::uint32_t value) {
    hw::blocking_access(regs, tlm::TLM_WRITE_COMMAND, offset, reinterpret_cast<unsigned char*>(&value), 4);
  }
  std::uint32_t read(std::uint64_t offset) {
    std::uint32_t value = 0;
    hw::blocking_access(regs, tlm::TLM_READ_COMMAND, offset, reinterpret_cast<unsigned char*>(&value), 4);
    return value;
  }
  std::uint32_t network_bytes = 0;
  void run() {
    write(hw::regs::kNetAddrLo, 0x1000);
    write(hw::regs::kNetSize, network_bytes);
    write(hw::regs::kWeightAddrLo, 0x10000);
    write(hw::regs::kInAddrLo, 0x100);
    write(hw::regs::kOutAddrLo, 0x800);
    write(hw::regs::kCtrl, hw::regs::kStart);
    if (!irq.read()) wait(irq.posedge_event());
    status = read(hw::regs::kStatus);
    cycles = read(hw::regs::kCyclesLo);
    sc_core::sc_stop();
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: own_soc NETWORK.ccpack\n";
    return 2;
  }
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const model::PackedNetwork net = model::load_packed(argv[1]);
  model::Int8Tensor input{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()))};
  for (std::size_t i = 0; i < input.data.size(); ++i) input.data[i] = static_cast<std::int8_t>(i % 251 - 125);

  sc_core::sc_clock clock("clock", 1, sc_core::SC_NS);
  const hw::AcceleratorTlmConfig config;
  hw::AcceleratorTlm accelerator("accelerator", config);
  // What the CPU's driver would copy into memory: the network file (its layer descriptors), the
  // weight image for this accelerator's configuration, the input.
  const std::string file = model::encode_packed(net);
  const hw::DramImage image = hw::dram_image(net, config.accelerator);
  if (file.size() > 0xF000) {
    std::cerr << argv[1] << ": network file larger than this platform's 60 KiB slot\n";
    return 2;
  }
  MyMemory memory("memory", 0x10000 + image.bytes);
  MyCpu cpu("cpu");
  cpu.network_bytes = static_cast<std::uint32_t>(file.size());
  sc_core::sc_signal<bool> irq("irq");
  accelerator.clk(clock);
  accelerator.dma().bind(memory.socket);
  accelerator.irq(irq);
  cpu.regs.bind(accelerator.regs);
  cpu.irq(irq);
  std::memcpy(memory.bytes.data() + 0x1000, file.data(), file.size());
  std::memcpy(memory.bytes.data() + 0x10000, image.weights.data(), image.weights.size());
  std::memcpy(memory.bytes.data() + 0x100, input.data.data(), input.data.size());
  sc_core::sc_start();

  const std::vector<std::int8_t> golden = model::run_golden(net, input).data;
  const bool same = std::memcmp(memory.bytes.data() + 0x800, golden.data(), golden.size()) == 0;
  const bool pass = same && cpu.status == hw::regs::kDone;
  std::cout << (pass ? "PASS" : "FAIL") << ": " << net.name << ", " << cpu.cycles << " accelerator cycles, "
            << sc_core::sc_time_stamp() << " simulated, status " << cpu.status << "\n";
  return pass ? 0 : 1;
}
