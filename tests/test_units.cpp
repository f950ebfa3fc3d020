// Each unit of the accelerator alone in a small SystemC testbench (a clock, the unit, stand-ins
// for its neighbours, a driver thread), and the units' own counters on a whole network. Every
// test elaborates in a simulation context of its own.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <vector>

#include <systemc>

#include "hw/accelerator.hpp"
#include "hw/simulation_context.hpp"
#include "hw/timing.hpp"
#include "hw/tlm/memory.hpp"
#include "hw/units/core.hpp"
#include "models/pack.hpp"
#include "tests/test_util.hpp"

namespace ccsim::hw {
namespace {

constexpr double kPeriodNs = 1.0;

// A clock and a driver thread that starts at the first rising edge (cycle 0); cycle() counts
// rising edges from there.
struct Bench {
  SimulationContext context;
  sc_core::sc_clock clock{"clock", kPeriodNs, sc_core::SC_NS};
  double origin_ns = 0;

  std::int64_t cycle() const { return static_cast<std::int64_t>((sc_core::sc_time_stamp().to_seconds() * 1e9 - origin_ns) / kPeriodNs + 0.5); }
  void wait_cycles(int n) {
    for (int i = 0; i < n; ++i) sc_core::wait(clock.posedge_event());
  }
  void run(std::function<void()> driver) {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_spawn([this, driver] {
      sc_core::wait(clock.posedge_event());
      origin_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
      driver();
      sc_core::sc_stop();
    });
    sc_core::sc_start();
  }
};

// Records when each shadow row arrives.
struct ShadowSink : sc_core::sc_module, ShadowLoadIf {
  ShadowSink(sc_core::sc_module_name name, const Bench& bench) : sc_core::sc_module(name), bench_(bench) {}
  void load_shadow_row(int row, const std::int8_t* weights, const std::uint8_t*) override {
    rows.push_back(row);
    cycles.push_back(bench_.cycle());
    first_weight.push_back(weights[0]);
  }
  std::vector<int> rows;
  std::vector<std::int64_t> cycles;
  std::vector<std::int8_t> first_weight;
  const Bench& bench_;
};

model::PackedNetwork packed_shift_net(int alpha = 4) {
  const auto net = test::shift_net(31, 0.35);
  model::PackOptions opt;
  opt.scope = model::CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
  opt.combine = {alpha, 1.75, 0};
  return model::pack_network(net, opt, test::random_batch(net.input, 8, 1)).packed;
}

const model::PackedLayer& first_matmul(const model::PackedNetwork& net, bool after_shift) {
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind == model::OpKind::Matmul && (!after_shift || (i > 0 && fused_into_next(net, i - 1)))) return net.layers[i];
  }
  throw std::logic_error("no such Matmul layer");
}

model::Int8Tensor random_tensor(const model::Shape& s, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> v(-128, 127);
  model::Int8Tensor t{s, std::vector<std::int8_t>(static_cast<std::size_t>(s.size()))};
  for (auto& x : t.data) x = static_cast<std::int8_t>(v(rng));
  return t;
}

// A double-buffered tile cannot be larger than half the buffer: the geometry is refused at elaboration.
// (First in this file: under ASan, an exception on the main stack after a SystemC simulation in
// the same process trips a false report, scripts/sanitize.sh.)
TEST(WeightBufferUnit, RefusesACapacityBelowTwoTiles) {
  SimulationContext context;
  WeightBufferConfig small;
  small.capacity_bytes = 100;
  EXPECT_THROW(WeightBufferUnit("weight_buffer", small, ArrayConfig{}), std::invalid_argument);
}

// Two banks for 16 columns: 8 cycles per array row, T_load = 128; rows arrive one read apart,
// the tile is ready after T_load, and a second request while a fill is pending is refused.
TEST(WeightBufferUnit, FillsTheShadowRegistersOverTLoadCycles) {
  const auto net = packed_shift_net();
  const model::PackedLayer& layer = first_matmul(net, false);
  AcceleratorConfig config;
  config.weight_buffer.banks = 2;
  const ArrayConfig array = config.resolved_array();
  ASSERT_EQ(array.load_cycles_per_row, 8);
  Bench bench;
  WeightBufferUnit buffer("weight_buffer", config.weight_buffer, array);
  ShadowSink sink("sink", bench);
  buffer.clk(bench.clock);
  buffer.shadow(sink);
  std::int64_t ready_at = -1;
  bool refused = false;
  bench.run([&] {
    buffer.request({&layer, 0, 0});
    try {
      buffer.request({&layer, 0, 0});
    } catch (const std::logic_error&) {
      refused = true;
    }
    EXPECT_FALSE(buffer.ready());
    sc_core::wait(buffer.ready_event());
    ready_at = bench.cycle();
    buffer.consume();
    EXPECT_THROW(buffer.consume(), std::logic_error);
  });
  EXPECT_TRUE(refused);
  EXPECT_EQ(ready_at, array.rows * 8);
  ASSERT_EQ(sink.rows.size(), static_cast<std::size_t>(array.rows));
  for (int r = 0; r < array.rows; ++r) {
    EXPECT_EQ(sink.rows[r], r);
    EXPECT_EQ(sink.cycles[r], (r + 1) * 8) << "row " << r;
    EXPECT_EQ(sink.first_weight[r], r < layer.rows() ? layer.weights[layer.cell(r, 0)] : 0);
  }
  LayerStats s;
  buffer.add_activity(s);
  EXPECT_EQ(s.weight_loads, array.rows * array.cols);
  EXPECT_EQ(buffer.stats().fill_cycles, array.rows * 8);
}

TEST(ActivationBufferUnit, CountsEveryAccessAndReadsZeroForPadding) {
  SimulationContext context;
  ActivationBufferUnit buffer("activation_buffer", ActivationBufferConfig{}, 2);
  buffer.write_tensor(0, model::Int8Tensor{{1, 2, 2}, {1, -2, 3, -4}}, false);
  EXPECT_EQ(buffer.read(0, 3), -4);
  EXPECT_EQ(buffer.read(0, -1), 0);
  buffer.allocate(1, {1, 1, 3});
  buffer.write(1, 2, 7);
  EXPECT_EQ(buffer.peek(1).data, (std::vector<std::int8_t>{0, 0, 7}));
  EXPECT_EQ(buffer.read_tensor(0).data.size(), 4u);
  LayerStats s;
  buffer.add_activity(s);
  EXPECT_EQ(s.act_buffer_read_bytes, 2 + 4);
  EXPECT_EQ(s.act_buffer_write_bytes, 1);  // the uncounted store is the host's (DMA) input
  EXPECT_EQ(buffer.stats().padding_reads, 1);
}

// The feeder's bit lines against the schedule of hw/README.md: in tile cycle t, column c carries
// bit t % b of the value its group's k-th column reads at pixel t / b - c (Feeder::value, the
// im2col + shift addressing), for a pointwise layer with a shift fused into it.
TEST(FeederUnit, SerializesSkewedColumnsWithTheFusedShift) {
  const auto net = packed_shift_net();
  std::size_t index = 0;
  while (!(net.layers[index].kind == model::OpKind::Matmul && index > 0 && fused_into_next(net, index - 1))) ++index;
  const model::PackedLayer& layer = net.layers[index];
  const model::PackedLayer& shift = net.layers[index - 1];
  const model::Int8Tensor stored = random_tensor(shift.in, 5);
  ArrayConfig array;
  array.rows = 4;
  array.cols = 3;
  array.alpha_max = 4;
  SimulationContext context;
  ActivationBufferUnit buffer("activation_buffer", ActivationBufferConfig{}, 1);
  FeederUnit feeder("feeder", array);
  feeder.activations(buffer);
  buffer.write_tensor(0, stored, false);
  feeder.configure({&layer, &shift, 0});
  const Feeder reference(layer, stored, &shift);
  const std::int64_t P = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
  const int g0 = std::min(array.cols, layer.packed_cols() - 1);  // the second column tile
  feeder.begin_tile(g0, 0, P);
  std::int64_t values = 0;
  for (std::int64_t t = 0; t < tile_compute_cycles(array, P); ++t) {
    const std::uint32_t* lines = feeder.lines(t);
    for (int c = 0; c < array.cols; ++c) {
      const std::int64_t p = t / array.data_bits - c;
      std::uint32_t expected = 0;
      if (p >= 0 && p < P && g0 + c < layer.packed_cols()) {
        const auto& members = layer.groups[g0 + c];
        for (std::size_t k = 0; k < members.size(); ++k) {
          const int value = reference.value(p, members[k]);
          expected |= ((static_cast<std::uint32_t>(value) >> (t % array.data_bits)) & 1u) << k;
          if (t % array.data_bits == 0) ++values;
        }
      }
      ASSERT_EQ(lines[c], expected) << "cycle " << t << " column " << c;
    }
  }
  EXPECT_EQ(feeder.stats().values_fed, values);
  EXPECT_EQ(feeder.stats().input_bits, values * array.data_bits);
  EXPECT_EQ(buffer.stats().read_bytes, values);  // one read per value fed
}

// The first column tile starts every row from its bias; after the last one each value is
// requantized into the activation buffer (fixed::requantize); reads and writes are counted.
TEST(OutputStage, BiasFirstRequantizeLast) {
  const auto net = packed_shift_net();
  const model::PackedLayer& layer = first_matmul(net, false);
  ArrayConfig array;
  array.rows = 4;
  SimulationContext context;
  ActivationBufferUnit buffer("activation_buffer", ActivationBufferConfig{}, 2);
  OutputStage out("output_stage", array);
  out.activations(buffer);
  out.configure({&layer, 1});
  const std::int64_t P = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
  TileDescriptor tile;
  tile.first_row = 4;
  tile.pixels = P;
  tile.first_column_tile = true;
  tile.last_column_tile = true;
  out.begin_tile(tile);
  for (int r = 0; r < array.rows; ++r) {
    EXPECT_EQ(out.psum_in(r, P - 1), layer.bias[4 + r]);
    for (std::int64_t p = 0; p < P; ++p) out.psum_out(r, p, static_cast<fixed::Acc>(1000 * r - 37 * p));
  }
  out.end_tile(tile);
  for (int r = 0; r < array.rows; ++r) {
    const int m = 4 + r;
    for (std::int64_t p = 0; p < P; ++p) {
      ASSERT_EQ(buffer.peek(1).data[static_cast<std::size_t>(m) * P + p],
                fixed::requantize(1000 * r - 37 * p, layer.requant[m], layer.act_min, layer.act_max));
    }
  }
  EXPECT_EQ(buffer.peek(1).data[0], 0);  // rows of other tiles untouched
  LayerStats s;
  out.add_activity(s);
  EXPECT_EQ(s.acc_reads, array.rows);
  EXPECT_EQ(s.acc_writes, array.rows * P);
  EXPECT_EQ(s.activations_written, array.rows * P);
}

// Bytes / bandwidth per phase, rounded up to the next clock edge, with the data moved.
TEST(DmaEngine, MovesThePhaseAtTheMemorysBandwidth) {
  Bench bench;
  MemoryConfig mc;
  mc.size = 4096;
  mc.latency_ns = 0;
  mc.bytes_per_ns = 16;
  mc.ports = 1;
  Memory memory("dram", mc);
  for (std::size_t i = 0; i < 100; ++i) memory.contents()[i] = static_cast<unsigned char>(i);
  DmaConfig config;
  config.burst_bytes = 32;
  DmaEngine dma("dma", config, sc_core::sc_time(kPeriodNs, sc_core::SC_NS));
  dma.socket.bind(memory.port(0));
  std::vector<unsigned char> in(60, 0);
  std::vector<unsigned char> out(40, 0xAB);
  std::vector<std::int64_t> done_at;
  bench.run([&] {
    const DmaJob jobs[] = {DmaJob{{{false, 0, in.data(), 60}, {true, 1000, out.data(), 40}}}, DmaJob{}, DmaJob{{{false, 60, in.data(), 16}}}};
    for (const DmaJob& job : jobs) {
      const std::int64_t start = bench.cycle();
      dma.start(job);
      EXPECT_THROW(dma.start(job), std::logic_error);
      if (!dma.done()) sc_core::wait(dma.done_event());
      EXPECT_FALSE(dma.failed());
      done_at.push_back(bench.cycle() - start);
      if (done_at.size() == 1) {
        EXPECT_EQ(in[59], 59);
      }
      bench.wait_cycles(1);
    }
    dma.start(DmaJob{{{false, 5000, in.data(), 8}}});  // outside the memory
    sc_core::wait(dma.done_event());
    EXPECT_TRUE(dma.failed());
  });
  EXPECT_EQ(done_at, (std::vector<std::int64_t>{7, 0, 1}));  // ceil(100 / 16), nothing, one cycle
  EXPECT_EQ(memory.contents()[1039], 0xAB);
  EXPECT_EQ(in[0], 60);  // the last phase read bytes 60..75
  LayerStats s;
  dma.add_activity(s);
  EXPECT_EQ(s.dram_write_bytes, 40);
  EXPECT_EQ(dma.stats().transactions, 2 + 2 + 1 + 1);  // 60 = 32 + 28, 40 = 32 + 8, 16, the failed one
}

TEST(VectorUnit, PoolingTakesItsCyclesAndComputesTheGoldenResult) {
  model::PackedLayer pool;
  pool.name = "pool";
  pool.kind = model::OpKind::MaxPool;
  pool.in = {2, 4, 4};
  pool.out = {2, 2, 2};
  pool.window.kh = pool.window.kw = pool.window.stride_h = pool.window.stride_w = 2;
  const model::Int8Tensor x = random_tensor(pool.in, 9);
  Bench bench;
  ActivationBufferUnit buffer("activation_buffer", ActivationBufferConfig{}, 2);
  VectorUnit vector("vector_unit");
  vector.clk(bench.clock);
  vector.input(buffer);
  vector.output(buffer);
  buffer.write_tensor(0, x, false);
  std::int64_t took = -1;
  bench.run([&] {
    const std::int64_t cycles = vector_unit_stats(ArrayConfig{}, pool, {pool.in.c}, false).cycles;
    vector.start({&pool, true, 0, 1, cycles, {}});
    sc_core::wait(vector.done_event());
    took = bench.cycle();
  });
  EXPECT_EQ(took, 16);  // 2 channels in one lane group: 4 output pixels x 4 taps
  EXPECT_EQ(buffer.peek(1).data, model::run_layer(pool, x).data);
  EXPECT_EQ(buffer.stats().read_bytes, 32);
  EXPECT_EQ(buffer.stats().write_bytes, 8);
}

// Slow weight loads (one 2-bit bank: 88 cycles per row of 16 cells of 11 bits, T_load = 1408 >
// T_compute of every layer):
// the controller waits for every late fill, and the units' counters make up the formulas.
TEST(AcceleratorCore, LateWeightFillsStallTheArray) {
  const auto net = packed_shift_net();
  const auto input = random_tensor(net.input, 3);
  AcceleratorConfig config;
  config.weight_buffer.banks = 1;
  config.weight_buffer.bank_bits = 2;
  const ArrayConfig array = config.resolved_array();
  ASSERT_EQ(array.load_cycles_per_row, 88);
  const std::int64_t load = static_cast<std::int64_t>(array.rows) * array.load_cycles_per_row;
  std::int64_t expected_wait = 0;
  std::int64_t tiles = 0;
  for (const auto& l : net.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    const LayerStats s = matmul_stats(array, l);
    tiles += s.tiles;
    expected_wait += (s.tiles - 1) * std::max<std::int64_t>(0, load - tile_compute_cycles(array, static_cast<std::int64_t>(l.out.h) * l.out.w));
  }
  ASSERT_GT(expected_wait, 0);
  Controller::Stats controller;
  WeightBufferUnit::Stats weights;
  ArrayUnit::Stats array_stats;
  DmaEngine::Stats dma;
  std::size_t cores = 0;
  const auto runs = run_cycle_accurate(net, {input}, config, kPeriodNs, {}, [&](Accelerator& acc) {
    cores = acc.cores();
    controller = acc.core(0).controller().stats();
    weights = acc.core(0).weight_buffer().stats();
    array_stats = acc.core(0).array().stats();
    dma = acc.core(0).dma().stats();
  });
  ASSERT_EQ(cores, 1u);
  EXPECT_EQ(controller.weight_wait_cycles, expected_wait);
  EXPECT_EQ(weights.tiles, tiles);
  EXPECT_EQ(weights.fill_cycles, tiles * load);
  EXPECT_EQ(array_stats.tiles, tiles);
  const NetworkRun fast = run_fast(net, input, config);
  EXPECT_EQ(runs.at(0).output().data, fast.output().data);
  EXPECT_TRUE(runs[0].total.same_counts(fast.total));
  EXPECT_EQ(dma.read_bytes, fast.total.dram_read_bytes);
  EXPECT_EQ(dma.write_bytes, fast.total.dram_write_bytes);
}

// Pipelined: one core per stage, each with its own units.
TEST(AcceleratorCore, PipelinedScheduleElaboratesOneCorePerStage) {
  const auto net = packed_shift_net();
  AcceleratorConfig config;
  config.schedule = Schedule::Pipelined;
  SimulationContext context;
  sc_core::sc_clock clock("clock", kPeriodNs, sc_core::SC_NS);
  Accelerator acc("accelerator", net, config, 0, sc_core::sc_time(kPeriodNs, sc_core::SC_NS));
  EXPECT_EQ(acc.cores(), pipeline_stages(net).size());
  EXPECT_STREQ(acc.core(1).array().name(), "accelerator.stage1.array");
}

}  // namespace
}  // namespace ccsim::hw
