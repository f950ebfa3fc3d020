#include "sim/tile_program.hpp"
#include "sim/rtl_vector.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace ccsim::cosim {
namespace {

void check(const model::PackedLayer& l, bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("layer '" + l.name + "' does not fit the RTL tile: " + what);
}

// The tile stream of tile (row tile rt, column tile ct).
void append_tile(const model::PackedLayer& l, const model::PackedLayer* shift, const TileLimits& lim, int rt, int ct,
                 std::vector<TileWrite>& stream) {
  const int R = lim.rows;
  const int C = lim.cols;
  const int kernel = l.window.kh * l.window.kw;
  // Filter rows of the tile that exist; the tile masks the others.
  for (int r = 0; r < R && rt * R + r < l.rows(); ++r) {
    const int m = rt * R + r;
    TileWrite w;
    w.index = static_cast<std::uint32_t>(r);
    w.weights.assign(C, 0);
    w.selects.assign(C, 0);
    for (int c = 0; c < C && ct * C + c < l.packed_cols(); ++c) {
      const auto cell = l.cell(m, ct * C + c);
      w.weights[c] = l.weights[cell];
      w.selects[c] = l.select[cell];
    }
    w.bias = l.bias[m];
    w.multiplier = l.requant[m].m0;
    w.shift = static_cast<std::int8_t>(l.requant[m].shift);
    stream.push_back(std::move(w));
  }
  // Every member line, so no member of an earlier tile stays valid.
  for (int k = 0; k < lim.alpha_max; ++k) {
    TileWrite w;
    w.member = true;
    w.index = static_cast<std::uint32_t>(k);
    w.members.assign(C, member_word(lim, false, 0, 0, 0, 0, 0));
    for (int c = 0; c < C && ct * C + c < l.packed_cols(); ++c) {
      const auto& group = l.groups[ct * C + c];
      if (static_cast<std::size_t>(k) >= group.size()) continue;
      const int j = static_cast<int>(group[k]);
      const int channel = j / kernel;
      const int dy = shift ? shift->shift[channel][0] : 0;
      const int dx = shift ? shift->shift[channel][1] : 0;
      // A dilated kernel's taps are its offsets times the dilation (the feeder adds them as they are).
      w.members[c] = member_word(lim, true, channel, (j % kernel) / l.window.kw * l.window.dilation_h,
                                 (j % kernel) % l.window.kw * l.window.dilation_w, dy, dx);
    }
    stream.push_back(std::move(w));
  }
  stream.back().last = true;
}

}  // namespace

std::uint32_t member_word(const TileLimits& lim, bool valid, int channel, int ky, int kx, int dy, int dx) {
  const int w = lim.channel_bits;
  return static_cast<std::uint32_t>(channel) | static_cast<std::uint32_t>(kx) << w |
         static_cast<std::uint32_t>(ky) << (w + 3) | (static_cast<std::uint32_t>(dx) & 3u) << (w + 6) |
         (static_cast<std::uint32_t>(dy) & 3u) << (w + 8) | static_cast<std::uint32_t>(valid) << (w + 10);
}

hw::ArrayConfig tile_array(const TileLimits& lim) {
  hw::ArrayConfig a;
  a.rows = lim.rows;
  a.cols = lim.cols;
  a.data_bits = lim.data_bits;
  a.alpha_max = lim.alpha_max;
  a.accumulator_pixels = std::int64_t{1} << lim.pixel_bits;
  a.input_store_bytes = std::int64_t{1} << lim.act_addr_bits;
  const VectorLimits vector = RtlVectorUnit::limits();  // the vector unit built beside every tile
  a.vector_lanes = vector.lanes;
  a.vector_store_bytes = std::int64_t{1} << vector.addr_bits;
  return a;
}

std::vector<hw::PixelBlock> tile_blocks(const model::PackedLayer& l, const model::PackedLayer* shift, const TileLimits& lim) {
  try {
    return hw::pixel_blocks(tile_array(lim), l, shift);
  } catch (const hw::PixelBlockError& e) {
    const std::string built = " (this configuration: " + std::to_string(lim.rows) + "x" + std::to_string(lim.cols) + ")";
    const bool pixels = e.limit == hw::PixelBlockError::Limit::AccumulatorPixels;
    check(l, false,
          pixels ? "an output row of " + std::to_string(e.needed) + " pixels exceeds the accumulator buffer of " +
                       std::to_string(e.capacity) + " pixels per row; raise PixW (now " + std::to_string(lim.pixel_bits) + ")" + built
                 : "one output row reads " + std::to_string(e.needed) + " bytes of stored input, more than the activation buffer of " +
                       std::to_string(e.capacity) + " bytes; raise ActAddrW (now " + std::to_string(lim.act_addr_bits) + ")" + built);
    throw;  // not reached
  }
}

TileProgram make_tile_program(const model::PackedLayer& l, const model::PackedLayer* shift,
                              const model::Int8Tensor& input, const TileLimits& lim, const hw::PixelBlock& block) {
  if (l.kind != model::OpKind::Matmul) throw std::invalid_argument("layer '" + l.name + "' is not a Matmul layer");
  TileProgram p;
  const int R = lim.rows;
  const int C = lim.cols;
  p.rows = static_cast<std::uint32_t>(l.rows());
  p.groups = static_cast<std::uint32_t>(l.packed_cols());
  p.row_tiles = static_cast<std::uint32_t>((l.rows() + R - 1) / R);
  p.col_tiles = static_cast<std::uint32_t>(std::max(1, (l.packed_cols() + C - 1) / C));
  p.pixels = static_cast<std::uint32_t>(block.pixels);
  p.first_pixel = block.first_pixel;
  p.layer_pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;
  p.out_w = static_cast<std::uint32_t>(l.out.w);
  p.in_h = static_cast<std::uint32_t>(block.band_rows);
  p.in_w = static_cast<std::uint32_t>(l.in.w);
  p.stride_h = static_cast<std::uint32_t>(l.window.stride_h);
  p.stride_w = static_cast<std::uint32_t>(l.window.stride_w);
  // Band row = layer row - band_first_row, so the block's output row 0 reads from band row
  // first_row * stride - pad_top - band_first_row.
  p.pad_top = l.window.pad_top + block.band_first_row - block.first_row * l.window.stride_h;
  p.pad_left = static_cast<std::uint32_t>(l.window.pad_left);
  p.act_min = l.act_min;
  p.act_max = l.act_max;
  p.output_size = static_cast<std::size_t>(l.rows()) * static_cast<std::size_t>(p.layer_pixels);

  const std::string built = " (this configuration: " + std::to_string(R) + "x" + std::to_string(C) + ")";
  check(l, block.band_bytes <= (std::int64_t{1} << lim.act_addr_bits),
        "a band of " + std::to_string(block.band_bytes) + " bytes exceeds the activation buffer of " +
            std::to_string(std::size_t{1} << lim.act_addr_bits) + " bytes; raise ActAddrW (now " +
            std::to_string(lim.act_addr_bits) + ")" + built);
  check(l, block.pixels <= (std::int64_t{1} << lim.pixel_bits),
        std::to_string(block.pixels) + " output pixels exceed the accumulator buffer of " +
            std::to_string(1u << lim.pixel_bits) + "; raise PixW (now " + std::to_string(lim.pixel_bits) + ")" + built);
  check(l, l.in.c <= (1 << lim.channel_bits),
        std::to_string(l.in.c) + " input channels exceed 2^ChW; raise ChW (now " + std::to_string(lim.channel_bits) + ")");
  check(l, l.rows() < 65536 && l.packed_cols() < 65536 && p.pixels < 65536,
        "more than 65535 filter rows, packed columns or output pixels (16-bit descriptor fields)");
  check(l, (l.window.kh - 1) * l.window.dilation_h < 8 && (l.window.kw - 1) * l.window.dilation_w < 8,
        "kernel extent (with dilation) larger than 8x8 (3-bit kernel offsets)");
  check(l, l.window.stride_h < 16 && l.window.stride_w < 16 && p.pad_top >= -16 && p.pad_top < 16 && l.window.pad_left < 16,
        "stride or padding >= 16 (4-bit descriptor fields)");
  check(l, l.in.h < 4096 && l.in.w < 4096 && l.out.w < 4096, "a side of 4096 pixels or more (12-bit descriptor fields)");
  for (const auto& g : l.groups) {
    check(l, g.size() <= static_cast<std::size_t>(lim.alpha_max),
          "a group of " + std::to_string(g.size()) + " columns is wider than AlphaMax " + std::to_string(lim.alpha_max));
  }
  if (shift) {
    for (const auto& d : shift->shift) {
      check(l, d[0] >= -1 && d[0] <= 1 && d[1] >= -1 && d[1] <= 1, "a fused shift beyond one pixel");
    }
  }
  for (std::uint32_t rt = 0; rt < p.row_tiles; ++rt) {
    for (std::uint32_t ct = 0; ct < p.col_tiles; ++ct) append_tile(l, shift, lim, static_cast<int>(rt), static_cast<int>(ct), p.stream);
  }
  // The band: rows band_first_row .. + band_rows of every channel.
  const std::size_t row_bytes = static_cast<std::size_t>(l.in.w);
  const std::size_t channel_bytes = static_cast<std::size_t>(l.in.h) * row_bytes;
  const std::size_t band_channel = static_cast<std::size_t>(block.band_rows) * row_bytes;
  const bool whole = band_channel == channel_bytes;
  p.band_first_byte = static_cast<std::int64_t>(block.band_first_row * row_bytes);
  p.band_segments = whole ? 1 : l.in.c;
  p.band_segment_bytes = static_cast<std::int64_t>(whole ? band_channel * static_cast<std::size_t>(l.in.c) : band_channel);
  p.band_stride = static_cast<std::int64_t>(channel_bytes);
  if (static_cast<std::int64_t>(input.data.size()) != l.in.c * static_cast<std::int64_t>(channel_bytes)) {
    throw std::logic_error("layer '" + l.name + "': stored input of " + std::to_string(input.data.size()) +
                           " bytes, not channels x in_h x in_w");
  }
  return p;
}

int TileLimits::select_bits() const {
  int b = 1;
  while ((1 << b) < alpha_max) ++b;
  return b;
}

int TileLimits::index_bits() const {
  const auto clog2_at_least_1 = [](int n) {
    int b = 1;
    while ((1 << b) < n) ++b;
    return b;
  };
  return std::max(clog2_at_least_1(rows), clog2_at_least_1(alpha_max));
}

int TileLimits::record_bytes() const {
  const int cell = cols * (8 + select_bits()) + 72;
  const int bits = 2 + index_bits() + std::max(cell, cols * member_bits());
  return (bits + 63) / 64 * 8;
}

StreamPace stream_pace(const TileLimits& lim, const TileProgram& p, int mem_latency, int stream_gap) {
  StreamPace pace;
  std::int64_t records = 0;
  for (const TileWrite& w : p.stream) {
    ++records;
    if (w.last) pace.records_per_tile = std::max(pace.records_per_tile, std::exchange(records, 0));
  }
  const std::int64_t k = pace.records_per_tile;
  pace.compute_cycles = static_cast<std::int64_t>(lim.data_bits) * (p.pixels + lim.cols - 1) + lim.rows;
  pace.cycles_per_tile = std::max<std::int64_t>(k * (stream_gap + 1), (k * (mem_latency + 2) + 3) / 4);
  pace.in_time = pace.cycles_per_tile <= pace.compute_cycles;
  pace.max_latency = k > 0 ? static_cast<int>(4 * pace.compute_cycles / k - 2) : 1 << 20;
  return pace;
}

std::vector<std::uint8_t> tile_record(const TileLimits& lim, const TileWrite& w) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(lim.record_bytes()), 0);
  int at = 0;  // the next field's first bit
  const auto put = [&](std::uint64_t value, int width) {
    for (int b = 0; b < width; ++b, ++at) {
      if ((value >> b) & 1) bytes[static_cast<std::size_t>(at / 8)] |= static_cast<std::uint8_t>(1u << (at % 8));
    }
  };
  put(w.member, 1);
  put(w.last, 1);
  put(w.index, lim.index_bits());
  if (w.member) {
    for (const std::uint32_t m : w.members) put(m, lim.member_bits());
  } else {
    for (const std::int8_t weight : w.weights) put(static_cast<std::uint8_t>(weight), 8);
    for (const std::uint8_t select : w.selects) put(select, lim.select_bits());
    put(static_cast<std::uint32_t>(w.bias), 32);
    put(static_cast<std::uint32_t>(w.multiplier), 32);
    put(static_cast<std::uint8_t>(w.shift), 8);
  }
  return bytes;
}

std::vector<std::uint64_t> block_descriptor(const TileProgram& p, std::uint64_t band_at, std::uint64_t out_at,
                                            std::uint64_t stream_at, bool last) {
  const auto field32 = [](std::int64_t v, const char* what) {
    if (v < 0 || v > 0xffffffffll) {
      throw std::invalid_argument(std::string("block descriptor: ") + what + " " + std::to_string(v) +
                                  " does not fit its 32-bit field");
    }
    return static_cast<std::uint64_t>(v);
  };
  const auto bits = [](std::uint64_t v, int lsb, int width) { return (v & ((1ull << width) - 1)) << lsb; };
  std::vector<std::uint64_t> w(kDescriptorWords, 0);
  w[0] = bits(p.rows, 0, 16) | bits(p.groups, 16, 16) | bits(p.row_tiles, 32, 16) | bits(p.col_tiles, 48, 16);
  w[1] = bits(p.pixels, 0, 16) | bits(p.out_w, 16, 12) | bits(p.in_h, 28, 12) | bits(p.in_w, 40, 12) |
         bits(p.stride_h, 52, 4) | bits(p.stride_w, 56, 4) | bits(p.pad_left, 60, 4);
  w[2] = bits(static_cast<std::uint32_t>(p.pad_top), 0, 5) | bits(static_cast<std::uint8_t>(p.act_min), 8, 8) |
         bits(static_cast<std::uint8_t>(p.act_max), 16, 8) | (last ? 1ull << 63 : 0);
  w[3] = field32(static_cast<std::int64_t>(out_at), "output address") | field32(p.layer_pixels, "output row stride") << 32;
  w[4] = field32(static_cast<std::int64_t>(band_at), "band address") | field32(p.band_stride, "band stride") << 32;
  w[5] = field32(static_cast<std::int64_t>(stream_at), "tile stream address") |
         field32(static_cast<std::int64_t>(p.stream.size()), "tile stream records") << 32;
  w[6] = field32(p.band_segment_bytes, "band segment bytes") | field32(p.band_segments, "band segments") << 32;
  return w;
}

}  // namespace ccsim::cosim
