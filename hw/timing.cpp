#include "hw/timing.hpp"

#include <algorithm>

namespace ccsim::hw {

std::int64_t tile_compute_cycles(const ArrayConfig& a, std::int64_t pixels) {
  return static_cast<std::int64_t>(a.data_bits) * (pixels + a.cols - 1) + a.rows;
}

LayerStats matmul_stats(const ArrayConfig& a, const model::PackedLayer& l) {
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  const std::int64_t R = a.rows;
  const std::int64_t C = a.cols;
  const std::int64_t P = static_cast<std::int64_t>(l.out.h) * l.out.w;
  const std::int64_t row_tiles = (l.rows() + R - 1) / R;
  const std::int64_t col_tiles = std::max<std::int64_t>(1, (l.packed_cols() + C - 1) / C);
  const std::int64_t n = row_tiles * col_tiles;
  const std::int64_t tc = tile_compute_cycles(a, P);
  s.tiles = n;
  const std::int64_t load = R * a.load_cycles_per_row;  // T_load
  s.cycles = load + (n - 1) * std::max(tc, load) + tc;
  s.stall_cycles = load + (n - 1) * std::max<std::int64_t>(0, load - tc);
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

LayerStats vector_unit_stats(const model::PackedLayer& l, bool view) {
  LayerStats s;
  s.name = l.name;
  s.op = model::to_string(l.kind);
  const std::int64_t in_pixels = static_cast<std::int64_t>(l.in.h) * l.in.w;
  const std::int64_t out_pixels = static_cast<std::int64_t>(l.out.h) * l.out.w;
  switch (l.kind) {
    case model::OpKind::Shift:
      s.cycles = view ? 0 : in_pixels;
      break;
    case model::OpKind::Clamp:
    case model::OpKind::GlobalAvgPool:
      s.cycles = in_pixels;
      break;
    case model::OpKind::MaxPool:
    case model::OpKind::AvgPool:
    case model::OpKind::Add:
    case model::OpKind::Concat:
    case model::OpKind::Pad:
      s.cycles = out_pixels;
      break;
    default:
      s.cycles = 0;
      break;
  }
  s.activations_written = view ? 0 : l.out.size();
  return s;
}

}  // namespace ccsim::hw
