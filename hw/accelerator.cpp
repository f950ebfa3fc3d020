#include "hw/accelerator.hpp"

#include <memory>
#include <stdexcept>
#include <tuple>

#include "hw/layer_sequencer.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/pipeline.hpp"
#include "hw/systolic_array.hpp"
#include "hw/timing.hpp"
#include "hw/simulation_context.hpp"

namespace ccsim::hw {

namespace {

// Per-layer counters and outputs of one input, formulas only.
NetworkRun fast_layers(const model::PackedNetwork& net, const model::Int8Tensor& input, const ArrayConfig& array,
                       const MemorySystem& memory, bool first_inference) {
  NetworkRun run;
  run.layer_outputs.reserve(net.layers.size());
  const model::Int8Tensor* x = &input;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const model::PackedLayer& l = net.layers[i];
    run.layer_outputs.push_back(model::run_layer(l, *x));
    x = &run.layer_outputs.back();
    LayerStats s = l.kind == model::OpKind::Matmul ? matmul_stats(array, l) : vector_unit_stats(l, fused_into_next(net, i));
    memory.account(i, first_inference, s);
    run.layers.push_back(s);
    run.total.add(s);
  }
  run.total.name = "total";
  return run;
}

}  // namespace

NetworkRun run_fast(const model::PackedNetwork& net, const model::Int8Tensor& input, const AcceleratorConfig& config) {
  return run_fast(net, std::vector<model::Int8Tensor>{input}, config).front();
}

std::vector<NetworkRun> run_fast(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                 const AcceleratorConfig& config) {
  config.validate();
  const MemorySystem memory(config, net);
  const ArrayConfig array = config.resolved_array();
  std::vector<NetworkRun> runs;
  for (std::size_t k = 0; k < inputs.size(); ++k) runs.push_back(fast_layers(net, inputs[k], array, memory, k == 0));
  if (config.schedule == Schedule::SharedArray) {
    std::int64_t now = 0;
    for (auto& r : runs) {
      r.start_cycle = now;
      now += r.total.cycles;
      r.end_cycle = now;
    }
    return runs;
  }
  const auto stages = pipeline_stages(net);
  std::vector<std::vector<std::int64_t>> stage_cycles;
  for (const auto& r : runs) {
    stage_cycles.emplace_back();
    for (const auto& st : stages) {
      stage_cycles.back().push_back(0);
      for (std::size_t i = st.first; i < st.last; ++i) stage_cycles.back().back() += r.layers[i].cycles;
    }
  }
  const auto times = schedule_pipeline(stage_cycles);
  for (std::size_t k = 0; k < runs.size(); ++k) std::tie(runs[k].start_cycle, runs[k].end_cycle) = times[k];
  return runs;
}

Accelerator::Accelerator(sc_core::sc_module_name name, const model::PackedNetwork& net, const AcceleratorConfig& config,
                         std::vector<model::Int8Tensor> inputs)
    : sc_core::sc_module(name), net_(net), config_(config), array_((config.validate(), config.resolved_array())),
      memory_(config, net), inputs_(std::move(inputs)) {
  SC_THREAD(main_thread);
  sensitive << clk.pos();
  dont_initialize();
}

void Accelerator::main_thread() {
  runs_.assign(inputs_.size(), NetworkRun{});
  if (config_.schedule == Schedule::Pipelined) {
    run_pipelined();
  } else {
    run_shared();
  }
  sc_core::sc_stop();
}

namespace {

void collect(LayerSequencer& seq, NetworkRun& run) {
  for (auto& t : seq.outputs()) run.layer_outputs.push_back(std::move(t));
  for (const auto& s : seq.stats()) {
    run.layers.push_back(s);
    run.total.add(s);
  }
  run.total.name = "total";
}

}  // namespace

void Accelerator::run_shared() {
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    LayerSequencer seq(array_, net_, memory_, 0, net_.layers.size(), inputs_[k], k == 0);
    runs_[k].start_cycle = cycles_;
    while (seq.step()) {  // one array step per clock
      if (tracing_) sample(seq.layer(), seq.engine());
      wait();
      ++cycles_;
    }
    collect(seq, runs_[k]);
    runs_[k].end_cycle = cycles_;
  }
}

void Accelerator::run_pipelined() {
  const auto stages = pipeline_stages(net_);
  const std::size_t S = stages.size();
  PipelineControl control(S, inputs_.size());
  std::vector<std::unique_ptr<LayerSequencer>> running(S);
  std::vector<std::size_t> running_input(S, 0);
  std::vector<model::Int8Tensor> slot(S);  // activation buffer in front of each stage
  const std::size_t traced_layer = trace_options_.layer >= 0 ? static_cast<std::size_t>(trace_options_.layer) : 0;
  while (!control.done()) {
    control.handoff(
        cycles_,
        [&](std::size_t s) {
          NetworkRun& run = runs_[running_input[s]];
          collect(*running[s], run);
          if (s + 1 < S) slot[s + 1] = run.layer_outputs.back();
          running[s].reset();
        },
        [&](std::size_t s, std::size_t k) {
          running_input[s] = k;
          running[s] = std::make_unique<LayerSequencer>(array_, net_, memory_, stages[s].first, stages[s].last,
                                                        s == 0 ? inputs_[k] : std::move(slot[s]), k == 0);
        });
    if (control.done()) break;
    for (std::size_t s = 0; s < S; ++s) {
      if (!control.busy(s)) continue;
      LayerSequencer& seq = *running[s];
      if (tracing_ && traced_layer >= stages[s].first && traced_layer < stages[s].last) sample(seq.layer(), seq.engine());
      seq.step();
      if (seq.finished()) control.finish(s);
    }
    wait();
    ++cycles_;
  }
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    runs_[k].start_cycle = control.start_cycle(k);
    runs_[k].end_cycle = control.end_cycle(k);
  }
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

void Accelerator::sample(std::size_t layer_index, const MatmulEngine* engine) {
  const int layer = static_cast<int>(layer_index);
  const std::int64_t now = cycles_;
  const TraceOptions& o = trace_options_;
  if (now < o.start_cycle || (o.end_cycle >= 0 && now > o.end_cycle) || (o.layer >= 0 && layer != o.layer)) return;
  if (o.tile >= 0 && (!engine || engine->tile() != o.tile)) return;
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
                                           const AcceleratorConfig& config, double clock_ns, const TraceOptions& trace) {
  // sc_stop() at the end of the inputs is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  sc_core::sc_clock clock("clock", clock_ns, sc_core::SC_NS);
  Accelerator acc("accelerator", net, config, inputs);
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
