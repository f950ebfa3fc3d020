#include "hw/accelerator.hpp"

#include <stdexcept>

#include "hw/matmul_engine.hpp"
#include "hw/systolic_array.hpp"
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
      while (engine.step()) {  // one array step per clock
        if (tracing_) sample(static_cast<int>(i), &engine);
        wait();
      }
      run.layers.push_back(engine.stats());
      run.layer_outputs.push_back(engine.output());
    } else {
      // Vector unit: transaction-level with the documented cycle cost; a fused shift costs 0 and
      // its output exists only as the feeder's addressing (kept here for layer-by-layer checks).
      LayerStats s = vector_unit_stats(l, fused);
      for (std::int64_t c = 0; c < s.cycles; ++c) {
        if (tracing_) sample(static_cast<int>(i), nullptr);
        wait();
      }
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

void Accelerator::trace(sc_core::sc_trace_file* file, const TraceOptions& options) {
  tracing_ = true;
  trace_options_ = options;
  trace_column_lines_.assign(array_.cols, 0);
  trace_row_psum_.assign(array_.rows, 0);
  sc_core::sc_trace(file, trace_cycle_, "cycle");
  sc_core::sc_trace(file, trace_layer_, "layer");
  sc_core::sc_trace(file, trace_tile_, "tile");
  sc_core::sc_trace(file, trace_tile_cycle_, "tile_cycle");
  for (int c = 0; c < array_.cols; ++c) {
    sc_core::sc_trace(file, trace_column_lines_[c], "col" + std::to_string(c) + "_lines", array_.alpha_max);
  }
  for (int r = 0; r < array_.rows; ++r) {
    sc_core::sc_trace(file, trace_row_psum_[r], "row" + std::to_string(r) + "_psum_out");
  }
}

void Accelerator::sample(int layer, const MatmulEngine* engine) {
  const std::int64_t now = clock_count_++;
  const TraceOptions& o = trace_options_;
  if (now < o.start_cycle || (o.end_cycle >= 0 && now > o.end_cycle) || (o.layer >= 0 && layer != o.layer)) return;
  trace_cycle_ = now;
  trace_layer_ = layer;
  if (!engine) {
    trace_tile_ = -1;
    trace_tile_cycle_ = 0;
    return;
  }
  trace_tile_ = engine->tile();
  trace_tile_cycle_ = engine->tile_cycle();
  const SystolicArray& a = engine->array();
  const std::int64_t fed = std::max<std::int64_t>(0, engine->tile_cycle() - 1);  // the cycle just clocked
  for (int c = 0; c < array_.cols; ++c) trace_column_lines_[c] = a.lines(fed, 0, c);
  for (int r = 0; r < array_.rows; ++r) trace_row_psum_[r] = a.cell(r, array_.cols - 1).psum();
}

std::vector<NetworkRun> run_cycle_accurate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const ArrayConfig& array, double clock_ns, const TraceOptions& trace) {
  // sc_stop() at the end of the inputs is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_clock clock("clock", clock_ns, sc_core::SC_NS);
  Accelerator acc("accelerator", net, array, inputs);
  acc.clk(clock);
  sc_core::sc_trace_file* file = nullptr;
  if (!trace.vcd_path.empty()) {
    file = sc_core::sc_create_vcd_trace_file(trace.vcd_path.c_str());
    file->set_time_unit(1, sc_core::SC_PS);
    acc.trace(file, trace);
  }
  sc_core::sc_start();
  if (file) sc_core::sc_close_vcd_trace_file(file);
  if (acc.runs().size() != inputs.size()) throw std::runtime_error("simulation ended before every input was processed");
  return acc.runs();
}

}  // namespace ccsim::hw
