// Cycle formulas of hw/README.md: the fast (analytical) mode. The cycle-accurate mode must agree
// with these exactly on every layer (tests check it).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

// A run of whole output rows of a Matmul layer that the array computes as a layer of its own
// (hw/README.md, "Pixel blocks"): its output pixels fit the accumulator buffer and the input
// rows it reads (its band) fit the input store.
struct PixelBlock {
  int first_row = 0;        // first output row
  int rows = 0;             // output rows
  int band_first_row = 0;   // first stored-input row the block reads
  int band_rows = 0;        // stored-input rows it reads (0: it reads only padding)
  std::int64_t first_pixel = 0;
  std::int64_t pixels = 0;  // rows x output width
  std::int64_t band_bytes = 0;  // band_rows x input width x channels
};

// One output row of a layer does not fit a pixel block; the message names the ArrayConfig field
// to raise, the fields let a caller name its own (the RTL's parameters).
struct PixelBlockError : std::invalid_argument {
  enum class Limit { AccumulatorPixels, InputStoreBytes };
  PixelBlockError(const std::string& what, Limit l, std::int64_t need, std::int64_t have)
      : std::invalid_argument(what), limit(l), needed(need), capacity(have) {}
  Limit limit;
  std::int64_t needed;    // pixels of one output row, or bytes its band reads
  std::int64_t capacity;  // accumulator_pixels or input_store_bytes
};

// The blocks of a Matmul layer, top to bottom (one block when the layer fits). `fused_shift`
// (may be null) widens the band by the rows its shifts reach. Throws PixelBlockError naming the
// layer and the ArrayConfig field to raise when one output row does not fit.
std::vector<PixelBlock> pixel_blocks(const ArrayConfig& a, const model::PackedLayer& layer,
                                     const model::PackedLayer* fused_shift = nullptr);

// Tiles of one pass over a Matmul layer (one pixel block): ceil(M / R) * max(1, ceil(G / C)).
std::int64_t tiles_per_block(const ArrayConfig& a, const model::PackedLayer& layer);

// T_compute(P) = k (P + C - 1) + R, k = cycles per MAC (b bit-serial, 1 bit-parallel)
std::int64_t tile_compute_cycles(const ArrayConfig& a, std::int64_t pixels);

// For the user: "" when `blocks` (the layer's) is one, else which buffer splits the layer, e.g.
// "layer 'c1' runs in 2 pixel blocks of up to 56 output rows: its 5184 output pixels exceed the
// accumulator buffer (4096 per array row)".
std::string pixel_block_note(const ArrayConfig& a, const model::PackedLayer& layer, const std::vector<PixelBlock>& blocks);

// Counters of a Matmul layer on the array (all of LayerStats), all its blocks.
LayerStats matmul_stats(const ArrayConfig& a, const model::PackedLayer& layer, const model::PackedLayer* fused_shift = nullptr);
// The same for one of its blocks.
LayerStats block_stats(const ArrayConfig& a, const model::PackedLayer& layer, const PixelBlock& block);

// The vector unit (hw/README.md, "Vector unit"): a layer runs in passes of whole channels, as many
// as its store holds (a multiple of the lanes when more than one lane group fits, at most
// `table_channels`); each pass takes ceil(channels / lanes) * H_out * W_out * taps cycles.
// Channels per pass of `channels` taking `bytes_per_channel` each; 0 when one does not fit.
std::int64_t vector_channels_per_pass(int lanes, std::int64_t store_bytes, std::int64_t bytes_per_channel,
                                      std::int64_t channels, std::int64_t table_channels);
constexpr std::int64_t kVectorShiftTableChannels = 1024;  // the RTL's 2^ShChW
// Lane groups over all passes of `channels` channels, `per_pass` per pass.
std::int64_t vector_lane_groups(int lanes, std::int64_t channels, std::int64_t per_pass);

// Counters of a layer run on the vector unit; `operand_channels` = the channels of each operand
// (one for all but add and concatenation); `view` = it moves no data (is_view: a shift folded
// into the next Matmul, a flatten of the slot before it). Throws std::invalid_argument naming the
// layer and the field to raise when one channel's operands exceed the vector unit's store.
LayerStats vector_unit_stats(const ArrayConfig& a, const model::PackedLayer& layer,
                             const std::vector<int>& operand_channels, bool view);
// The same for layer i of a network (its operands' channels from the layers it reads).
LayerStats vector_unit_stats(const ArrayConfig& a, const model::PackedNetwork& net, std::size_t i, bool view);

}  // namespace ccsim::hw
