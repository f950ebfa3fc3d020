// The MX cell, the systolic array engine and the fast-mode formulas, without the SystemC kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <utility>

#include "hw/accelerator.hpp"
#include "hw/feeder.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/mx_cell.hpp"
#include "hw/systolic_array.hpp"
#include "hw/timing.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

TEST(BitSerial, StepsSumToTheProductForEveryInt8Pair) {
  for (int w = -128; w <= 127; ++w) {
    for (int x = -128; x <= 127; ++x) {
      for (int bits : {8, 11}) {
        fixed::Acc prod = 0;
        for (int i = 0; i < bits; ++i) {
          const bool bit = ((x >> std::min(i, 31)) & 1) != 0;  // sign-extended beyond bit 7
          prod = fixed::serial_mac_step(prod, static_cast<std::int8_t>(w), bit, i, bits);
        }
        ASSERT_EQ(prod, w * x) << w << " * " << x << " with " << bits << " bits";
      }
    }
  }
}

TEST(MxCell, MultiplexerPicksTheSelectedLineForEverySelect) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<std::uint32_t> noise;
  for (int trial = 0; trial < 2000; ++trial) {
    const int alpha = 1 + trial % 8;
    const auto select = static_cast<std::uint8_t>(trial % alpha);
    const auto w = static_cast<std::int8_t>(byte(rng));
    const int x = byte(rng);
    const fixed::Acc psum_in = static_cast<fixed::Acc>(noise(rng));
    MxCell cell;
    cell.load(w, select);
    for (int i = 0; i < 8; ++i) {
      // Other lines carry random bits; the selected line carries x.
      std::uint32_t lines = noise(rng) & ((1u << alpha) - 1);
      lines = (lines & ~(1u << select)) | (static_cast<std::uint32_t>((x >> i) & 1) << select);
      cell.clock_bit(lines, i, 8);
    }
    EXPECT_EQ(cell.finish_slot(psum_in), fixed::mac(psum_in, w, static_cast<std::int8_t>(x)));
    EXPECT_EQ(cell.product(), 0);
  }
}

// The array engine keeps its cells' registers in arrays (SIMD rows) and steps bits and slots
// per cycle; a grid of MxCells stepped one by one, dividing out every position, must agree with
// it on every register and every edge exchange (left(r, s) in, right(r, s, value) out) in every
// cycle: bit-serial and bit-parallel, 1..6 x 1..6 cells, 2..16 bits, consecutive cycles, repeated
// ones and jumps, tiles with and without a reload.
class MxCellGrid {
 public:
  explicit MxCellGrid(const ArrayConfig& a)
      : a_(a), cells_(static_cast<std::size_t>(a.rows) * a.cols),
        lines_(cells_.size(), 0), values_(cells_.size() * static_cast<std::size_t>(a.alpha_max), 0) {}
  void load(const std::vector<std::int8_t>& w, const std::vector<std::uint8_t>& s) {
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      cells_[i] = MxCell();
      cells_[i].load(w[i], s[i]);
    }
    std::fill(lines_.begin(), lines_.end(), 0u);
    std::fill(values_.begin(), values_.end(), std::int8_t{0});
  }
  template <typename Left, typename Right>
  void clock(std::int64_t t, const std::uint32_t* top, const std::int8_t* top_values, Left&& left, Right&& right) {
    const bool parallel = a_.mac == MacKind::BitParallel;
    const int bits = parallel ? 1 : a_.data_bits;
    const std::size_t width = static_cast<std::size_t>(a_.cols) * a_.alpha_max;
    std::copy_n(top, a_.cols, lines_.data() + static_cast<std::size_t>(t % a_.rows) * a_.cols);
    std::copy_n(top_values, width, values_.data() + static_cast<std::size_t>(t % a_.rows) * width);
    for (int r = 0; r <= std::min<std::int64_t>(a_.rows - 1, t); ++r) {
      const std::size_t at = static_cast<std::size_t>((t - r) % a_.rows);
      const int bit = static_cast<int>((t - r) % bits);
      const std::int64_t slot = (t - r) / bits;
      MxCell* row = cells_.data() + static_cast<std::size_t>(r) * a_.cols;
      for (int c = a_.cols - 1; c >= 0; --c) {
        if (parallel) {
          row[c].clock_value(values_.data() + at * width + static_cast<std::size_t>(c) * a_.alpha_max);
        } else {
          row[c].clock_bit(lines_[at * a_.cols + c], bit, bits);
        }
        if (bit != bits - 1) continue;
        const fixed::Acc out = row[c].finish_slot(c == 0 ? left(r, slot) : row[c - 1].psum());
        if (c == a_.cols - 1) right(r, slot, out);
      }
    }
  }
  const MxCell& cell(int r, int c) const { return cells_[static_cast<std::size_t>(r) * a_.cols + c]; }

 private:
  ArrayConfig a_;
  std::vector<MxCell> cells_;
  std::vector<std::uint32_t> lines_;
  std::vector<std::int8_t> values_;
};

TEST(SystolicArray, AgreesWithAGridOfMxCellsEveryCycle) {
  std::mt19937 rng(11);
  using Edge = std::tuple<int, int, std::int64_t, fixed::Acc>;  // (0 left | 1 right, row, slot, value)
  int serial_trials = 0;
  for (int trial = 0; trial < 240; ++trial) {
    ArrayConfig a;
    a.rows = 1 + static_cast<int>(rng() % 6);
    a.cols = 1 + static_cast<int>(rng() % 6);
    a.data_bits = 2 + static_cast<int>(rng() % 15);
    a.alpha_max = 1 + static_cast<int>(rng() % 8);
    a.mac = trial % 2 ? MacKind::BitParallel : MacKind::BitSerial;
    serial_trials += a.mac == MacKind::BitSerial;
    const bool jumps = trial % 4 >= 2;
    SystolicArray array(a);
    MxCellGrid grid(a);
    for (int tile = 0; tile < 3; ++tile) {
      std::vector<std::int8_t> w(static_cast<std::size_t>(a.rows) * a.cols);
      std::vector<std::uint8_t> s(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) {
        w[i] = static_cast<std::int8_t>(rng());
        s[i] = static_cast<std::uint8_t>(rng() % static_cast<std::uint32_t>(a.alpha_max));
      }
      if (tile == 0 || rng() % 2) {
        array.load(w, s);
        grid.load(w, s);
      }
      std::int64_t t = 0;
      for (int k = 0; k < 120; ++k) {
        std::vector<std::uint32_t> top(static_cast<std::size_t>(a.cols));
        for (auto& x : top) x = static_cast<std::uint32_t>(rng());
        std::vector<std::int8_t> values(static_cast<std::size_t>(a.cols) * a.alpha_max);
        for (auto& x : values) x = static_cast<std::int8_t>(rng());
        std::vector<fixed::Acc> left(static_cast<std::size_t>(a.rows));
        for (auto& x : left) x = static_cast<fixed::Acc>(rng());
        std::vector<Edge> got, want;
        const auto edges = [&](std::vector<Edge>& log) {
          return std::make_pair(
              [&log, &left](int r, std::int64_t slot) {
                log.emplace_back(0, r, slot, left[static_cast<std::size_t>(r)]);
                return left[static_cast<std::size_t>(r)];
              },
              [&log](int r, std::int64_t slot, fixed::Acc v) { log.emplace_back(1, r, slot, v); });
        };
        auto [gl, gr] = edges(got);
        auto [wl, wr] = edges(want);
        if (a.mac == MacKind::BitParallel) {
          array.clock_values(t, values.data(), gl, gr);
        } else {
          array.clock(t, top.data(), gl, gr);
        }
        grid.clock(t, top.data(), values.data(), wl, wr);
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        ASSERT_EQ(got, want) << "trial " << trial << ", cycle " << t;
        for (int r = 0; r < a.rows; ++r) {
          for (int c = 0; c < a.cols; ++c) {
            ASSERT_EQ(array.cell(r, c).psum(), grid.cell(r, c).psum()) << "trial " << trial << " cycle " << t << " cell " << r << "," << c;
            ASSERT_EQ(array.cell(r, c).product(), grid.cell(r, c).product()) << "trial " << trial << " cycle " << t;
          }
        }
        // Consecutive cycles, or (jumps) also the same cycle again, a jump ahead and one back.
        const std::uint32_t m = jumps ? rng() % 4 : 3;
        t = m == 0 ? t : m == 1 ? t + 2 + static_cast<std::int64_t>(rng() % 20) : m == 2 && t > 3 ? t - 2 : t + 1;
      }
    }
  }
  EXPECT_EQ(serial_trials, 120);
}

model::Int8Tensor random_int8(const model::Shape& s, std::mt19937& rng) {
  std::uniform_int_distribution<int> v(-128, 127);
  model::Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
  for (auto& x : t.data) x = static_cast<std::int8_t>(v(rng));
  return t;
}

struct LayerCase {
  int in_c, out_c, k, stride, pad, h, w;
  int alpha;
  bool linear;
};

model::PackedNetwork one_layer(const LayerCase& lc, std::uint32_t seed) {
  std::mt19937 rng(seed);
  model::Network net;
  net.name = "case";
  net.input = {lc.in_c, lc.h, lc.w};
  if (lc.linear) {
    model::Layer l;
    l.name = "fc";
    l.kind = model::LayerKind::Linear;
    l.out_channels = lc.out_c;
    l.weight = test::random_values(static_cast<std::size_t>(lc.out_c) * net.input.size(), rng, 0.3f, 0.4);
    l.bias = test::random_values(lc.out_c, rng, 0.1f);
    net.layers.push_back(l);
  } else {
    net.layers.push_back(test::conv("c", lc.in_c, lc.out_c, lc.k, lc.stride, lc.pad, rng, 0.35));
  }
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {lc.alpha, 1.0, 0};
  return model::pack_network(net, opt, test::random_batch(net.input, 4, seed)).packed;
}

// Array GEMMs against the golden model over packed matrices and array shapes, including tiled,
// partial and non-square ones; cycle-level counters equal to the documented formulas.
// The engine stepped cycle by cycle (what co-simulation and waveforms see): the same outputs and
// every counter as run()'s skewed evaluation of the tiles.
void expect_stepped_equals_run(const ArrayConfig& a, const model::PackedLayer& layer, const model::Int8Tensor& x,
                               const MatmulEngine& run, const std::string& what) {
  MatmulEngine stepped(a, layer, x, nullptr);
  std::int64_t steps = 0;
  while (stepped.step()) ++steps;
  EXPECT_EQ(stepped.output().data, run.output().data) << what;
  EXPECT_TRUE(stepped.stats().same_counts(run.stats()))
      << what << "\nstepped: " << stepped.stats().to_json().dump() << "\nrun:     " << run.stats().to_json().dump();
  EXPECT_EQ(steps, run.stats().cycles) << what;
}

TEST(MatmulEngine, BitExactAndCountersEqualFormulas) {
  const LayerCase cases[] = {
      {8, 12, 1, 1, 0, 5, 4, 4, false},  {16, 20, 1, 2, 0, 6, 6, 8, false}, {3, 7, 3, 1, 1, 5, 6, 2, false},
      {4, 9, 3, 2, 1, 7, 5, 3, false},   {6, 5, 1, 1, 0, 1, 1, 1, false},   {24, 10, 1, 1, 0, 1, 1, 4, true},
      {13, 33, 1, 1, 0, 3, 3, 8, false},
  };
  const std::pair<int, int> arrays[] = {{1, 1}, {2, 3}, {4, 4}, {5, 2}, {7, 11}, {16, 16}, {3, 32}};
  std::mt19937 rng(11);
  int n = 0;
  for (const auto& lc : cases) {
    const auto packed = one_layer(lc, static_cast<std::uint32_t>(n++));
    const model::PackedLayer& layer = packed.layers.at(0);
    ASSERT_EQ(layer.kind, model::OpKind::Matmul);
    const model::Int8Tensor x = random_int8(layer.in, rng);
    const model::Int8Tensor want = model::run_layer(layer, x);
    for (const auto& [r, c] : arrays) {
      ArrayConfig a;
      a.rows = r;
      a.cols = c;
      MatmulEngine engine(a, layer, x, nullptr);
      engine.run();
      ASSERT_EQ(engine.output().data, want.data) << "case " << n << " array " << r << "x" << c;
      const LayerStats formula = matmul_stats(a, layer);
      EXPECT_TRUE(engine.stats().same_counts(formula))
          << "case " << n << " array " << r << "x" << c << "\ncycle: " << engine.stats().to_json().dump()
          << "\nfast:  " << formula.to_json().dump();
      expect_stepped_equals_run(a, layer, x, engine, "case " + std::to_string(n) + " array " + std::to_string(r) + "x" + std::to_string(c));
    }
  }
}

// Bit-parallel cells and arrays without shadow registers (exposed weight loads), alone and
// together: the golden outputs, and every counter equal to the formulas of hw/README.md.
TEST(MatmulEngine, BitParallelCellsAndExposedLoadsBitExactAndCountersEqualFormulas) {
  const LayerCase cases[] = {
      {8, 12, 1, 1, 0, 5, 4, 4, false}, {3, 7, 3, 1, 1, 5, 6, 2, false}, {6, 5, 1, 1, 0, 1, 1, 1, false},
      {24, 10, 1, 1, 0, 1, 1, 4, true}, {13, 33, 1, 1, 0, 3, 3, 8, false},
  };
  const std::pair<int, int> arrays[] = {{1, 1}, {2, 3}, {5, 2}, {7, 11}, {16, 16}};
  std::mt19937 rng(12);
  int n = 0;
  for (const auto& lc : cases) {
    const auto packed = one_layer(lc, static_cast<std::uint32_t>(100 + n++));
    const model::PackedLayer& layer = packed.layers.at(0);
    const model::Int8Tensor x = random_int8(layer.in, rng);
    const model::Int8Tensor want = model::run_layer(layer, x);
    for (const auto& [r, c] : arrays) {
      for (const MacKind mac : {MacKind::BitSerial, MacKind::BitParallel}) {
        for (const bool shadow : {true, false}) {
          ArrayConfig a;
          a.rows = r;
          a.cols = c;
          a.mac = mac;
          a.shadow_weights = shadow;
          const std::string what = "case " + std::to_string(n) + " array " + std::to_string(r) + "x" + std::to_string(c) +
                                   " " + to_string(mac) + (shadow ? " overlapped" : " exposed");
          MatmulEngine engine(a, layer, x, nullptr);
          engine.run();
          ASSERT_EQ(engine.output().data, want.data) << what;
          const LayerStats formula = matmul_stats(a, layer);
          EXPECT_TRUE(engine.stats().same_counts(formula))
              << what << "\ncycle: " << engine.stats().to_json().dump() << "\nfast:  " << formula.to_json().dump();
          expect_stepped_equals_run(a, layer, x, engine, what);
          // The documented closed forms (one pixel block here).
          const std::int64_t P = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
          const std::int64_t k = mac == MacKind::BitParallel ? 1 : a.data_bits;
          const std::int64_t tc = k * (P + c - 1) + r;
          EXPECT_EQ(tile_compute_cycles(a, P), tc) << what;
          const std::int64_t tiles = tiles_per_block(a, layer);
          const std::int64_t load = r;
          EXPECT_EQ(formula.cycles, shadow ? load + (tiles - 1) * std::max(tc, load) + tc
                                           : load + (tiles - 1) * (tc + load - 1) + tc)
              << what;
        }
      }
    }
  }
}

// Data paths wider (12 bits: more cycles, the same values) and narrower (4 bits for int8 inputs,
// which pack never makes: the bit-serial cell reads the low 4 bits as a signed number, and the
// skewed evaluation does the same) than the values.
TEST(MatmulEngine, DataPathWidthInBothEvaluations) {
  const auto packed = one_layer({8, 8, 1, 1, 0, 4, 4, 4, false}, 5);
  const auto& layer = packed.layers[0];
  std::mt19937 rng(2);
  const auto x = random_int8(layer.in, rng);
  for (const int bits : {12, 4}) {
    ArrayConfig a;
    a.rows = bits == 12 ? 4 : 3;
    a.cols = bits == 12 ? 4 : 5;
    a.data_bits = bits;
    MatmulEngine engine(a, layer, x, nullptr);
    engine.run();
    expect_stepped_equals_run(a, layer, x, engine, std::to_string(bits) + " bits");
    if (bits == 4) {
      EXPECT_NE(engine.output().data, model::run_layer(layer, x).data) << "values beyond 4 bits do not survive";
      continue;
    }
    EXPECT_EQ(engine.output().data, model::run_layer(layer, x).data);
    EXPECT_TRUE(engine.stats().same_counts(matmul_stats(a, layer)));
    EXPECT_EQ(tile_compute_cycles(a, 16), 12 * (16 + 3) + 4);
  }
}

TEST(MatmulEngine, RejectsGroupsWiderThanTheMultiplexer) {
  const auto packed = one_layer({16, 8, 1, 1, 0, 2, 2, 8, false}, 9);
  ArrayConfig a;
  a.alpha_max = 2;
  std::mt19937 rng(1);
  const auto x = random_int8(packed.layers[0].in, rng);
  EXPECT_THROW(MatmulEngine(a, packed.layers[0], x, nullptr), std::invalid_argument);
}

// A shift folded into the feeder computes shift-then-pointwise exactly, with stride and padding.
TEST(MatmulEngine, FusedShiftEqualsShiftThenMatmul) {
  const auto net = test::shift_net(4, 0.4);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {4, 1.0, 0};
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 4, 4)).packed;
  std::mt19937 rng(8);
  std::vector<model::Int8Tensor> trace;
  model::run_golden(packed, random_int8(packed.input, rng), &trace);
  int checked = 0;
  for (std::size_t i = 1; i < packed.layers.size(); ++i) {
    if (!fused_into_next(packed, i - 1)) continue;
    const auto& shift = packed.layers[i - 1];
    const auto& shift_input = i >= 2 ? trace[i - 2] : trace[0];
    for (const auto& [r, c] : {std::pair{3, 5}, std::pair{8, 8}}) {
      ArrayConfig a;
      a.rows = r;
      a.cols = c;
      MatmulEngine engine(a, packed.layers[i], shift_input, &shift);
      engine.run();
      EXPECT_EQ(engine.output().data, trace[i].data) << packed.layers[i].name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);  // pw1 (stride 1), pw2 (stride 2), pw3
}

// Pixel blocks (hw/README.md): whole output rows, top to bottom, each within the accumulator
// buffer, its band holding every stored-input row its windows (and the fused shift) read.
void expect_blocks_cover(const ArrayConfig& a, const model::PackedLayer& l, const model::PackedLayer* shift,
                         const std::vector<PixelBlock>& blocks) {
  int next = 0;
  for (const PixelBlock& b : blocks) {
    EXPECT_EQ(b.first_row, next) << l.name;
    EXPECT_GE(b.rows, 1);
    EXPECT_LE(b.pixels, a.accumulator_pixels);
    EXPECT_LE(b.band_bytes, a.input_store_bytes);
    EXPECT_EQ(b.pixels, static_cast<std::int64_t>(b.rows) * l.out.w);
    EXPECT_EQ(b.first_pixel, static_cast<std::int64_t>(b.first_row) * l.out.w);
    for (std::int64_t p = b.first_pixel; p < b.first_pixel + b.pixels; ++p) {
      for (std::uint32_t column = 0; column < static_cast<std::uint32_t>(l.cols()); ++column) {
        const std::int64_t at = Feeder::address(l, shift, p, column);
        if (at < 0) continue;
        const std::int64_t row = at / l.in.w % l.in.h;
        ASSERT_GE(row, b.band_first_row) << l.name << " pixel " << p;
        ASSERT_LT(row, b.band_first_row + b.band_rows) << l.name << " pixel " << p;
      }
    }
    next += b.rows;
  }
  EXPECT_EQ(next, l.out.h) << l.name;
}

TEST(MatmulEngine, PixelBlocksBitExactAndCountersEqualFormulas) {
  const LayerCase cases[] = {
      {8, 12, 1, 1, 0, 9, 4, 4, false}, {3, 7, 3, 1, 1, 11, 6, 2, false}, {4, 9, 3, 2, 1, 13, 5, 3, false},
      {6, 5, 5, 1, 2, 8, 7, 1, false},  {24, 10, 1, 1, 0, 1, 1, 4, true},
  };
  std::mt19937 rng(21);
  int n = 0;
  int split = 0;
  for (const auto& lc : cases) {
    const auto packed = one_layer(lc, static_cast<std::uint32_t>(40 + n++));
    const model::PackedLayer& layer = packed.layers.at(0);
    const model::Int8Tensor x = random_int8(layer.in, rng);
    const model::Int8Tensor want = model::run_layer(layer, x);
    ArrayConfig a;
    a.rows = 4;
    a.cols = 3;
    a.accumulator_pixels = 2 * layer.out.w + 1;  // two output rows
    a.input_store_bytes = std::max<std::int64_t>(layer.in.size(), 1) / 2 + layer.in.c * layer.in.w * layer.window.kh;
    const std::vector<PixelBlock> blocks = pixel_blocks(a, layer);
    expect_blocks_cover(a, layer, nullptr, blocks);
    split += blocks.size() > 1;
    MatmulEngine engine(a, layer, x, nullptr);
    engine.run();
    ASSERT_EQ(engine.output().data, want.data) << "case " << n;
    const LayerStats formula = matmul_stats(a, layer);
    EXPECT_TRUE(engine.stats().same_counts(formula))
        << "case " << n << "\ncycle: " << engine.stats().to_json().dump() << "\nfast:  " << formula.to_json().dump();
    // Each block exposes its first weight load, as a layer does.
    const std::int64_t per_block = ((layer.rows() + 3) / 4) * std::max(1, (layer.packed_cols() + 2) / 3);
    EXPECT_EQ(tiles_per_block(a, layer), per_block);
    EXPECT_EQ(formula.tiles, per_block * static_cast<std::int64_t>(blocks.size()));
    // One block alone: its pixels, the others 0.
    MatmulEngine last(a, layer, x, nullptr, Fault::None, static_cast<int>(blocks.size()) - 1);
    last.run();
    EXPECT_TRUE(last.stats().same_counts(block_stats(a, layer, blocks.back())));
    const std::int64_t P = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
    for (std::size_t k = 0; k < want.data.size(); ++k) {
      const bool inside = static_cast<std::int64_t>(k) % P >= blocks.back().first_pixel;
      ASSERT_EQ(last.output().data[k], inside ? want.data[k] : 0) << "case " << n << " value " << k;
    }
  }
  EXPECT_EQ(split, 4);  // all but the fully connected layer
}

TEST(MatmulEngine, PixelBlocksWithAFusedShiftReadTheRowsTheShiftReaches) {
  const auto net = test::shift_net(4, 0.4);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;
  opt.combine = {4, 1.0, 0};
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 4, 4)).packed;
  std::mt19937 rng(8);
  const model::Int8Tensor input = random_int8(packed.input, rng);
  std::vector<model::Int8Tensor> trace;
  model::run_golden(packed, input, &trace);
  int checked = 0;
  for (std::size_t i = 1; i < packed.layers.size(); ++i) {
    if (!fused_into_next(packed, i - 1)) continue;
    const auto& shift = packed.layers[i - 1];
    const auto& l = packed.layers[i];
    const auto& shift_input = i >= 2 ? trace[i - 2] : input;
    ArrayConfig a;
    a.rows = 3;
    a.cols = 5;
    a.accumulator_pixels = l.out.w;                                   // one output row per block ...
    a.input_store_bytes = static_cast<std::int64_t>(l.in.c) * l.in.w * 3;  // ... and its band of 3 rows
    const std::vector<PixelBlock> blocks = pixel_blocks(a, l, &shift);
    expect_blocks_cover(a, l, &shift, blocks);
    EXPECT_EQ(static_cast<int>(blocks.size()), l.out.h);
    MatmulEngine engine(a, l, shift_input, &shift);
    engine.run();
    EXPECT_EQ(engine.output().data, trace[i].data) << l.name;
    EXPECT_TRUE(engine.stats().same_counts(matmul_stats(a, l, &shift))) << l.name;
    // Two rows per band is one too few for a shift up and down: refused naming the field.
    a.input_store_bytes = static_cast<std::int64_t>(l.in.c) * l.in.w * 2;
    try {
      pixel_blocks(a, l, &shift);
      ADD_FAILURE() << l.name << ": a band of 2 rows was accepted";
    } catch (const PixelBlockError& e) {
      EXPECT_EQ(e.limit, PixelBlockError::Limit::InputStoreBytes);
      EXPECT_NE(std::string(e.what()).find("raise input_store_bytes (run --input-store-kib, explore axis input_store_kib)"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(l.name), std::string::npos) << e.what();
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
  ArrayConfig narrow;
  narrow.accumulator_pixels = packed.layers[0].out.w - 1;
  EXPECT_THROW(pixel_blocks(narrow, packed.layers[0]), PixelBlockError);
}

// A network wider than the data path is refused before anything runs, naming the flag; its own
// width or a wider path is taken. A quantized input beyond the network's width is refused.
TEST(AcceleratorConfig, RefusesANetworkWiderThanTheDataPath) {
  const auto net = test::shift_net(31, 0.35);
  model::PackOptions opt;
  opt.activation_bits = 6;
  const auto packed = model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
  AcceleratorConfig config;
  config.array.data_bits = 5;
  try {
    config.validate_for(packed);
    ADD_FAILURE() << "a 6-bit network was taken by a 5-bit data path";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has 6-bit activations, wider than the array's 5-bit data path (run --data-bits"),
              std::string::npos) << e.what();
  }
  config.array.data_bits = 6;
  EXPECT_NO_THROW(config.validate_for(packed));
  config.array.data_bits = 16;
  EXPECT_NO_THROW(config.validate_for(packed));
  model::Int8Tensor x{packed.input, std::vector<std::int8_t>(static_cast<std::size_t>(packed.input.size()), 31)};
  EXPECT_NO_THROW(model::require_input_range(packed, x, "x"));
  x.data[3] = 32;
  EXPECT_THROW(model::require_input_range(packed, x, "x"), std::invalid_argument);
  EXPECT_THROW(run_fast(packed, x, config), std::invalid_argument);
}

TEST(ArrayConfig, ParsesAndRejects) {
  const ArrayConfig a = parse_array("12x20");
  EXPECT_EQ(a.rows, 12);
  EXPECT_EQ(a.cols, 20);
  EXPECT_THROW(parse_array("16"), std::invalid_argument);
  EXPECT_THROW(parse_array("0x4"), std::invalid_argument);
  EXPECT_THROW(parse_array("4x-4"), std::invalid_argument);
  ArrayConfig b;
  b.data_bits = 2;  // the narrowest activations
  EXPECT_NO_THROW(b.validate());
  b.data_bits = 1;
  EXPECT_THROW(b.validate(), std::invalid_argument);
  b.data_bits = 17;
  EXPECT_THROW(b.validate(), std::invalid_argument);
  EXPECT_THROW(parse_mac("wide"), std::invalid_argument);
  EXPECT_EQ(parse_mac("parallel"), MacKind::BitParallel);
  EXPECT_EQ(std::string(to_string(MacKind::BitSerial)), "serial");
}

}  // namespace
}  // namespace ccsim::hw
