#include "hw/accelerator.hpp"

#include <memory>
#include <stdexcept>
#include <tuple>

#include "hw/pipeline.hpp"
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
                         std::vector<model::Int8Tensor> inputs, sc_core::sc_time clock_period)
    : sc_core::sc_module(name), clk("clk"), net_(net), config_((config.validate(), config)), period_(clock_period),
      memory_(config, net), inputs_(std::move(inputs)) {
  stages_ = config.schedule == Schedule::Pipelined ? pipeline_stages(net) : std::vector<StageRange>{{0, net.layers.size()}};
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    const std::string core_name = stages_.size() == 1 ? "core" : "stage" + std::to_string(s);
    cores_.push_back(std::make_unique<AcceleratorCore>(core_name.c_str(), config_, net_, memory_, stages_[s].first,
                                                       stages_[s].last, period_));
    cores_.back()->clk(clk);
  }
  SC_THREAD(scheduler_thread);
  sensitive << clk.pos();
  dont_initialize();
}

std::int64_t Accelerator::now_cycle() const {
  return static_cast<std::int64_t>((sc_core::sc_time_stamp().value() - static_cast<sc_dt::uint64>(origin_)) / period_.value());
}

void Accelerator::scheduler_thread() {
  // Woken by the first rising edge: cycle 0. Every unit counts rising edges from here.
  origin_ = static_cast<std::int64_t>(sc_core::sc_time_stamp().value());
  const std::size_t S = cores_.size();
  runs_.assign(inputs_.size(), NetworkRun{});
  PipelineControl control(S, inputs_.size());
  std::vector<std::size_t> running_input(S, 0);
  std::vector<model::Int8Tensor> slot(S);  // the activation buffer in front of each stage
  sc_core::sc_event_or_list any_finished;
  for (const auto& core : cores_) any_finished |= core->controller().finished_event();
  const auto finished = [&](std::size_t s) { return cores_[s]->controller().finished(); };
  for (;;) {
    control.handoff(
        now_cycle(),
        [&](std::size_t s) {
          CoreResult result = cores_[s]->controller().take_result();
          NetworkRun& run = runs_[running_input[s]];
          for (auto& t : result.outputs) run.layer_outputs.push_back(std::move(t));
          for (const auto& l : result.layers) {
            run.layers.push_back(l);
            run.total.add(l);
          }
          run.total.name = "total";
          if (s + 1 < S) slot[s + 1] = run.layer_outputs.back();
        },
        [&](std::size_t s, std::size_t k) {
          running_input[s] = k;
          cores_[s]->controller().submit({s == 0 ? inputs_[k] : std::move(slot[s]), k == 0});
        });
    if (control.done()) break;
    bool any = false;
    for (std::size_t s = 0; s < S; ++s) any = any || (control.busy(s) && finished(s));
    if (!any) sc_core::wait(any_finished);
    // Half a cycle on, every core that finishes in this cycle has said so; the hand-off is that
    // of the start of this cycle (the cores count rising edges, so starting them now is the same).
    sc_core::wait(period_ / 2);
    for (std::size_t s = 0; s < S; ++s) {
      if (control.busy(s) && finished(s)) control.finish(s);
    }
  }
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    runs_[k].start_cycle = control.start_cycle(k);
    runs_[k].end_cycle = control.end_cycle(k);
  }
  cycles_ = now_cycle();
  sc_core::sc_stop();
}

void Accelerator::trace(sc_core::sc_trace_file* file, const TraceOptions& options) {
  const std::size_t layer = options.layer >= 0 ? static_cast<std::size_t>(options.layer) : 0;
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    if (layer >= stages_[s].first && layer < stages_[s].last) return cores_[s]->trace(file, options);
  }
  cores_.front()->trace(file, options);
}

std::vector<NetworkRun> run_cycle_accurate(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                           const AcceleratorConfig& config, double clock_ns, const TraceOptions& trace) {
  // sc_stop() at the end of the inputs is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  const sc_core::sc_time period(clock_ns, sc_core::SC_NS);
  sc_core::sc_clock clock("clock", period);
  Accelerator acc("accelerator", net, config, inputs, period);
  acc.clk(clock);
  sc_core::sc_trace_file* file = nullptr;
  if (!trace.vcd_path.empty()) {
    file = sc_core::sc_create_vcd_trace_file(trace.vcd_path.c_str());
    file->set_time_unit(1, sc_core::SC_PS);
    acc.trace(file, trace);
  }
  sc_core::sc_start();
  if (file) sc_core::sc_close_vcd_trace_file(file);
  if (acc.runs().size() != inputs.size() || (!inputs.empty() && acc.runs().back().layer_outputs.empty())) {
    throw std::runtime_error("simulation ended before every input was processed");
  }
  return acc.runs();
}

}  // namespace ccsim::hw
