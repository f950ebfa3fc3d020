// What the RTL accelerator (rtl/ccsim_accel.sv) reads from memory to run one pixel block of a
// Matmul layer on its tile (the whole layer when it fits; hw/README.md, "Pixel blocks"): the
// block's descriptor (as the controller reads it: block_descriptor), its band of the stored input
// activation, and the tile stream for the tile buffer (as the tile-stream DMA reads it, a record
// per write: tile_record): per
// tile (row tiles outer, column tiles inner), one write per filter row of the tile (its weight
// buffer cells and selects, bias, requantization) and one per group member k (each packed
// column's k-th member: input channel, kernel offset, fused-shift direction), the last one
// committing the tile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/array_config.hpp"
#include "hw/timing.hpp"
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
  int channel_bits = 16;   // ChW: up to 2^ChW input channels
  int member_bits() const { return channel_bits + 11; }
  int select_bits() const;   // SelBits: ceil(log2 alpha_max), at least 1
  int index_bits() const;    // TwIdxW: a cell row's or member line's index
  int record_bytes() const;  // TwRecBytes: one tile-stream record in memory (rtl/ccsim_tw_dma.sv)
};

// The array and block limits of the SystemC model that runs beside the tile: the same sizes, so
// both split a layer into the same pixel blocks.
hw::ArrayConfig tile_array(const TileLimits& limits);

// The pixel blocks of a Matmul layer on the tile. Throws std::invalid_argument naming the layer
// and the tile parameter to raise (PixW, ActAddrW) when one output row does not fit.
std::vector<hw::PixelBlock> tile_blocks(const model::PackedLayer& layer, const model::PackedLayer* fused_shift,
                                        const TileLimits& limits);

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
  // descriptor (of the block: its pixels, its band's rows as in_h, the top padding relative to
  // the band, negative when a fused shift reads the row above it)
  std::uint32_t rows = 0, groups = 0, row_tiles = 0, col_tiles = 0, pixels = 0;
  std::uint32_t out_w = 0, in_h = 0, in_w = 0, stride_h = 1, stride_w = 1, pad_left = 0;
  std::int32_t pad_top = 0;
  std::int8_t act_min = -128, act_max = 127;

  std::vector<TileWrite> stream;         // every tile, in order
  // The block's band of the stored input (channels x in_h x in_w) as the DMA gathers it from the
  // channel-major input tensor: band_segments segments of band_segment_bytes, the k-th at byte
  // band_first_byte + k band_stride of the tensor (one segment when the band is whole channels).
  std::int64_t band_first_byte = 0, band_segment_bytes = 0, band_stride = 0, band_segments = 0;
  std::int64_t first_pixel = 0;          // the block's first output pixel in the layer
  std::int64_t layer_pixels = 0;         // P of the layer
  std::size_t output_size = 0;           // the layer's M x P int8 values, row-major
};

// The block's descriptor as the controller reads it from memory (rtl/ccsim_ctrl.sv, hw/README.md
// "Controller"): kDescriptorWords little-endian 64-bit words. `band_at`, `out_at` and
// `stream_at` are the memory addresses of the band's first byte, of the block's first output
// (filter row 0) and of its tile stream's first record; `last` ends the chain. Throws
// std::invalid_argument when an address or size does not fit its 32-bit field.
inline constexpr int kDescriptorWords = 7;
std::vector<std::uint64_t> block_descriptor(const TileProgram& program, std::uint64_t band_at, std::uint64_t out_at,
                                            std::uint64_t stream_at, bool last);

// Whether the tile-stream DMA keeps pace with a block's tiles (hw/README.md, "Controller"): it
// holds 4 reads in flight and frees a queue place the cycle after a record enters the tile
// buffer, so at memory latency L it reads 4 records per L + 2 cycles, and at most one per
// stream_gap + 1 cycles when the memory refuses the port stream_gap cycles after each read. In
// steady state each tile's records must come within a tile's compute time T = b (P + C - 1) + R.
struct StreamPace {
  std::int64_t records_per_tile = 0;  // the block's largest tile
  std::int64_t cycles_per_tile = 0;   // what the DMA needs for them
  std::int64_t compute_cycles = 0;    // T
  bool in_time = true;
  int max_latency = 0;                // the largest L in time (stream_gap 0); negative: none
};
StreamPace stream_pace(const TileLimits& limits, const TileProgram& program, int mem_latency, int stream_gap);

// One write of the tile stream as the tile-stream DMA reads it from memory: limits.record_bytes()
// bytes, little-endian, fields as rtl/ccsim_tw_dma.sv lays them out.
std::vector<std::uint8_t> tile_record(const TileLimits& limits, const TileWrite& write);

// The program of one block (one of tile_blocks). Throws std::invalid_argument naming the layer
// and the tile parameter to raise.
TileProgram make_tile_program(const model::PackedLayer& layer, const model::PackedLayer* fused_shift,
                              const model::Int8Tensor& stored_input, const TileLimits& limits, const hw::PixelBlock& block);

}  // namespace ccsim::cosim
