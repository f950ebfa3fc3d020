// The Verilated output DMA (rtl/ccsim_out_dma.sv) alone, at 3 lanes: every byte a lane delivers
// reaches memory once at addr + (t Lanes + r) stride + k under random back-pressure; a block may
// start while words are still held (they keep their addresses and are written once); a lane
// finishing a third word while it holds two raises the overflow flag until the next start.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "Vout_dma_l3.h"

namespace ccsim {
namespace {

constexpr int kLanes = 3;

class OutDma {
 public:
  OutDma() : context_(std::make_unique<VerilatedContext>()), rtl_(std::make_unique<Vout_dma_l3>(context_.get())) {
    rtl_->rst_ni = 0;
    rtl_->eval();
    rtl_->rst_ni = 1;
    rtl_->eval();
  }
  ~OutDma() { rtl_->final(); }

  // One clock cycle with these inputs; the word the port offers is written when ready is high.
  void clock(bool ready, std::uint32_t valid = 0, std::uint32_t last = 0, std::uint32_t data = 0, bool start = false,
             std::uint32_t addr = 0, std::uint32_t stride = 0, std::uint16_t pixels = 0) {
    rtl_->wr_ready_i = ready;
    rtl_->lane_valid_i = valid;
    rtl_->lane_last_i = last;
    rtl_->lane_data_i = data;
    rtl_->start_i = start;
    rtl_->addr_i = addr;
    rtl_->stride_i = stride;
    rtl_->pixels_i = pixels;
    rtl_->clk_i = 0;
    rtl_->eval();
    if (ready && rtl_->wr_valid_o) {
      EXPECT_EQ(rtl_->wr_addr_o % 8, 0u);
      for (std::uint32_t b = 0; b < 8; ++b) {
        if (((rtl_->wr_strb_o >> b) & 1u) == 0) continue;
        const std::uint32_t at = rtl_->wr_addr_o + b;
        EXPECT_EQ(writes_[at]++, 0) << "byte " << at << " written twice";
        memory_[at] = static_cast<std::uint8_t>(rtl_->wr_data_o >> (8 * b));
      }
    }
    rtl_->clk_i = 1;
    rtl_->eval();
  }
  bool busy() const { return rtl_->busy_o; }
  bool overflow() const { return rtl_->overflow_o; }
  const std::map<std::uint32_t, std::uint8_t>& memory() const { return memory_; }

 private:
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vout_dma_l3> rtl_;
  std::map<std::uint32_t, int> writes_;
  std::map<std::uint32_t, std::uint8_t> memory_;
};

// Lane r's outputs of row tile t, pixels 0 .. P-1, one per `gap` cycles, the lanes one cycle apart
// (as the array's rows are); the memory takes a word with probability `ready`.
void run_block(OutDma& dma, std::mt19937& rng, std::uint32_t addr, std::uint32_t stride, int pixels, int row_tiles,
               double ready, std::map<std::uint32_t, std::uint8_t>& expected) {
  std::bernoulli_distribution take(ready);
  std::uniform_int_distribution<int> byte(0, 255);
  dma.clock(take(rng), 0, 0, 0, true, addr, stride, static_cast<std::uint16_t>(pixels));
  const int gap = 4;
  for (int t = 0; t < row_tiles; ++t) {
    const int cycles = gap * pixels + kLanes;
    for (int c = 0; c < cycles; ++c) {
      std::uint32_t valid = 0, last = 0, data = 0;
      for (int r = 0; r < kLanes; ++r) {
        const int k = c - r;  // lane r runs r cycles behind lane 0
        if (k < 0 || k % gap != 0 || k / gap >= pixels) continue;
        const int p = k / gap;
        const auto v = static_cast<std::uint8_t>(byte(rng));
        valid |= 1u << r;
        if (p == pixels - 1) last |= 1u << r;
        data |= static_cast<std::uint32_t>(v) << (8 * r);
        expected[addr + static_cast<std::uint32_t>(t * kLanes + r) * stride + static_cast<std::uint32_t>(p)] = v;
      }
      dma.clock(take(rng), valid, last, data);
    }
  }
}

TEST(RtlOutDma, EveryByteReachesItsAddressOnceUnderBackPressure) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    OutDma dma;
    std::map<std::uint32_t, std::uint8_t> expected;
    std::uniform_int_distribution<int> pixels(1, 20), tiles(1, 3), offset(0, 15);
    const int P = pixels(rng);
    const auto addr = static_cast<std::uint32_t>(64 + offset(rng));  // a block starting inside a word
    run_block(dma, rng, addr, static_cast<std::uint32_t>(P + offset(rng)), P, tiles(rng), 0.7, expected);
    for (int c = 0; c < 100 && dma.busy(); ++c) dma.clock(true);
    ASSERT_FALSE(dma.busy()) << "trial " << trial;
    ASSERT_FALSE(dma.overflow()) << "trial " << trial;
    ASSERT_EQ(dma.memory(), expected) << "trial " << trial;
  }
}

TEST(RtlOutDma, ABlockStartingWhileWordsAreHeldWritesThemOnce) {
  std::mt19937 rng(5);
  OutDma dma;
  std::map<std::uint32_t, std::uint8_t> expected;
  run_block(dma, rng, 0, 16, 3, 1, 0.0, expected);  // the memory takes nothing: every lane holds a word
  ASSERT_TRUE(dma.busy());
  // The next block starts in a cycle the memory takes the first held word.
  run_block(dma, rng, 1000, 16, 2, 1, 1.0, expected);
  for (int c = 0; c < 20 && dma.busy(); ++c) dma.clock(true);
  EXPECT_FALSE(dma.busy());
  EXPECT_FALSE(dma.overflow());
  EXPECT_EQ(dma.memory(), expected);
}

TEST(RtlOutDma, AThirdWordWhileTwoAreHeldRaisesTheOverflowUntilTheNextStart) {
  std::mt19937 rng(7);
  OutDma dma;
  std::map<std::uint32_t, std::uint8_t> expected;
  // 24 pixels from an aligned address: three full words per lane, none taken.
  run_block(dma, rng, 0, 24, 24, 1, 0.0, expected);
  EXPECT_TRUE(dma.overflow());
  for (int c = 0; c < 20 && dma.busy(); ++c) dma.clock(true);
  EXPECT_TRUE(dma.overflow());
  EXPECT_EQ(dma.memory().size(), 2u * 8u * kLanes);  // two words per lane reached memory
  dma.clock(true, 0, 0, 0, true, 4096, 8, 1);
  EXPECT_FALSE(dma.overflow());
}

}  // namespace
}  // namespace ccsim
