#include "hw/matmul_engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

MatmulEngine::MatmulEngine(const ArrayConfig& config, const model::PackedLayer& layer, const model::Int8Tensor& input,
                           const model::PackedLayer* shift, Fault fault, int block)
    : config_(config), layer_(layer), fault_(fault), feeder_(layer, input, shift), feed_(config, layer), array_(config),
      blocks_(layer.kind == model::OpKind::Matmul ? pixel_blocks(config, layer, shift) : std::vector<PixelBlock>{}),
      acc_(config.rows, std::min<std::int64_t>(config.accumulator_pixels, static_cast<std::int64_t>(layer.out.h) * layer.out.w)) {
  if (layer.kind != model::OpKind::Matmul) throw std::invalid_argument("MatmulEngine runs Matmul layers only");
  require_groups_fit(config, layer);
  if (block >= static_cast<int>(blocks_.size())) {
    throw std::invalid_argument("layer '" + layer.name + "' has " + std::to_string(blocks_.size()) + " pixel blocks, not block " +
                                std::to_string(block));
  }
  if (block >= 0) blocks_ = {blocks_[static_cast<std::size_t>(block)]};
  const int R = config.rows;
  const int C = config.cols;
  row_tiles_ = (layer.rows() + R - 1) / R;
  col_tiles_ = std::max(1, (layer.packed_cols() + C - 1) / C);
  tiles_per_block_ = static_cast<std::int64_t>(row_tiles_) * col_tiles_;
  top_.assign(C, 0);
  top_values_.assign(static_cast<std::size_t>(C) * config.alpha_max, 0);  // bit-parallel cycles and skewed slots
  output_ = {layer.out, std::vector<std::int8_t>(static_cast<std::size_t>(layer.out.size()), 0)};
  stats_.name = layer.name;
  stats_.op = model::to_string(layer.kind);
  phase_ = Phase::FirstLoad;
  phase_left_ = static_cast<std::int64_t>(R) * config.load_cycles_per_row;
}

Fault parse_fault(const std::string& text) {
  if (text == "none") return Fault::None;
  if (text == "select") return Fault::SelectStuckAt0;
  if (text == "skew") return Fault::SkewOffByOne;
  if (text == "acc") return Fault::AccBitStuckAt0;
  if (text == "vector") return Fault::VectorBitFlip;
  throw std::invalid_argument("fault '" + text + "' must be none, select, skew, acc or vector");
}

bool MatmulEngine::step() {
  computed_ = false;
  if (done_) return false;
  ++stats_.cycles;
  switch (phase_) {
    case Phase::FirstLoad:
    case Phase::Stall:
      ++stats_.stall_cycles;
      if (--phase_left_ == 0) start_tile();
      break;
    case Phase::Compute:
      computed_ = true;
      compute_cycle();
      if (++t_ == compute_cycles_) finish_tile();
      break;
  }
  return true;
}

fixed::Acc MatmulEngine::psum_in(int r, std::int64_t slot) {
  const std::int64_t p = slot;  // column 0 finishes pixel p in this slot
  if (p < 0 || p >= block_->pixels) return 0;
  ++stats_.acc_reads;
  return acc_.read(r, p);
}

void MatmulEngine::psum_out(int r, std::int64_t slot, fixed::Acc value) {
  const std::int64_t p = slot - (config_.cols - 1);  // column C-1 finished pixel p in this slot
  if (p < 0 || p >= block_->pixels) return;
  ++stats_.acc_writes;
  acc_.write(r, p, fault_ == Fault::AccBitStuckAt0 ? value & ~(1 << 16) : value);
}

void MatmulEngine::run() {
  // The skew fault delays one column past the tile's slots: it stays cycle by cycle.
  const bool skewed = fault_ != Fault::SkewOffByOne;
  while (!done_) {
    if (skewed && phase_ == Phase::Compute && t_ == 0) {
      compute_tile_skewed();
    } else {
      step();
    }
  }
}

void MatmulEngine::compute_tile_skewed() {
  const auto fetch = [&](std::int64_t p, std::uint32_t column) { return feeder_.value(p, column); };
  const auto left = [this](int r, std::int64_t slot) { return psum_in(r, slot); };
  const auto right = [this](int r, std::int64_t slot, fixed::Acc value) { psum_out(r, slot, value); };
  // The slots that carry a pixel through some column; every later one only sees zeros.
  const std::int64_t slots = block_->pixels + config_.cols - 1;
  for (std::int64_t s = 0; s < slots; ++s) {
    stats_.input_bits += feed_.values(s, top_values_.data(), fetch) * config_.data_bits;
    array_.clock_slot(s, top_values_.data(), left, right);
  }
  stats_.cycles += compute_cycles_;
  t_ = compute_cycles_;
  computed_ = true;
  finish_tile();
}

void MatmulEngine::start_tile() {
  const int R = config_.rows;
  const int C = config_.cols;
  const std::int64_t k = tile_ % tiles_per_block_;  // within the block
  block_ = &blocks_[static_cast<std::size_t>(tile_ / tiles_per_block_)];
  m0_ = static_cast<int>(k / col_tiles_) * R;
  g0_ = static_cast<int>(k % col_tiles_) * C;
  compute_cycles_ = tile_compute_cycles(config_, block_->pixels);
  const TileWeights tile = tile_weights(config_, layer_, m0_, g0_, fault_ == Fault::SelectStuckAt0);
  array_.load(tile);
  stats_.weight_loads += static_cast<std::int64_t>(R) * C;
  stats_.tiles += 1;
  stats_.mac_slots += static_cast<std::int64_t>(R) * C * block_->pixels;
  stats_.busy_slots += static_cast<std::int64_t>(tile.busy_cells) * block_->pixels;
  // First column tile: the accumulator starts from the bias.
  if (g0_ == 0) acc_.load_bias(layer_, m0_, block_->first_pixel, block_->pixels);
  feed_.begin_tile(g0_, block_->first_pixel, block_->pixels);
  phase_ = Phase::Compute;
  t_ = 0;
}

void MatmulEngine::compute_cycle() {
  const auto fetch = [&](std::int64_t p, std::uint32_t column) { return feeder_.value(p, column); };
  const int late = fault_ == Fault::SkewOffByOne ? 1 : 0;
  const bool parallel = config_.mac == MacKind::BitParallel;
  const std::int64_t fetched = parallel ? feed_.values(t_, top_values_.data(), fetch, late) : feed_.lines(t_, top_.data(), fetch, late);
  stats_.input_bits += fetched * config_.data_bits;
  const std::int64_t t = t_;
  const auto left = [this](int r, std::int64_t slot) { return psum_in(r, slot); };
  const auto right = [this](int r, std::int64_t slot, fixed::Acc value) { psum_out(r, slot, value); };
  if (parallel) {
    array_.clock_values(t, top_values_.data(), left, right);
  } else {
    array_.clock(t, top_.data(), left, right);
  }
}

void MatmulEngine::finish_tile() {
  const model::PackedLayer& l = layer_;
  const bool last_col_tile = (tile_ % tiles_per_block_) % col_tiles_ == col_tiles_ - 1;
  if (last_col_tile) {  // output stage
    stats_.activations_written +=
        acc_.drain(l, m0_, [&](std::size_t index, std::int8_t value) { output_.data[index] = value; });
  }
  ++tile_;
  if (tile_ == tiles_per_block_ * static_cast<std::int64_t>(blocks_.size())) {
    done_ = true;
    return;
  }
  if (tile_ % tiles_per_block_ == 0) {  // a new block: it loads its first tile as a layer does
    phase_ = Phase::FirstLoad;
    phase_left_ = static_cast<std::int64_t>(config_.rows) * config_.load_cycles_per_row;
    return;
  }
  // With shadow registers the next tile's weights started loading when this tile started;
  // without them they started in this tile's last cycle (the accumulator write), once the
  // cells were free.
  const std::int64_t load = static_cast<std::int64_t>(config_.rows) * config_.load_cycles_per_row;
  const std::int64_t remaining_load = config_.shadow_weights ? load - compute_cycles_ : load - 1;
  if (remaining_load > 0) {
    phase_ = Phase::Stall;
    phase_left_ = remaining_load;
  } else {
    start_tile();
  }
}

}  // namespace ccsim::hw
