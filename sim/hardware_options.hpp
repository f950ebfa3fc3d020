// The accelerator's hardware as its users give it (text names, KiB), shared by `ccsim run`, the
// sweep points of `ccsim explore` and the Python module's run(): one place turns it into a
// validated hw::AcceleratorConfig.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "hw/accelerator_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cli {

struct HardwareOptions {
  std::string array = "16x16";             // ROWSxCOLS
  int data_bits = 8;                       // bit-serial cycles per MAC
  std::string mac = "serial";              // MAC cell: serial or parallel
  std::string weight_load = "overlapped";  // overlapped (shadow weight registers) or exposed
  std::string schedule = "shared";         // shared or pipelined
  double weight_buffer_kib = 64;
  int weight_banks = 0;                    // 0: one bank per array row
  double act_buffer_kib = 128;
  double dram_bytes_per_cycle = 16;
  std::int64_t acc_pixels = hw::ArrayConfig{}.accumulator_pixels;  // per array row (pixel blocks)
  double input_store_kib = static_cast<double>(hw::ArrayConfig{}.input_store_bytes) / 1024;
  int vector_lanes = hw::ArrayConfig{}.vector_lanes;
  double vector_store_kib = static_cast<double>(hw::ArrayConfig{}.vector_store_bytes) / 1024;
};

// The configuration `h` describes, with multiplexers of alpha_max inputs (0: the array's default).
// Throws std::invalid_argument naming the value that is wrong.
hw::AcceleratorConfig accelerator_config(const HardwareOptions& h, int alpha_max = 0);

// A packed file's network on `array`: the multiplexers take as many inputs as its widest packed
// column (as explore and `run --topology` build them), with a note on `notes` when that is more
// than the array had (N:M, PCNN, ternary with m > 8; PCNN or periodic on 3x3 kernels: 9; energy
// and area follow). Throws std::invalid_argument naming `file` for a column wider than any
// multiplexer (32).
void widen_multiplexers(const std::string& file, const model::PackedNetwork& net, hw::ArrayConfig& array,
                        std::ostream& notes);

}  // namespace ccsim::cli
