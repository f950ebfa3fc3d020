// Simulation speed of the co-simulation on the bundled network: the Verilated RTL tile alone,
// the SystemC cycle model's engine alone, and both in lockstep with every-cycle comparison, on
// the same 16x16 array and the same layers. One process per measurement (SystemC elaborates
// once per process): bench_cosim DESIGN COUNT prints one JSON line. Built once per Verilator
// option set (tests/CMakeLists.txt); scripts/bench-verilator.sh runs them all.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/idx_dataset.hpp"
#include "models/packed_file.hpp"
#include "sim/cosim.hpp"

int main(int argc, char** argv) {
  try {
    const std::string design = argc > 1 ? argv[1] : "rtl";
    const int count = argc > 2 ? std::stoi(argv[2]) : 2;
    const auto net = ccsim::model::load_packed(std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.ccpack");
    const auto data = ccsim::model::load_idx_dataset("/usr/share/datasets/fashion-mnist", "t10k", count);
    const auto batch = ccsim::model::to_batch(data, net.preprocess, net.input, 0, data.count);
    const auto per = static_cast<std::size_t>(net.input.size());
    std::vector<ccsim::model::Int8Tensor> inputs;
    for (int i = 0; i < data.count; ++i) inputs.push_back(ccsim::model::quantize_input(net, batch.data.data() + i * per, per));
    ccsim::cosim::CosimOptions o;
    o.design = design == "both" ? ccsim::cosim::Design::Both
             : design == "systemc" ? ccsim::cosim::Design::SystemC : ccsim::cosim::Design::Rtl;
    const auto r = ccsim::cosim::run_cosim(net, inputs, o);
    const nlohmann::json line = {{"variant", CCSIM_BENCH_VARIANT}, {"design", design}, {"images", count},
                                 {"pass", r.pass}, {"compute_cycles", r.cycles_compared},
                                 {"cycles_simulated", r.cycles_simulated}, {"seconds", r.wall_seconds},
                                 {"compute_cycles_per_second", r.cycles_compared / r.wall_seconds},
                                 {"cell_cycles_per_second", 256.0 * r.cycles_compared / r.wall_seconds}};
    std::cout << line.dump() << "\n";
    return r.pass ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_cosim: " << e.what() << "\n";
    return 2;
  }
}
