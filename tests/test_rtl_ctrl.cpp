// The Verilated layer controller (rtl/ccsim_ctrl.sv) alone, against a model of what surrounds it
// in ccsim_accel: a memory that answers reads after a random latency and refuses requests at
// random, a stored-input DMA and a tile-stream DMA busy for random times after each start, a
// tile buffer whose slots fill at random times and a tile that runs for a random time, then lets
// its output DMA drain. The controller must walk the chain in memory order, hand each block's
// fields to the tile and the DMAs exactly as sim/tile_program.cpp encodes them, keep the order of
// the steps (descriptor, band and stream, weights, tile, drain) and refuse a descriptor the tile
// cannot run.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "Vctrl.h"
#include "sim/tile_program.hpp"

namespace ccsim {
namespace {

struct Block {
  cosim::TileProgram program;
  std::uint64_t band_at = 0, out_at = 0, stream_at = 0;
};

constexpr int kAlphaMax = 8;  // the controller's parameter

// The records the block's tiles take: col_tiles (rows + row_tiles AlphaMax).
void fit_stream(cosim::TileProgram& p) { p.stream.resize(static_cast<std::size_t>(p.col_tiles) * (p.rows + p.row_tiles * kAlphaMax)); }

Block random_block(std::mt19937& rng) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Block b;
  cosim::TileProgram& p = b.program;
  p.rows = pick(1, 6000);
  p.groups = pick(1, 60000);
  p.row_tiles = pick(1, 3);
  p.col_tiles = pick(1, 3);
  p.pixels = pick(1, 4096);
  p.out_w = pick(1, 4095);
  p.in_h = pick(1, 4095);
  p.in_w = pick(1, 4095);
  p.stride_h = pick(1, 15);
  p.stride_w = pick(1, 15);
  p.pad_left = pick(0, 15);
  p.pad_top = pick(-16, 15);
  p.act_min = static_cast<std::int8_t>(pick(-128, 0));
  p.act_max = static_cast<std::int8_t>(pick(0, 127));
  p.layer_pixels = pick(1, 1 << 20);
  p.band_segments = pick(0, 64);
  p.band_segment_bytes = p.band_segments == 0 ? pick(0, 65536) : pick(0, 65536 / static_cast<int>(p.band_segments));
  p.band_stride = pick(0, 1 << 20);
  b.band_at = static_cast<std::uint64_t>(pick(0, 1 << 30));
  b.out_at = static_cast<std::uint64_t>(pick(0, 1 << 30));
  b.stream_at = static_cast<std::uint64_t>(pick(0, 1 << 30));
  fit_stream(p);
  return b;
}

class Ctrl {
 public:
  explicit Ctrl(unsigned seed) : rng_(seed), context_(std::make_unique<VerilatedContext>()), rtl_(std::make_unique<Vctrl>(context_.get())) {
    rtl_->rst_ni = 0;
    rtl_->eval();
    rtl_->rst_ni = 1;
    rtl_->eval();
  }
  ~Ctrl() { rtl_->final(); }

  // Writes the chain at `table` and runs it to the end (or to the controller's error).
  void run(std::uint32_t table, const std::vector<Block>& chain) {
    for (std::size_t b = 0; b < chain.size(); ++b) {
      const auto words =
          cosim::block_descriptor(chain[b].program, chain[b].band_at, chain[b].out_at, chain[b].stream_at, b + 1 == chain.size());
      for (std::size_t w = 0; w < words.size(); ++w) memory_[table + 56 * b + 8 * w] = words[w];
    }
    chain_ = &chain;
    table_ = table;
    block_ = 0;
    word_ = 0;
    started_dma_ = false;
    clock(true, table);
    for (int n = 0; rtl_->busy_o && n < 100000; ++n) clock(false, 0);
    EXPECT_FALSE(rtl_->busy_o) << "controller still busy";
  }

  std::size_t tiles_started() const { return tiles_started_; }
  std::size_t dma_starts() const { return dma_starts_; }
  bool error() const { return rtl_->error_o; }
  int blocks() const { return rtl_->blocks_o; }

 private:
  bool coin(double p) { return std::bernoulli_distribution(p)(rng_); }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  void expect_fields(const Block& b) {
    const cosim::TileProgram& p = b.program;
    EXPECT_EQ(rtl_->cfg_rows_o, p.rows);
    EXPECT_EQ(rtl_->cfg_groups_o, p.groups);
    EXPECT_EQ(rtl_->cfg_row_tiles_o, p.row_tiles);
    EXPECT_EQ(rtl_->cfg_col_tiles_o, p.col_tiles);
    EXPECT_EQ(rtl_->cfg_pixels_o, p.pixels);
    EXPECT_EQ(rtl_->cfg_out_w_o, p.out_w);
    EXPECT_EQ(rtl_->cfg_in_h_o, p.in_h);
    EXPECT_EQ(rtl_->cfg_in_w_o, p.in_w);
    EXPECT_EQ(rtl_->cfg_stride_h_o, p.stride_h);
    EXPECT_EQ(rtl_->cfg_stride_w_o, p.stride_w);
    EXPECT_EQ(rtl_->cfg_pad_left_o, p.pad_left);
    EXPECT_EQ(static_cast<int>(rtl_->cfg_pad_top_o ^ 0x10) - 0x10, p.pad_top);  // 5-bit two's complement
    EXPECT_EQ(static_cast<std::int8_t>(rtl_->cfg_act_min_o), p.act_min);
    EXPECT_EQ(static_cast<std::int8_t>(rtl_->cfg_act_max_o), p.act_max);
    EXPECT_EQ(rtl_->cfg_out_addr_o, b.out_at);
    EXPECT_EQ(rtl_->cfg_out_stride_o, static_cast<std::uint64_t>(p.layer_pixels));
    EXPECT_EQ(rtl_->dma_src_o, b.band_at);
    EXPECT_EQ(rtl_->dma_stride_o, static_cast<std::uint64_t>(p.band_stride));
    EXPECT_EQ(rtl_->dma_seg_bytes_o, static_cast<std::uint64_t>(p.band_segment_bytes));
    EXPECT_EQ(rtl_->dma_segs_o, static_cast<std::uint64_t>(p.band_segments));
    EXPECT_EQ(rtl_->tw_addr_o, b.stream_at);
    EXPECT_EQ(rtl_->tw_records_o, p.stream.size());
  }

  // One clock cycle: the surroundings drive at the falling edge, then the rising edge.
  void clock(bool start, std::uint32_t table) {
    rtl_->start_i = start;
    rtl_->desc_addr_i = table;
    // memory
    const bool ready = coin(0.7);
    rtl_->mem_req_ready_i = ready;
    rtl_->clk_i = 0;
    rtl_->eval();
    if (rtl_->mem_req_valid_o && ready) {
      const std::uint32_t expected = table_ + 56 * static_cast<std::uint32_t>(block_) + 8 * static_cast<std::uint32_t>(word_);
      EXPECT_EQ(rtl_->mem_req_addr_o, expected) << "block " << block_ << " word " << word_;
      EXPECT_FALSE(dma_busy_ || stream_busy_ > 0 || tile_running_ || out_busy_ > 0) << "descriptor read while the block before runs";
      responses_.push_back({now_ + pick(1, 4), memory_[rtl_->mem_req_addr_o]});  // the earliest: the next cycle
      EXPECT_LE(responses_.size(), 4u) << "more descriptor reads in flight than MaxPending";
      ++word_;
    }
    const bool answer = !responses_.empty() && responses_.front().first <= now_;
    rtl_->mem_rsp_valid_i = answer;
    if (answer) rtl_->mem_rsp_data_i = responses_.front().second;
    // DMA, tile buffer, tile
    rtl_->dma_busy_i = dma_busy_;
    rtl_->tw_busy_i = stream_busy_ > 0;
    if (!tb_cur_full_ && coin(0.05)) tb_cur_full_ = true;
    // The block's second tile fills the other slot; a one-tile block has none (the last block's).
    const Block* filling = chain_ && block_ < chain_->size() ? &(*chain_)[block_] : nullptr;
    const bool second_tile = filling && filling->program.row_tiles * filling->program.col_tiles > 1;
    if (tb_cur_full_ && !tb_next_full_ && second_tile && coin(0.05)) tb_next_full_ = true;
    rtl_->tb_cur_full_i = tb_cur_full_;
    rtl_->tb_next_full_i = tb_next_full_;
    rtl_->tile_done_i = !tile_running_;
    rtl_->out_busy_i = out_busy_ > 0;
    rtl_->eval();
    const Block* b = chain_ && block_ < chain_->size() ? &(*chain_)[block_] : nullptr;
    if (rtl_->dma_start_o) {
      ASSERT_NE(b, nullptr);
      EXPECT_EQ(word_, 7) << "DMA started before the descriptor was read";
      EXPECT_TRUE(responses_.empty() && !answer) << "DMA started with descriptor reads in flight";
      expect_fields(*b);
      EXPECT_FALSE(started_dma_) << "DMA started twice for block " << block_;
      started_dma_ = true;
      ++dma_starts_;
      dma_left_ = b->program.band_segments > 0 && b->program.band_segment_bytes > 0 ? pick(1, 12) : 0;
      stream_busy_ = pick(1, 60);  // from the next edge: the stream may still be read after the tile starts
    }
    if (rtl_->tile_start_o) {
      ASSERT_NE(b, nullptr);
      EXPECT_TRUE(started_dma_) << "tile started before the DMA";
      EXPECT_FALSE(dma_busy_) << "tile started while the band was still coming in";
      const bool single = b->program.row_tiles == 1 && b->program.col_tiles == 1;
      EXPECT_TRUE(tb_cur_full_ && (single || tb_next_full_)) << "tile started before its weights";
      expect_fields(*b);
      ++tiles_started_;
      tile_left_ = pick(1, 30);
      tile_running_ = true;
      tb_cur_full_ = tb_next_full_ = false;
      ++block_;
      word_ = 0;
      started_dma_ = false;
    }
    rtl_->clk_i = 1;
    rtl_->eval();
    // The surroundings' registers after the rising edge.
    if (answer) responses_.pop_front();
    if (dma_busy_ && --dma_left_ <= 0) dma_busy_ = false;
    if (started_dma_ && dma_left_ > 0 && !dma_busy_) dma_busy_ = true;  // busy from the edge after start
    if (out_busy_ > 0) --out_busy_;
    if (stream_busy_ > 0 && !started_dma_) --stream_busy_;
    if (tile_running_ && --tile_left_ == 0) {
      tile_running_ = false;
      out_busy_ = pick(0, 6);
    }
    ++now_;
  }

  std::mt19937 rng_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vctrl> rtl_;
  std::map<std::uint32_t, std::uint64_t> memory_;
  std::deque<std::pair<std::int64_t, std::uint64_t>> responses_;
  const std::vector<Block>* chain_ = nullptr;
  std::uint32_t table_ = 0;
  std::size_t block_ = 0;
  int word_ = 0;
  bool started_dma_ = false, dma_busy_ = false, tile_running_ = false, tb_cur_full_ = false, tb_next_full_ = false;
  int dma_left_ = 0, tile_left_ = 0, out_busy_ = 0, stream_busy_ = 0;
  std::size_t tiles_started_ = 0, dma_starts_ = 0;
  std::int64_t now_ = 0;
};

TEST(RtlCtrl, WalksTheChainInOrderWithEachBlocksFieldsAndSteps) {
  std::mt19937 rng(7);
  Ctrl ctrl(11);
  std::size_t tiles = 0;
  for (int chain_no = 0; chain_no < 20; ++chain_no) {
    std::vector<Block> chain;
    const int n = 1 + chain_no % 5;
    for (int b = 0; b < n; ++b) chain.push_back(random_block(rng));
    ctrl.run(0x1000 + 8 * static_cast<std::uint32_t>(chain_no * 97), chain);
    EXPECT_FALSE(ctrl.error());
    EXPECT_EQ(ctrl.blocks(), n);
    tiles += static_cast<std::size_t>(n);
    ASSERT_EQ(ctrl.tiles_started(), tiles);
  }
}

TEST(RtlCtrl, RefusesADescriptorTheTileCannotRunAndRecoversOnTheNextStart) {
  std::mt19937 rng(3);
  Ctrl ctrl(5);
  const auto refused = [&](auto&& spoil) {
    std::vector<Block> chain{random_block(rng), random_block(rng)};
    spoil(chain[1].program);
    const std::size_t tiles = ctrl.tiles_started(), dmas = ctrl.dma_starts();
    ctrl.run(0x2000, chain);
    EXPECT_TRUE(ctrl.error());
    EXPECT_EQ(ctrl.blocks(), 1);
    EXPECT_EQ(ctrl.tiles_started(), tiles + 1);  // block 0 ran, nothing of block 1
    EXPECT_EQ(ctrl.dma_starts(), dmas + 1);
  };
  // Each spoils one field; the tile stream keeps the length the (spoiled) tiles take, so only
  // the check under test can refuse it.
  refused([](cosim::TileProgram& p) { p.band_segments = 2; p.band_segment_bytes = 32769; });  // 65,538 > 2^16 bytes
  refused([](cosim::TileProgram& p) { p.band_segments = 1; p.band_segment_bytes = 65537; });
  refused([](cosim::TileProgram& p) { p.pixels = 4097; });  // > 2^12 accumulator pixels
  refused([](cosim::TileProgram& p) { p.row_tiles = 0; fit_stream(p); });
  refused([](cosim::TileProgram& p) { p.col_tiles = 0; fit_stream(p); });
  refused([](cosim::TileProgram& p) { p.stream.pop_back(); });  // a record short of the tiles
  refused([](cosim::TileProgram& p) { p.stream.emplace_back(); });  // one too many
  // The limits themselves are taken: a band of exactly 2^16 bytes, exactly 2^12 pixels.
  std::vector<Block> limits{random_block(rng), random_block(rng)};
  limits[0].program.band_segments = 4;
  limits[0].program.band_segment_bytes = 16384;
  limits[1].program.pixels = 4096;
  ctrl.run(0x4000, limits);
  EXPECT_FALSE(ctrl.error());
  EXPECT_EQ(ctrl.blocks(), 2);
  // A good chain after the error runs.
  std::vector<Block> chain{random_block(rng)};
  ctrl.run(0x3000, chain);
  EXPECT_FALSE(ctrl.error());
  EXPECT_EQ(ctrl.blocks(), 1);
}

}  // namespace
}  // namespace ccsim
