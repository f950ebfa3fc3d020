#include "hw/units/controller.hpp"

#include <algorithm>
#include <stdexcept>

#include "hw/systolic_array.hpp"
#include "hw/timing.hpp"

namespace ccsim::hw {

std::vector<LayerDescriptor> layer_program(const ArrayConfig& array, const model::PackedNetwork& net,
                                           const MemorySystem& memory, const DramLayout& layout, std::size_t first,
                                           std::size_t last) {
  std::vector<LayerDescriptor> program;
  const int base = static_cast<int>(first);
  std::vector<int> external;  // producers before the range's input, each with a slot after the range's
  const auto slot_of = [&](int producer) {
    if (producer >= base - 1) return producer - base + 1;
    const auto it = std::find(external.begin(), external.end(), producer);
    if (it != external.end()) return static_cast<int>(last - first) + 1 + static_cast<int>(it - external.begin());
    external.push_back(producer);
    return static_cast<int>(last - first + external.size());
  };
  for (std::size_t i = first; i < last; ++i) {
    const model::PackedLayer& l = net.layers[i];
    LayerDescriptor d;
    d.index = i;
    d.layer = &l;
    const std::vector<int> operands = model::input_indices(net.layers, i);
    d.input_slot = slot_of(operands[0]);
    d.output_slot = static_cast<int>(i - first) + 1;
    if (l.kind == model::OpKind::Matmul && i > 0 && fused_into_next(net, i - 1)) {
      if (i == first) throw std::logic_error("layer range starts between fused shift and Matmul '" + l.name + "'");
      d.fused_shift = &net.layers[i - 1];
      d.input_slot = slot_of(model::input_indices(net.layers, i - 1)[0]);  // the shift's input: the feeder applies the shift
    }
    if (l.kind != model::OpKind::Matmul) {
      d.vector = {&l, memory.moves_data(i), d.input_slot, d.output_slot, vector_unit_stats(array, net, i, !memory.moves_data(i)).cycles, {},
                  static_cast<int>(i)};
      if (l.kind == model::OpKind::Add || l.kind == model::OpKind::Concat) {
        for (const int p : operands) d.vector.operand_slots.push_back(slot_of(p));
      }
    }
    d.input_shape = d.fused_shift ? d.fused_shift->in : l.in;
    d.first_inference = memory.traffic(i, true);
    d.later_inference = memory.traffic(i, false);
    d.weight_address = layout.weights[i];
    const int source = d.first_inference.input_source;
    if (source >= 0) d.input_spill = layout.spill[static_cast<std::size_t>(source)];
    d.output_spill = layout.spill[i];
    for (const auto& load : d.first_inference.operand_loads) {
      LayerDescriptor::OperandFetch f;
      f.slot = slot_of(operands[static_cast<std::size_t>(load.operand)]);
      f.shape = net.produced(operands[static_cast<std::size_t>(load.operand)]);
      f.network_input = load.source < 0;
      if (load.source >= 0) f.spill = layout.spill[static_cast<std::size_t>(load.source)];
      d.operand_fetches.push_back(f);
    }
    program.push_back(d);
  }
  return program;
}

Controller::Controller(sc_core::sc_module_name name, const ArrayConfig& array, std::vector<LayerDescriptor> program,
                       sc_core::sc_time clock_period)
    : sc_core::sc_module(name), weights("weights"), array("array"), feeder("feeder"), output("output"), vector("vector"),
      dma("dma"), activations("activations"), results("results"), counters("counters"), array_(array),
      period_(clock_period) {
  load_program(std::move(program));
  SC_THREAD(run_thread);
}

void Controller::load_program(std::vector<LayerDescriptor> program) {
  if (busy_ || finished_) throw std::logic_error(std::string(name()) + ": a program was loaded while the core was busy");
  for (const LayerDescriptor& d : program) {
    if (d.layer->kind == model::OpKind::Matmul) require_groups_fit(array_, *d.layer);  // before it runs, not mid-run
  }
  program_ = std::move(program);
}

void Controller::swap_in_tile(TileImplementation* tile, TileMemoryAccess memory) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": swap_in_tile while simulating");
  tile_ = tile;
  tile_memory_ = std::move(memory);
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
    // An on-chip input (a stage's slot) is there; the network input comes in with the first
    // layer's DMA.
    if (job_.input) activations->write_tensor(0, std::move(*job_.input), false);
    for (const LayerDescriptor& d : program_) {
      current_layer_ = static_cast<int>(d.index);
      result_.layers.push_back(run_layer(d));
      if (!result_.error.empty()) break;
      result_.outputs.push_back(results->peek(d.output_slot));
    }
    current_layer_ = -1;
    stats_.jobs += 1;
    busy_ = false;
    finished_ = true;
    finished_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

bool Controller::run_dma(const DmaJob& job, const LayerDescriptor& d) {
  dma->start(job);
  return dma_done(d);
}

bool Controller::dma_done(const LayerDescriptor& d) {
  if (!dma->done()) sc_core::wait(dma->done_event());
  if (dma->failed()) {
    result_.error = "a DMA transfer of layer '" + d.layer->name + "' got an error response";
    return false;
  }
  return true;
}

LayerStats Controller::run_layer(const LayerDescriptor& d) {
  const model::PackedLayer& l = *d.layer;
  const LayerStats before = activity();
  const std::int64_t start = now_cycle();
  const LayerTraffic& traffic = job_.first_inference ? d.first_inference : d.later_inference;
  const std::uint64_t input_address =
      traffic.input_source < 0 ? job_.input_address : d.input_spill.address(job_.sequence) + job_.relocation;
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  // 1. The input and the other operands that are in DRAM, before the layer computes.
  DmaJob load;
  if (traffic.input_load_bytes > 0) {
    unsigned char* slot = activations->dma_target(d.input_slot, d.input_shape);
    load.transfers.push_back({false, input_address, slot, static_cast<std::uint64_t>(traffic.input_load_bytes)});
  }
  for (std::size_t k = 0; k < d.operand_fetches.size(); ++k) {
    const LayerDescriptor::OperandFetch& f = d.operand_fetches[k];
    const std::uint64_t address = f.network_input ? job_.input_address : f.spill.address(job_.sequence) + job_.relocation;
    unsigned char* slot = activations->dma_target(f.slot, f.shape);
    load.transfers.push_back({false, address, slot, static_cast<std::uint64_t>(traffic.operand_loads[k].bytes)});
  }
  if (!load.transfers.empty() && !run_dma(load, d)) return s;
  // 2. Weights and refills stream in while it computes (a layer on the swapped-in tile reads its
  // own from DRAM).
  const bool on_tile = tile_ && l.kind == model::OpKind::Matmul;
  DmaJob stream;
  if (l.kind == model::OpKind::Matmul && !on_tile) {
    unsigned char* sram = weights->begin_layer(l, traffic.weight_buffer_read_bytes, traffic.weight_buffer_fill_bytes > 0);
    if (sram) stream.transfers.push_back({false, d.weight_address + job_.relocation, sram, static_cast<std::uint64_t>(traffic.weight_buffer_fill_bytes)});
  }
  const auto in_bytes = static_cast<std::uint64_t>(traffic.input_load_bytes);
  refills_.assign(on_tile ? 0 : static_cast<std::size_t>(traffic.input_refill_bytes), 0);
  for (std::uint64_t at = 0; at < refills_.size(); at += in_bytes) stream.transfers.push_back({false, input_address, refills_.data() + at, in_bytes});
  const std::int64_t compute_start = now_cycle();
  dma->start(stream);
  std::int64_t busy = 0;
  LayerStats tile_compute;
  if (on_tile) {
    busy = run_on_tile(d, tile_compute);
    if (!result_.error.empty()) return s;
  } else if (l.kind == model::OpKind::Matmul) {
    busy = run_matmul(d);
  } else {
    vector->start(d.vector);
    if (!vector->done()) sc_core::wait(vector->done_event());
    busy = d.vector.cycles;
  }
  const std::int64_t compute_end = now_cycle();
  if (!dma_done(d)) return s;
  if (l.kind == model::OpKind::Matmul && !on_tile) result_.data_error = weights->end_layer();
  const model::Int8Tensor& stored = results->peek(d.input_slot);
  for (std::uint64_t at = 0; at < refills_.size() && result_.data_error.empty(); at += in_bytes) {
    if (!std::equal(refills_.begin() + static_cast<std::ptrdiff_t>(at), refills_.begin() + static_cast<std::ptrdiff_t>(at + in_bytes),
                    reinterpret_cast<const unsigned char*>(stored.data.data()))) {
      result_.data_error = "layer '" + l.name + "': a refill of its spilled input read other bytes from DRAM than were spilled";
    }
  }
  if (!result_.data_error.empty()) {
    result_.error = result_.data_error;
    return s;
  }
  // 3. The output, once complete: a spill or the network's output.
  if (traffic.dram_write_bytes > 0) {
    const std::uint64_t address =
        traffic.output_is_final ? job_.output_address : d.output_spill.address(job_.sequence) + job_.relocation;
    auto* data = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(results->peek(d.output_slot).data.data()));
    if (!run_dma({{{true, address, data, static_cast<std::uint64_t>(traffic.dram_write_bytes)}}}, d)) return s;
  }
  s = activity().minus(before);
  s.add(tile_compute);
  s.name = l.name;
  s.op = model::to_string(l.kind);
  s.cycles = now_cycle() - start;
  s.stall_cycles = s.cycles - busy;
  s.memory_stall_cycles = s.cycles - (compute_end - compute_start);
  stats_.dma_wait_cycles += s.memory_stall_cycles;
  stats_.layers += 1;
  return s;
}

std::int64_t Controller::run_on_tile(const LayerDescriptor& d, LayerStats& compute) {
  TileLayerJob job;
  job.index = static_cast<int>(d.index);
  job.layer = d.layer;
  job.fused_shift = d.fused_shift;
  job.input = &results->peek(d.input_slot);
  job.memory = tile_memory_;
  job.scratch = tile_scratch_;
  job.clock_period_ps = static_cast<std::int64_t>(period_ / sc_core::sc_time(1, sc_core::SC_PS));
  TileLayerRun run = tile_->run_layer(job);
  if (!run.error.empty()) {
    result_.error = "layer '" + d.layer->name + "' on the " + tile_->name() + ": " + run.error;
    return 0;
  }
  // Its output arrived through the core's memory port: the activation buffer writes it.
  activations->write_tensor(d.output_slot, std::move(run.output), true);
  compute = run.compute;
  compute.cycles = compute.stall_cycles = compute.memory_stall_cycles = 0;  // the layer's own count these
  // The same tiles go into the same array: the weight buffer's reads are the model's.
  compute.weight_buffer_read_bytes += (job_.first_inference ? d.first_inference : d.later_inference).weight_buffer_read_bytes;
  stats_.tiles += run.compute.tiles;
  return run.busy_cycles;
}

std::int64_t Controller::run_matmul(const LayerDescriptor& d) {
  const model::PackedLayer& l = *d.layer;
  const int R = array_.rows;
  const int C = array_.cols;
  const std::vector<PixelBlock> blocks = pixel_blocks(array_, l, d.fused_shift);
  const int row_tiles = (l.rows() + R - 1) / R;
  const int col_tiles = std::max(1, (l.packed_cols() + C - 1) / C);
  const std::int64_t per_block = static_cast<std::int64_t>(row_tiles) * col_tiles;
  const std::int64_t tiles = per_block * static_cast<std::int64_t>(blocks.size());
  feeder->configure({&l, d.fused_shift, d.input_slot, static_cast<int>(d.index)});
  output->configure({&l, d.output_slot, static_cast<int>(d.index)});
  const auto describe = [&](std::int64_t k) {
    const std::int64_t in_block = k % per_block;
    const PixelBlock& b = blocks[static_cast<std::size_t>(k / per_block)];
    TileDescriptor t;
    t.layer = static_cast<int>(d.index);
    t.index = k;
    t.block = static_cast<int>(k / per_block);
    t.first_row = static_cast<int>(in_block / col_tiles) * R;
    t.first_group = static_cast<int>(in_block % col_tiles) * C;
    t.first_pixel = b.first_pixel;
    t.pixels = b.pixels;
    t.compute_cycles = tile_compute_cycles(array_, b.pixels);
    t.first_column_tile = in_block % col_tiles == 0;
    t.last_column_tile = in_block % col_tiles == col_tiles - 1;
    return t;
  };
  std::int64_t busy = 0;
  for (std::int64_t k = 0; k < tiles; ++k) {
    const TileDescriptor tile = describe(k);
    // A block's first tile is loaded once the block before it has finished (a block runs as a
    // layer does: its first load exposed); the others while the tile before them computes.
    if (k % per_block == 0) weights->request({&l, tile.first_row, tile.first_group});
    const std::int64_t waiting = now_cycle();
    if (!weights->ready()) sc_core::wait(weights->ready_event());
    if (k % per_block > 0) stats_.weight_wait_cycles += now_cycle() - waiting;
    weights->consume();
    output->begin_tile(tile);
    feeder->begin_tile(tile.first_group, tile.first_pixel, tile.pixels);
    array->start_tile(tile);  // the shadow registers move into the cells ...
    const bool next_in_block = (k + 1) % per_block != 0;
    const auto request_next = [&] {
      const TileDescriptor next = describe(k + 1);
      weights->request({&l, next.first_row, next.first_group});
    };
    if (next_in_block && array_.shadow_weights) request_next();  // ... and are free for the next tile
    if (next_in_block && !array_.shadow_weights) {
      // No shadow registers: the next load writes the cells once they are free, in the tile's
      // last cycle (its accumulator write).
      sc_core::wait(period_ * static_cast<double>(tile.compute_cycles - 1));
      request_next();
    }
    sc_core::wait(array->done_event());
    output->end_tile(tile);
    stats_.tiles += 1;
    busy += tile.compute_cycles;
  }
  return busy;
}

}  // namespace ccsim::hw
