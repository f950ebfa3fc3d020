#include "hw/matmul_engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

MatmulEngine::MatmulEngine(const ArrayConfig& config, const model::PackedLayer& layer, const model::Int8Tensor& input,
                           const model::PackedLayer* shift, Fault fault)
    : config_(config), layer_(layer), fault_(fault), feeder_(layer, input, shift), array_(config) {
  if (layer.kind != model::OpKind::Matmul) throw std::invalid_argument("MatmulEngine runs Matmul layers only");
  for (const auto& g : layer.groups) {
    if (g.size() > static_cast<std::size_t>(config.alpha_max)) {
      throw std::invalid_argument("layer '" + layer.name + "' has a group of " + std::to_string(g.size()) +
                                  " columns; the array's multiplexers take " + std::to_string(config.alpha_max));
    }
  }
  const int R = config.rows;
  const int C = config.cols;
  pixels_ = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
  row_tiles_ = (layer.rows() + R - 1) / R;
  col_tiles_ = std::max(1, (layer.packed_cols() + C - 1) / C);
  compute_cycles_ = static_cast<std::int64_t>(config.data_bits) * (pixels_ + C - 1) + R;
  acc_.assign(static_cast<std::size_t>(R) * pixels_, 0);
  column_value_.assign(static_cast<std::size_t>(C) * config.alpha_max, 0);
  column_pixel_.assign(C, -1);
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
  const model::PackedLayer& l = layer_;
  m0_ = static_cast<int>(tile_ / col_tiles_) * R;
  g0_ = static_cast<int>(tile_ % col_tiles_) * C;
  std::vector<std::int8_t> w(static_cast<std::size_t>(R) * C, 0);
  std::vector<std::uint8_t> s(w.size(), 0);
  int busy = 0;
  for (int r = 0; r < R && m0_ + r < l.rows(); ++r) {
    for (int c = 0; c < C && g0_ + c < l.packed_cols(); ++c) {
      w[static_cast<std::size_t>(r) * C + c] = l.weights[l.cell(m0_ + r, g0_ + c)];
      s[static_cast<std::size_t>(r) * C + c] = l.select[l.cell(m0_ + r, g0_ + c)];
      if (fault_ == Fault::SelectStuckAt0) s[static_cast<std::size_t>(r) * C + c] &= 0xFE;
      busy += w[static_cast<std::size_t>(r) * C + c] != 0;
    }
  }
  array_.load(w, s);
  stats_.weight_loads += static_cast<std::int64_t>(R) * C;
  stats_.tiles += 1;
  stats_.mac_slots += static_cast<std::int64_t>(R) * C * pixels_;
  stats_.busy_slots += static_cast<std::int64_t>(busy) * pixels_;
  if (g0_ == 0) {  // first column tile: the accumulator starts from the bias
    for (int r = 0; r < R; ++r) {
      const fixed::Acc bias = m0_ + r < l.rows() ? l.bias[m0_ + r] : 0;
      std::fill_n(acc_.begin() + static_cast<std::ptrdiff_t>(r) * pixels_, pixels_, bias);
    }
  }
  std::fill(column_pixel_.begin(), column_pixel_.end(), -1);
  phase_ = Phase::Compute;
  t_ = 0;
}

void MatmulEngine::compute_cycle() {
  const int C = config_.cols;
  const int bits = config_.data_bits;
  const std::int64_t slot = t_ / bits;
  const int bit = static_cast<int>(t_ % bits);
  const model::PackedLayer& l = layer_;
  // Feeder: column c carries pixel slot - c, serialized LSB first.
  for (int c = 0; c < C; ++c) {
    const std::int64_t p = slot - c - (fault_ == Fault::SkewOffByOne && c == C - 1 ? 1 : 0);
    const int g = g0_ + c;
    if (p < 0 || p >= pixels_ || g >= l.packed_cols()) {
      top_[c] = 0;
      continue;
    }
    const auto& members = l.groups[g];
    std::int32_t* values = column_value_.data() + static_cast<std::size_t>(c) * config_.alpha_max;
    if (column_pixel_[c] != p) {
      for (std::size_t k = 0; k < members.size(); ++k) values[k] = feeder_.value(p, members[k]);
      column_pixel_[c] = p;
      stats_.input_bits += static_cast<std::int64_t>(members.size()) * bits;
    }
    std::uint32_t lines = 0;
    const int shift = std::min(bit, 31);
    for (std::size_t k = 0; k < members.size(); ++k) lines |= ((static_cast<std::uint32_t>(values[k] >> shift)) & 1u) << k;
    top_[c] = lines;
  }
  const std::int64_t t = t_;
  const std::int64_t P = pixels_;
  const int last_col = C - 1;
  array_.clock(
      t, top_.data(),
      [&](int r) -> fixed::Acc {
        const std::int64_t p = (t - r) / bits;  // column 0 finishes pixel p in this slot
        if (p < 0 || p >= P) return 0;
        ++stats_.acc_reads;
        return acc_[static_cast<std::size_t>(r) * P + p];
      },
      [&](int r, fixed::Acc value) {
        const std::int64_t p = (t - r) / bits - last_col;
        if (p < 0 || p >= P) return;
        ++stats_.acc_writes;
        acc_[static_cast<std::size_t>(r) * P + p] = fault_ == Fault::AccBitStuckAt0 ? value & ~(1 << 16) : value;
      });
}

void MatmulEngine::finish_tile() {
  const model::PackedLayer& l = layer_;
  const bool last_col_tile = (tile_ % col_tiles_) == col_tiles_ - 1;
  if (last_col_tile) {  // output stage
    for (int r = 0; r < config_.rows && m0_ + r < l.rows(); ++r) {
      const int m = m0_ + r;
      for (std::int64_t p = 0; p < pixels_; ++p) {
        output_.data[static_cast<std::size_t>(m) * pixels_ + p] =
            fixed::requantize(acc_[static_cast<std::size_t>(r) * pixels_ + p], l.requant[m], l.act_min, l.act_max);
      }
      stats_.activations_written += pixels_;
    }
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
