#include "hw/units/controller.hpp"

#include <stdexcept>

#include "hw/timing.hpp"

namespace ccsim::hw {

std::vector<LayerDescriptor> layer_program(const model::PackedNetwork& net, const MemorySystem& memory,
                                           std::size_t first, std::size_t last) {
  std::vector<LayerDescriptor> program;
  for (std::size_t i = first; i < last; ++i) {
    const model::PackedLayer& l = net.layers[i];
    LayerDescriptor d;
    d.index = i;
    d.layer = &l;
    const int position = static_cast<int>(i - first);
    d.input_slot = position;
    d.output_slot = position + 1;
    if (l.kind == model::OpKind::Matmul && i > 0 && fused_into_next(net, i - 1)) {
      if (i == first) throw std::logic_error("layer range starts between fused shift and Matmul '" + l.name + "'");
      d.fused_shift = &net.layers[i - 1];
      d.input_slot = position - 1;  // the shift's input: the feeder applies the shift
    }
    if (l.kind != model::OpKind::Matmul) {
      const bool fused = fused_into_next(net, i);
      d.vector = {&l, memory.moves_data(i), d.input_slot, d.output_slot, vector_unit_stats(l, fused).cycles};
    }
    d.first_inference = memory.traffic(i, true);
    d.later_inference = memory.traffic(i, false);
    program.push_back(d);
  }
  return program;
}

Controller::Controller(sc_core::sc_module_name name, const ArrayConfig& array, std::vector<LayerDescriptor> program,
                       sc_core::sc_time clock_period)
    : sc_core::sc_module(name), weights("weights"), array("array"), feeder("feeder"), output("output"), vector("vector"),
      dma("dma"), activations("activations"), results("results"), counters("counters"), array_(array),
      program_(std::move(program)), period_(clock_period) {
  SC_THREAD(run_thread);
}

std::int64_t Controller::now_cycle() const {
  return static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / period_.value());
}

void Controller::submit(CoreJob job) {
  if (busy_ || finished_) throw std::logic_error(std::string(name()) + ": an input was submitted while the core was busy");
  job_ = std::move(job);
  busy_ = true;
  submit_event_.notify(sc_core::SC_ZERO_TIME);
}

CoreResult Controller::take_result() {
  if (!finished_) throw std::logic_error(std::string(name()) + ": no finished result to take");
  finished_ = false;
  return std::move(result_);
}

LayerStats Controller::activity() const {
  LayerStats s;
  for (int i = 0; i < counters.size(); ++i) counters[i]->add_activity(s);
  return s;
}

void Controller::run_thread() {
  for (;;) {
    sc_core::wait(submit_event_);
    result_ = {};
    activations->write_tensor(0, std::move(job_.input), false);  // the DMA engine's job brings it in
    for (const LayerDescriptor& d : program_) {
      current_layer_ = static_cast<int>(d.index);
      result_.layers.push_back(run_layer(d, job_.first_inference));
      result_.outputs.push_back(results->peek(d.output_slot));
    }
    current_layer_ = -1;
    stats_.jobs += 1;
    busy_ = false;
    finished_ = true;
    finished_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

LayerStats Controller::run_layer(const LayerDescriptor& d, bool first_inference) {
  const model::PackedLayer& l = *d.layer;
  const LayerStats before = activity();
  const std::int64_t start = now_cycle();
  const LayerTraffic& traffic = first_inference ? d.first_inference : d.later_inference;
  dma->start({traffic.dram_read_bytes, traffic.dram_write_bytes});
  std::int64_t busy = 0;
  if (l.kind == model::OpKind::Matmul) {
    weights->begin_layer(traffic.weight_buffer_read_bytes, traffic.weight_buffer_fill_bytes);
    busy = run_matmul(d);
  } else {
    vector->start(d.vector);
    if (!vector->done()) sc_core::wait(vector->done_event());
    busy = d.vector.cycles;
  }
  const std::int64_t compute_end = now_cycle();
  if (!dma->done()) sc_core::wait(dma->done_event());
  const std::int64_t end = now_cycle();
  stats_.dma_wait_cycles += end - compute_end;
  stats_.layers += 1;

  LayerStats s = activity().minus(before);
  s.name = l.name;
  s.op = model::to_string(l.kind);
  s.cycles = end - start;
  s.stall_cycles = s.cycles - busy;
  s.memory_stall_cycles = end - compute_end;
  return s;
}

std::int64_t Controller::run_matmul(const LayerDescriptor& d) {
  const model::PackedLayer& l = *d.layer;
  for (const auto& g : l.groups) {
    if (g.size() > static_cast<std::size_t>(array_.alpha_max)) {
      throw std::invalid_argument("layer '" + l.name + "' has a group of " + std::to_string(g.size()) +
                                  " columns; the array's multiplexers take " + std::to_string(array_.alpha_max));
    }
  }
  const int R = array_.rows;
  const int C = array_.cols;
  const std::int64_t pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;
  const int row_tiles = (l.rows() + R - 1) / R;
  const int col_tiles = std::max(1, (l.packed_cols() + C - 1) / C);
  const std::int64_t tiles = static_cast<std::int64_t>(row_tiles) * col_tiles;
  const std::int64_t compute = tile_compute_cycles(array_, pixels);
  feeder->configure({&l, d.fused_shift, d.input_slot});
  output->configure({&l, d.output_slot});
  const auto describe = [&](std::int64_t k) {
    TileDescriptor t;
    t.index = k;
    t.first_row = static_cast<int>(k / col_tiles) * R;
    t.first_group = static_cast<int>(k % col_tiles) * C;
    t.pixels = pixels;
    t.compute_cycles = compute;
    t.first_column_tile = k % col_tiles == 0;
    t.last_column_tile = k % col_tiles == col_tiles - 1;
    return t;
  };
  weights->request({&l, 0, 0});
  for (std::int64_t k = 0; k < tiles; ++k) {
    const TileDescriptor tile = describe(k);
    const std::int64_t waiting = now_cycle();
    if (!weights->ready()) sc_core::wait(weights->ready_event());
    if (k > 0) stats_.weight_wait_cycles += now_cycle() - waiting;
    weights->consume();
    output->begin_tile(tile);
    feeder->begin_tile(tile.first_group);
    array->start_tile(tile);  // the shadow registers move into the cells ...
    if (k + 1 < tiles) {      // ... and are free for the next tile
      const TileDescriptor next = describe(k + 1);
      weights->request({&l, next.first_row, next.first_group});
    }
    sc_core::wait(array->done_event());
    output->end_tile(tile);
    stats_.tiles += 1;
  }
  return tiles * compute;
}

}  // namespace ccsim::hw
