// The Verilated tile-stream DMA (rtl/ccsim_tw_dma.sv) alone, at a configuration the built
// accelerators do not use (3 columns, AlphaMax 4, 5 rows, 3 reads in flight: a queue that does not
// wrap at a power of 2): random records encoded by sim/tile_program.cpp's tile_record come out
// of its tile-buffer port field for field and in order, each once, under a memory with random
// latency that refuses requests at random and a tile buffer that refuses writes at random; it
// never has more reads in flight than its queue can take, and busy_o falls exactly when the
// block's last record has left.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "Vtw_dma_c3.h"
#include "sim/tile_program.hpp"

namespace ccsim {
namespace {

constexpr int kMaxPending = 3;

cosim::TileLimits limits() {
  cosim::TileLimits l;
  l.rows = 5;
  l.cols = 3;
  l.alpha_max = 4;
  l.channel_bits = 12;
  return l;
}

cosim::TileWrite random_write(std::mt19937& rng, const cosim::TileLimits& l) {
  const auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  cosim::TileWrite w;
  w.member = pick(0, 1) == 1;
  w.last = pick(0, 3) == 0;
  w.index = static_cast<std::uint32_t>(pick(0, w.member ? l.alpha_max - 1 : l.rows - 1));
  if (w.member) {
    for (int c = 0; c < l.cols; ++c) w.members.push_back(static_cast<std::uint32_t>(pick(0, (1ll << l.member_bits()) - 1)));
  } else {
    for (int c = 0; c < l.cols; ++c) {
      w.weights.push_back(static_cast<std::int8_t>(pick(-128, 127)));
      w.selects.push_back(static_cast<std::uint8_t>(pick(0, (1 << l.select_bits()) - 1)));
    }
    w.bias = static_cast<std::int32_t>(pick(INT32_MIN, INT32_MAX));
    w.multiplier = static_cast<std::int32_t>(pick(INT32_MIN, INT32_MAX));
    w.shift = static_cast<std::int8_t>(pick(-128, 127));
  }
  return w;
}

class TwDma {
 public:
  TwDma() : context_(std::make_unique<VerilatedContext>()), rtl_(std::make_unique<Vtw_dma_c3>(context_.get())) {
    rtl_->rst_ni = 0;
    rtl_->eval();
    rtl_->rst_ni = 1;
    rtl_->eval();
  }
  ~TwDma() { rtl_->final(); }

  // Streams `writes` from memory address `base` and checks what reaches the tile buffer.
  void stream(std::mt19937& rng, std::uint32_t base, const std::vector<cosim::TileWrite>& writes) {
    const cosim::TileLimits l = limits();
    const auto record_bytes = static_cast<std::uint32_t>(l.record_bytes());
    ASSERT_EQ(record_bytes, 16u);  // 2 + 3 index bits + max(3 x (8 + 2) + 72, 3 x 23) = 107 bits
    const auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    std::deque<std::pair<int, std::vector<std::uint8_t>>> in_flight;  // (cycles left, record)
    std::size_t requested = 0, received = 0;
    rtl_->start_i = 1;
    rtl_->addr_i = base;
    rtl_->records_i = static_cast<std::uint32_t>(writes.size());
    for (int cycle = 0; cycle < 100000; ++cycle) {
      const bool mem_ready = coin(0.6), tb_ready = coin(0.5);
      rtl_->mem_req_ready_i = mem_ready;
      rtl_->tw_ready_i = tb_ready;
      const bool answer = !in_flight.empty() && in_flight.front().first <= 0;
      rtl_->mem_rsp_valid_i = answer;
      if (answer) {
        const std::vector<std::uint8_t>& bytes = in_flight.front().second;
        for (int word = 0; word < 4; ++word) {
          std::uint32_t v = 0;
          for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(bytes[static_cast<std::size_t>(4 * word + b)]) << (8 * b);
          rtl_->mem_rsp_data_i[word] = v;
        }
      }
      rtl_->clk_i = 0;
      rtl_->eval();
      if (cycle > 0 && requested == writes.size() && received == writes.size() && in_flight.empty()) {
        EXPECT_FALSE(rtl_->busy_o) << "busy after the last record left";
        break;
      }
      if (cycle > 0) EXPECT_TRUE(rtl_->busy_o) << "idle with records still to come (" << received << " of " << writes.size() << ")";
      if (rtl_->mem_req_valid_o && mem_ready) {
        ASSERT_LT(requested, writes.size()) << "read past the block's records";
        EXPECT_EQ(rtl_->mem_req_addr_o, base + record_bytes * requested);
        in_flight.emplace_back(std::uniform_int_distribution<int>(1, 5)(rng), cosim::tile_record(l, writes[requested]));
        ++requested;
        EXPECT_LE(requested - received, static_cast<std::size_t>(kMaxPending)) << "more reads than its queue can take";
      }
      if (rtl_->tw_valid_o && tb_ready) {
        ASSERT_LT(received, writes.size());
        expect_write(writes[received], received);
        ++received;
      }
      rtl_->clk_i = 1;
      rtl_->eval();
      rtl_->start_i = 0;  // taken at the first rising edge
      if (answer) in_flight.pop_front();
      for (auto& f : in_flight) --f.first;
    }
    EXPECT_EQ(received, writes.size());
  }

 private:
  void expect_write(const cosim::TileWrite& w, std::size_t n) {
    const cosim::TileLimits l = limits();
    EXPECT_EQ(rtl_->tw_member_o, w.member) << "record " << n;
    EXPECT_EQ(rtl_->tw_last_o, w.last) << "record " << n;
    EXPECT_EQ(rtl_->tw_index_o, w.index) << "record " << n;
    if (w.member) {
      for (int c = 0; c < l.cols; ++c) {
        const int lsb = c * l.member_bits();
        const std::uint64_t all = (static_cast<std::uint64_t>(rtl_->tw_members_o[1]) << 32) | rtl_->tw_members_o[0];
        const std::uint64_t high = static_cast<std::uint64_t>(rtl_->tw_members_o[2]);
        const std::uint64_t bits = lsb < 64 ? (all >> lsb) | (lsb > 0 ? high << (64 - lsb) : 0) : high >> (lsb - 64);
        EXPECT_EQ(bits & ((1u << l.member_bits()) - 1), w.members[static_cast<std::size_t>(c)]) << "record " << n << " member " << c;
      }
      return;
    }
    for (int c = 0; c < l.cols; ++c) {
      EXPECT_EQ(static_cast<std::int8_t>(rtl_->tw_weight_o >> (8 * c)), w.weights[static_cast<std::size_t>(c)]) << "record " << n;
      EXPECT_EQ((rtl_->tw_select_o >> (l.select_bits() * c)) & ((1u << l.select_bits()) - 1), w.selects[static_cast<std::size_t>(c)])
          << "record " << n;
    }
    EXPECT_EQ(static_cast<std::int32_t>(rtl_->tw_bias_o), w.bias) << "record " << n;
    EXPECT_EQ(static_cast<std::int32_t>(rtl_->tw_mult_o), w.multiplier) << "record " << n;
    EXPECT_EQ(static_cast<std::int8_t>(rtl_->tw_shift_o), w.shift) << "record " << n;
  }

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vtw_dma_c3> rtl_;
};

TEST(RtlTileStreamDma, EveryRecordReachesTheTileBufferInOrderFieldForField) {
  std::mt19937 rng(17);
  TwDma dma;
  for (int block = 0; block < 30; ++block) {
    std::vector<cosim::TileWrite> writes;
    const int n = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int k = 0; k < n; ++k) writes.push_back(random_write(rng, limits()));
    dma.stream(rng, 0x10000 + 16u * static_cast<std::uint32_t>(block * 1000), writes);
  }
}

}  // namespace
}  // namespace ccsim
