#include "hw/energy_model.hpp"

#include <stdexcept>

namespace ccsim::hw {
namespace {

// The default table. Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V): 32-bit
// add 0.1 pJ; 32-bit SRAM read 5 pJ (8 KB), 10 pJ (32 KB); 32-bit DRAM read 640 pJ.
constexpr const char* kDefaultTable = R"json({
  "mac_bit_pJ": 0.1,
  "psum_add_pJ": 0.1,
  "mux_pJ": 0.0,
  "acc_access_pJ": 5.0,
  "weight_buffer_byte_pJ": 1.25,
  "act_buffer_read_byte_pJ": 2.5,
  "act_buffer_write_byte_pJ": 2.5,
  "dram_byte_pJ": 160.0,
  "sources": {
    "mac_bit_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit add 0.1 pJ (the bit-serial cell adds w << i into a 32-bit product)",
    "psum_add_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit add 0.1 pJ",
    "mux_pJ": "no cited figure; 0 (set your own)",
    "acc_access_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 8 KB array, 5 pJ (writes assumed equal)",
    "weight_buffer_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 8 KB, 5 pJ = 1.25 pJ per byte",
    "act_buffer_read_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit SRAM read, 32 KB, 10 pJ = 2.5 pJ per byte",
    "act_buffer_write_byte_pJ": "assumed equal to the read (no cited write figure)",
    "dram_byte_pJ": "Horowitz ISSCC 2014, 45 nm: 32-bit DRAM read 640 pJ = 160 pJ per byte (writes assumed equal)"
  }
})json";

double field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key)) throw std::invalid_argument(what + ": energy table has no '" + key + "'");
  if (!j[key].is_number() || j[key].get<double>() < 0) {
    throw std::invalid_argument(what + ": energy table '" + key + "' must be a non-negative number (pJ)");
  }
  return j[key].get<double>();
}

}  // namespace

const char* EnergyTable::default_json() { return kDefaultTable; }

EnergyTable EnergyTable::defaults() { return from_json(nlohmann::json::parse(kDefaultTable), "built-in energy table"); }

EnergyTable EnergyTable::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw std::invalid_argument(what + ": energy table must be a JSON object");
  static const char* kKeys[] = {"mac_bit_pJ", "psum_add_pJ", "mux_pJ", "acc_access_pJ", "weight_buffer_byte_pJ",
                                "act_buffer_read_byte_pJ", "act_buffer_write_byte_pJ", "dram_byte_pJ", "sources"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) throw std::invalid_argument(what + ": unknown energy table key '" + key + "'");
  }
  EnergyTable t;
  t.mac_bit_pJ = field(j, "mac_bit_pJ", what);
  t.psum_add_pJ = field(j, "psum_add_pJ", what);
  t.mux_pJ = field(j, "mux_pJ", what);
  t.acc_access_pJ = field(j, "acc_access_pJ", what);
  t.weight_buffer_byte_pJ = field(j, "weight_buffer_byte_pJ", what);
  t.act_buffer_read_byte_pJ = field(j, "act_buffer_read_byte_pJ", what);
  t.act_buffer_write_byte_pJ = field(j, "act_buffer_write_byte_pJ", what);
  t.dram_byte_pJ = field(j, "dram_byte_pJ", what);
  t.sources = j.value("sources", nlohmann::json::object());
  return t;
}

nlohmann::json EnergyBreakdown::to_json() const {
  return {{"mac_pJ", mac_pJ}, {"mux_pJ", mux_pJ}, {"accumulator_pJ", accumulator_pJ},
          {"weight_buffer_pJ", weight_buffer_pJ}, {"act_buffer_pJ", act_buffer_pJ}, {"dram_pJ", dram_pJ},
          {"total_pJ", total_pJ()}};
}

EnergyBreakdown energy_of(const LayerStats& s, const ArrayConfig& a, const EnergyTable& t) {
  EnergyBreakdown e;
  const double busy_bit_cycles = static_cast<double>(s.busy_slots) * a.data_bits;
  e.mac_pJ = busy_bit_cycles * t.mac_bit_pJ + static_cast<double>(s.busy_slots) * t.psum_add_pJ;
  e.mux_pJ = busy_bit_cycles * t.mux_pJ;
  e.accumulator_pJ = static_cast<double>(s.acc_reads + s.acc_writes) * t.acc_access_pJ;
  e.weight_buffer_pJ = static_cast<double>(s.weight_buffer_read_bytes + s.weight_buffer_fill_bytes) * t.weight_buffer_byte_pJ;
  e.act_buffer_pJ = static_cast<double>(s.act_buffer_read_bytes) * t.act_buffer_read_byte_pJ +
                    static_cast<double>(s.act_buffer_write_bytes) * t.act_buffer_write_byte_pJ;
  e.dram_pJ = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) * t.dram_byte_pJ;
  return e;
}

}  // namespace ccsim::hw
