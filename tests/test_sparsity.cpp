// The other sparsity schemes: pruning and the exact storage formulas on hand-made layers.
#include <gtest/gtest.h>

#include <random>

#include "models/sparsity_formats.hpp"

namespace ccsim::model {
namespace {

LayerWeights layer(int co, int ci, int kh, int kw, std::vector<float> w) { return {co, ci, kh, kw, std::move(w)}; }

TEST(Sparsity, LgIsCeilLog2) {
  EXPECT_EQ(lg(0), 0);
  EXPECT_EQ(lg(1), 0);
  EXPECT_EQ(lg(2), 1);
  EXPECT_EQ(lg(3), 2);
  EXPECT_EQ(lg(8), 3);
  EXPECT_EQ(lg(9), 4);
  EXPECT_EQ(lg(129), 8);
}

// 2 x 3 x 3 x 3 = 54 weights, 5 non-zeros.
LayerWeights small_conv() {
  std::vector<float> w(54, 0.0f);
  w[0] = 1;
  w[4] = -2;
  w[13] = 0.5f;
  w[30] = 3;
  w[53] = -1;
  return layer(2, 3, 3, 3, w);
}

TEST(Sparsity, DenseBitmapCsrFormulas) {
  const auto l = small_conv();
  SparsityParams p;
  const auto d = apply_sparsity(SparsityScheme::Dense, l, p);
  EXPECT_EQ(d.value_bits, 54 * 8);
  EXPECT_EQ(d.index_bits, 0);
  const auto b = apply_sparsity(SparsityScheme::Bitmap, l, p);
  EXPECT_EQ(b.value_bits, 5 * 8);
  EXPECT_EQ(b.index_bits, 54);
  const auto c = apply_sparsity(SparsityScheme::Csr, l, p);
  EXPECT_EQ(c.value_bits, 40);
  // 5 column indices of lg(27) = 5 bits, 3 row pointers of lg(6) = 3 bits.
  EXPECT_EQ(c.index_bits, 5 * 5 + 3 * 3);
  EXPECT_EQ(c.w, l.w);
}

TEST(Sparsity, TwoFourKeepsTheTwoLargestOfEveryFour) {
  const auto l = layer(1, 8, 1, 1, {1, -5, 3, 0.5f, 0, 0, 2, -1});
  SparsityParams p;
  const auto s = apply_sparsity(SparsityScheme::NM, l, p);
  EXPECT_EQ(s.w, (std::vector<float>{0, -5, 3, 0, 0, 0, 2, -1}));
  EXPECT_EQ(s.value_bits, 2 * 2 * 8);  // 2 groups x 2 slots
  EXPECT_EQ(s.index_bits, 2 * 2 * 2);  // 2 bits per kept value (lg 4)
  // 1:3 over 7 columns: 3 groups (the last padded), lg 3 = 2 bits each.
  p.n = 1;
  p.m = 3;
  const auto t = apply_sparsity(SparsityScheme::NM, layer(1, 7, 1, 1, {1, 2, 3, 4, 5, 6, 7}), p);
  EXPECT_EQ(t.w, (std::vector<float>{0, 0, 3, 0, 0, 6, 7}));
  EXPECT_EQ(t.index_bits, 3 * 2);
}

// Four 3x3 kernels: three share the top-2 mask {0, 4}, one has {8, 7}.
LayerWeights four_kernels() {
  std::vector<float> w(36, 0.01f);
  for (int k = 0; k < 3; ++k) {
    w[k * 9 + 0] = 5.0f + k;
    w[k * 9 + 4] = -4.0f;
  }
  w[27 + 8] = 6;
  w[27 + 7] = -3;
  w[27 + 0] = 0.5f;
  return layer(2, 2, 3, 3, w);
}

TEST(Sparsity, PcnnLibraryByFrequencyAndIndexFormula) {
  const auto l = four_kernels();
  SparsityParams p;
  p.kernel_nonzeros = 2;
  p.patterns = 1;  // only the most frequent mask {0, 4}: the odd kernel keeps positions 0 and 4
  const auto s = apply_sparsity(SparsityScheme::Pcnn, l, p);
  EXPECT_FLOAT_EQ(s.w[27 + 0], 0.5f);
  EXPECT_FLOAT_EQ(s.w[27 + 4], 0.01f);
  EXPECT_FLOAT_EQ(s.w[27 + 8], 0.0f);
  EXPECT_EQ(s.value_bits, 4 * 2 * 8);
  EXPECT_EQ(s.index_bits, 4 * 0 + 1 * 9);  // lg(1) = 0 bits per kernel, a 9-bit library
  p.patterns = 2;  // both masks in the library: every kernel keeps its own top 2
  const auto t = apply_sparsity(SparsityScheme::Pcnn, l, p);
  EXPECT_FLOAT_EQ(t.w[27 + 8], 6.0f);
  EXPECT_FLOAT_EQ(t.w[27 + 7], -3.0f);
  EXPECT_EQ(t.nonzeros, 8);
  EXPECT_EQ(t.index_bits, 4 * 1 + 2 * 9);
  p.kernel_nonzeros = 10;
  EXPECT_THROW(apply_sparsity(SparsityScheme::Pcnn, l, p), std::invalid_argument);
}

// On 1x1 kernels PCNN takes 1-D vectors of pcnn_vector input channels as its kernels (the last
// vector zero-padded): n per vector from the layer's library of Np patterns.
TEST(Sparsity, PcnnOnPointwiseLayersUsesOneDimensionalVectors) {
  const auto l = layer(2, 10, 1, 1, {5, 4, 0.1f, 0.2f, 0.3f, 6, 7, 0.4f, 9, 8,  //
                                     1, 2, 3, 4, 5, 6, 7, 8, 0.5f, 0.25f});
  SparsityParams p;
  p.pcnn_vector = 4;  // 3 vectors per filter, the last with 2 channels and 2 of padding
  p.kernel_nonzeros = 2;
  p.patterns = 16;  // every mask available: each vector keeps its own top 2
  const auto s = apply_sparsity(SparsityScheme::Pcnn, l, p);
  EXPECT_EQ(s.w, (std::vector<float>{5, 4, 0, 0, 0, 6, 7, 0, 9, 8, 0, 0, 3, 4, 0, 0, 7, 8, 0.5f, 0.25f}));
  EXPECT_EQ(s.value_bits, 2 * 3 * 2 * 8);
  EXPECT_EQ(s.index_bits, 2 * 3 * 4 + 16 * 4);  // lg(16) per vector, a library of 16 4-bit masks
  p.patterns = 1;  // the most frequent mask, {0, 1} (3 of 6 vectors), for every vector
  const auto t = apply_sparsity(SparsityScheme::Pcnn, l, p);
  EXPECT_EQ(t.w, (std::vector<float>{5, 4, 0, 0, 0.3f, 6, 0, 0, 9, 8, 1, 2, 0, 0, 5, 6, 0, 0, 0.5f, 0.25f}));
  EXPECT_EQ(t.index_bits, 1 * 4);
  p.pcnn_vector = 65;  // longer than a 64-bit pattern
  EXPECT_THROW(apply_sparsity(SparsityScheme::Pcnn, l, p), std::invalid_argument);
}

TEST(Sparsity, PeriodicIndexIsIndependentOfChannels) {
  SparsityParams p;
  p.kernel_nonzeros = 4;
  p.period = 4;
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  for (const auto& [co, ci] : {std::pair{2, 3}, std::pair{16, 32}, std::pair{64, 64}}) {
    LayerWeights l{co, ci, 3, 3, std::vector<float>(static_cast<std::size_t>(co) * ci * 9)};
    for (auto& v : l.w) v = g(rng);
    const auto s = apply_sparsity(SparsityScheme::Periodic, l, p);
    EXPECT_EQ(s.index_bits, 4 * 9 + 2) << co << "x" << ci;
    EXPECT_EQ(s.value_bits, static_cast<std::int64_t>(co) * ci * 4 * 8);
    EXPECT_EQ(s.nonzeros, static_cast<std::int64_t>(co) * ci * 4);
    // Every kernel (o, c) has the mask of its slot (o + c) mod P.
    std::vector<std::uint32_t> slot_mask(4, 0);
    std::vector<bool> seen(4, false);
    for (int o = 0; o < co; ++o) {
      for (int c = 0; c < ci; ++c) {
        std::uint32_t mask = 0;
        for (int i = 0; i < 9; ++i) mask |= (s.w[(static_cast<std::size_t>(o) * ci + c) * 9 + i] != 0.0f ? 1u : 0u) << i;
        const int t = (o + c) % 4;
        if (!seen[t]) slot_mask[t] = mask;
        seen[t] = true;
        EXPECT_EQ(mask, slot_mask[t]) << "kernel " << o << "," << c;
      }
    }
  }
}

TEST(Sparsity, TernaryCodesAndSizes) {
  // 16 weights, (8, 2): 129 codes -> 8 bits per block; restricted: 81 codes -> 7 bits.
  const auto l = layer(1, 16, 1, 1, {1, -3, 0.2f, 0, 0, 2, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0.5f});
  SparsityParams p;
  const auto s = apply_sparsity(SparsityScheme::Ternary, l, p);
  EXPECT_EQ(s.value_bits, 2 * 8 + 8);
  EXPECT_EQ(s.index_bits, 0);
  // Kept: -3 and 2 (block 0), -1 and 0.5 (block 1), all at +-mean(3, 2, 1, 0.5) = +-1.625.
  EXPECT_EQ(s.w, (std::vector<float>{0, -1.625f, 0, 0, 0, 1.625f, 0, 0, 0, 0, 0, 0, -1.625f, 0, 0, 1.625f}));
  p.restricted = true;
  const auto r = apply_sparsity(SparsityScheme::Ternary, l, p);
  EXPECT_EQ(r.value_bits, 2 * 7 + 8);
  // One per half: -3 (0..3), 2 (4..7), -1 (12..15 holds -1 and 0.5: -1 wins); 8..11 is empty.
  EXPECT_EQ(r.nonzeros, 3);
}

// Blocks are cut per output channel (a neuron's fan-in, which the array's multiplexers select
// from): a row of 12 weights is a block of 8 and a zero-padded one of 4, never sharing a block
// with the next row.
TEST(Sparsity, TernaryBlocksStayWithinAnOutputChannel) {
  const auto l = layer(2, 12, 1, 1, {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4,  //
                                     5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0});
  SparsityParams p;  // (8, 2)
  const auto s = apply_sparsity(SparsityScheme::Ternary, l, p);
  EXPECT_EQ(s.value_bits, 2 * 2 * 8 + 8) << "Co ceil(12 / 8) = 4 blocks of 8 bits, and the scale";
  // Row 0 keeps 3 and 4 of its second block; row 1 keeps 7 and 8 of its first (flat blocks over
  // the layer would have put row 1's 5 and 6 with row 0's 1 to 4, keeping 5 and 6 alone).
  const float a = (3 + 4 + 7 + 8) / 4.0f;
  EXPECT_EQ(s.w, (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, a,  //
                                     0, 0, a, a, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(Sparsity, ColumnCombiningStoresPackedCellsSelectsAndMembers) {
  // 4 x 4 pointwise layer, columns 0/1 and 2/3 combine without conflicts (alpha 2, gamma 0).
  const auto l = layer(4, 4, 1, 1, {1, 0, 2, 0,  //
                                    0, 3, 0, 4,  //
                                    5, 0, 0, 6,  //
                                    0, 7, 8, 0});
  SparsityParams p;
  p.alpha = 2;
  p.gamma = 0;
  const auto s = apply_sparsity(SparsityScheme::ColumnCombine, l, p);
  EXPECT_EQ(s.nonzeros, 8);
  EXPECT_EQ(s.value_bits, 4 * 2 * 8);          // 2 packed columns x 4 rows
  EXPECT_EQ(s.index_bits, 4 * 2 * 1 + 4 * 2);  // 1 select bit per cell, 4 members x lg(4)
}

TEST(Sparsity, BadParametersAreRejected) {
  const auto l = small_conv();
  SparsityParams p;
  p.n = 5;
  EXPECT_THROW(apply_sparsity(SparsityScheme::NM, l, p), std::invalid_argument);
  p = {};
  p.restricted = true;
  p.block_nonzeros = 3;
  EXPECT_THROW(apply_sparsity(SparsityScheme::Ternary, l, p), std::invalid_argument);
  EXPECT_THROW(parse_sparsity_scheme("rle"), std::invalid_argument);
  EXPECT_EQ(parse_sparsity_scheme("cc"), SparsityScheme::ColumnCombine);
  LayerWeights wrong = l;
  wrong.w.pop_back();
  EXPECT_THROW(apply_sparsity(SparsityScheme::Dense, wrong, {}), std::invalid_argument);
  p = {};
  p.block = 33;  // the code count would overflow
  p.block_nonzeros = 16;
  EXPECT_THROW(apply_sparsity(SparsityScheme::Ternary, l, p), std::invalid_argument);
  p = {};
  p.period = 65537;
  EXPECT_THROW(apply_sparsity(SparsityScheme::Periodic, l, p), std::invalid_argument);
  // 7 x 7 kernels (ResNet's first layer) take patterns; 9 x 9 do not.
  p = {};
  p.kernel_nonzeros = 10;
  const auto seven = layer(2, 1, 7, 7, std::vector<float>(98, 1.0f));
  EXPECT_EQ(apply_sparsity(SparsityScheme::Pcnn, seven, p).nonzeros, 20);
  EXPECT_EQ(apply_sparsity(SparsityScheme::Periodic, seven, p).nonzeros, 20);
  EXPECT_THROW(apply_sparsity(SparsityScheme::Pcnn, layer(1, 1, 9, 9, std::vector<float>(81, 1.0f)), p),
               std::invalid_argument);
}

}  // namespace
}  // namespace ccsim::model
