#include "hw/timing.hpp"

#include "models/graph.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

namespace ccsim::hw {

std::int64_t tiles_per_block(const ArrayConfig& a, const model::PackedLayer& l) {
  return static_cast<std::int64_t>((l.rows() + a.rows - 1) / a.rows) * std::max(1, (l.packed_cols() + a.cols - 1) / a.cols);
}

std::int64_t tile_compute_cycles(const ArrayConfig& a, std::int64_t pixels) {
  return static_cast<std::int64_t>(a.cycles_per_mac()) * (pixels + a.cols - 1) + a.rows;
}

namespace {

// Stored-input rows output rows [first, first + rows) read: the convolution window's rows,
// widened by the fused shift's largest up and down moves.
std::pair<int, int> band_of(const model::PackedLayer& l, int first, int rows, int up, int down) {
  const int top = first * l.window.stride_h - l.window.pad_top - up;
  const int bottom = (first + rows - 1) * l.window.stride_h - l.window.pad_top + (l.window.kh - 1) * l.window.dilation_h + down;
  const int begin = std::clamp(top, 0, l.in.h);
  const int end = std::clamp(bottom + 1, begin, l.in.h);
  return {begin, end - begin};
}

}  // namespace

std::vector<PixelBlock> pixel_blocks(const ArrayConfig& a, const model::PackedLayer& l, const model::PackedLayer* shift) {
  int up = 0;    // rows above the window a shift reads (dy = -1)
  int down = 0;  // rows below (dy = +1)
  if (shift) {
    for (const auto& d : shift->shift) {
      up = std::max(up, -static_cast<int>(d[0]));
      down = std::max(down, static_cast<int>(d[0]));
    }
  }
  const std::int64_t row_bytes = static_cast<std::int64_t>(l.in.c) * l.in.w;
  const auto band_bytes = [&](int first, int rows) { return band_of(l, first, rows, up, down).second * row_bytes; };
  const auto fits = [&](int first, int rows) {
    return static_cast<std::int64_t>(rows) * l.out.w <= a.accumulator_pixels && band_bytes(first, rows) <= a.input_store_bytes;
  };
  if (static_cast<std::int64_t>(l.out.w) > a.accumulator_pixels) {
    throw PixelBlockError("layer '" + l.name + "': an output row of " + std::to_string(l.out.w) +
                              " pixels exceeds the accumulator buffer of " + std::to_string(a.accumulator_pixels) +
                              " pixels per array row; raise accumulator_pixels (run --acc-pixels, explore axis acc_pixels)",
                          PixelBlockError::Limit::AccumulatorPixels, l.out.w, a.accumulator_pixels);
  }
  std::vector<PixelBlock> blocks;
  for (int first = 0; first < l.out.h;) {
    if (!fits(first, 1)) {
      throw PixelBlockError("layer '" + l.name + "': output row " + std::to_string(first) + " reads " +
                                std::to_string(band_bytes(first, 1)) + " bytes of stored input, more than the input store of " +
                                std::to_string(a.input_store_bytes) +
                                " bytes; raise input_store_bytes (run --input-store-kib, explore axis input_store_kib)",
                            PixelBlockError::Limit::InputStoreBytes, band_bytes(first, 1), a.input_store_bytes);
    }
    int rows = 1;  // as many rows as fit (a band grows with its rows, so the first misfit ends it)
    while (first + rows < l.out.h && fits(first, rows + 1)) ++rows;
    PixelBlock b;
    b.first_row = first;
    b.rows = rows;
    std::tie(b.band_first_row, b.band_rows) = band_of(l, first, rows, up, down);
    b.first_pixel = static_cast<std::int64_t>(first) * l.out.w;
    b.pixels = static_cast<std::int64_t>(rows) * l.out.w;
    b.band_bytes = b.band_rows * row_bytes;
    blocks.push_back(b);
    first += rows;
  }
  return blocks;
}

std::string pixel_block_note(const ArrayConfig& a, const model::PackedLayer& l, const std::vector<PixelBlock>& blocks) {
  if (blocks.size() < 2) return {};
  int rows = 0;
  for (const PixelBlock& b : blocks) rows = std::max(rows, b.rows);
  std::string why;
  const std::int64_t pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;
  if (pixels > a.accumulator_pixels) {
    why = "its " + std::to_string(pixels) + " output pixels exceed the accumulator buffer (" +
          std::to_string(a.accumulator_pixels) + " per array row)";
  }
  if (l.in.size() > a.input_store_bytes) {
    why += (why.empty() ? "its " : " and its ") + std::to_string(l.in.size()) + "-byte input exceeds the input store (" +
           std::to_string(a.input_store_bytes) + " bytes)";
  }
  return "layer '" + l.name + "' runs in " + std::to_string(blocks.size()) + " pixel blocks of up to " + std::to_string(rows) +
         " output rows: " + why;
}

LayerStats block_stats(const ArrayConfig& a, const model::PackedLayer& l, const PixelBlock& block) {
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  const std::int64_t R = a.rows;
  const std::int64_t C = a.cols;
  const std::int64_t P = block.pixels;
  const std::int64_t row_tiles = (l.rows() + R - 1) / R;
  const std::int64_t n = tiles_per_block(a, l);
  const std::int64_t tc = tile_compute_cycles(a, P);
  s.tiles = n;
  const std::int64_t load = R * a.load_cycles_per_row;  // T_load
  if (a.shadow_weights) {  // each load after the first overlaps the tile before it
    s.cycles = load + (n - 1) * std::max(tc, load) + tc;
    s.stall_cycles = load + (n - 1) * std::max<std::int64_t>(0, load - tc);
  } else {  // each load waits for the cells: it starts in the tile's last cycle (the accumulator write)
    s.cycles = load + (n - 1) * (tc + load - 1) + tc;
    s.stall_cycles = load + (n - 1) * (load - 1);
  }
  s.mac_slots = n * R * C * P;
  s.weight_loads = n * R * C;
  s.acc_reads = n * R * P;
  s.acc_writes = n * R * P;
  s.activations_written = static_cast<std::int64_t>(l.rows()) * P;
  const auto G = static_cast<std::int64_t>(l.packed_cols());
  for (std::int64_t g = 0; g < G; ++g) {
    s.input_bits += static_cast<std::int64_t>(l.groups[g].size()) * a.data_bits * P * row_tiles;
  }
  for (int r = 0; r < l.rows(); ++r) {
    for (std::int64_t g = 0; g < G; ++g) s.busy_slots += (l.weights[l.cell(r, static_cast<int>(g))] != 0) * P;
  }
  return s;
}

LayerStats matmul_stats(const ArrayConfig& a, const model::PackedLayer& l, const model::PackedLayer* shift) {
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  for (const PixelBlock& b : pixel_blocks(a, l, shift)) s.add(block_stats(a, l, b));
  return s;
}

std::int64_t vector_channels_per_pass(int lanes, std::int64_t store_bytes, std::int64_t bytes_per_channel,
                                      std::int64_t channels, std::int64_t table_channels) {
  if (bytes_per_channel > store_bytes) return 0;
  std::int64_t n = std::min({store_bytes / std::max<std::int64_t>(bytes_per_channel, 1), channels, table_channels,
                             std::int64_t{65535}});
  if (n > lanes) n -= n % lanes;
  return n;
}

std::int64_t vector_lane_groups(int lanes, std::int64_t channels, std::int64_t per_pass) {
  const std::int64_t full = channels / per_pass;
  const std::int64_t rest = channels % per_pass;
  return full * ((per_pass + lanes - 1) / lanes) + (rest + lanes - 1) / lanes;
}

LayerStats vector_unit_stats(const ArrayConfig& a, const model::PackedLayer& l, const std::vector<int>& operand_channels,
                             bool view) {
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  s.activations_written = view ? 0 : l.out.size();
  if (view || l.kind == model::OpKind::Matmul || l.kind == model::OpKind::Flatten) return s;
  const std::int64_t in_plane = static_cast<std::int64_t>(l.in.h) * l.in.w;
  const std::int64_t out_plane = static_cast<std::int64_t>(l.out.h) * l.out.w;
  const auto k = static_cast<std::int64_t>(operand_channels.size());
  // Per channel: the bytes of its operands in the store and the taps of each output.
  std::int64_t bytes = in_plane;
  std::int64_t taps = 1;
  std::int64_t table = std::int64_t{1} << 30;
  switch (l.kind) {
    case model::OpKind::MaxPool:
    case model::OpKind::AvgPool: taps = static_cast<std::int64_t>(l.window.kh) * l.window.kw; break;
    case model::OpKind::GlobalAvgPool: taps = in_plane; break;
    case model::OpKind::Shift: table = kVectorShiftTableChannels; break;
    case model::OpKind::Add: bytes = k * out_plane; taps = k; break;
    case model::OpKind::Concat: bytes = out_plane; break;
    default: break;
  }
  const auto one_pass = [&](std::int64_t channels) {
    const std::int64_t n = vector_channels_per_pass(a.vector_lanes, a.vector_store_bytes, bytes, channels, table);
    if (n == 0) {
      throw std::invalid_argument("layer '" + l.name + "' (" + model::to_string(l.kind) + "): one channel's operands take " +
                                  std::to_string(bytes) + " bytes, more than the vector unit's " +
                                  std::to_string(a.vector_store_bytes) +
                                  "-byte input store (raise vector_store_bytes: run --vector-store-kib, explore axis vector_store_kib)");
    }
    return vector_lane_groups(a.vector_lanes, channels, n);
  };
  std::int64_t groups = 0;
  if (l.kind == model::OpKind::Concat) {
    for (const int c : operand_channels) groups += one_pass(c);  // one operand per pass
  } else {
    groups = one_pass(l.out.c);
  }
  s.cycles = groups * out_plane * taps;
  return s;
}

LayerStats vector_unit_stats(const ArrayConfig& a, const model::PackedNetwork& net, std::size_t i, bool view) {
  std::vector<int> channels;
  for (const int p : model::input_indices(net.layers, i)) channels.push_back(p < 0 ? net.input.c : net.layers[p].out.c);
  return vector_unit_stats(a, net.layers[i], channels, view);
}

}  // namespace ccsim::hw
