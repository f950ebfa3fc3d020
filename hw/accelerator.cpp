#include "hw/accelerator.hpp"

#include <stdexcept>

#include "hw/matmul_engine.hpp"
#include "hw/timing.hpp"

namespace ccsim::hw {

bool fused_into_next(const model::PackedNetwork& net, std::size_t i) {
  return net.layers[i].kind == model::OpKind::Shift && i + 1 < net.layers.size() &&
         net.layers[i + 1].kind == model::OpKind::Matmul;
}

NetworkRun run_fast(const model::PackedNetwork& net, const model::Int8Tensor& input, const ArrayConfig& array) {
  array.validate();
  NetworkRun run;
  const model::Int8Tensor* x = &input;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const model::PackedLayer& l = net.layers[i];
    run.layer_outputs.push_back(model::run_layer(l, *x));
    x = &run.layer_outputs.back();
    run.layers.push_back(l.kind == model::OpKind::Matmul ? matmul_stats(array, l)
                                                         : vector_unit_stats(l, fused_into_next(net, i)));
    run.total.add(run.layers.back());
  }
  run.total.name = "total";
  return run;
}

Accelerator::Accelerator(sc_core::sc_module_name name, const model::PackedNetwork& net, const ArrayConfig& array,
                         std::vector<model::Int8Tensor> inputs)
    : sc_core::sc_module(name), net_(net), array_(array), inputs_(std::move(inputs)) {
  array_.validate();
  SC_THREAD(main_thread);
  sensitive << clk.pos();
  dont_initialize();
}

void Accelerator::main_thread() {
  for (const auto& input : inputs_) runs_.push_back(run_one(input));
  sc_core::sc_stop();
}

NetworkRun Accelerator::run_one(const model::Int8Tensor& input) {
  NetworkRun run;
  run.layer_outputs.reserve(net_.layers.size());
  const model::Int8Tensor* x = &input;
  for (std::size_t i = 0; i < net_.layers.size(); ++i) {
    const model::PackedLayer& l = net_.layers[i];
    const bool fused = fused_into_next(net_, i);
    if (l.kind == model::OpKind::Matmul) {
      // A fused shift's input is what the feeder reads.
      const bool after_shift = i > 0 && fused_into_next(net_, i - 1);
      const model::Int8Tensor& stored = after_shift ? run.layer_outputs.size() >= 2
                                                          ? run.layer_outputs[run.layer_outputs.size() - 2]
                                                          : input
                                                    : *x;
      MatmulEngine engine(array_, l, stored, after_shift ? &net_.layers[i - 1] : nullptr);
      while (engine.step()) wait();  // one array step per clock
      run.layers.push_back(engine.stats());
      run.layer_outputs.push_back(engine.output());
    } else {
      // Vector unit: transaction-level with the documented cycle cost; a fused shift costs 0 and
      // its output exists only as the feeder's addressing (kept here for layer-by-layer checks).
      LayerStats s = vector_unit_stats(l, fused);
      for (std::int64_t c = 0; c < s.cycles; ++c) wait();
      run.layer_outputs.push_back(model::run_layer(l, *x));
      run.layers.push_back(s);
    }
    cycles_ += run.layers.back().cycles;
    run.total.add(run.layers.back());
    x = &run.layer_outputs.back();
  }
  run.total.name = "total";
  return run;
}

std::vector<NetworkRun> run_cycle_accurate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const ArrayConfig& array, double clock_ns) {
  // sc_stop() at the end of the inputs is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_clock clock("clock", clock_ns, sc_core::SC_NS);
  Accelerator acc("accelerator", net, array, inputs);
  acc.clk(clock);
  sc_core::sc_start();
  if (acc.runs().size() != inputs.size()) throw std::runtime_error("simulation ended before every input was processed");
  return acc.runs();
}

}  // namespace ccsim::hw
