#include "hw/energy_model.hpp"
#include "hw/cost_table_field.hpp"

#include <stdexcept>

namespace ccsim::hw {
namespace {

// The default table. Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V): 32-bit
// add 0.1 pJ; 32-bit SRAM read 5 pJ (8 KB), 10 pJ (32 KB); 32-bit DRAM read 640 pJ. The
// multiplexer, the cells' clocking and leakage from the Nangate 45 nm Open Cell Library
// (NangateOpenCellLibrary_typical.lib: typical corner, 1.1 V, 25 C; internal energies in fJ per
// transition, leakage in nW): MUX2_X1, DFF_X1.
constexpr const char* kDefaultEnergyTable = R"json({
  "mac_bit_pJ": 0.1,
  "mul8_pJ": 0.2,
  "psum_add_pJ": 0.1,
  "mux_pJ": 0.0,
  "mux2_pJ": 0.00363,
  "register_bit_clock_pJ": 0.00694,
  "logic_leakage_mW_per_mm2": 17.5,
  "sram_leakage_mW_per_mm2": 0.0,
  "acc_access_pJ": 5.0,
  "weight_buffer_byte_pJ": 1.25,
  "act_buffer_read_byte_pJ": 2.5,
  "act_buffer_write_byte_pJ": 2.5,
  "dram_byte_pJ": 160.0,
  "sources": {
    "mac_bit_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit add 0.1 pJ (the bit-serial cell adds w << i into a 32-bit product)",
    "mul8_pJ": "Horowitz ISSCC 2014, 45 nm: 8-bit multiply 0.2 pJ (bit-parallel cells; a b x w multiply counted as b w / 64 of it)",
    "psum_add_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit add 0.1 pJ",
    "mux_pJ": "a flat energy per selection beside mux2_pJ's per stage; 0 (set your own)",
    "mux2_pJ": "Nangate 45 nm MUX2_X1 (1.1 V typical): data-input internal energy, fall 3.63 fJ at the smallest slew and load; a selection passes ceil(log2 alpha_max) 2:1 stages",
    "register_bit_clock_pJ": "Nangate 45 nm DFF_X1 (1.1 V typical): clock-pin internal energy with the stored value held, 4.50 + 2.44 fJ per cycle; every flop of every cell is clocked every cycle (the RTL has no clock gating)",
    "logic_leakage_mW_per_mm2": "Nangate 45 nm DFF_X1 (1.1 V typical, 25 C): 79.11 nW leakage over 4.522 um2 (MUX2_X1 19.3, AND2_X1 23.6 mW/mm2 likewise); applied to the arrays' area",
    "sram_leakage_mW_per_mm2": "no cited figure; 0 (set your own): applied to the buffers' area",
    "acc_access_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 8 KB array, 5 pJ (writes assumed equal)",
    "weight_buffer_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 8 KB, 5 pJ = 1.25 pJ per byte",
    "act_buffer_read_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 32 KB, 10 pJ = 2.5 pJ per byte",
    "act_buffer_write_byte_pJ": "assumed equal to the read (no cited write figure)",
    "dram_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit DRAM read 640 pJ = 160 pJ per byte (writes assumed equal)"
  }
})json";

double energy_field(const nlohmann::json& j, const char* key, const std::string& what) {
  return cost_table_field(j, key, what, "energy", "pJ");
}

}  // namespace

const char* EnergyTable::default_json() { return kDefaultEnergyTable; }

EnergyTable EnergyTable::defaults() { return from_json(nlohmann::json::parse(kDefaultEnergyTable), "built-in energy table"); }

EnergyTable EnergyTable::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw std::invalid_argument(what + ": energy table must be a JSON object");
  static const char* kKeys[] = {"mac_bit_pJ", "mul8_pJ", "psum_add_pJ", "mux_pJ", "mux2_pJ", "register_bit_clock_pJ",
                                "logic_leakage_mW_per_mm2", "sram_leakage_mW_per_mm2", "acc_access_pJ",
                                "weight_buffer_byte_pJ", "act_buffer_read_byte_pJ", "act_buffer_write_byte_pJ",
                                "dram_byte_pJ", "sources"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) throw std::invalid_argument(what + ": unknown energy table key '" + key + "'");
  }
  EnergyTable t;
  t.mac_bit_pJ = energy_field(j, "mac_bit_pJ", what);
  t.mul8_pJ = energy_field(j, "mul8_pJ", what);
  t.psum_add_pJ = energy_field(j, "psum_add_pJ", what);
  t.mux_pJ = energy_field(j, "mux_pJ", what);
  t.mux2_pJ = energy_field(j, "mux2_pJ", what);
  t.register_bit_clock_pJ = energy_field(j, "register_bit_clock_pJ", what);
  t.logic_leakage_mW_per_mm2 = energy_field(j, "logic_leakage_mW_per_mm2", what);
  t.sram_leakage_mW_per_mm2 = energy_field(j, "sram_leakage_mW_per_mm2", what);
  t.acc_access_pJ = energy_field(j, "acc_access_pJ", what);
  t.weight_buffer_byte_pJ = energy_field(j, "weight_buffer_byte_pJ", what);
  t.act_buffer_read_byte_pJ = energy_field(j, "act_buffer_read_byte_pJ", what);
  t.act_buffer_write_byte_pJ = energy_field(j, "act_buffer_write_byte_pJ", what);
  t.dram_byte_pJ = energy_field(j, "dram_byte_pJ", what);
  t.sources = j.value("sources", nlohmann::json::object());
  return t;
}

nlohmann::json EnergyBreakdown::to_json() const {
  return {{"mac_pJ", mac_pJ}, {"mux_pJ", mux_pJ}, {"clock_pJ", clock_pJ}, {"static_pJ", static_pJ},
          {"accumulator_pJ", accumulator_pJ}, {"weight_buffer_pJ", weight_buffer_pJ}, {"act_buffer_pJ", act_buffer_pJ},
          {"dram_pJ", dram_pJ}, {"total_pJ", total_pJ()}};
}

double mac_pJ_per_slot(const ArrayConfig& a, const EnergyTable& t, int weight_bits) {
  if (a.mac == MacKind::BitParallel) return t.mul8_pJ * a.data_bits * weight_bits / 64.0;
  return t.mac_bit_pJ * a.data_bits;  // a conditional add per bit cycle
}

double leakage_pJ(double um2, double mW_per_mm2, double cycles, double clock_mhz) {
  return um2 * 1e-6 * mW_per_mm2 * (cycles / clock_mhz) * 1e3;  // mW x us = nJ
}

EnergyBreakdown energy_of(const LayerStats& s, const ArrayConfig& a, const EnergyTable& t, const AreaBreakdown& area,
                          double clock_mhz) {
  if (!(clock_mhz > 0)) throw std::invalid_argument("energy_of: clock " + std::to_string(clock_mhz) + " MHz must be > 0");
  EnergyBreakdown e;
  const auto busy = static_cast<double>(s.busy_slots);
  e.mac_pJ = busy * (mac_pJ_per_slot(a, t, area.cell.weight_bits) + t.psum_add_pJ);
  // b bits selected per busy slot: one per bit cycle (bit-serial) or b wide at once (bit-parallel).
  e.mux_pJ = busy * a.data_bits * (t.mux_pJ + ceil_log2(a.alpha_max) * t.mux2_pJ);
  // Every flop of every cell of every array, each cycle, busy or idle.
  const double cell_cycles = static_cast<double>(area.arrays) * a.rows * a.cols * static_cast<double>(s.cycles);
  e.clock_pJ = cell_cycles * area.cell.register_bits * t.register_bit_clock_pJ;
  // The arrays leak as logic, the buffers as SRAM.
  const auto cycles = static_cast<double>(s.cycles);
  e.static_pJ = leakage_pJ(area.arrays_um2, t.logic_leakage_mW_per_mm2, cycles, clock_mhz) +
                leakage_pJ(area.buffers_um2(), t.sram_leakage_mW_per_mm2, cycles, clock_mhz);
  e.accumulator_pJ = static_cast<double>(s.acc_reads + s.acc_writes) * t.acc_access_pJ;
  e.weight_buffer_pJ = static_cast<double>(s.weight_buffer_read_bytes + s.weight_buffer_fill_bytes) * t.weight_buffer_byte_pJ;
  e.act_buffer_pJ = static_cast<double>(s.act_buffer_read_bytes) * t.act_buffer_read_byte_pJ +
                    static_cast<double>(s.act_buffer_write_bytes) * t.act_buffer_write_byte_pJ;
  e.dram_pJ = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) * t.dram_byte_pJ;
  return e;
}

}  // namespace ccsim::hw
