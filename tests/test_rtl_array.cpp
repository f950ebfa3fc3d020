// The SystemVerilog systolic array (rtl/), Verilated, against the C++ array of the SystemC model
// (hw/systolic_array.hpp), cycle by cycle: random weights, selects, input bit lines and left
// partial sums; after every clock every cell's partial-sum and product registers must agree.
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include <verilated.h>

#include "Varray_3x5_b8_a8.h"
#include "Varray_4x2_b11_a4.h"
#include "hw/systolic_array.hpp"
#include "sim/verilated_fields.hpp"

namespace ccsim::hw {
namespace {

using rtl::put;
using rtl::word;

template <typename Model>
void run_against_model(int rows, int cols, int bits, int alpha, std::uint32_t seed) {
  auto context = std::make_unique<VerilatedContext>();
  auto rtl = std::make_unique<Model>(context.get());
  ArrayConfig cfg;
  cfg.rows = rows;
  cfg.cols = cols;
  cfg.data_bits = bits;
  cfg.alpha_max = alpha;
  SystolicArray model(cfg);
  const int sel_bits = alpha > 1 ? static_cast<int>(std::ceil(std::log2(alpha))) : 1;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<std::uint32_t> any;

  auto tick = [&] {
    rtl->clk_i = 0;
    rtl->eval();
    rtl->clk_i = 1;
    rtl->eval();
  };
  rtl->rst_ni = 0;
  rtl->eval();
  rtl->rst_ni = 1;
  rtl->eval();

  for (int tile = 0; tile < 3; ++tile) {
    // Load the shadow weights one row per cycle.
    std::vector<std::int8_t> w(static_cast<std::size_t>(rows) * cols);
    std::vector<std::uint8_t> s(w.size());
    for (int r = 0; r < rows; ++r) {
      rtl->load_valid_i = 1;
      rtl->load_row_i = static_cast<std::remove_reference_t<decltype(rtl->load_row_i)>>(r);
      for (int c = 0; c < cols; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * cols + c;
        w[i] = static_cast<std::int8_t>(byte(rng));
        s[i] = static_cast<std::uint8_t>(any(rng) % alpha);
        put(rtl->load_weight_i, c * 8, 8, static_cast<std::uint8_t>(w[i]));
        put(rtl->load_select_i, c * sel_bits, sel_bits, s[i]);
      }
      tick();
    }
    rtl->load_valid_i = 0;
    rtl->tile_start_i = 1;
    tick();
    rtl->tile_start_i = 0;
    model.load(w, s);

    const int cycles = bits * (6 + cols) + rows + 3;
    for (int t = 0; t < cycles; ++t) {
      std::vector<std::uint32_t> top(cols);
      for (int c = 0; c < cols; ++c) {
        top[c] = any(rng) & ((1u << alpha) - 1);
        put(rtl->top_lines_i, c * alpha, alpha, top[c]);
      }
      std::vector<std::int32_t> left(rows);
      for (int r = 0; r < rows; ++r) {
        left[r] = static_cast<std::int32_t>(any(rng));
        put(rtl->left_psum_i, r * 32, 32, static_cast<std::uint32_t>(left[r]));
      }
      model.clock(t, top.data(), [&](int r, std::int64_t) { return left[r]; }, [](int, std::int64_t, fixed::Acc) {});
      tick();
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
          const int idx = r * cols + c;
          ASSERT_EQ(static_cast<std::int32_t>(word(rtl->psum_o, idx)), model.cell(r, c).psum())
              << "tile " << tile << " cycle " << t << " cell (" << r << ", " << c << ") psum";
          ASSERT_EQ(static_cast<std::int32_t>(word(rtl->prod_o, idx)), model.cell(r, c).product())
              << "tile " << tile << " cycle " << t << " cell (" << r << ", " << c << ") product";
        }
      }
    }
  }
  rtl->final();
}

TEST(RtlArray, MatchesTheModelEveryCycle3x5Int8Alpha8) { run_against_model<Varray_3x5_b8_a8>(3, 5, 8, 8, 1); }
TEST(RtlArray, MatchesTheModelEveryCycle4x2Bits11Alpha4) { run_against_model<Varray_4x2_b11_a4>(4, 2, 11, 4, 2); }

}  // namespace
}  // namespace ccsim::hw
