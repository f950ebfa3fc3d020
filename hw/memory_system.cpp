#include "hw/memory_system.hpp"

#include <algorithm>

#include "hw/pipeline.hpp"

namespace ccsim::hw {

bool fused_into_next(const model::PackedNetwork& net, std::size_t i) {
  return net.layers[i].kind == model::OpKind::Shift && i + 1 < net.layers.size() &&
         net.layers[i + 1].kind == model::OpKind::Matmul;
}

FeederInput feeder_input(const model::PackedNetwork& net, std::size_t layer, const model::Int8Tensor* outputs,
                         std::size_t count, const model::Int8Tensor& first_input) {
  const bool after_shift = layer > 0 && fused_into_next(net, layer - 1);
  const std::size_t back = after_shift ? 2 : 1;
  const model::Int8Tensor& stored = count >= back ? outputs[count - back] : first_input;
  return {stored, after_shift ? &net.layers[layer - 1] : nullptr};
}

MemorySystem::MemorySystem(const AcceleratorConfig& config, const model::PackedNetwork& net)
    : config_(config), net_(net), plan_(net.layers.size()) {
  const ArrayConfig array = config.resolved_array();
  const WeightBuffer weights(config.weight_buffer, array);
  const ActivationBuffer activations(config.activation_buffer);
  network_weight_bytes_ = weights.network_bytes(net);

  std::size_t last_mover = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    if (!fused_into_next(net, i) && l.kind != model::OpKind::Flatten) last_mover = i;
  }
  bool input_in_dram = true;  // the network input
  int input_source = -1;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    LayerPlan& p = plan_[i];
    p.moves_data = !fused_into_next(net, i) && l.kind != model::OpKind::Flatten;
    if (!p.moves_data) continue;
    const bool spills = !activations.holds(l);
    const std::int64_t passes = l.kind == model::OpKind::Matmul ? (l.rows() + array.rows - 1) / array.rows : 1;
    p.input_from_dram = input_in_dram;
    p.input_passes = input_in_dram ? (spills ? passes : 1) : 0;
    p.input_source = input_source;
    p.output_to_dram = spills || i == last_mover;
    p.output_is_final = i == last_mover;
    p.weight_bytes = weights.layer_bytes(l);
    input_in_dram = spills;
    input_source = static_cast<int>(i);
  }
  // Weight residency: per network on the shared array, per stage when pipelined.
  std::vector<StageRange> groups{{0, net.layers.size()}};
  if (config.schedule == Schedule::Pipelined) groups = pipeline_stages(net);
  weights_resident_ = true;
  for (const auto& g : groups) {
    std::int64_t bytes = 0;
    for (std::size_t i = g.first; i < g.last; ++i) bytes += weights.layer_bytes(net.layers[i]);
    const bool resident = bytes <= config.weight_buffer.capacity_bytes;
    weights_resident_ = weights_resident_ && resident;
    for (std::size_t i = g.first; i < g.last; ++i) plan_[i].weights_resident = resident;
  }
}

LayerTraffic MemorySystem::traffic(std::size_t i, bool first_inference) const {
  const LayerPlan& p = plan_[i];
  LayerTraffic t;
  if (!p.moves_data) return t;
  const auto& l = net_.layers[i];
  if (l.kind == model::OpKind::Matmul) {
    t.weight_buffer_read_bytes = p.weight_bytes;
    if (!p.weights_resident || first_inference) t.weight_buffer_fill_bytes = p.weight_bytes;
  }
  if (p.input_passes > 0) {
    t.input_load_bytes = l.in.size();
    t.input_refill_bytes = (p.input_passes - 1) * l.in.size();
    t.input_source = p.input_source;
  }
  if (p.output_to_dram) t.dram_write_bytes = l.out.size();
  t.output_is_final = p.output_is_final;
  return t;
}

std::int64_t memory_stall_cycles(const DramConfig& dram, const LayerTraffic& t, std::int64_t compute_cycles) {
  return dma_cycles(dram, t.input_load_bytes) + std::max<std::int64_t>(0, dma_cycles(dram, t.streamed_bytes()) - compute_cycles) +
         dma_cycles(dram, t.dram_write_bytes);
}

void MemorySystem::account(std::size_t i, bool first_inference, LayerStats& s) const {
  if (!plan_[i].moves_data) return;
  const auto& l = net_.layers[i];
  const LayerTraffic t = traffic(i, first_inference);
  // Activation-buffer reads: a Matmul's feeder reads one byte per value fed, the vector unit its input.
  s.act_buffer_read_bytes += l.kind == model::OpKind::Matmul ? s.input_bits / config_.array.data_bits : l.in.size();
  s.act_buffer_write_bytes += l.out.size();
  s.weight_buffer_read_bytes += t.weight_buffer_read_bytes;
  s.weight_buffer_fill_bytes += t.weight_buffer_fill_bytes;
  s.dram_read_bytes += t.dram_read_bytes();
  s.dram_write_bytes += t.dram_write_bytes;
  const std::int64_t stall = memory_stall_cycles(config_.dram, t, s.cycles);
  s.memory_stall_cycles += stall;
  s.stall_cycles += stall;
  s.cycles += stall;
}

}  // namespace ccsim::hw
