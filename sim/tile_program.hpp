// What the host writes into the RTL tile (rtl/ccsim_tile.sv) to run one Matmul layer: the
// layer descriptor, the weight buffer's banked cells, the group table (each packed column's
// members decoded to channel and kernel offset), per-row bias and requantization, the shift
// directions of a fused shift layer, and the stored input activation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cosim {

// Sizes a Verilated tile configuration was built with (its SystemVerilog parameters).
struct TileLimits {
  int rows = 16;
  int cols = 16;
  int data_bits = 8;
  int alpha_max = 8;
  int act_addr_bits = 14;
  int out_addr_bits = 14;
  int weight_addr_bits = 10;
  int pixel_bits = 10;
  int group_bits = 8;
  int row_bits = 8;
  int max_channels = 256;
};

struct TileProgram {
  // descriptor
  std::uint32_t rows = 0, groups = 0, row_tiles = 0, col_tiles = 0, pixels = 0;
  std::uint32_t out_w = 0, in_h = 0, in_w = 0, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  bool shift_en = false;
  std::int8_t act_min = -128, act_max = 127;

  struct WeightCell { std::uint32_t bank, addr; std::int8_t weight; std::uint8_t select; };
  struct GroupEntry { std::uint32_t column, k; bool valid; std::uint32_t channel, ky, kx; };
  struct RowParams { std::uint32_t row; std::int32_t bias, multiplier; std::int8_t shift; };
  struct ShiftEntry { std::uint32_t channel; std::int8_t dy, dx; };
  std::vector<WeightCell> weights;
  std::vector<GroupEntry> group_table;
  std::vector<RowParams> row_table;
  std::vector<ShiftEntry> shift_table;
  std::vector<std::int8_t> activations;  // the stored input (channels x in_h x in_w)
  std::size_t output_size = 0;           // M x P int8 values, row-major
};

// Throws std::invalid_argument naming the layer and the tile parameter it exceeds.
TileProgram make_tile_program(const model::PackedLayer& layer, const model::PackedLayer* fused_shift,
                              const model::Int8Tensor& stored_input, const TileLimits& limits);

}  // namespace ccsim::cosim
