// Architecture exploration: schemes mapped on the array agree between the fast and the
// cycle-accurate mode (one scheme per process: SystemC elaborates once), the energy model, the
// progress bar, and ccsim explore end to end (shards + merge = one run, resume keeps finished
// points, --point reproduces a row, bad sweeps fail cleanly).
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <regex>
#include <random>
#include <set>

#include <cstdio>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include "hw/accelerator.hpp"
#include "hw/area_model.hpp"
#include "hw/array_occupancy.hpp"
#include "hw/energy_model.hpp"
#include "hw/timing.hpp"
#include "models/atomic_file.hpp"
#include "models/idx_dataset.hpp"
#include "models/network_json.hpp"
#include "models/packed_file.hpp"
#include "models/scheme_packing.hpp"
#include "sim/explore.hpp"
#include "sim/progress_bar.hpp"
#include "sim/sweep.hpp"
#include "sim/sweep_launch.hpp"
#include "tests/cli_runner.hpp"
#include "tests/test_util.hpp"

namespace ccsim {
namespace {

namespace fs = std::filesystem;

void fast_equals_cycle(model::SparsityScheme scheme) {
  const auto net = test::shift_net(41, 1.0);  // dense weights: the scheme does the pruning
  model::SchemeSpec spec;
  spec.scheme = scheme;
  spec.density = 0.3;
  spec.params.alpha = 4;
  const auto pack = model::pack_with_scheme(net, spec, test::random_batch(net.input, 4, 2));
  EXPECT_GT(pack.nonzeros, 0);
  EXPECT_LT(pack.nonzeros, pack.weights);
  const auto batch = test::random_batch(net.input, 2, 3);
  const auto per = static_cast<std::size_t>(net.input.size());
  std::vector<model::Int8Tensor> inputs;
  for (int i = 0; i < 2; ++i) inputs.push_back(model::quantize_input(pack.packed, batch.data.data() + i * per, per));
  hw::AcceleratorConfig cfg;
  cfg.array.rows = 6;
  cfg.array.cols = 5;
  for (const auto& l : pack.packed.layers) cfg.array.alpha_max = std::max(cfg.array.alpha_max, l.alpha);  // PCNN's 3 x 3: 9
  const auto fast = hw::run_fast(pack.packed, inputs, cfg);
  const auto cycle = hw::run_cycle_accurate(pack.packed, inputs, cfg);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    EXPECT_TRUE(cycle[k].total.same_counts(fast[k].total)) << model::to_string(scheme);
    EXPECT_EQ(cycle[k].end_cycle, fast[k].end_cycle);
    std::vector<model::Int8Tensor> golden;
    model::run_golden(pack.packed, inputs[k], &golden);
    EXPECT_EQ(cycle[k].output().data, golden.back().data);
  }
}

TEST(ExploreCycleCheck, NOfM) { fast_equals_cycle(model::SparsityScheme::NM); }
TEST(ExploreCycleCheck, ColumnCombining) { fast_equals_cycle(model::SparsityScheme::ColumnCombine); }
TEST(ExploreCycleCheck, Ternary) { fast_equals_cycle(model::SparsityScheme::Ternary); }
TEST(ExploreCycleCheck, Bitmap) { fast_equals_cycle(model::SparsityScheme::Bitmap); }
TEST(ExploreCycleCheck, Pcnn) { fast_equals_cycle(model::SparsityScheme::Pcnn); }
TEST(ExploreCycleCheck, Periodic) { fast_equals_cycle(model::SparsityScheme::Periodic); }

// The packed columns n of every m columns take when every row keeps min(n, group length) of each
// group (dense random weights pruned so): n per full group, fewer for a short last one.
int n_of_m_columns(int cols, int n, int m) {
  int packed = 0;
  for (int first = 0; first < cols; first += m) packed += std::min(n, std::min(m, cols - first));
  return packed;
}

// A packed layer's int8 filter matrix (rows x original columns), its cells put back in place.
std::vector<std::int8_t> expanded(const model::PackedLayer& l) {
  std::vector<std::int8_t> m(static_cast<std::size_t>(l.rows()) * l.cols(), 0);
  for (int r = 0; r < l.rows(); ++r) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      const auto cell = l.cell(r, g);
      if (l.weights[cell] != 0) m[static_cast<std::size_t>(r) * l.cols() + l.groups[g][l.select[cell]]] = l.weights[cell];
    }
  }
  return m;
}

// The scheme's pruning applied to every weight layer, then packed one column per array column:
// what pack_with_scheme maps onto multiplexers, unmapped.
model::PackedNetwork pruned_unmapped(model::Network net, const model::SchemeSpec& spec) {
  const auto shapes = model::infer_shapes(net);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    model::Layer& layer = net.layers[i];
    if (!layer.has_weights()) continue;
    model::FilterMatrix fm = model::filter_matrix(layer, shapes[i]);
    const bool conv = layer.kind == model::LayerKind::Conv;
    const int K = conv ? layer.window.kh * layer.window.kw : 1;
    const model::LayerWeights lw{fm.rows, fm.cols / K, conv ? layer.window.kh : 1, conv ? layer.window.kw : 1,
                                 fm.values};
    fm.values = model::scheme_prune(lw, spec).w;
    model::set_filter_matrix(layer, shapes[i], fm);
  }
  model::PackOptions o;
  o.regroup = false;
  o.timing_only = spec.timing_only;
  o.combine.alpha = 1;
  return model::pack_network(std::move(net), o, {}).packed;
}

// PCNN, periodic and ternary run on the array's multiplexers as N:M does: each row's group of m
// consecutive filter-matrix columns (a kernel, a 1-D vector, a ternary block) becomes n packed
// columns selecting among the m; the int8 matrix is the one the scheme's pruning gives unmapped
// (nothing dropped, nothing moved).
TEST(SchemePacking, StructuredSchemesSelectTheirWeightsThroughMultiplexers) {
  const auto net = test::shift_net(45, 1.0);
  struct Case {
    model::SparsityScheme scheme;
    int m_3x3, m_1x1;  // group width on the 3 x 3 first layer and on the 1 x 1 layers (0: not mapped)
  };
  for (const Case c : {Case{model::SparsityScheme::Pcnn, 9, 8}, Case{model::SparsityScheme::Periodic, 9, 0},
                       Case{model::SparsityScheme::Ternary, 8, 8}}) {
    model::SchemeSpec spec;
    spec.scheme = c.scheme;
    spec.density = 0.3;
    spec.timing_only = true;
    const auto pack = model::pack_with_scheme(net, spec, {});
    const auto unmapped = pruned_unmapped(net, spec);
    ASSERT_EQ(pack.packed.layers.size(), unmapped.layers.size());
    for (std::size_t i = 0; i < pack.packed.layers.size(); ++i) {
      const auto& l = pack.packed.layers[i];
      if (l.kind != model::OpKind::Matmul) continue;
      const int m = l.window.kh * l.window.kw == 9 ? c.m_3x3 : c.m_1x1;
      const std::string what = model::to_string(c.scheme) + " " + l.name;
      const auto matrix = expanded(l);
      EXPECT_EQ(matrix, expanded(unmapped.layers[i])) << what;
      EXPECT_GT(std::count_if(matrix.begin(), matrix.end(), [](std::int8_t w) { return w != 0; }), 0) << what;
      if (m == 0) {
        EXPECT_EQ(l.packed_cols(), l.cols()) << what << ": kept whole, one column per array column";
        continue;
      }
      const int n = model::scheme_count_for(spec.density, m);
      EXPECT_EQ(l.alpha, m) << what;
      EXPECT_EQ(l.packed_cols(), n_of_m_columns(l.cols(), n, m)) << what;
      for (int g = 0; g < l.packed_cols(); ++g) {
        const auto first = l.groups[g].front();
        EXPECT_EQ(first % m, 0u) << what << ": a group starts a block";
        EXPECT_EQ(l.groups[g].back(), std::min<std::uint32_t>(first + m, l.cols()) - 1) << what;
      }
    }
  }
}

// Without the multiplexers (scheme_params.multiplexers false) a structured scheme maps one
// filter-matrix column per array column, its zeros kept, with the same int8 weights.
TEST(SchemePacking, StructuredSchemesWithoutMultiplexersKeepTheirZerosInTheArray) {
  const auto net = test::shift_net(48, 1.0);
  for (const auto scheme : {model::SparsityScheme::NM, model::SparsityScheme::Pcnn, model::SparsityScheme::Ternary}) {
    model::SchemeSpec spec;
    spec.scheme = scheme;
    spec.density = 0.25;
    spec.timing_only = true;
    const auto mapped = model::pack_with_scheme(net, spec, {});
    spec.multiplexers = false;
    const auto kept = model::pack_with_scheme(net, spec, {});
    ASSERT_EQ(mapped.packed.layers.size(), kept.packed.layers.size());
    for (std::size_t i = 0; i < kept.packed.layers.size(); ++i) {
      const auto& l = kept.packed.layers[i];
      if (l.kind != model::OpKind::Matmul) continue;
      for (const auto& g : l.groups) EXPECT_EQ(g.size(), 1u) << model::to_string(scheme) << " " << l.name;
      EXPECT_EQ(expanded(l), expanded(mapped.packed.layers[i])) << model::to_string(scheme) << " " << l.name;
    }
  }
}

// A group no row keeps a weight in takes no packed column (as packing drops an all-zero column).
TEST(SchemePacking, AnEmptyGroupTakesNoPackedColumn) {
  auto net = test::shift_net(47, 1.0);
  model::Layer* pw1 = nullptr;
  for (auto& l : net.layers) {
    if (l.name == "pw1") pw1 = &l;
  }
  ASSERT_NE(pw1, nullptr);
  const int in = 16;  // pw1: 16 -> 16, 1 x 1; input channels 8 .. 15 get no weight
  for (int o = 0; o < pw1->out_channels; ++o) {
    for (int c = 8; c < in; ++c) pw1->weight[static_cast<std::size_t>(o) * in + c] = 0.0f;
  }
  model::SchemeSpec spec;
  spec.scheme = model::SparsityScheme::Ternary;
  spec.density = 0.25;  // (8, 2)
  spec.timing_only = true;
  const auto pack = model::pack_with_scheme(net, spec, {});
  for (const auto& l : pack.packed.layers) {
    if (l.name != "pw1") continue;
    EXPECT_EQ(l.cols(), in);
    EXPECT_EQ(l.packed_cols(), 2) << "the second block of 8 is empty";
    return;
  }
  FAIL() << "no layer pw1";
}

// On the same network at the same density, the zero-skipping schemes take fewer cycles than
// bitmap, which keeps its zeros on the array.
TEST(SchemePacking, StructuredSchemesTakeFewerCyclesThanUnstructuredOnes) {
  const auto net = test::shift_net(46, 1.0);
  const auto cycles = [&](model::SparsityScheme scheme) {
    model::SchemeSpec spec;
    spec.scheme = scheme;
    spec.density = 0.25;
    spec.timing_only = true;
    const auto pack = model::pack_with_scheme(net, spec, {});
    const std::vector<model::Int8Tensor> inputs{
        {net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()), 1)}};
    hw::AcceleratorConfig cfg;
    cfg.array.rows = 8;
    cfg.array.cols = 8;
    cfg.array.alpha_max = 9;
    return hw::run_fast(pack.packed, inputs, cfg).front().end_cycle;
  };
  const auto bitmap = cycles(model::SparsityScheme::Bitmap);
  for (const auto scheme : {model::SparsityScheme::Pcnn, model::SparsityScheme::Ternary}) {
    EXPECT_LT(cycles(scheme), bitmap * 2 / 3) << model::to_string(scheme);
  }
}

TEST(SchemePacking, NOfMMapsGroupsOfMOntoNPackedColumns) {
  const auto net = test::shift_net(42, 1.0);
  model::SchemeSpec spec;
  spec.scheme = model::SparsityScheme::NM;
  spec.density = 0.5;  // 2:4
  const auto pack = model::pack_with_scheme(net, spec, test::random_batch(net.input, 4, 2));
  for (const auto& l : pack.packed.layers) {
    if (l.kind != model::OpKind::Matmul) continue;
    EXPECT_EQ(l.packed_cols(), n_of_m_columns(l.cols(), 2, 4)) << l.name;
    for (const auto& g : l.groups) EXPECT_LE(g.size(), 4u);
  }
}

// `ccsim storage` counts a scheme's storage without packing: the same bits and non-zeros as the
// packing explore builds, for every scheme.
TEST(SchemePacking, StorageWithoutPackingIsThePackingsStorage) {
  const auto net = test::shift_net(43, 1.0);
  for (const auto scheme : {model::SparsityScheme::Dense, model::SparsityScheme::Bitmap, model::SparsityScheme::Csr,
                            model::SparsityScheme::NM, model::SparsityScheme::Pcnn, model::SparsityScheme::Periodic,
                            model::SparsityScheme::Ternary, model::SparsityScheme::ColumnCombine}) {
    model::SchemeSpec spec;
    spec.scheme = scheme;
    spec.density = 0.3;
    spec.params.alpha = 4;
    spec.timing_only = true;
    const auto pack = model::pack_with_scheme(net, spec, {});
    const auto storage = model::scheme_storage(net, spec);
    EXPECT_EQ(storage.value_bits, pack.value_bits) << model::to_string(scheme);
    EXPECT_EQ(storage.index_bits, pack.index_bits) << model::to_string(scheme);
    EXPECT_EQ(storage.nonzeros, pack.nonzeros) << model::to_string(scheme);
    EXPECT_EQ(storage.weights, pack.weights) << model::to_string(scheme);
    ASSERT_EQ(storage.layers.size(), pack.storage.size());
    std::int64_t value_bits = 0;
    for (std::size_t i = 0; i < storage.layers.size(); ++i) {
      EXPECT_EQ(storage.layers[i].layer, pack.storage[i].layer);
      value_bits += storage.layers[i].storage.value_bits;
    }
    EXPECT_EQ(value_bits, storage.value_bits);
  }
}

// scope "reference": the first weight layer and the classifier stay dense (stored dense, not
// mapped onto N:M multiplexers); the layers between are pruned as with every layer in scope.
TEST(SchemePacking, ReferenceScopeLeavesTheFirstLayerAndTheClassifierDense) {
  const auto net = test::shift_net(44, 1.0);
  model::SchemeSpec spec;
  spec.scheme = model::SparsityScheme::NM;
  spec.density = 0.5;
  spec.timing_only = true;
  const auto all = model::pack_with_scheme(net, spec, {});
  spec.scope = model::CombineScope::Reference;
  const auto reference = model::pack_with_scheme(net, spec, {});
  EXPECT_GT(reference.nonzeros, all.nonzeros);
  std::vector<const model::PackedLayer*> matmuls;
  for (const auto& l : reference.packed.layers) {
    if (l.kind == model::OpKind::Matmul) matmuls.push_back(&l);
  }
  ASSERT_GE(matmuls.size(), 3u);
  for (const auto* l : {matmuls.front(), matmuls.back()}) {
    EXPECT_EQ(l->packed_cols(), l->cols()) << l->name << ": one column per array column";
    for (const auto& g : l->groups) EXPECT_EQ(g.size(), 1u) << l->name;
  }
  EXPECT_EQ(matmuls[1]->packed_cols(), (matmuls[1]->cols() + 3) / 4 * 2) << "2:4 in scope";
  const auto& first = reference.storage.front().storage;
  EXPECT_EQ(first.index_bits, 0) << "stored dense";
  EXPECT_EQ(first.value_bits, matmuls.front()->rows() * static_cast<std::int64_t>(matmuls.front()->cols()) * 8);
}

TEST(EnergyModel, CountersTimesTable) {
  hw::LayerStats s;
  s.busy_slots = 10;
  s.acc_reads = 3;
  s.acc_writes = 4;
  s.weight_buffer_read_bytes = 100;
  s.act_buffer_read_bytes = 50;
  s.act_buffer_write_bytes = 20;
  s.dram_read_bytes = 8;
  s.dram_write_bytes = 2;
  s.cycles = 1000;
  hw::ArrayConfig a;  // 16x16, 8 bits, alpha 8
  const auto t = hw::EnergyTable::defaults();
  hw::AreaBreakdown area;  // two arrays of cells with 75 flops; 0.5 mm2 of arrays, 2 mm2 of buffers
  area.arrays = 2;
  area.cell.register_bits = 75;
  area.arrays_um2 = 0.5e6;
  area.weight_buffer_um2 = 2e6;
  const auto e = hw::energy_of(s, a, t, area, 500);
  EXPECT_DOUBLE_EQ(e.mac_pJ, 10 * 8 * 0.1 + 10 * 0.1);
  // Three 2:1 stages (alpha 8) per busy bit cycle.
  EXPECT_DOUBLE_EQ(e.mux_pJ, 10 * 8 * 3 * 0.00363);
  // 2 arrays x 256 cells x 75 flops x 1000 cycles, busy or not.
  EXPECT_DOUBLE_EQ(e.clock_pJ, 2.0 * 256 * 75 * 1000 * 0.00694);
  // 0.5 mm2 x 17.5 mW/mm2 over 1000 cycles at 500 MHz (2 us) = 17.5 nJ; the buffers' SRAM leaks 0.
  EXPECT_NEAR(e.static_pJ, 17500.0, 1e-6);
  EXPECT_NEAR(e.total_pJ(), e.mac_pJ + e.mux_pJ + e.clock_pJ + e.static_pJ + e.accumulator_pJ + e.weight_buffer_pJ +
                                e.act_buffer_pJ + e.dram_pJ, 1e-9);
  EXPECT_THROW(hw::energy_of(s, a, t, area, 0), std::invalid_argument);
  // Bit-parallel cells: one 8 x 8 multiply per busy slot (a 12-bit input: 12 x 8 / 64 of it) and
  // the same b bits through the multiplexer.
  a.mac = hw::MacKind::BitParallel;
  EXPECT_DOUBLE_EQ(hw::energy_of(s, a, t, area, 500).mac_pJ, 10 * 0.2 + 10 * 0.1);
  EXPECT_DOUBLE_EQ(hw::energy_of(s, a, t, area, 500).mux_pJ, e.mux_pJ);
  a.data_bits = 12;
  EXPECT_DOUBLE_EQ(hw::energy_of(s, a, t, area, 500).mac_pJ, 10 * 0.2 * 1.5 + 10 * 0.1);
  a = hw::ArrayConfig{};
  EXPECT_DOUBLE_EQ(e.accumulator_pJ, 7 * 5.0);
  EXPECT_DOUBLE_EQ(e.weight_buffer_pJ, 100 * 1.25);
  EXPECT_DOUBLE_EQ(e.act_buffer_pJ, 70 * 2.5);
  EXPECT_DOUBLE_EQ(e.dram_pJ, 10 * 160.0);
  EXPECT_TRUE(t.sources.contains("dram_byte_pJ"));
  auto j = nlohmann::json::parse(hw::EnergyTable::default_json());
  j["dram_byte_pJ"] = -1;
  EXPECT_THROW(hw::EnergyTable::from_json(j, "t.json"), std::invalid_argument);
  j = nlohmann::json::parse(hw::EnergyTable::default_json());
  j["sram_pJ"] = 1;
  EXPECT_THROW(hw::EnergyTable::from_json(j, "t.json"), std::invalid_argument);
  // A table from before the clock and leakage keys is refused, naming the key, not filled in.
  j = nlohmann::json::parse(hw::EnergyTable::default_json());
  j.erase("register_bit_clock_pJ");
  try {
    hw::EnergyTable::from_json(j, "old.json");
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("old.json: energy table has no 'register_bit_clock_pJ' (give 0"), std::string::npos) << e.what();
  }
}

TEST(AreaModel, CellsBuffersAndAccumulatorFromTheTable) {
  hw::AreaTable t;  // round numbers, so every term can be checked by hand
  t.reg_bit_um2 = 2;
  t.add32_um2 = 100;
  t.mul32_um2 = 1024;
  t.shift32_um2 = 64;
  t.logic_bit_um2 = 1;
  t.sram_bit_um2 = 0.5;
  hw::AcceleratorConfig cfg;
  cfg.array.rows = 4;
  cfg.array.cols = 3;
  cfg.array.alpha_max = 8;
  cfg.weight_buffer.capacity_bytes = 1000;
  cfg.activation_buffer.capacity_bytes = 2000;
  model::PackedNetwork net;
  model::PackedLayer conv;
  conv.kind = model::OpKind::Matmul;
  conv.out = {16, 5, 7};  // 35 pixels
  net.layers.push_back(conv);
  conv.out = {16, 2, 3};
  net.layers.push_back(conv);
  const auto cell = hw::mx_cell_area(cfg.array, 8, t);
  // weight, select, product, psum; 8 one-bit input lines; shadow weight and select.
  EXPECT_EQ(cell.register_bits, 8 + 3 + 32 + 32 + 8 + 11);
  EXPECT_EQ(cell.line_register_bits, 8);
  EXPECT_EQ(cell.shadow_register_bits, 11);
  EXPECT_DOUBLE_EQ(cell.registers_um2, 94 * 2.0);
  EXPECT_DOUBLE_EQ(cell.adders_um2, 200.0);
  EXPECT_DOUBLE_EQ(cell.multiplier_um2, 0.0);
  EXPECT_DOUBLE_EQ(cell.shifter_um2, 16.0);  // an 8-bit weight: a quarter of the 32-bit shifter
  EXPECT_DOUBLE_EQ(cell.mux_um2, 7 * 3.0);   // 7 two-input muxes of 3 gates
  const auto a = hw::area_of(cfg, net, 2, t);
  EXPECT_DOUBLE_EQ(a.arrays_um2, 2 * 12 * (188.0 + 200 + 16 + 21));
  // Bit-parallel: weight, select, psum; 8 lines of 8 bits; an 8 x 8 multiplier (64 / 1024 of the
  // 32-bit one), one adder, no shifter, an 8-bit-wide multiplexer. No shadow registers: 11 fewer.
  hw::ArrayConfig parallel = cfg.array;
  parallel.mac = hw::MacKind::BitParallel;
  parallel.shadow_weights = false;
  const auto pc = hw::mx_cell_area(parallel, 8, t);
  EXPECT_EQ(pc.register_bits, 8 + 3 + 32 + 64);
  EXPECT_EQ(pc.shadow_register_bits, 0);
  EXPECT_DOUBLE_EQ(pc.multiplier_um2, 64.0);
  EXPECT_DOUBLE_EQ(pc.adders_um2, 100.0);
  EXPECT_DOUBLE_EQ(pc.shifter_um2, 0.0);
  EXPECT_DOUBLE_EQ(pc.mux_um2, 7 * 3.0 * 8);
  EXPECT_DOUBLE_EQ(a.weight_buffer_um2, 1000 * 8 * 0.5);
  EXPECT_DOUBLE_EQ(a.act_buffer_um2, 2000 * 8 * 0.5);
  EXPECT_DOUBLE_EQ(a.accumulator_um2, 2 * 4 * 35 * 32 * 0.5);  // R x largest P, int32, per array
  EXPECT_DOUBLE_EQ(a.total_um2(), a.arrays_um2 + a.weight_buffer_um2 + a.act_buffer_um2 + a.accumulator_um2);
  cfg.array.alpha_max = 1;  // no multiplexer, no select register
  EXPECT_DOUBLE_EQ(hw::mx_cell_area(cfg.array, 8, t).mux_um2, 0.0);
  EXPECT_EQ(hw::mx_cell_area(cfg.array, 8, t).register_bits, 72 + 1 + 8);

  const auto d = hw::AreaTable::defaults();
  for (const char* k : {"reg_bit_um2", "add32_um2", "mul32_um2", "shift32_um2", "logic_bit_um2", "sram_bit_um2"}) {
    EXPECT_TRUE(d.sources.contains(k)) << k;
  }
  auto j = nlohmann::json::parse(hw::AreaTable::default_json());
  j["add32_um2"] = "big";
  EXPECT_THROW(hw::AreaTable::from_json(j, "a.json"), std::invalid_argument);
  j = nlohmann::json::parse(hw::AreaTable::default_json());
  j.erase("sram_bit_um2");
  EXPECT_THROW(hw::AreaTable::from_json(j, "a.json"), std::invalid_argument);
}

TEST(ProgressBar, RendersCountRateAndEta) {
  EXPECT_EQ(cli::ProgressBar::render(5, 10, 2.0, "points", 10), "[#####.....] 5/10 points  2.5/s  ETA 2s");
  EXPECT_EQ(cli::ProgressBar::render(0, 4, 0.0, "points", 4), "[....] 0/4 points");
}

class ExploreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccsim-explore-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const nlohmann::json sweep = {
        {"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
        {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 16}}},
        {"axes", {{"scheme", {"cc", "nm", "csr"}}, {"array", {"8x8", "16x16"}}, {"density", {0.25}}}}};
    write_file_atomic(path("sweep.json"), sweep.dump());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  fs::path dir_;
};

// A journal line as explore writes it: the CSV line, a tab, its CRC-32 in hex.
std::string journal_line(const std::string& csv) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08lx",
                crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(csv.data()), static_cast<uInt>(csv.size())));
  return csv + "\t" + hex + "\n";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) out.push_back(l);
  return out;
}

TEST_F(ExploreCli, ShardsMergeResumeAndOnePoint) {
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("all.csv") + " --json " + path("all.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto all = lines(read_file(path("all.csv")));
  ASSERT_EQ(all.size(), 7u);  // header + 6 points
  EXPECT_EQ(nlohmann::json::parse(read_file(path("all.json"))).size(), 6u);
  for (int k = 0; k < 2; ++k) {
    r = test::run_ccsim("explore " + path("sweep.json") + " --shard " + std::to_string(k) + "/2 -o " + path("s" + std::to_string(k) + ".csv") + " --quiet");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  r = test::run_ccsim("merge " + path("s0.csv") + " " + path("s1.csv") + " --sweep " + path("sweep.json") + " -o " + path("merged.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_file(path("merged.csv")), read_file(path("all.csv")));
  // Without the sweep, rows come by ID: the same rows.
  r = test::run_ccsim("merge " + path("s1.csv") + " " + path("s0.csv") + " -o " + path("by-id.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  auto sorted_lines = [](std::vector<std::string> v) { std::sort(v.begin() + 1, v.end()); return v; };
  EXPECT_EQ(lines(read_file(path("by-id.csv"))), sorted_lines(all));

  // An interrupted run left a journal with point 3 done (marked): it is kept, not recomputed. A row
  // torn by the interruption, one whose checksum fails and garbage are dropped (they were taken
  // into the results) and their points run again.
  const std::string marked = all[4] + "-marked";
  std::string altered = journal_line(all[5]);
  altered[altered.find(',') + 1] ^= 1;
  const std::string journal = journal_line(all[0]) + journal_line(marked) + altered + "\x01\x02garbage\n" +
                              journal_line(all[6]).substr(0, 30);
  write_file_atomic(path("resume.csv.partial"), journal);
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("resume.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("resume.csv.partial:3: torn or corrupt row dropped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("resume.csv.partial:5: torn or corrupt row dropped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 already done"), std::string::npos) << r.output;
  const auto resumed = lines(read_file(path("resume.csv")));
  ASSERT_EQ(resumed.size(), 7u);
  EXPECT_EQ(resumed[4], marked);
  for (const std::size_t i : {1, 2, 3, 5, 6}) EXPECT_EQ(resumed[i], all[i]) << i;
  EXPECT_FALSE(fs::exists(path("resume.csv.partial")));
  // A journal that is not one (no checked header) is refused, not overwritten.
  write_file_atomic(path("other.csv.partial"), all[0] + "\n" + all[1] + "\n");
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("other.csv") + " --quiet");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("other.csv.partial:1: not the journal of a ccsim explore run"), std::string::npos) << r.output;

  // merge refuses a truncated row, naming file and line.
  const std::string s0 = read_file(path("s0.csv"));
  write_file_atomic(path("cut.csv"), s0.substr(0, s0.size() - 40) + "\n");
  r = test::run_ccsim("merge " + path("cut.csv") + " " + path("s1.csv") + " -o " + path("m2.csv"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("cut.csv:" + std::to_string(lines(s0).size()) + ": malformed row (has "), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("m2.csv")));

  // One point alone (by its ID) reproduces its row.
  const auto row = nlohmann::json::parse(read_file(path("all.json")))[5];
  r = test::run_ccsim("explore " + path("sweep.json") + " --point " + row["point"].get<std::string>());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto one = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(one["point"], row["point"]);
  EXPECT_EQ(one["cycles"], row["cycles"]);
  EXPECT_EQ(one["energy_uJ"], row["energy_uJ"]);
  EXPECT_EQ(one["area_mm2"], row["area_mm2"]);
  EXPECT_GT(row["area_array_mm2"].get<double>(), 0.0);
}

// accuracy.images: each point's int8 golden top-1 accuracy on the first N test images, computed
// here the way the sweep's text describes (the scheme's packing calibrated on the sweep's images,
// then the golden model), equal for points that share a packing; without it the column is empty.
TEST_F(ExploreCli, AccuracyColumnIsTheGoldenModelsOnTheTestImages) {
  nlohmann::json sweep = nlohmann::json::parse(read_file(path("sweep.json")));
  sweep["accuracy"] = {{"images", 60}};
  sweep["axes"]["scheme"] = {"cc", "nm", "csr", "dense"};
  write_file_atomic(path("acc.json"), sweep.dump());
  auto r = test::run_ccsim("explore " + path("acc.json") + " -o " + path("acc.csv") + " --json " + path("acc.rows.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = nlohmann::json::parse(read_file(path("acc.rows.json")));
  ASSERT_EQ(rows.size(), 8u);
  // The expected figures: the same pipeline, step by step.
  model::Network net = model::load_network_json(std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json");
  const auto calib_data = model::load_idx_dataset("/usr/share/datasets/fashion-mnist", "train", 16);
  const auto test_data = model::load_idx_dataset("/usr/share/datasets/fashion-mnist", "t10k", 60);
  const auto calib = model::to_batch(calib_data, net.preprocess, net.input, 0, calib_data.count);
  const auto images = model::to_batch(test_data, net.preprocess, net.input, 0, test_data.count);
  std::map<std::string, double> expected;
  for (const char* scheme : {"cc", "nm", "csr", "dense"}) {
    model::SchemeSpec spec;
    spec.scheme = model::parse_sparsity_scheme(scheme);
    spec.density = 0.25;
    const auto pack = model::pack_with_scheme(net, spec, calib);
    const auto per = static_cast<std::size_t>(net.input.size());
    int correct = 0;
    for (int k = 0; k < 60; ++k) {
      const auto y = model::run_golden(pack.packed, model::quantize_input(pack.packed, images.data.data() + k * per, per));
      correct += model::argmax(y.data) == test_data.labels[static_cast<std::size_t>(k)];
    }
    expected[scheme] = correct / 60.0;
  }
  for (const auto& row : rows) {
    // The column has 10 significant digits.
    EXPECT_NEAR(row["accuracy"].get<double>(), expected.at(row["scheme"].get<std::string>()), 1e-9) << row["scheme"] << " " << row["array"];
  }
  // The dense network keeps its accuracy (88 % on the whole test set): images and labels line up.
  EXPECT_GT(expected.at("dense"), 0.6);
  // Not asked for: the column is there, empty.
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("none.csv") + " --json " + path("none.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(read_file(path("none.json")))[0]["accuracy"], "");
}

// Equal accuracy: of the points that differ only in density, the lowest density reaching the
// target; a set that never reaches it is named with its best accuracy.
TEST(ExploreSelection, LowestDensityReachingTheTargetPerSet) {
  const std::string header = "point,network,scheme,density,array,accuracy,cycles";
  const std::vector<std::string> lines = {
      "a,n.json,csr,0.25,8x8,0.40,100", "b,n.json,csr,0.5,8x8,0.85,100", "c,n.json,csr,0.75,8x8,0.90,100",
      "d,n.json,cc,0.25,8x8,0.86,70",   "e,n.json,cc,0.5,8x8,0.91,80",   "f,n.json,nm,0.5,8x8,0.30,90",
      "g,n.json,csr,0.25,16x16,0.40,50", "h,n.json,csr,0.75,16x16,0.90,50", "i,n.json,csr,0.5,16x16,0.85,50",
      "j,n.json,nm,0.75,8x8,0.60,95"};
  std::vector<std::string> unreached;
  const auto rows = cli::rows_at_accuracy(header, lines, 0.85, unreached);
  EXPECT_EQ(rows, (std::vector<std::string>{lines[1], lines[3], lines[8]}));
  ASSERT_EQ(unreached.size(), 1u);
  // Named by the settings that vary in these results (not the network).
  EXPECT_EQ(unreached[0], "scheme=nm, array=8x8: no density reaches top-1 0.85 (best 0.6 at density 0.75)");
  EXPECT_THROW(cli::rows_at_accuracy("point,network,density,cycles", {}, 0.5, unreached), std::invalid_argument);
  EXPECT_THROW(cli::rows_at_accuracy(header, {"a,n.json,csr,0.25,8x8,,100"}, 0.5, unreached), std::invalid_argument);
  EXPECT_THROW(cli::rows_at_accuracy(header, {"a,n.json,csr,0.25,8x8,0.9x,100"}, 0.5, unreached), std::invalid_argument);
  EXPECT_THROW(cli::rows_at_accuracy(header, {"a,n.json,csr,0.25,8x8,nan,100"}, 0.5, unreached), std::invalid_argument);
}

// scheme_params.restricted at densities keeping another K than 2 of a block: those ternary
// points run the unrestricted code, and a note says so once per density.
TEST_F(ExploreCli, RestrictedTernaryAtOtherDensitiesIsNoted) {
  nlohmann::json sweep = nlohmann::json::parse(read_file(path("sweep.json")));
  sweep["axes"]["scheme"] = {"ternary"};
  sweep["axes"]["density"] = {0.25, 0.5};
  sweep["scheme_params"] = {{"restricted", true}};
  write_file_atomic(path("restricted.json"), sweep.dump());
  const auto r = test::run_ccsim("explore " + path("restricted.json") + " -o " + path("restricted.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("ternary at density 0.5 keeps 4 of 8 and runs the unrestricted code"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("ternary at density 0.25"), std::string::npos) << r.output;
}

// A sweep with accuracy.target also writes RESULTS.at-accuracy.csv: its rows are the results'
// rows the selection picks (checked against the results file), and a merge with --sweep writes it
// too; a sweep without one removes such a file left beside its results.
TEST_F(ExploreCli, SweepWithATargetWritesThePointsAtEqualAccuracy) {
  nlohmann::json sweep = nlohmann::json::parse(read_file(path("sweep.json")));
  sweep["accuracy"] = {{"images", 40}, {"target", 0.5}};
  sweep["axes"]["scheme"] = {"csr", "dense"};
  sweep["axes"]["density"] = {0.3, 0.6, 0.9};
  write_file_atomic(path("eq.json"), sweep.dump());
  auto r = test::run_ccsim("explore " + path("eq.json") + " -o " + path("eq.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("at top-1 >= 0.5"), std::string::npos) << r.output;
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  const auto all = lines(read_file(path("eq.csv")));
  const auto picked = lines(read_file(path("eq.at-accuracy.csv")));
  ASSERT_GE(all.size(), 2u);
  std::vector<std::string> unreached;
  const auto expected = cli::rows_at_accuracy(all[0], {all.begin() + 1, all.end()}, 0.5, unreached);
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(picked.size(), expected.size() + 1) << read_file(path("eq.at-accuracy.csv"));
  EXPECT_EQ(picked[0], all[0]);
  EXPECT_EQ(std::vector<std::string>(picked.begin() + 1, picked.end()), expected);
  // Every picked row reaches the target, and no lower density of its set does.
  const auto names = cli::csv_cells(all[0]);
  const auto col = [&](const std::string& n) { return static_cast<std::size_t>(std::find(names.begin(), names.end(), n) - names.begin()); };
  for (std::size_t i = 1; i < picked.size(); ++i) {
    const auto cells = cli::csv_cells(picked[i]);
    EXPECT_GE(std::stod(cells[col("accuracy")]), 0.5) << picked[i];
    for (std::size_t k = 1; k < all.size(); ++k) {
      const auto other = cli::csv_cells(all[k]);
      if (other[col("scheme")] != cells[col("scheme")] || other[col("array")] != cells[col("array")] ||
          other[col("schedule")] != cells[col("schedule")]) continue;
      if (std::stod(other[col("density")]) < std::stod(cells[col("density")])) {
        EXPECT_LT(std::stod(other[col("accuracy")]), 0.5) << all[k];
      }
    }
  }
  // The merge of shards writes the same file.
  r = test::run_ccsim("merge " + path("eq.csv") + " --sweep " + path("eq.json") + " -o " + path("m.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_file(path("m.at-accuracy.csv")), read_file(path("eq.at-accuracy.csv")));
  // A sweep without a target removes the selection an earlier run left beside its results.
  fs::copy_file(path("eq.at-accuracy.csv"), path("plain.at-accuracy.csv"));
  sweep.erase("accuracy");
  write_file_atomic(path("plain.json"), sweep.dump());
  r = test::run_ccsim("explore " + path("plain.json") + " -o " + path("plain.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::exists(path("plain.at-accuracy.csv")));
  EXPECT_NE(r.output.find("removed " + path("plain.at-accuracy.csv") + ", left by an earlier run with accuracy.target"),
            std::string::npos)
      << r.output;
}

// A point's ID is what resumes a journal and merges shards across ccsim versions: these are the
// IDs the sweep below had before the description was rewritten for speed (2026-12-07; computed
// with the stream-based code, and independently in Python by a reviewer), on a network file
// written here so that the bundled network's changes do not move them. If this fails, results
// files written before no longer match their points: change the description only by adding lines
// for non-default values.
TEST_F(ExploreCli, PointIdsStayWhatEarlierVersionsWrote) {
  write_file_atomic(path("net.bin"), std::string("a network's bytes"));
  const nlohmann::json sweep = {
      {"network", "net.bin"},
      {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 8}}},
      {"scheme_params", {{"m", 4}}},
      {"axes",
       {{"scheme", {"cc", "pcnn"}},
        {"density", {1.0 / 3}},
        {"clock_mhz", {333.3333333333, 1e6}},
        {"weight_buffer_kib", {64.123456789012345}},
        {"mac", {"parallel"}},
        {"weight_bits", {4}}}}};
  write_file_atomic(path("pinned.json"), sweep.dump());
  const auto s = cli::load_sweep(path("pinned.json"));
  std::vector<std::string> ids;
  for (const auto& p : s.points) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"fd613b03d5bf3c06", "5d4a553f95b8b405", "1fc0dc8182f74c83", "d683ce5dd9fb823c"}));
}

// The number texts in point descriptions (and results) are what an ostream at precision 10 writes
// (in the "C" locale; std::to_chars writes that whatever the process's locale).
TEST(SweepFile, NumbersAreWrittenAsAStreamAtPrecision10Would) {
  std::mt19937_64 rng(5);
  std::vector<double> values = {0.0, -0.0, 1.0 / 3, 0.1 + 0.2, 1e-7, 1e21, 123456789012.0, 5e-324, -2.5, 1e6, 64.123456789012345,
                                std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()};
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t bits = rng();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) values.push_back(v);
    values.push_back(std::ldexp(static_cast<double>(rng() % 100000), static_cast<int>(rng() % 60) - 40));
  }
  for (const double v : values) {
    std::ostringstream o;
    o.precision(10);
    o << v;
    EXPECT_EQ(cli::format_number(v), o.str()) << v;
  }
}

// Point IDs are hashes of what a point's results depend on: the same from another working
// directory and after an axis grows (the old points are resumed, not recomputed), different when a
// sweep-wide setting changes; shards partition them by ID.
TEST_F(ExploreCli, PointIdsAreStableHashesOfTheConfiguration) {
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("all.csv") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto all = lines(read_file(path("all.csv")));
  ASSERT_EQ(all.size(), 7u);
  std::vector<std::string> ids;
  for (std::size_t i = 1; i < all.size(); ++i) ids.push_back(all[i].substr(0, all[i].find(',')));
  for (const auto& id : ids) {
    EXPECT_EQ(id.size(), 16u) << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());

  // The network by a relative path from another directory, and one more array: the six old
  // points keep their IDs and are taken from all.csv; the new array's three are evaluated.
  fs::create_directories(dir_ / "sub");
  fs::copy_file(std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json", dir_ / "sub" / "net.json");
  nlohmann::json grown = nlohmann::json::parse(read_file(path("sweep.json")));
  grown["network"] = "net.json";
  grown["axes"]["array"] = {"8x8", "16x16", "8x16"};
  write_file_atomic(path("sub/grown.json"), grown.dump());
  fs::copy_file(path("all.csv"), path("grown.csv"));
  r = test::run_ccsim("explore " + path("sub/grown.json") + " -o " + path("grown.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("9 points in the sweep, 9 in this shard, 6 already done"), std::string::npos) << r.output;
  const auto g = lines(read_file(path("grown.csv")));
  ASSERT_EQ(g.size(), 10u);
  std::set<std::string> grown_ids;
  for (std::size_t i = 1; i < g.size(); ++i) grown_ids.insert(g[i].substr(0, g[i].find(',')));
  for (const auto& id : ids) EXPECT_TRUE(grown_ids.count(id)) << id;

  // A sweep-wide setting (the calibration images) changes every ID.
  nlohmann::json other = nlohmann::json::parse(read_file(path("sweep.json")));
  other["calibration"]["count"] = 8;
  write_file_atomic(path("other.json"), other.dump());
  r = test::run_ccsim("explore " + path("other.json") + " -o " + path("grown.csv") + " --shard 0/1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("6 points in the sweep, 6 in this shard, 0 already done"), std::string::npos) << r.output;

  // Three shards hold every point once, each the points whose ID % 3 is its number.
  std::set<std::string> seen;
  for (int k = 0; k < 3; ++k) {
    const std::string out = path("s" + std::to_string(k) + ".csv");
    r = test::run_ccsim("explore " + path("sweep.json") + " --shard " + std::to_string(k) + "/3 -o " + out + " --quiet");
    ASSERT_EQ(r.status, 0) << r.output;
    const auto rows = lines(read_file(out));
    ASSERT_GE(rows.size(), 1u);  // a shard with no points still writes the header
    EXPECT_EQ(rows[0], all[0]);
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const std::string id = rows[i].substr(0, rows[i].find(','));
      EXPECT_EQ(std::stoull(id, nullptr, 16) % 3, static_cast<unsigned long long>(k)) << id;
      EXPECT_TRUE(seen.insert(id).second) << id;
    }
  }
  EXPECT_EQ(seen.size(), 6u);
  // merge --sweep puts the rows in the sweep's order (whatever order the shards come in) and
  // refuses an incomplete set, writing nothing.
  r = test::run_ccsim("merge " + path("s2.csv") + " " + path("s0.csv") + " " + path("s1.csv") + " --sweep " + path("sweep.json") +
                      " -o " + path("merged.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_file(path("merged.csv")), read_file(path("all.csv")));
  const std::size_t in_s1 = lines(read_file(path("s1.csv"))).size() - 1;
  r = test::run_ccsim("merge " + path("s0.csv") + " " + path("s2.csv") + " --sweep " + path("sweep.json") + " -o " + path("m2.csv"));
  if (in_s1 > 0) {
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find(std::to_string(in_s1) + " of its 6 points are in none of the inputs"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("m2.csv")));
  }

  // The same network under two names would give two points one ID: refused.
  nlohmann::json twice = nlohmann::json::parse(read_file(path("sweep.json")));
  twice["network"] = {std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json", path("sub/net.json")};
  write_file_atomic(path("twice.json"), twice.dump());
  r = test::run_ccsim("explore " + path("twice.json") + " -o " + path("t.csv"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("have the same contents; list the network once"), std::string::npos) << r.output;
  r = test::run_ccsim("explore " + path("sweep.json") + " --point 12");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("point ID '12' is not 16 hex digits"), std::string::npos) << r.output;
}

// --slurm --dry-run prints the job-array and merge scripts and the two sbatch commands and writes
// nothing; the task script, run as array task 1 would be (with a stand-in ccsim that records its
// arguments), starts the right shard.
TEST_F(ExploreCli, SlurmDryRunPrintsTheScriptsAndTheTaskScriptRunsItsShard) {
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("res.csv") +
                           " --slurm 3 --sbatch \"--partition=long --time=1:00:00\" --dry-run");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* expected : {"#SBATCH --array=0-2", "#SBATCH --output=" , "/res.csv.tasks/logs/task-%a.log",
                               "--shard \"$k\"/3", "sbatch --parsable --partition=long --time=1:00:00", "--dependency=afterok:JOB",
                               "--kill-on-invalid-dep=yes", " merge \"${shards[@]}\" --sweep "}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(path("res.csv.tasks")));
  EXPECT_FALSE(fs::exists(path("res.csv")));
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("res.csv") + " --slurm 3 --sbatch \"--comment='x y'\" --dry-run");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("quotes and backslashes are not taken"), std::string::npos) << r.output;
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("res.csv") + " --dry-run");
  EXPECT_NE(r.status, 0);
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("res.csv") + " --wait");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--wait goes with --slurm"), std::string::npos) << r.output;
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("res.csv") + " --sbatch=--hold");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--sbatch / --parallel-args go with --slurm / --gnu-parallel"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("res.csv")));

  cli::ShardLaunch l;
  l.ccsim = path("fake ccsim");
  l.submit_dir = path("it's here");
  l.sweep = "s.json";
  l.output = path("out.csv");
  l.work_dir = path("out.csv.tasks");
  l.tasks = 4;
  fs::create_directories(l.submit_dir);
  write_file_atomic(l.ccsim, "#!/bin/sh\npwd > \"$0.args\"\nfor a in \"$@\"; do echo \"$a\" >> \"$0.args\"; done\n");
  fs::permissions(l.ccsim, fs::perms::owner_exec, fs::perm_options::add);
  write_file_atomic(path("task.sh"), cli::slurm_task_script(l));
  ASSERT_EQ(std::system(("SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=2 bash " + cli::shell_quote(path("task.sh"))).c_str()), 0);
  EXPECT_EQ(read_file(l.ccsim + ".args"), l.submit_dir + "\nexplore\ns.json\n-o\n" + l.work_dir + "/shard-1-of-4.csv\n--shard\n1/4\n" +
                                              "--threads\n2\n--reuse\n" + l.output + "\n");
  EXPECT_NE(std::system(("bash " + cli::shell_quote(path("task.sh")) + " 2>/dev/null").c_str()), 0);  // not an array task
}

// GNU parallel, the no-scheduler path: three shards on this machine's cores, merged in the sweep's
// order, equal to one local run; run again, every point is reused.
TEST_F(ExploreCli, GnuParallelShardsMergeToTheLocalRun) {
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("all.csv") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("par.csv") + " --gnu-parallel 3 --parallel-args \"--jobs 2\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("merged 6 points from 3 files"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(path("par.csv")), read_file(path("all.csv")));
  EXPECT_TRUE(fs::exists(path("par.csv.tasks/joblog.txt")));
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("par.csv") + " --gnu-parallel 2");
  ASSERT_EQ(r.status, 0) << r.output;
  // Every shard reused all its points: "N in this shard, N already done".
  const std::regex summary("(\\d+) in this shard, (\\d+) already done");
  int shards = 0;
  for (std::sregex_iterator it(r.output.begin(), r.output.end(), summary), end; it != end; ++it, ++shards) {
    EXPECT_EQ((*it)[1], (*it)[2]) << r.output;
  }
  EXPECT_EQ(shards, 2) << r.output;
  EXPECT_EQ(read_file(path("par.csv")), read_file(path("all.csv")));
}

// Two explores on one output: the second is refused while the first holds the journal's lock.
TEST_F(ExploreCli, SecondRunOnTheSameOutputIsRefused) {
  const std::string journal = path("busy.csv.partial");
  const int fd = ::open(journal.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // as a running explore holds it
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("busy.csv") + " --quiet");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("busy.csv.partial: another ccsim explore is writing these results"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("busy.csv")));
  ::close(fd);  // the first run ends
  fs::remove(journal);
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("busy.csv") + " --quiet");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines(read_file(path("busy.csv"))).size(), 7u);
}

TEST_F(ExploreCli, ComputeReportPerPointMatchesTheRow) {
  const auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("all.csv") + " --json " + path("all.json") +
                                 " --compute-reports " + path("reports") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = nlohmann::json::parse(read_file(path("all.json")));
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) {
    const auto id = row["point"].get<std::string>();
    const auto report = lines(read_file(path("reports/point-" + id + ".csv")));
    ASSERT_GT(report.size(), 2u);
    EXPECT_EQ(report[0], "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,");
    // The layers' cycles add up to the row's (both the first inference).
    std::int64_t cycles = 0;
    for (std::size_t i = 1; i < report.size(); ++i) {
      std::stringstream cells(report[i]);
      std::string id_cell, c;
      std::getline(cells, id_cell, ',');
      std::getline(cells, c, ',');
      cycles += std::stoll(c);
    }
    EXPECT_EQ(cycles, static_cast<std::int64_t>(row["cycles"].get<double>())) << id;
  }
}

// The pixel-block buffers as axes: an accumulator buffer smaller than the 28 x 28 first layer's
// 784 output pixels splits it (more tiles, each block exposing a weight load: more cycles); a
// buffer that cannot hold one output row fails naming the field.
TEST_F(ExploreCli, PixelBlockBuffersAreAxes) {
  const nlohmann::json sweep = {
      {"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
      {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 16}}},
      {"axes", {{"acc_pixels", {4096, 200}}, {"input_store_kib", {64, 2}}}}};
  write_file_atomic(path("blocks.json"), sweep.dump());
  const auto r = test::run_ccsim("explore " + path("blocks.json") + " -o " + path("b.csv") + " --json " + path("b.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = nlohmann::json::parse(read_file(path("b.json")));
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::pair<long, double>, long> cycles;
  for (const auto& row : rows) {
    cycles[{static_cast<long>(row["acc_pixels"].get<double>()), row["input_store_kib"].get<double>()}] =
        static_cast<long>(row["cycles"].get<double>());
  }
  EXPECT_GT(cycles.at({200, 64}), cycles.at({4096, 64}));
  EXPECT_GT(cycles.at({4096, 2}), cycles.at({4096, 64}));
  EXPECT_GE(cycles.at({200, 2}), cycles.at({200, 64}));
  write_file_atomic(path("tiny.json"), nlohmann::json({{"network", sweep["network"]}, {"calibration", sweep["calibration"]},
                                                       {"axes", {{"acc_pixels", {20}}}}}).dump());
  const auto tiny = test::run_ccsim("explore " + path("tiny.json") + " -o " + path("t.csv") + " --quiet");
  EXPECT_NE(tiny.status, 0);
  EXPECT_NE(tiny.output.find("exceeds the accumulator buffer of 20 pixels per array row; raise accumulator_pixels"),
            std::string::npos) << tiny.output;
  EXPECT_FALSE(fs::exists(path("t.csv")));
}

// The MAC cell and the weight loading as axes: bit-parallel cells take fewer cycles, exposed
// loads more; the point at the defaults keeps the ID it had before the axes existed; a bad value
// fails naming the axis.
TEST_F(ExploreCli, MacCellAndWeightLoadAreAxes) {
  const nlohmann::json sweep = {
      {"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
      {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 16}}},
      {"axes", {{"mac", {"serial", "parallel"}}, {"weight_load", {"overlapped", "exposed"}}}}};
  write_file_atomic(path("mac.json"), sweep.dump());
  auto r = test::run_ccsim("explore " + path("mac.json") + " -o " + path("m.csv") + " --json " + path("m.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<std::pair<std::string, std::string>, nlohmann::json> rows;
  for (const auto& row : nlohmann::json::parse(read_file(path("m.json")))) {
    rows[{row["mac"].get<std::string>(), row["weight_load"].get<std::string>()}] = row;
  }
  ASSERT_EQ(rows.size(), 4u);
  const auto cycles = [&](const char* mac, const char* load) { return rows.at({mac, load})["cycles"].get<double>(); };
  EXPECT_LT(cycles("parallel", "overlapped"), cycles("serial", "overlapped"));
  EXPECT_GT(cycles("serial", "exposed"), cycles("serial", "overlapped"));
  EXPECT_GT(cycles("parallel", "exposed"), cycles("parallel", "overlapped"));
  // The same network and array without the new axes: the default point's ID is unchanged.
  const nlohmann::json plain = {{"network", sweep["network"]}, {"calibration", sweep["calibration"]}};
  write_file_atomic(path("plain.json"), plain.dump());
  r = test::run_ccsim("explore " + path("plain.json") + " -o " + path("p.csv") + " --json " + path("p.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto only = nlohmann::json::parse(read_file(path("p.json")));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["point"], rows.at({"serial", "overlapped"})["point"]);
  EXPECT_EQ(only[0]["cycles"], rows.at({"serial", "overlapped"})["cycles"]);
  // And as the ccsim before these axes computed them: the memory sweep's first point had this ID
  // (sim/examples/memory-fmnist.csv of 2026-12-05), and every committed ID is what a run gives now.
  r = test::run_ccsim(std::string("explore ") + CCSIM_SOURCE_DIR + "/sim/examples/memory-fmnist.json -o " + path("mem.csv") +
                      " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto ids = [](const std::string& csv) {
    std::vector<std::string> out;
    for (const auto& l : lines(csv)) out.push_back(l.substr(0, l.find(',')));
    return out;
  };
  const auto now = ids(read_file(path("mem.csv")));
  ASSERT_GT(now.size(), 1u);
  EXPECT_EQ(now[1], "ab296f9f99d2d8e1");
  EXPECT_EQ(now, ids(read_file(std::string(CCSIM_SOURCE_DIR) + "/sim/examples/memory-fmnist.csv")));
  write_file_atomic(path("bad.json"), nlohmann::json({{"network", sweep["network"]}, {"calibration", sweep["calibration"]},
                                                      {"axes", {{"weight_load", {"late"}}}}}).dump());
  r = test::run_ccsim("explore " + path("bad.json") + " -o " + path("bad.csv") + " --quiet");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("weight_load 'late' must be overlapped or exposed"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("bad.csv")));

}

// Precision as axes: each point's network packed at its activation and weight widths, its data
// path as wide as its activations (no data_bits axis), so 4-bit activations take about half the
// bit-serial cycles; accuracy measured per packing; a data path narrower than the activations and
// a width outside [2, 8] are refused before anything runs.
TEST_F(ExploreCli, PrecisionIsAnAxis) {
  const nlohmann::json sweep = {
      {"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
      {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 16}}},
      {"accuracy", {{"images", 100}}},
      {"axes", {{"activation_bits", {4, 8}}, {"weight_bits", {4, 8}}}}};
  write_file_atomic(path("bits.json"), sweep.dump());
  auto r = test::run_ccsim("explore " + path("bits.json") + " -o " + path("b.csv") + " --json " + path("b.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<std::pair<int, int>, nlohmann::json> rows;
  for (const auto& row : nlohmann::json::parse(read_file(path("b.json")))) {
    const auto a = static_cast<int>(row["activation_bits"].get<double>());
    const auto w = static_cast<int>(row["weight_bits"].get<double>());
    EXPECT_EQ(static_cast<int>(row["data_bits"].get<double>()), a);
    EXPECT_GE(row["accuracy"].get<double>(), 0.0);
    rows[{a, w}] = row;
  }
  ASSERT_EQ(rows.size(), 4u);
  const auto cycles = [&](int a, int w) { return rows.at({a, w})["cycles"].get<double>(); };
  EXPECT_LT(cycles(4, 8), 0.75 * cycles(8, 8));
  EXPECT_EQ(cycles(4, 4), cycles(4, 8));  // weights' width does not change a bit-serial cell's cycles
  EXPECT_LT(rows.at({4, 8})["energy_uJ"].get<double>(), rows.at({8, 8})["energy_uJ"].get<double>());
  // Other widths are other points (other IDs).
  EXPECT_NE(rows.at({8, 8})["point"], rows.at({4, 8})["point"]);
  const auto refused = [&](const nlohmann::json& axes, const std::string& fragment) {
    write_file_atomic(path("bad.json"), nlohmann::json({{"network", sweep["network"]}, {"calibration", sweep["calibration"]},
                                                        {"axes", axes}}).dump());
    const auto bad = test::run_ccsim("explore " + path("bad.json") + " -o " + path("bad.csv") + " --quiet");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.output.find(fragment), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(path("bad.csv")));
  };
  refused({{"data_bits", {4, 8}}, {"activation_bits", {8}}}, "data_bits 4 is narrower than activation_bits 8");
  refused({{"activation_bits", {9}}}, "activation_bits 9 must be in [2, 8]");
  refused({{"weight_bits", {1}}}, "weight_bits 1 must be in [2, 8]");
}

// The vector unit as axes: the network's one layer beside the array, a global average of 64
// channels over 7 x 7, takes ceil(64 / lanes) * 49 cycles (hw/README.md "Vector unit"); a store
// smaller than one channel fails naming the field.
TEST_F(ExploreCli, VectorUnitSizesAreAxes) {
  const nlohmann::json sweep = {
      {"network", std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json"},
      {"calibration", {{"dataset", "/usr/share/datasets/fashion-mnist"}, {"count", 16}}},
      {"axes", {{"vector_lanes", {8, 16, 64}}}}};
  write_file_atomic(path("lanes.json"), sweep.dump());
  const auto r = test::run_ccsim("explore " + path("lanes.json") + " -o " + path("l.csv") + " --json " + path("l.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<int, long> cycles;
  for (const auto& row : nlohmann::json::parse(read_file(path("l.json")))) {
    cycles[static_cast<int>(row["vector_lanes"].get<double>())] = static_cast<long>(row["cycles"].get<double>());
  }
  ASSERT_EQ(cycles.size(), 3u);
  EXPECT_EQ(cycles.at(8) - cycles.at(16), (8 - 4) * 49);
  EXPECT_EQ(cycles.at(8) - cycles.at(64), (8 - 1) * 49);
  write_file_atomic(path("tiny.json"), nlohmann::json({{"network", sweep["network"]}, {"calibration", sweep["calibration"]},
                                                       {"axes", {{"vector_store_kib", {0.03}}}}}).dump());
  const auto tiny = test::run_ccsim("explore " + path("tiny.json") + " -o " + path("t.csv") + " --quiet");
  EXPECT_NE(tiny.status, 0);
  EXPECT_NE(tiny.output.find("one channel's operands take 49 bytes, more than the vector unit's 30-byte input store "
                             "(raise vector_store_bytes: run --vector-store-kib, explore axis vector_store_kib)"),
            std::string::npos) << tiny.output;
  EXPECT_FALSE(fs::exists(path("t.csv")));
}

TEST_F(ExploreCli, BadSweepsFailCleanly) {
  auto fails = [&](const nlohmann::json& sweep, const std::string& fragment) {
    write_file_atomic(path("bad.json"), sweep.dump());
    const auto r = test::run_ccsim("explore " + path("bad.json") + " -o " + path("out.csv") + " --quiet");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("out.csv")));
    EXPECT_FALSE(fs::exists(path("out.csv.partial")));  // nothing is written before every value checks out
  };
  const std::string net = std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-dense.json";
  fails({{"network", net}, {"axes", {{"colour", {1}}}}}, "unknown axis 'colour'");
  fails({{"network", net}, {"axes", {{"density", {1.5}}}}}, "density 1.5 must be in (0, 1]");
  fails({{"network", net}, {"axes", {{"scheme", {"rle"}}}}}, "sparsity scheme 'rle'");
  fails({{"network", path("none.json")}}, "none.json': no such file");
  // A name longer than the system takes (NAME_MAX): the system's reason, with the sweep named
  // (std::filesystem's throwing queries used to let a "filesystem error" out that named neither).
  const std::string too_long(300, 'n');
  fails({{"network", path(too_long + ".json")}}, "bad.json: network '" + path(too_long + ".json") + "': File name too long");
  fails({{"network", net}, {"energy", path(too_long)}}, "bad.json: '" + path(too_long) + "': File name too long");
  fails({{"network", net}, {"energy", dir_.string()}}, "bad.json: '" + dir_.string() + "': not a regular file");
  fails({{"network", net}, {"calibration", {{"dataset", path(too_long)}}}}, "bad.json: calibration data set: ");
  fails({{"network", net}, {"axes", {{"array", {}}}}}, "axis 'array' must be a non-empty array");
  fails({{"network", net}, {"extra", 1}}, "unknown key 'extra'");
  write_file_atomic(path("area.json"), R"({"reg_bit_um2": 1})");
  fails({{"network", net}, {"area", path("area.json")}}, "bad.json: " + path("area.json") + ": area table has no 'add32_um2'");
  fails({{"network", net}, {"energy", 3}}, "'energy' must be a table file");
  // Values that used to be found only once the journal was open (an empty .partial stayed behind).
  fails({{"network", net}, {"axes", {{"data_bits", {8, 0}}}}}, "data_bits 0");
  fails({{"network", net}, {"axes", {{"dram_bytes_per_cycle", {0}}}}}, "dram_bytes_per_cycle 0 must be in (0, 1000000000]");
  fails({{"network", net}, {"axes", {{"weight_buffer_kib", {0}}}}}, "weight_buffer_kib 0 must be in (0,");
  fails({{"network", net}, {"axes", {{"act_buffer_kib", {-1}}}}}, "act_buffer_kib -1 must be in (0,");
  fails({{"network", net}, {"axes", {{"alpha", {2.5}}}}}, "axis 'alpha': element 0: expected an integer");
  fails({{"network", net}, {"calibration", {{"dataset", path("nodata")}}}}, "calibration data set: " + path("nodata"));
  fails({{"network", net}, {"calibration", {{"count", 0}}}}, "calibration count must be >= 1");
  fails({{"network", net}, {"calibration", {{"counts", 8}}}}, "calibration: unknown key 'counts'");
  fails({{"network", net}, {"calibration", {{"preprocess", {{"scale", 0}}}}}}, "preprocess scale must be finite and non-zero");
  fails({{"network", net}, {"calibration", {{"preprocess", {{"shift", 1}}}}}}, "preprocess: unknown key 'shift'");
  fails({{"network", net}, {"calibration", {{"preprocess", 0.5}}}}, "'preprocess' must be an object");
  fails({{"network", net}, {"accuracy", {{"images", -1}}}}, "accuracy: images must be 0 .. 1000000");
  fails({{"network", net}, {"accuracy", {{"count", 10}}}}, "accuracy: unknown key 'count'");
  fails({{"network", net}, {"accuracy", 10}}, "accuracy: must be an object");
  fails({{"network", net}, {"accuracy", {{"images", 10}, {"target", 1.5}}}}, "accuracy: target must be a top-1 accuracy in (0, 1]");
  fails({{"network", net}, {"scheme_params", {{"scope", "first"}}}}, "scheme_params 'scope': must be \"all\" or \"reference\"");
  fails({{"network", net}, {"accuracy", {{"target", 0.8}}}}, "accuracy: target needs images > 0");
  fails({{"network", net}, {"accuracy", {{"images", 20000}}}}, "accuracy: 20000 images asked, the test split");
  fails({{"network", net}, {"scheme_params", {{"m", "four"}}}}, "scheme_params 'm': expected an integer");
  fails({{"network", net}, {"scheme_params", {{"blocks", 8}}}}, "scheme_params 'blocks': unknown key");
  fails({{"network", net}, {"scheme_params", {{"multiplexers", "no"}}}}, "scheme_params 'multiplexers'");
  // Axes multiplying to 8e9 points grew memory without bound; now refused at once.
  std::vector<double> many(2000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = 1.0 + static_cast<double>(i);
  fails({{"network", net}, {"axes", {{"clock_mhz", many}, {"weight_buffer_kib", many}, {"act_buffer_kib", many}}}},
        "the axes multiply to more than 1000000 points");
  auto r = test::run_ccsim("explore " + path("sweep.json") + " --shard 2/2 -o " + path("out.csv"));
  EXPECT_NE(r.output.find("--shard '2/2'"), std::string::npos) << r.output;
  // Results of another version (other columns) are not resumed into.
  write_file_atomic(path("old.csv"), "point,network,cycles\n0,n,5\n");
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("old.csv") + " --quiet");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("old.csv: its columns differ"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(path("old.csv")), "point,network,cycles\n0,n,5\n");
  // The same columns, but the numbered points of a ccsim before hashed IDs: said so, not mixed.
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("new.csv") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = lines(read_file(path("new.csv")));
  write_file_atomic(path("numbered.csv"), rows[0] + "\n0" + rows[1].substr(rows[1].find(',')) + "\n");
  r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("numbered.csv") + " --quiet");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("numbered.csv:2: malformed row (point ID '0' is an older ccsim's"), std::string::npos) << r.output;
}

// run --accelergy: ERT.yaml and ART.yaml in Accelergy's format whose actions, times the run's
// counters, give the report's energy, and whose instances' areas add up to its area.
TEST_F(ExploreCli, AccelergyTablesReproduceTheReportsEnergyAndArea) {
  for (const std::string mac : {"serial", "parallel"}) {
  SCOPED_TRACE("--mac " + mac);
  auto r = test::run_ccsim(std::string("run ") + CCSIM_SOURCE_DIR + "/models/examples/fmnist-shift.ccpack --mode fast --array 8x16 " +
                           "--dataset /usr/share/datasets/fashion-mnist --count 1 --clock-mhz 250 --report " + path("r.json") +
                           " --mac " + mac + " --accelergy " + path("acc"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto report = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_EQ(report["array"]["mac"], mac);
  const YAML::Node ert = YAML::LoadFile(path("acc/ERT.yaml"))["ERT"];
  const YAML::Node art = YAML::LoadFile(path("acc/ART.yaml"))["ART"];
  EXPECT_EQ(ert["version"].as<std::string>(), "0.4");
  std::map<std::string, std::map<std::string, double>> pJ;
  std::map<std::string, double> count;
  for (const auto& t : ert["tables"]) {
    const std::string name = t["name"].as<std::string>();  // ccsim.NAME[1..N]
    const std::string unit = name.substr(6, name.find('[') - 6);
    count[unit] = std::stod(name.substr(name.find("..") + 2));
    for (const auto& a : t["actions"]) pJ[unit][a["name"].as<std::string>()] = a["energy"].as<double>();
  }
  ASSERT_EQ(count.size(), 5u);
  EXPECT_EQ(count["mx_cell"], 128.0);
  const auto& s = report["per_inference"];
  const auto n = [&](const char* k) { return s[k].get<double>(); };
  const double cycles = n("cycles");
  // Bit-serial cells act per busy bit cycle (8 per slot), bit-parallel ones per busy slot.
  const double multiply = mac == "serial" ? pJ["mx_cell"]["mac_bit"] * n("busy_slots") * 8 : pJ["mx_cell"]["mac"] * n("busy_slots");
  EXPECT_EQ(pJ["mx_cell"].count(mac == "serial" ? "mac" : "mac_bit"), 0u);
  const double expected = multiply + pJ["mx_cell"]["psum_add"] * n("busy_slots") +
                          (pJ["mx_cell"]["clock"] + pJ["mx_cell"]["leak"]) * count["mx_cell"] * cycles +
                          pJ["accumulator"]["read"] * n("acc_reads") + pJ["accumulator"]["write"] * n("acc_writes") +
                          pJ["weight_buffer"]["read"] * (n("weight_buffer_read_bytes") + n("weight_buffer_fill_bytes")) +
                          pJ["act_buffer"]["read"] * n("act_buffer_read_bytes") + pJ["act_buffer"]["write"] * n("act_buffer_write_bytes") +
                          pJ["DRAM"]["read"] * (n("dram_read_bytes") + n("dram_write_bytes"));
  EXPECT_NEAR(expected, report["energy_first_inference"]["total_pJ"].get<double>(), 1e-6 * expected);
  EXPECT_GT(pJ["mx_cell"]["leak"], 0.0);  // at 250 MHz
  EXPECT_EQ(report["clock_mhz"].get<double>(), 250.0);
  // The leakage of a cycle at 250 MHz is twice that at 500.
  const auto leak500 = hw::leakage_pJ(1e6, 17.5, 1, 500);
  EXPECT_DOUBLE_EQ(hw::leakage_pJ(1e6, 17.5, 1, 250), 2 * leak500);
  EXPECT_DOUBLE_EQ(leak500, 35.0);  // 1 mm2 at 17.5 mW for 2 ns
  double um2 = 0;
  for (const auto& t : art["tables"]) {
    const std::string name = t["name"].as<std::string>();
    um2 += t["area"].as<double>() * count.at(name.substr(6, name.find('[') - 6));
  }
  EXPECT_NEAR(um2 * 1e-6, report["area"]["total_mm2"].get<double>(), 1e-9);
  }
  // A directory that cannot be made: named, nothing written.
  write_file_atomic(path("file"), "x");
  const auto r = test::run_ccsim(std::string("run ") + CCSIM_SOURCE_DIR + "/models/examples/fmnist-shift.ccpack --mode fast " +
                      "--dataset /usr/share/datasets/fashion-mnist --count 1 --report " + path("r2.json") + " --accelergy " +
                      path("file/acc"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--accelergy " + path("file/acc") + ": cannot create the directory"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("r2.json")));
}

TEST_F(ExploreCli, RunReportsComputeEnergyAndArea) {
  auto r = test::run_ccsim(std::string("run ") + CCSIM_SOURCE_DIR + "/models/examples/fmnist-shift.ccpack --mode fast " +
                                 "--dataset /usr/share/datasets/fashion-mnist --count 2 --compute-report " + path("c.csv") +
                                 " --report " + path("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  // The run report carries energy (cold first, warm last inference) and the area breakdown.
  const auto report = nlohmann::json::parse(read_file(path("r.json")));
  const auto cold = report["energy_first_inference"]["dram_pJ"].get<double>();
  const auto warm = report["energy_last_inference"]["dram_pJ"].get<double>();
  EXPECT_GT(cold, warm);  // resident weights are not fetched again
  EXPECT_DOUBLE_EQ(cold - warm, 160.0 * report["network_weight_bytes"].get<double>());
  EXPECT_NEAR(report["area"]["total_mm2"].get<double>(),
              report["area"]["arrays_mm2"].get<double>() + report["area"]["weight_buffer_mm2"].get<double>() +
                  report["area"]["act_buffer_mm2"].get<double>() + report["area"]["accumulator_mm2"].get<double>(),
              1e-12);
  r = test::run_ccsim(std::string("run ") + CCSIM_SOURCE_DIR + "/models/examples/fmnist-shift.ccpack --mode fast " +
                      "--dataset /usr/share/datasets/fashion-mnist --count 1 --area-table " + path("c.csv"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("c.csv: not valid JSON"), std::string::npos) << r.output;
  const auto rows = lines(read_file(path("c.csv")));
  ASSERT_GT(rows.size(), 2u);
  EXPECT_EQ(rows[0], "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,");
  // conv0: its 784-byte input from DRAM at 16 B/cycle (49) + T_load (16) + T_compute (6408) on 16x16.
  EXPECT_EQ(rows[1].rfind("0, 6473, 65, ", 0), 0u) << rows[1];
}

// The array's cells add up to the layer's counters: busy slots to the fast and cycle modes'
// busy_slots, slots offered to mac_slots, select counts to the non-zero weights; at several array
// sizes, also with a layer split into pixel blocks.
TEST(ArrayOccupancy, CellsAddUpToTheLayerCounters) {
  const auto net = model::load_packed(std::string(CCSIM_SOURCE_DIR) + "/models/examples/fmnist-shift.ccpack");
  int checked = 0;
  for (const char* size : {"16x16", "8x8", "8x16", "3x5"}) {
    hw::ArrayConfig a = hw::parse_array(size);
    a.accumulator_pixels = 100;  // the 28x28 layers run in pixel blocks
    for (const auto& l : net.layers) {
      if (l.kind != model::OpKind::Matmul) continue;
      const hw::ArrayOccupancy o = hw::array_occupancy(a, l);
      const hw::LayerStats s = hw::matmul_stats(a, l);
      EXPECT_EQ(o.total_busy(), s.busy_slots) << l.name << " " << size;
      EXPECT_EQ(o.slots_per_cell * a.rows * a.cols, s.mac_slots) << l.name << " " << size;
      std::int64_t selected = 0;
      for (const auto c : o.select_counts) selected += c;
      EXPECT_EQ(selected, l.nonzeros_int8()) << l.name;
      EXPECT_LE(o.select_counts.size(), static_cast<std::size_t>(l.alpha)) << l.name;
      for (const auto b : o.busy_slots) EXPECT_LE(b, o.slots_per_cell) << l.name;
      // Array row r sums the filter rows r, r + R, ...; array column c the packed columns c, c + C, ...
      std::vector<std::int64_t> by_row(a.rows, 0), by_col(a.cols, 0), want_row(a.rows, 0), want_col(a.cols, 0);
      for (int r = 0; r < a.rows; ++r) {
        for (int c = 0; c < a.cols; ++c) {
          by_row[r] += o.busy_slots[static_cast<std::size_t>(r) * a.cols + c];
          by_col[c] += o.busy_slots[static_cast<std::size_t>(r) * a.cols + c];
        }
      }
      const std::int64_t pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;
      for (int m = 0; m < l.rows(); ++m) {
        for (int g = 0; g < l.packed_cols(); ++g) {
          if (l.weights[l.cell(m, g)] == 0) continue;
          want_row[m % a.rows] += pixels;
          want_col[g % a.cols] += pixels;
        }
      }
      EXPECT_EQ(by_row, want_row) << l.name << " " << size;
      EXPECT_EQ(by_col, want_col) << l.name << " " << size;
      ++checked;
    }
  }
  EXPECT_GE(checked, 16);
  const auto pool = std::find_if(net.layers.begin(), net.layers.end(), [](const auto& l) { return l.kind != model::OpKind::Matmul; });
  ASSERT_NE(pool, net.layers.end());
  EXPECT_THROW(hw::array_occupancy(hw::ArrayConfig{}, *pool), std::invalid_argument);
}

// ccsim report: a sweep's results and a run's report as self-contained HTML (Chart.js inline, no
// address fetched), the Pareto front marked as computed here, the run's cells as a heatmap whose
// totals are the cycle mode's busy slots; bad inputs named, nothing written.
TEST_F(ExploreCli, ReportWritesSelfContainedHtml) {
  auto r = test::run_ccsim("explore " + path("sweep.json") + " -o " + path("all.csv") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  r = test::run_ccsim("report " + path("all.csv") + " -o " + path("sweep.html"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string html = read_file(path("sweep.html"));
  EXPECT_NE(html.find("Chart.js v3"), std::string::npos);  // inlined
  for (const char* fetched : {"src=\"http", "href=\"http", "src=\"//", "@import", "<link"}) {
    EXPECT_EQ(html.find(fetched), std::string::npos) << fetched;
  }
  for (const char* id : {"utilization", "latency", "energy", "storage", "pareto"}) {
    EXPECT_NE(html.find(std::string("<canvas id=\"") + id + "\">"), std::string::npos) << id;
  }
  // The front: points no other point beats on both latency and energy.
  const auto rows = lines(read_file(path("all.csv")));
  const auto cells = [](const std::string& line) {  // these rows quote nothing
    std::vector<std::string> out;
    std::stringstream s(line);
    for (std::string c; std::getline(s, c, ',');) out.push_back(c);
    return out;
  };
  const auto header = cells(rows[0]);
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  std::vector<std::pair<double, double>> pts;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto c = cells(rows[i]);
    pts.emplace_back(std::stod(c[column("latency_us")]), std::stod(c[column("energy_uJ")]));
  }
  std::size_t front = 0;
  for (const auto& p : pts) {
    front += std::none_of(pts.begin(), pts.end(), [&](const auto& q) { return q.first <= p.first && q.second <= p.second && q != p; });
  }
  ASSERT_GT(front, 0u);
  std::size_t marked = 0;
  for (std::size_t at = 0; (at = html.find("<tr class=\"front\">", at)) != std::string::npos; ++at) ++marked;
  EXPECT_EQ(marked, front);
  EXPECT_NE(html.find("Pareto front</td><td class=\"l\">" + std::to_string(front) + " points"), std::string::npos);

  // A run report: every array layer's heatmap, its cells adding up to the cycle mode's busy slots.
  r = test::run_ccsim(std::string("run ") + CCSIM_SOURCE_DIR + "/models/examples/fmnist-shift.ccpack --mode cycle --array 8x8 " +
                      "--dataset /usr/share/datasets/fashion-mnist --count 1 --report " + path("run.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto report = nlohmann::json::parse(read_file(path("run.json")));
  int heatmaps = 0;
  for (const auto& l : report["layers"]) {
    if (!l.contains("array_cells")) continue;
    ++heatmaps;
    std::int64_t busy = 0;
    for (const auto& row : l["array_cells"]["busy_slots"]) {
      ASSERT_EQ(row.size(), 8u);
      for (const auto& c : row) busy += c.get<std::int64_t>();
    }
    EXPECT_EQ(busy, l["busy_slots"].get<std::int64_t>()) << l["name"];
    EXPECT_EQ(l["array_cells"]["slots_per_cell"].get<std::int64_t>() * 64, l["mac_slots"].get<std::int64_t>()) << l["name"];
  }
  EXPECT_GE(heatmaps, 4);
  r = test::run_ccsim("report " + path("run.json") + " -o " + path("run.html"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string run_html = read_file(path("run.html"));
  std::size_t tables = 0;
  for (std::size_t at = 0; (at = run_html.find("<div class=\"heatmap\">", at)) != std::string::npos; ++at) ++tables;
  EXPECT_EQ(tables, static_cast<std::size_t>(heatmaps));
  EXPECT_NE(run_html.find("<canvas id=\"mux_select\">"), std::string::npos);

  // Bad inputs: named, non-zero, nothing written.
  write_file_atomic(path("other.csv"), "a,b\n1,2\n");
  r = test::run_ccsim("report " + path("other.csv") + " -o " + path("x.html"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("other.csv: not a ccsim explore results file"), std::string::npos) << r.output;
  write_file_atomic(path("cut.csv"), rows[0] + "\n" + rows[1].substr(0, 30) + "\n");
  r = test::run_ccsim("report " + path("cut.csv") + " -o " + path("x.html"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("cut.csv:2: "), std::string::npos) << r.output;
  write_file_atomic(path("bad.json"), "{\"layers\": 3}");
  r = test::run_ccsim("report " + path("bad.json") + " -o " + path("x.html"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("bad.json: not a ccsim run report"), std::string::npos) << r.output;
  r = test::run_ccsim("report " + path("all.csv") + " -o " + path("x.html") + " 2>&1; CCSIM_CHART_JS=/nonexistent " +
                      CCSIM_BINARY + " report " + path("all.csv") + " -o " + path("x.html"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent: cannot read Chart.js"), std::string::npos) << r.output;
  fs::remove(path("x.html"));
  r = test::run_ccsim("report " + path("cut.csv") + " -o " + path("x.html"));
  EXPECT_FALSE(fs::exists(path("x.html")));
}

}  // namespace
}  // namespace ccsim
