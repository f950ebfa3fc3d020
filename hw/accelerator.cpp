#include "hw/accelerator.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "hw/pipeline.hpp"
#include "hw/timing.hpp"
#include "hw/simulation_context.hpp"
#include "hw/tlm/memory.hpp"

namespace ccsim::hw {

void append(NetworkRun& run, CoreResult&& result) {
  for (auto& t : result.outputs) run.layer_outputs.push_back(std::move(t));
  for (const auto& l : result.layers) {
    run.layers.push_back(l);
    run.total.add(l);
  }
  run.total.name = "total";
}

namespace {
std::uint64_t align64(std::uint64_t x) { return (x + 63) & ~std::uint64_t{63}; }
}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name, const model::PackedNetwork& net, const AcceleratorConfig& config,
                         std::size_t inputs, sc_core::sc_time clock_period, const DmaConfig& dma, DramMap map)
    : sc_core::sc_module(name), clk("clk"), net_(net), config_((config.validate_for(net), config)), period_(clock_period),
      memory_(config, net), map_(map), inputs_(inputs) {
  const WeightBuffer weights(config.weight_buffer, config.resolved_array());
  layout_ = plan_dram(net, weights, memory_, map.weights);
  input_stride_ = align64(static_cast<std::uint64_t>(net.input.size()));
  output_stride_ = align64(static_cast<std::uint64_t>(net.output().size()));
  if (map_.inputs == 0) map_.inputs = align64(layout_.end);
  if (map_.outputs == 0) map_.outputs = map_.inputs + inputs * input_stride_;
  stages_ = config.schedule == Schedule::Pipelined ? pipeline_stages(net) : std::vector<StageRange>{{0, net.layers.size()}};
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    const std::string core_name = stages_.size() == 1 ? "core" : "stage" + std::to_string(s);
    cores_.push_back(std::make_unique<AcceleratorCore>(core_name.c_str(), config_, dma, period_));
    cores_.back()->load(net_, memory_, layout_, stages_[s].first, stages_[s].last);
    cores_.back()->clk(clk);
  }
  SC_THREAD(scheduler_thread);
  sensitive << clk.pos();
  dont_initialize();
}

std::vector<unsigned char> Accelerator::weight_image() const {
  return hw::weight_image(net_, WeightBuffer(config_.weight_buffer, config_.resolved_array()), layout_);
}

std::int64_t Accelerator::now_cycle() const {
  return static_cast<std::int64_t>((sc_core::sc_time_stamp().value() - static_cast<sc_dt::uint64>(origin_)) / period_.value());
}

void Accelerator::scheduler_thread() {
  // Woken by the first rising edge: cycle 0. Every unit counts rising edges from here.
  origin_ = static_cast<std::int64_t>(sc_core::sc_time_stamp().value());
  const std::size_t S = cores_.size();
  runs_.assign(inputs_, NetworkRun{});
  PipelineControl control(S, inputs_);
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
          if (!result.error.empty() && error_.empty()) error_ = result.error;
          NetworkRun& run = runs_[running_input[s]];
          append(run, std::move(result));
          if (s + 1 < S && !run.layer_outputs.empty()) slot[s + 1] = run.layer_outputs.back();
        },
        [&](std::size_t s, std::size_t k) {
          running_input[s] = k;
          CoreJob job;
          if (s > 0) job.input = std::move(slot[s]);
          job.input_address = input_address(k);
          job.output_address = output_address(k);
          job.sequence = k;
          job.first_inference = k == 0;
          cores_[s]->controller().submit(std::move(job));
        });
    if (control.done()) break;
    bool any = false;
    for (std::size_t s = 0; s < S; ++s) any = any || (control.busy(s) && finished(s));
    if (!any) sc_core::wait(any_finished);
    // Every core that finishes in this cycle says so at this time step: let its delta cycles run
    // out, then hand off at the start of the cycle (the DMA engines time their phases from now).
    while (sc_core::sc_pending_activity_at_current_time()) sc_core::wait(sc_core::SC_ZERO_TIME);
    for (std::size_t s = 0; s < S; ++s) {
      if (control.busy(s) && finished(s)) control.finish(s);
    }
  }
  for (std::size_t k = 0; k < inputs_; ++k) {
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
                                           const AcceleratorConfig& config, double clock_ns, const TraceOptions& trace,
                                           const std::function<void(Accelerator&)>& inspect) {
  // The configuration is checked by the Accelerator's constructor (validate_for); the inputs here.
  for (std::size_t k = 0; k < inputs.size(); ++k) model::require_input_range(net, inputs[k], "input " + std::to_string(k));
  // sc_stop() at the end of the inputs is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const SimulationContext context;
  const sc_core::sc_time period(clock_ns, sc_core::SC_NS);
  sc_core::sc_clock clock("clock", period);
  Accelerator acc("accelerator", net, config, inputs.size(), period);
  acc.clk(clock);
  MemoryConfig dram;
  dram.size = acc.dram_bytes();
  // A swapped-in Matmul datapath gets a DRAM region per core after everything else.
  for (std::size_t s = 0; s < acc.cores(); ++s) {
    if (!acc.core(s).tile_implementation()) continue;
    dram.size = (dram.size + 63) / 64 * 64;
    acc.core(s).set_tile_scratch(dram.size);
    dram.size += acc.core(s).tile_implementation()->scratch_bytes(net);
  }
  dram.latency_ns = 0;
  dram.bytes_per_ns = config.dram.bytes_per_cycle / clock_ns;
  dram.ports = static_cast<int>(acc.cores());
  dram.shared_channel = false;
  dram.allow_dmi = false;
  Memory memory("dram", dram);
  for (std::size_t s = 0; s < acc.cores(); ++s) acc.core(s).dma_socket().bind(memory.port(static_cast<int>(s)));
  const std::vector<unsigned char> image = acc.weight_image();
  std::copy(image.begin(), image.end(), memory.contents().begin() + static_cast<std::ptrdiff_t>(acc.dram_layout().base));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].data.size() != static_cast<std::size_t>(net.input.size())) {
      throw std::invalid_argument("input " + std::to_string(k) + " has " + std::to_string(inputs[k].data.size()) +
                                  " values; the network takes " + std::to_string(net.input.size()));
    }
    std::memcpy(memory.contents().data() + acc.input_address(k), inputs[k].data.data(), inputs[k].data.size());
  }
  sc_core::sc_trace_file* file = nullptr;
  if (!trace.vcd_path.empty()) {
    file = sc_core::sc_create_vcd_trace_file(trace.vcd_path.c_str());
    file->set_time_unit(1, sc_core::SC_PS);
    acc.trace(file, trace);
  }
  sc_core::sc_start();
  if (file) sc_core::sc_close_vcd_trace_file(file);
  if (inspect) inspect(acc);
  if (!acc.error().empty()) throw std::runtime_error(acc.error());
  if (acc.runs().size() != inputs.size() || (!inputs.empty() && acc.runs().back().layer_outputs.empty())) {
    throw std::runtime_error("simulation ended before every input was processed");
  }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const auto& out = acc.runs()[k].output().data;
    if (std::memcmp(memory.contents().data() + acc.output_address(k), out.data(), out.size()) != 0) {
      throw std::runtime_error("input " + std::to_string(k) + ": the output the DMA wrote to DRAM is not the computed one");
    }
  }
  return acc.runs();
}

}  // namespace ccsim::hw
