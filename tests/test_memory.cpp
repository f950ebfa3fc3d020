// Weight and activation buffers, DRAM traffic and stalls, and the pipelined schedule's hand-off
// rules, on hand-checked cases; no SystemC kernel.
#include <gtest/gtest.h>

#include <cmath>

#include "hw/accelerator.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/memory_system.hpp"
#include "hw/pipeline.hpp"
#include "hw/timing.hpp"
#include "hw/weight_buffer.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

model::PackedNetwork packed_shift_net(int alpha = 4) {
  const auto net = test::shift_net(7, 0.35);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {alpha, 1.75, 0};
  return model::pack_network(net, opt, test::random_batch(net.input, 4, 3)).packed;
}

TEST(WeightBuffer, GeometrySetsTheTileLoadTime) {
  ArrayConfig a;  // 16 x 16, alpha_max 8: 8 weight bits + 3 select bits per cell
  WeightBufferConfig c;
  EXPECT_EQ(WeightBuffer(c, a).cell_bits(), 11);
  EXPECT_EQ(WeightBuffer(c, a).cycles_per_row(), 1);  // one bank per column, one cell wide
  c.banks = 4;
  EXPECT_EQ(WeightBuffer(c, a).cycles_per_row(), 4);  // 176 bits through 4 x 11
  c.bank_bits = 16;
  EXPECT_EQ(WeightBuffer(c, a).cycles_per_row(), 3);  // ceil(176 / 64)
  a.alpha_max = 1;
  c = {};
  EXPECT_EQ(WeightBuffer(c, a).cell_bits(), 8);  // no multiplexer, no select
  c.capacity_bytes = 2 * 16 * 16 - 1;           // cannot hold two tiles
  EXPECT_THROW(WeightBuffer(c, a), std::invalid_argument);
}

TEST(WeightBuffer, LayerBytesCountCellsAndPerRowParameters) {
  const auto packed = packed_shift_net();
  const WeightBuffer wb(WeightBufferConfig{}, ArrayConfig{});
  for (const auto& l : packed.layers) {
    if (l.kind != model::OpKind::Matmul) {
      EXPECT_EQ(wb.layer_bytes(l), 0);
      continue;
    }
    const std::int64_t cells = static_cast<std::int64_t>(l.rows()) * l.packed_cols();
    EXPECT_EQ(wb.layer_bytes(l), (cells * 11 + 7) / 8 + l.rows() * 9) << l.name;
  }
}

TEST(MatmulEngine, SlowWeightLoadsMatchTheStallFormula) {
  const auto packed = packed_shift_net();
  std::mt19937 rng(4);
  for (const auto& l : packed.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    model::Int8Tensor x{l.in, std::vector<std::int8_t>(static_cast<std::size_t>(l.in.size()))};
    for (auto& v : x.data) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
    ArrayConfig a;
    a.rows = 8;
    a.cols = 4;
    a.load_cycles_per_row = 40;  // T_load = 320 cycles: longer than a small layer's tile
    MatmulEngine e(a, l, x, nullptr);
    e.run();
    const LayerStats f = matmul_stats(a, l);
    EXPECT_TRUE(e.stats().same_counts(f)) << l.name;
    const std::int64_t tc = tile_compute_cycles(a, static_cast<std::int64_t>(l.out.h) * l.out.w);
    EXPECT_EQ(f.stall_cycles, 320 + (f.tiles - 1) * std::max<std::int64_t>(0, 320 - tc)) << l.name;
    EXPECT_EQ(e.output().data, model::run_layer(l, x).data);
  }
}

TEST(MemorySystem, ResidentWeightsComeFromDramOnlyOnce) {
  const auto packed = packed_shift_net();
  AcceleratorConfig cfg;
  const MemorySystem mem(cfg, packed);
  ASSERT_TRUE(mem.weights_resident());
  const std::int64_t wbytes = mem.network_weight_bytes();
  const model::Int8Tensor x{packed.input, std::vector<std::int8_t>(static_cast<std::size_t>(packed.input.size()), 3)};
  const auto runs = run_fast(packed, std::vector<model::Int8Tensor>{x, x}, cfg);
  // First inference: weights + the input in, the output out; later: activations only.
  EXPECT_EQ(runs[0].total.dram_read_bytes, wbytes + packed.input.size());
  EXPECT_EQ(runs[1].total.dram_read_bytes, packed.input.size());
  EXPECT_EQ(runs[0].total.dram_write_bytes, packed.output().size());
  EXPECT_EQ(runs[0].total.weight_buffer_fill_bytes, wbytes);
  EXPECT_EQ(runs[1].total.weight_buffer_fill_bytes, 0);
  EXPECT_EQ(runs[1].total.weight_buffer_read_bytes, wbytes);

  cfg.weight_buffer.capacity_bytes = wbytes - 1;  // no longer resident: every inference fetches
  const auto streamed = run_fast(packed, std::vector<model::Int8Tensor>{x, x}, cfg);
  EXPECT_EQ(streamed[1].total.dram_read_bytes, wbytes + packed.input.size());
}

TEST(MemorySystem, SpilledLayersStreamPerRowTileAndStallOnSlowDram) {
  const auto packed = packed_shift_net();
  AcceleratorConfig cfg;
  cfg.array.rows = 8;
  cfg.activation_buffer.capacity_bytes = 1;  // nothing fits: every layer runs from DRAM
  cfg.dram.bytes_per_cycle = 0.125;
  const model::Int8Tensor x{packed.input, std::vector<std::int8_t>(static_cast<std::size_t>(packed.input.size()), 1)};
  const NetworkRun run = run_fast(packed, x, cfg);
  const MemorySystem mem(cfg, packed);
  const WeightBuffer wb(cfg.weight_buffer, cfg.resolved_array());
  for (std::size_t i = 0; i < packed.layers.size(); ++i) {
    const auto& l = packed.layers[i];
    const LayerStats& s = run.layers[i];
    if (is_view(packed, i)) {
      EXPECT_EQ(s.dram_read_bytes + s.dram_write_bytes, 0) << l.name;
      continue;
    }
    const std::int64_t passes = l.kind == model::OpKind::Matmul ? (l.rows() + 7) / 8 : 1;
    EXPECT_EQ(s.dram_read_bytes, passes * l.in.size() + wb.layer_bytes(l)) << l.name;
    EXPECT_EQ(s.dram_write_bytes, l.out.size()) << l.name;
    const LayerStats compute = l.kind == model::OpKind::Matmul ? matmul_stats(cfg.resolved_array(), l)
                                                               : vector_unit_stats(cfg.resolved_array(), packed, i, false);
    // The first pass before the layer computes, weights and further passes while it computes,
    // the output after it (8 cycles a byte).
    const std::int64_t load = 8 * l.in.size();
    const std::int64_t stream = 8 * (s.dram_read_bytes - l.in.size());
    const std::int64_t write = 8 * l.out.size();
    EXPECT_EQ(s.cycles, load + std::max(stream, compute.cycles) + write) << l.name;
    EXPECT_EQ(s.memory_stall_cycles, s.cycles - compute.cycles) << l.name;
    EXPECT_GT(s.memory_stall_cycles, 0) << l.name;
  }
}

TEST(Pipeline, StagesStartAtEachMatmulWithItsFusedShift) {
  const auto packed = packed_shift_net();
  const auto stages = pipeline_stages(packed);
  std::size_t matmuls = 0;
  for (const auto& l : packed.layers) matmuls += l.kind == model::OpKind::Matmul;
  ASSERT_EQ(stages.size(), matmuls);
  EXPECT_EQ(stages.front().first, 0u);
  EXPECT_EQ(stages.back().last, packed.layers.size());
  for (std::size_t s = 0; s < stages.size(); ++s) {
    if (s > 0) {
      EXPECT_EQ(stages[s].first, stages[s - 1].last);
    }
    std::size_t in_stage = 0;
    for (std::size_t i = stages[s].first; i < stages[s].last; ++i) in_stage += packed.layers[i].kind == model::OpKind::Matmul;
    EXPECT_EQ(in_stage, 1u);
    if (stages[s].first > 0) {
      const auto& head = packed.layers[stages[s].first];
      EXPECT_TRUE(head.kind == model::OpKind::Matmul || fused_into_next(packed, stages[s].first));
    }
  }
}

// Worked by hand: stages of 2, 5 and 1 cycles, three inputs, one-slot buffers between stages.
TEST(Pipeline, HandOffScheduleMatchesAHandWorkedExample) {
  const auto t = schedule_pipeline({{2, 5, 1}, {2, 5, 1}, {2, 5, 1}});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].first, 0);
  EXPECT_EQ(t[0].second, 8);
  EXPECT_EQ(t[1].first, 2);
  EXPECT_EQ(t[1].second, 13);
  EXPECT_EQ(t[2].first, 4);
  EXPECT_EQ(t[2].second, 18);  // 8 + 2 x max stage
  // A slow first stage: the others wait for it; the interval is its time.
  const auto u = schedule_pipeline({{6, 1, 1}, {6, 1, 1}});
  EXPECT_EQ(u[0].second, 8);
  EXPECT_EQ(u[1].second, 14);
  EXPECT_THROW(schedule_pipeline({{1, 0}}), std::invalid_argument);
}

TEST(Pipeline, SteadyStateIntervalIsTheSlowestStage) {
  std::mt19937 rng(9);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t S = 1 + rng() % 6;
    const std::size_t N = 1 + rng() % 12;
    std::vector<std::int64_t> per(S);
    for (auto& c : per) c = 1 + static_cast<std::int64_t>(rng() % 50);
    const auto t = schedule_pipeline(std::vector<std::vector<std::int64_t>>(N, per));
    std::int64_t sum = 0;
    std::int64_t slowest = 0;
    for (auto c : per) {
      sum += c;
      slowest = std::max(slowest, c);
    }
    // Equal work per input: the classic result, latency + (N - 1) x bottleneck.
    EXPECT_EQ(t.back().second, sum + static_cast<std::int64_t>(N - 1) * slowest) << "trial " << trial;
    for (std::size_t i = 1; i < N; ++i) EXPECT_GE(t[i].first, t[i - 1].first);
  }
}

// A cold first inference (weights from slow DRAM) makes the next outputs bunch up; the gaps then
// settle at the steady-state interval computed from one warm inference.
TEST(Pipeline, SteadyStateIntervalFromAWarmInference) {
  const auto packed = packed_shift_net();
  const auto batch = test::random_batch(packed.input, 1, 5);
  const auto input = model::quantize_input(packed, batch.data.data(), static_cast<std::size_t>(packed.input.size()));
  for (const bool pipelined : {false, true}) {
    AcceleratorConfig c;
    c.array.rows = 8;
    c.array.cols = 8;
    c.dram.bytes_per_cycle = 0.25;
    c.schedule = pipelined ? Schedule::Pipelined : Schedule::SharedArray;
    const auto runs = run_fast(packed, std::vector<model::Int8Tensor>(12, input), c);
    const std::int64_t interval = steady_state_interval(packed, runs.back().layers, pipelined);
    EXPECT_EQ(runs[11].end_cycle - runs[10].end_cycle, interval) << pipelined;
    if (!pipelined) {
      EXPECT_EQ(interval, runs.back().total.cycles);
    } else {
      EXPECT_LT(runs[1].end_cycle - runs[0].end_cycle, interval);  // the bunching this guards against
    }
  }
}

}  // namespace
}  // namespace ccsim::hw
