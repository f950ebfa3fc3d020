// Configuration and statistics of the systolic array and the units around it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ccsim::model {
struct PackedLayer;
}  // namespace ccsim::model

namespace ccsim::hw {

// The cell's multiply (hw/README.md, "MAC cells"): bit-serial (the paper's MX cell: one input
// bit per cycle, b cycles per MAC) or bit-parallel (a b x 8 multiplier: one MAC per cycle, the
// cell SCALE-Sim and STONNE model). Both select their input among alpha_max lines.
enum class MacKind { BitSerial, BitParallel };

struct ArrayConfig {
  int rows = 16;       // R: filter-matrix rows per tile
  int cols = 16;       // C: packed columns per tile
  int data_bits = 8;   // b: bits per input value (at least the network's activation width)
  int alpha_max = 8;   // input lines per array column (the multiplexer width)
  MacKind mac = MacKind::BitSerial;
  // Shadow weight registers: the next tile's weights load while this tile computes (T_load
  // overlapped). Without them the array waits for every load, as SCALE-Sim's WS dataflow does.
  bool shadow_weights = true;
  int load_cycles_per_row = 1;  // weight-buffer cycles per array row of a tile (T_load = R x this)
  // What bounds a pixel block (hw/README.md, "Pixel blocks"): the accumulator buffer's output
  // pixels per array row (the RTL's 2^PixW) and the stored input one block reads (its band of
  // input rows, all channels; the RTL's 2^ActAddrW bytes).
  std::int64_t accumulator_pixels = 4096;
  std::int64_t input_store_bytes = 64 * 1024;
  // The vector unit beside the array (hw/README.md, "Vector unit"): channels it works on per
  // cycle and its input store (the RTL's Lanes and 2^AddrW bytes).
  int vector_lanes = 8;
  std::int64_t vector_store_bytes = 64 * 1024;

  // Cycles one MAC slot takes: b bit-serial, 1 bit-parallel.
  int cycles_per_mac() const { return mac == MacKind::BitParallel ? 1 : data_bits; }

  // Throws std::invalid_argument on a size < 1, data_bits outside [2, 16] or alpha_max outside [1, 32].
  void validate() const;
  nlohmann::json to_json() const;
};

// Bits of a cell's multiplexer select: ceil(log2 alpha_max) (0 at alpha 1), also the 2:1
// stages a selection passes.
int ceil_log2(int n);

// "serial" / "parallel"; parse_mac throws std::invalid_argument naming the text.
const char* to_string(MacKind mac);
MacKind parse_mac(const std::string& text);

// Throws std::invalid_argument when a packed column of the layer combines more columns than the
// array's multiplexers select from (alpha_max).
void require_groups_fit(const ArrayConfig& array, const model::PackedLayer& layer);

// Parses "RxC" (e.g. "16x16", "12x20"). Throws std::invalid_argument naming the text.
ArrayConfig parse_array(const std::string& text);

// Per layer (and summed over a network) counters. Cycle counts follow hw/README.md exactly in
// both simulation modes.
struct LayerStats {
  std::string name;
  std::string op;
  std::int64_t cycles = 0;
  std::int64_t stall_cycles = 0;   // cycles the array computes nothing (exposed weight loads)
  std::int64_t tiles = 0;
  std::int64_t mac_slots = 0;      // R * C * P per tile: cell MAC opportunities
  std::int64_t busy_slots = 0;     // of those, cells holding a non-zero weight
  std::int64_t weight_loads = 0;   // cells written from the weight buffer
  std::int64_t acc_reads = 0;      // accumulator buffer reads (left-edge partial sums)
  std::int64_t acc_writes = 0;     // accumulator buffer writes (right-edge results)
  std::int64_t input_bits = 0;     // bits fed into the array's columns
  std::int64_t activations_written = 0;
  // Memory system (bytes): weight buffer reads into the array and fills from DRAM, activation
  // buffer reads (feeder, vector unit) and writes, DRAM traffic, and the cycles the array waits
  // for DMA beyond its compute (included in cycles and stall_cycles).
  std::int64_t weight_buffer_read_bytes = 0;
  std::int64_t weight_buffer_fill_bytes = 0;
  std::int64_t act_buffer_read_bytes = 0;
  std::int64_t act_buffer_write_bytes = 0;
  std::int64_t dram_read_bytes = 0;
  std::int64_t dram_write_bytes = 0;
  std::int64_t memory_stall_cycles = 0;

  double utilization() const { return mac_slots ? static_cast<double>(busy_slots) / mac_slots : 0.0; }
  void add(const LayerStats& o);
  bool same_counts(const LayerStats& o) const;
  // Counter by counter this minus `o` (name and op kept).
  LayerStats minus(const LayerStats& o) const;
  nlohmann::json to_json() const;
};

}  // namespace ccsim::hw
