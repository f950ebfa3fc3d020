#include "hw/matmul_engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

MatmulEngine::MatmulEngine(const ArrayConfig& config, const model::PackedLayer& layer, const model::Int8Tensor& input,
                           const model::PackedLayer* shift, Fault fault)
    : config_(config), layer_(layer), fault_(fault), feeder_(layer, input, shift), feed_(config, layer), array_(config),
      acc_(config.rows, static_cast<std::int64_t>(layer.out.h) * layer.out.w) {
  if (layer.kind != model::OpKind::Matmul) throw std::invalid_argument("MatmulEngine runs Matmul layers only");
  require_groups_fit(config, layer);
  const int R = config.rows;
  const int C = config.cols;
  pixels_ = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
  row_tiles_ = (layer.rows() + R - 1) / R;
  col_tiles_ = std::max(1, (layer.packed_cols() + C - 1) / C);
  compute_cycles_ = static_cast<std::int64_t>(config.data_bits) * (pixels_ + C - 1) + R;
  top_.assign(C, 0);
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
  throw std::invalid_argument("fault '" + text + "' must be none, select, skew or acc");
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

void MatmulEngine::start_tile() {
  const int R = config_.rows;
  const int C = config_.cols;
  m0_ = static_cast<int>(tile_ / col_tiles_) * R;
  g0_ = static_cast<int>(tile_ % col_tiles_) * C;
  const TileWeights tile = tile_weights(config_, layer_, m0_, g0_, fault_ == Fault::SelectStuckAt0);
  array_.load(tile);
  stats_.weight_loads += static_cast<std::int64_t>(R) * C;
  stats_.tiles += 1;
  stats_.mac_slots += static_cast<std::int64_t>(R) * C * pixels_;
  stats_.busy_slots += static_cast<std::int64_t>(tile.busy_cells) * pixels_;
  if (g0_ == 0) acc_.load_bias(layer_, m0_);  // first column tile: the accumulator starts from the bias
  feed_.begin_tile(g0_);
  phase_ = Phase::Compute;
  t_ = 0;
}

void MatmulEngine::compute_cycle() {
  const int bits = config_.data_bits;
  const std::int64_t fetched = feed_.lines(
      t_, top_.data(), [&](std::int64_t p, std::uint32_t column) { return feeder_.value(p, column); },
      fault_ == Fault::SkewOffByOne ? 1 : 0);
  stats_.input_bits += fetched * bits;
  const std::int64_t t = t_;
  const std::int64_t P = pixels_;
  const int last_col = config_.cols - 1;
  array_.clock(
      t, top_.data(),
      [&](int r) -> fixed::Acc {
        const std::int64_t p = (t - r) / bits;  // column 0 finishes pixel p in this slot
        if (p < 0 || p >= P) return 0;
        ++stats_.acc_reads;
        return acc_.read(r, p);
      },
      [&](int r, fixed::Acc value) {
        const std::int64_t p = (t - r) / bits - last_col;
        if (p < 0 || p >= P) return;
        ++stats_.acc_writes;
        acc_.write(r, p, fault_ == Fault::AccBitStuckAt0 ? value & ~(1 << 16) : value);
      });
}

void MatmulEngine::finish_tile() {
  const model::PackedLayer& l = layer_;
  const bool last_col_tile = (tile_ % col_tiles_) == col_tiles_ - 1;
  if (last_col_tile) {  // output stage
    stats_.activations_written +=
        acc_.drain(l, m0_, [&](std::size_t index, std::int8_t value) { output_.data[index] = value; });
  }
  ++tile_;
  if (tile_ == static_cast<std::int64_t>(row_tiles_) * col_tiles_) {
    done_ = true;
    return;
  }
  // The next tile's weights started loading when this tile started: T_load cycles.
  const std::int64_t remaining_load = static_cast<std::int64_t>(config_.rows) * config_.load_cycles_per_row - compute_cycles_;
  if (remaining_load > 0) {
    phase_ = Phase::Stall;
    phase_left_ = remaining_load;
  } else {
    start_tile();
  }
}

}  // namespace ccsim::hw
