#include "hw/network_run.hpp"

#include <string>
#include <tuple>

#include "hw/memory_system.hpp"
#include "hw/pipeline.hpp"
#include "hw/timing.hpp"

namespace ccsim::hw {

namespace {

// Per-layer counters and (with an input) outputs of one input, formulas only.
NetworkRun fast_layers(const model::PackedNetwork& net, const model::Int8Tensor* input, const ArrayConfig& array,
                       const MemorySystem& memory, bool first_inference) {
  NetworkRun run;
  if (input) run.layer_outputs.reserve(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const model::PackedLayer& l = net.layers[i];
    if (input) run.layer_outputs.push_back(model::run_layer(l, model::operands_of(net, i, run.layer_outputs.data(), 0, *input)));
    LayerStats s = l.kind == model::OpKind::Matmul ? matmul_stats(array, l, fused_shift(net, i))
                                                   : vector_unit_stats(array, net, i, !memory.moves_data(i));
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

namespace {

std::vector<NetworkRun> fast_runs(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>* inputs,
                                  std::size_t count, const AcceleratorConfig& config) {
  config.validate_for(net);
  if (inputs) {
    for (std::size_t k = 0; k < inputs->size(); ++k) model::require_input_range(net, (*inputs)[k], "input " + std::to_string(k));
  }
  const MemorySystem memory(config, net);
  const ArrayConfig array = config.resolved_array();
  std::vector<NetworkRun> runs;
  for (std::size_t k = 0; k < count; ++k) {
    // Without values every input after the first counts the same (the counters see no data).
    if (!inputs && k > 1) {
      runs.push_back(runs.back());
      continue;
    }
    runs.push_back(fast_layers(net, inputs ? &(*inputs)[k] : nullptr, array, memory, k == 0));
  }
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

}  // namespace

std::vector<NetworkRun> run_fast(const model::PackedNetwork& net, const std::vector<model::Int8Tensor>& inputs,
                                 const AcceleratorConfig& config) {
  return fast_runs(net, &inputs, inputs.size(), config);
}

std::vector<NetworkRun> run_fast_counters(const model::PackedNetwork& net, std::size_t count, const AcceleratorConfig& config) {
  return fast_runs(net, nullptr, count, config);
}

}  // namespace ccsim::hw
