// Energy model: per-event energies (a JSON table, each default with its source) multiplied by
// the activity counters the simulation counts (LayerStats), kept apart from the table as STONNE
// and Accelergy do. Area is not modelled: no cited per-cell area figure for a bit-serial MX cell.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hw/array_config.hpp"

namespace ccsim::hw {

struct EnergyTable {
  double mac_bit_pJ = 0;            // one busy cell for one bit cycle (a conditional 32-bit add)
  double psum_add_pJ = 0;           // a busy cell's partial-sum add at the end of its MAC slot
  double mux_pJ = 0;                // one multiplexer selection per busy cell and bit cycle
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
  double mac_pJ = 0, mux_pJ = 0, accumulator_pJ = 0, weight_buffer_pJ = 0, act_buffer_pJ = 0, dram_pJ = 0;
  double total_pJ() const { return mac_pJ + mux_pJ + accumulator_pJ + weight_buffer_pJ + act_buffer_pJ + dram_pJ; }
  nlohmann::json to_json() const;
};

EnergyBreakdown energy_of(const LayerStats& stats, const ArrayConfig& array, const EnergyTable& table);

}  // namespace ccsim::hw
