#include "hw/memory_system.hpp"

#include <algorithm>

#include "hw/pipeline.hpp"
#include "hw/timing.hpp"

namespace ccsim::hw {

namespace {
// Whether layer i reads the output of the layer right before it (so that output is in its slot
// when it runs): what a view (a fused shift, a flatten) needs to move no data.
bool reads_previous(const model::PackedNetwork& net, std::size_t i) {
  const std::vector<int> in = model::input_indices(net.layers, i);
  return i > 0 && in.size() == 1 && in[0] == static_cast<int>(i) - 1;
}
}  // namespace

bool fused_into_next(const model::PackedNetwork& net, std::size_t i) {
  return net.layers[i].kind == model::OpKind::Shift && i + 1 < net.layers.size() &&
         net.layers[i + 1].kind == model::OpKind::Matmul && reads_previous(net, i) &&
         model::only_read_by_next(net.layers, model::reader_counts(net.layers), i);
}

const model::PackedLayer* fused_shift(const model::PackedNetwork& net, std::size_t i) {
  return i > 0 && fused_into_next(net, i - 1) ? &net.layers[i - 1] : nullptr;
}

bool is_view(const model::PackedNetwork& net, std::size_t i) {
  return fused_into_next(net, i) || (net.layers[i].kind == model::OpKind::Flatten && reads_previous(net, i));
}

FeederInput feeder_input(const model::PackedNetwork& net, std::size_t layer, const model::Int8Tensor* outputs,
                         std::size_t count, const model::Int8Tensor& first_input) {
  const bool after_shift = layer > 0 && fused_into_next(net, layer - 1);
  const std::size_t reader = after_shift ? layer - 1 : layer;
  const int p = model::input_indices(net.layers, reader)[0];
  const int first = static_cast<int>(layer - count);
  if (p < first - 1) {
    throw std::logic_error("layer '" + net.layers[layer].name + "' reads the output of layer " + std::to_string(p) +
                           ", before the run's first input");
  }
  const model::Int8Tensor& stored = p == first - 1 ? first_input : outputs[p - first];
  return {stored, after_shift ? &net.layers[layer - 1] : nullptr};
}

MemorySystem::MemorySystem(const AcceleratorConfig& config, const model::PackedNetwork& net)
    : config_(config), net_(net), plan_(net.layers.size()), stored_(net.layers.size(), -1) {
  const ArrayConfig array = config.resolved_array();
  const WeightBuffer weights(config.weight_buffer, array);
  const ActivationBuffer activations(config.activation_buffer);
  network_weight_bytes_ = weights.network_bytes(net);
  const std::size_t n = net.layers.size();

  std::size_t last_mover = 0;
  std::vector<bool> spills(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& l = net.layers[i];
    LayerPlan& p = plan_[i];
    p.moves_data = !is_view(net, i);
    stored_[i] = p.moves_data ? static_cast<int>(i) : stored(model::input_indices(net.layers, i)[0]);
    if (!p.moves_data) continue;
    last_mover = i;
    spills[i] = !activations.holds(operand_bytes(i), l.out.size());
  }
  // Stages: weight residency per stage when pipelined; the DRAM copies a tensor needs. A stage
  // passes a result on as soon as the next stage's one-input slot is free, so while it starts
  // input j the next stage may still be on j - 2 (j - 1 waiting in the slot): a producer is up to
  // 2D inputs ahead of a reader D stages on, and a tensor that reader takes from DRAM needs
  // 2D + 1 copies (2 within a stage).
  std::vector<StageRange> groups{{0, n}};
  if (config.schedule == Schedule::Pipelined) groups = pipeline_stages(net);
  std::vector<std::size_t> stage(n, 0);
  for (std::size_t s = 0; s < groups.size(); ++s) {
    for (std::size_t i = groups[s].first; i < groups[s].last; ++i) stage[i] = s;
  }
  int previous = -1;  // the moving layer that ran last: only its output can be on chip
  for (std::size_t i = 0; i < n; ++i) {
    const auto& l = net.layers[i];
    LayerPlan& p = plan_[i];
    if (!p.moves_data) continue;
    // A fused shift's Matmul reads what the shift reads.
    const std::size_t reader = i > 0 && fused_into_next(net, i - 1) ? i - 1 : i;
    const std::vector<int> operands = model::input_indices(net.layers, reader);
    for (std::size_t k = 0; k < operands.size(); ++k) {
      const int source = stored(operands[k]);
      const bool on_chip = source >= 0 && source == previous && !spills[static_cast<std::size_t>(source)];
      if (!on_chip && source >= 0) {
        LayerPlan& producer = plan_[static_cast<std::size_t>(source)];
        producer.output_to_dram = true;
        const auto distance = static_cast<int>(stage[i] - stage[static_cast<std::size_t>(source)]);
        producer.region_copies = std::max(producer.region_copies, 2 * distance + 1);
      }
      if (k == 0) {
        const std::int64_t passes = l.kind == model::OpKind::Matmul ? (l.rows() + array.rows - 1) / array.rows : 1;
        p.input_from_dram = !on_chip;
        p.input_passes = on_chip ? 0 : (spills[i] ? passes : 1);
        p.input_source = source;
      } else if (!on_chip) {
        p.operand_loads.push_back({source, static_cast<int>(k), net.produced(operands[k]).size()});
      }
    }
    p.output_is_final = i == last_mover;
    p.output_to_dram = p.output_to_dram || spills[i] || p.output_is_final;
    p.weight_bytes = weights.layer_bytes(l);
    if (l.kind == model::OpKind::Matmul) {
      p.pixel_blocks = static_cast<std::int64_t>(pixel_blocks(array, l, fused_shift(net, i)).size());
    }
    previous = static_cast<int>(i);
  }
  weights_resident_ = true;
  for (const auto& g : groups) {
    std::int64_t bytes = 0;
    for (std::size_t i = g.first; i < g.last; ++i) bytes += weights.layer_bytes(net.layers[i]);
    const bool resident = bytes <= config.weight_buffer.capacity_bytes;
    weights_resident_ = weights_resident_ && resident;
    for (std::size_t i = g.first; i < g.last; ++i) plan_[i].weights_resident = resident;
  }
}

std::int64_t MemorySystem::operand_bytes(std::size_t i) const {
  const auto& l = net_.layers[i];
  if (l.kind != model::OpKind::Add && l.kind != model::OpKind::Concat) return l.in.size();
  std::int64_t bytes = 0;
  for (const int p : model::input_indices(net_.layers, i)) bytes += net_.produced(p).size();
  return bytes;
}

LayerTraffic MemorySystem::traffic(std::size_t i, bool first_inference) const {
  const LayerPlan& p = plan_[i];
  LayerTraffic t;
  if (!p.moves_data) return t;
  const auto& l = net_.layers[i];
  if (l.kind == model::OpKind::Matmul) {
    t.weight_buffer_read_bytes = p.weight_bytes * p.pixel_blocks;  // every block reads them
    if (!p.weights_resident || first_inference) t.weight_buffer_fill_bytes = p.weight_bytes;
  }
  const std::int64_t input_bytes = i > 0 && fused_into_next(net_, i - 1) ? net_.layers[i - 1].in.size() : l.in.size();
  if (p.input_passes > 0) {
    t.input_load_bytes = input_bytes;
    t.input_refill_bytes = (p.input_passes - 1) * input_bytes;
    t.input_source = p.input_source;
  }
  t.operand_loads = p.operand_loads;
  if (p.output_to_dram) t.dram_write_bytes = l.out.size();
  t.output_is_final = p.output_is_final;
  return t;
}

std::int64_t memory_stall_cycles(const DramConfig& dram, const LayerTraffic& t, std::int64_t compute_cycles) {
  return dma_cycles(dram, t.loaded_bytes()) + std::max<std::int64_t>(0, dma_cycles(dram, t.streamed_bytes()) - compute_cycles) +
         dma_cycles(dram, t.dram_write_bytes);
}

void MemorySystem::account(std::size_t i, bool first_inference, LayerStats& s) const {
  if (!plan_[i].moves_data) return;
  const auto& l = net_.layers[i];
  const LayerTraffic t = traffic(i, first_inference);
  // Activation-buffer reads: a Matmul's feeder reads one byte per value fed, the vector unit its input.
  s.act_buffer_read_bytes += l.kind == model::OpKind::Matmul ? s.input_bits / config_.array.data_bits : operand_bytes(i);
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
