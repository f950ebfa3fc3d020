// Energy model: per-event energies (a JSON table, each default with its source) multiplied by
// the activity counters the simulation counts (LayerStats), kept apart from the table as STONNE
// and Accelergy do; the cells' clocking and leakage from the area model (hw/area_model.hpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hw/area_model.hpp"
#include "hw/array_config.hpp"

namespace ccsim::hw {

struct EnergyTable {
  double mac_bit_pJ = 0;            // one busy bit-serial cell for one bit cycle (a conditional 32-bit add)
  double mul8_pJ = 0;               // one busy bit-parallel cell's 8 x 8-bit multiply (b x w: b w / 64 of it)
  double psum_add_pJ = 0;           // a busy cell's partial-sum add at the end of its MAC slot
  double mux_pJ = 0;                // one multiplexer selection per busy cell and bit cycle (flat)
  double mux2_pJ = 0;               // one 2:1 stage of a selection (ceil(log2 alpha_max) stages)
  double register_bit_clock_pJ = 0; // one cell flop, one clock cycle (busy or idle)
  double logic_leakage_mW_per_mm2 = 0;  // static power of the arrays' logic
  double sram_leakage_mW_per_mm2 = 0;   // static power of the buffers
  double acc_access_pJ = 0;         // accumulator buffer read or write (32 bits)
  double weight_buffer_byte_pJ = 0; // weight buffer read, per byte
  double act_buffer_read_byte_pJ = 0;
  double act_buffer_write_byte_pJ = 0;
  double dram_byte_pJ = 0;          // DRAM read or write, per byte
  nlohmann::json sources;           // where each default comes from

  // The defaults (Horowitz, ISSCC 2014, 45 nm, 0.9 V) with their sources.
  static EnergyTable defaults();
  static const char* default_json();
  // Throws std::invalid_argument naming `what` (e.g. the file) and the bad key.
  static EnergyTable from_json(const nlohmann::json& j, const std::string& what);
};

struct EnergyBreakdown {
  double mac_pJ = 0, mux_pJ = 0, clock_pJ = 0, static_pJ = 0;
  double accumulator_pJ = 0, weight_buffer_pJ = 0, act_buffer_pJ = 0, dram_pJ = 0;
  double total_pJ() const {
    return mac_pJ + mux_pJ + clock_pJ + static_pJ + accumulator_pJ + weight_buffer_pJ + act_buffer_pJ + dram_pJ;
  }
  nlohmann::json to_json() const;
};

// A busy cell's multiply over one MAC slot, without the partial-sum add: b bit cycles of
// mac_bit_pJ (bit-serial) or one b x w multiply (bit-parallel).
double mac_pJ_per_slot(const ArrayConfig& array, const EnergyTable& table, int weight_bits);

// Energy (pJ) that `um2` of silicon leaking `mW_per_mm2` loses over `cycles` at `clock_mhz`.
double leakage_pJ(double um2, double mW_per_mm2, double cycles, double clock_mhz);

// Activity (busy slots, accesses, bytes) times the table, plus what does not follow activity:
// the cells' clocking (area.cell.register_bits per cell, area.arrays arrays, every cycle of
// `stats`) and leakage (the arrays' and buffers' area over stats.cycles at `clock_mhz`).
EnergyBreakdown energy_of(const LayerStats& stats, const ArrayConfig& array, const EnergyTable& table, const AreaBreakdown& area,
                          double clock_mhz);

}  // namespace ccsim::hw
