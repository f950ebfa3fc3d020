#include "hw/area_model.hpp"
#include "hw/cost_table_field.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {
namespace {

// Logic: Aladdin's standard-cell characterization (Shao et al., ISCA 2014; utils/power_func.h,
// "normalized to a commercial 40g"), 2 ns column (500 MHz, ccsim's default clock). SRAM: the
// 6T bit cell of Intel's 45 nm process (0.346 um^2; Mistry et al., IEDM 2007).
constexpr const char* kDefaultAreaTable = R"json({
  "reg_bit_um2": 5.981433,
  "add32_um2": 179.443,
  "mul32_um2": 5137.736,
  "shift32_um2": 519.7551,
  "logic_bit_um2": 1.574061,
  "sram_bit_um2": 0.346,
  "sources": {
    "reg_bit_um2": "Aladdin (Shao et al., ISCA 2014) power_func.h, 40 nm: REG area per bit 5.981433 um^2",
    "add32_um2": "Aladdin (Shao et al., ISCA 2014) power_func.h, 40 nm, 2 ns: 32-bit ADD area 179.443 um^2",
    "mul32_um2": "Aladdin (Shao et al., ISCA 2014) power_func.h, 40 nm, 2 ns: 32-bit integer MUL area 5137.736 um^2 (a b x w multiplier counted as b w / 1024 of it)",
    "shift32_um2": "Aladdin (Shao et al., ISCA 2014) power_func.h, 40 nm: 32-bit SHIFTER area 519.7551 um^2",
    "logic_bit_um2": "Aladdin (Shao et al., ISCA 2014) power_func.h, 40 nm: 32-bit BIT (AND/OR/XOR) area 50.37 um^2 / 32",
    "sram_bit_um2": "Intel 45 nm 6T SRAM bit cell 0.346 um^2 (Mistry et al., IEDM 2007); bit cells only, no periphery"
  }
})json";

double area_field(const nlohmann::json& j, const char* key, const std::string& what) {
  return cost_table_field(j, key, what, "area", "um^2");
}

}  // namespace

const char* AreaTable::default_json() { return kDefaultAreaTable; }

AreaTable AreaTable::defaults() { return from_json(nlohmann::json::parse(kDefaultAreaTable), "built-in area table"); }

AreaTable AreaTable::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw std::invalid_argument(what + ": area table must be a JSON object");
  static const char* kKeys[] = {"reg_bit_um2", "add32_um2", "mul32_um2", "shift32_um2", "logic_bit_um2", "sram_bit_um2", "sources"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) throw std::invalid_argument(what + ": unknown area table key '" + key + "'");
  }
  AreaTable t;
  t.reg_bit_um2 = area_field(j, "reg_bit_um2", what);
  t.add32_um2 = area_field(j, "add32_um2", what);
  t.mul32_um2 = area_field(j, "mul32_um2", what);
  t.shift32_um2 = area_field(j, "shift32_um2", what);
  t.logic_bit_um2 = area_field(j, "logic_bit_um2", what);
  t.sram_bit_um2 = area_field(j, "sram_bit_um2", what);
  t.sources = j.value("sources", nlohmann::json::object());
  return t;
}

CellArea mx_cell_area(const ArrayConfig& a, int weight_bits, const AreaTable& t) {
  CellArea c;
  c.weight_bits = weight_bits;
  const int select_bits = ceil_log2(a.alpha_max);  // synthesis drops the select at alpha 1
  const bool parallel = a.mac == MacKind::BitParallel;
  const int line_bits = parallel ? a.data_bits : 1;  // what one input line carries per cycle
  c.line_register_bits = a.alpha_max * line_bits;
  c.shadow_register_bits = a.shadow_weights ? weight_bits + select_bits : 0;
  // weight_q, select_q, psum_q (int32) and, bit-serial, prod_q (int32).
  const int cell_bits = weight_bits + select_bits + 32 + (parallel ? 0 : 32);
  c.register_bits = cell_bits + c.line_register_bits + c.shadow_register_bits;
  c.registers_um2 = c.register_bits * t.reg_bit_um2;
  if (parallel) {
    // psum_i + weight x value: one multiplier of the two widths and one 32-bit adder.
    c.multiplier_um2 = t.mul32_um2 * a.data_bits * weight_bits / (32.0 * 32.0);
    c.adders_um2 = t.add32_um2;
  } else {
    // prod_q + term, and psum_i + prod_q + term: two 32-bit adders (the MSB's negation is the
    // adders' carry-in); term = weight << bit index: a shifter of the weight's width.
    c.adders_um2 = 2 * t.add32_um2;
    c.shifter_um2 = t.shift32_um2 * weight_bits / 32.0;
  }
  // alpha-to-1 selection of one line: alpha - 1 two-input multiplexers of three gates per bit.
  c.mux_um2 = (a.alpha_max - 1) * 3 * t.logic_bit_um2 * line_bits;
  return c;
}

AreaBreakdown area_of(const AcceleratorConfig& config, const model::PackedNetwork& net, std::int64_t arrays,
                      const AreaTable& t) {
  const ArrayConfig& a = config.array;
  AreaBreakdown b;
  b.arrays = arrays;
  b.cell = mx_cell_area(a, config.weight_buffer.weight_bits, t);
  b.arrays_um2 = static_cast<double>(arrays) * a.rows * a.cols * b.cell.total_um2();
  b.weight_buffer_um2 = static_cast<double>(config.weight_buffer.capacity_bytes) * 8 * t.sram_bit_um2;
  b.act_buffer_um2 = static_cast<double>(config.activation_buffer.capacity_bytes) * 8 * t.sram_bit_um2;
  std::int64_t pixels = 0;
  for (const auto& l : net.layers) {
    if (l.kind == model::OpKind::Matmul) pixels = std::max<std::int64_t>(pixels, static_cast<std::int64_t>(l.out.h) * l.out.w);
  }
  // The buffer the network needs, at most the configured one (larger layers run in pixel blocks).
  pixels = std::min(pixels, a.accumulator_pixels);
  b.accumulator_um2 = static_cast<double>(arrays) * a.rows * pixels * 32 * t.sram_bit_um2;
  return b;
}

nlohmann::json AreaBreakdown::to_json() const {
  return {{"cell_um2", cell.total_um2()},
          {"cell", {{"register_bits", cell.register_bits}, {"line_register_bits", cell.line_register_bits},
                    {"shadow_register_bits", cell.shadow_register_bits}, {"registers_um2", cell.registers_um2},
                    {"adders_um2", cell.adders_um2}, {"multiplier_um2", cell.multiplier_um2},
                    {"shifter_um2", cell.shifter_um2}, {"mux_um2", cell.mux_um2}}},
          {"arrays", arrays},
          {"arrays_mm2", arrays_um2 * 1e-6},
          {"weight_buffer_mm2", weight_buffer_um2 * 1e-6},
          {"act_buffer_mm2", act_buffer_um2 * 1e-6},
          {"accumulator_mm2", accumulator_um2 * 1e-6},
          {"total_mm2", total_um2() * 1e-6}};
}

}  // namespace ccsim::hw
