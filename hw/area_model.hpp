// Area model: per-component areas (a JSON table, each default with its source) multiplied by what
// the configuration instantiates: R x C MX cells per array (bit-serial, built as
// rtl/ccsim_mx_cell.sv: weight, select, product and partial-sum registers, two 32-bit adders,
// the weight shifter, the alpha-input bit multiplexer; bit-parallel: weight, select and
// partial-sum registers, a b x w multiplier, one 32-bit adder, a b-bit-wide multiplexer; either
// with its share of rtl/ccsim_systolic_array.sv's shadow and input-line registers), the weight and activation buffers at their configured capacity
// and the int32 accumulator buffer of each array (R x the largest layer's pixel count). Kept
// apart from the table as the energy model is. SRAM is counted as bit cells only (no periphery).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hw/accelerator_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct AreaTable {
  double reg_bit_um2 = 0;    // one flip-flop
  double add32_um2 = 0;      // one 32-bit adder
  double mul32_um2 = 0;      // one 32 x 32-bit integer multiplier (a b x w one: b w / 1024 of it)
  double shift32_um2 = 0;    // one 32-bit shifter
  double logic_bit_um2 = 0;  // one bit of an AND/OR/XOR
  double sram_bit_um2 = 0;   // one SRAM bit cell
  nlohmann::json sources;

  static AreaTable defaults();
  static const char* default_json();
  // Throws std::invalid_argument naming `what` (e.g. the file) and the bad key.
  static AreaTable from_json(const nlohmann::json& j, const std::string& what);
};

// One MX cell's parts (um^2), with its share of the array's registers: the shadow weight and
// select (with shadow_weights) and the input lines it passes to the row below.
struct CellArea {
  int weight_bits = 8;
  int register_bits = 0;  // all of them: cell, shadow and line registers
  int line_register_bits = 0;    // alpha_max lines x 1 bit (bit-serial) or x b bits (bit-parallel)
  int shadow_register_bits = 0;  // weight + select, 0 without shadow registers
  double registers_um2 = 0, adders_um2 = 0, multiplier_um2 = 0, shifter_um2 = 0, mux_um2 = 0;
  double total_um2() const { return registers_um2 + adders_um2 + multiplier_um2 + shifter_um2 + mux_um2; }
};

struct AreaBreakdown {
  CellArea cell;
  std::int64_t arrays = 1;
  double arrays_um2 = 0;            // arrays x R x C cells
  double weight_buffer_um2 = 0;
  double act_buffer_um2 = 0;
  double accumulator_um2 = 0;       // all arrays
  double buffers_um2() const { return weight_buffer_um2 + act_buffer_um2 + accumulator_um2; }
  double total_um2() const { return arrays_um2 + buffers_um2(); }
  nlohmann::json to_json() const;
};

CellArea mx_cell_area(const ArrayConfig& array, int weight_bits, const AreaTable& table);

// `arrays` arrays (1 for the shared schedule, one per pipeline stage otherwise); the
// accumulator of each holds R x the largest Matmul output pixel count of `net` in int32.
AreaBreakdown area_of(const AcceleratorConfig& config, const model::PackedNetwork& net, std::int64_t arrays,
                      const AreaTable& table);

}  // namespace ccsim::hw
