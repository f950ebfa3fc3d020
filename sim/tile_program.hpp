// What the host and the DMA give the RTL tile (rtl/ccsim_tile.sv) to run one Matmul layer: the
// layer descriptor, the stored input activation, and the tile stream for the tile buffer: per
// tile (row tiles outer, column tiles inner), one write per filter row of the tile (its weight
// buffer cells and selects, bias, requantization) and one per group member k (each packed
// column's k-th member: input channel, kernel offset, fused-shift direction), the last one
// committing the tile.
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
  int act_addr_bits = 16;  // ActAddrW: stored input of up to 2^ActAddrW bytes
  int pixel_bits = 12;     // PixW: accumulator buffer of 2^PixW pixels per row
  int channel_bits = 12;   // ChW: up to 2^ChW input channels
  int member_bits() const { return channel_bits + 11; }
};

// Group member word of the tile stream (ccsim_tile's MemberW layout).
std::uint32_t member_word(const TileLimits& limits, bool valid, int channel, int ky, int kx, int dy, int dx);

struct TileWrite {
  bool member = false;  // false: cell row `index` of the tile; true: member line `index`
  std::uint32_t index = 0;
  bool last = false;    // commits the tile
  std::vector<std::int8_t> weights;   // cols (cell row)
  std::vector<std::uint8_t> selects;  // cols (cell row)
  std::int32_t bias = 0, multiplier = 0;
  std::int8_t shift = 0;
  std::vector<std::uint32_t> members;  // cols (member line)
};

struct TileProgram {
  // descriptor
  std::uint32_t rows = 0, groups = 0, row_tiles = 0, col_tiles = 0, pixels = 0;
  std::uint32_t out_w = 0, in_h = 0, in_w = 0, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  std::int8_t act_min = -128, act_max = 127;

  std::vector<TileWrite> stream;         // every tile, in order
  std::vector<std::int8_t> activations;  // the stored input (channels x in_h x in_w)
  std::size_t output_size = 0;           // M x P int8 values, row-major
};

// Throws std::invalid_argument naming the layer and the tile parameter to raise.
TileProgram make_tile_program(const model::PackedLayer& layer, const model::PackedLayer* fused_shift,
                              const model::Int8Tensor& stored_input, const TileLimits& limits);

}  // namespace ccsim::cosim
