#include "sim/tile_program.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::cosim {
namespace {

void check(const model::PackedLayer& l, bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("layer '" + l.name + "' does not fit the RTL tile: " + what);
}

}  // namespace

TileProgram make_tile_program(const model::PackedLayer& l, const model::PackedLayer* shift,
                              const model::Int8Tensor& input, const TileLimits& lim) {
  if (l.kind != model::OpKind::Matmul) throw std::invalid_argument("layer '" + l.name + "' is not a Matmul layer");
  TileProgram p;
  const int R = lim.rows;
  const int C = lim.cols;
  p.rows = static_cast<std::uint32_t>(l.rows());
  p.groups = static_cast<std::uint32_t>(l.packed_cols());
  p.row_tiles = static_cast<std::uint32_t>((l.rows() + R - 1) / R);
  p.col_tiles = static_cast<std::uint32_t>(std::max(1, (l.packed_cols() + C - 1) / C));
  p.pixels = static_cast<std::uint32_t>(l.out.h * l.out.w);
  p.out_w = static_cast<std::uint32_t>(l.out.w);
  p.in_h = static_cast<std::uint32_t>(l.in.h);
  p.in_w = static_cast<std::uint32_t>(l.in.w);
  p.stride_h = static_cast<std::uint32_t>(l.window.stride_h);
  p.stride_w = static_cast<std::uint32_t>(l.window.stride_w);
  p.pad_top = static_cast<std::uint32_t>(l.window.pad_top);
  p.pad_left = static_cast<std::uint32_t>(l.window.pad_left);
  p.shift_en = shift != nullptr;
  p.act_min = l.act_min;
  p.act_max = l.act_max;
  p.output_size = static_cast<std::size_t>(l.rows()) * p.pixels;

  check(l, input.data.size() <= (std::size_t{1} << lim.act_addr_bits), "stored input of " +
          std::to_string(input.data.size()) + " bytes exceeds the activation buffer (ActAddrW " +
          std::to_string(lim.act_addr_bits) + ")");
  check(l, p.output_size <= (std::size_t{1} << lim.out_addr_bits), "output exceeds the output buffer (OutAddrW)");
  check(l, p.pixels <= (1u << lim.pixel_bits), "too many output pixels for the accumulator buffer (PixW)");
  check(l, p.groups <= (1u << lim.group_bits), "too many packed columns for the group table (GroupW)");
  check(l, p.rows <= (1u << lim.row_bits), "too many filter rows for the row table (RowW)");
  check(l, static_cast<std::uint64_t>(p.rows) * p.col_tiles <= (1u << lim.weight_addr_bits),
          "too many cells per weight-buffer bank (WAddrW)");
  check(l, l.in.c <= lim.max_channels, "more input channels than the shift table holds (MaxChannels)");
  check(l, l.window.kh <= 8 && l.window.kw <= 8, "kernel larger than 8x8");
  check(l, l.window.stride_h < 16 && l.window.stride_w < 16 && l.window.pad_top < 16 && l.window.pad_left < 16,
          "stride or padding >= 16");
  check(l, l.in.h < 4096 && l.in.w < 4096, "input larger than 4095 pixels");
  for (const auto& g : l.groups) check(l, g.size() <= static_cast<std::size_t>(lim.alpha_max), "a group wider than AlphaMax");

  // Bank c, address m * col_tiles + t: cell (m, t * C + c).
  for (int m = 0; m < l.rows(); ++m) {
    for (int g = 0; g < l.packed_cols(); ++g) {
      const auto cell = l.cell(m, g);
      p.weights.push_back({static_cast<std::uint32_t>(g % C),
                           static_cast<std::uint32_t>(m) * p.col_tiles + static_cast<std::uint32_t>(g / C),
                           l.weights[cell], l.select[cell]});
    }
  }
  const int kernel = l.window.kh * l.window.kw;
  for (int g = 0; g < l.packed_cols(); ++g) {
    for (int k = 0; k < lim.alpha_max; ++k) {
      TileProgram::GroupEntry e{static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(k), false, 0, 0, 0};
      if (static_cast<std::size_t>(k) < l.groups[g].size()) {
        const int j = static_cast<int>(l.groups[g][k]);
        e.valid = true;
        e.channel = static_cast<std::uint32_t>(j / kernel);
        e.ky = static_cast<std::uint32_t>((j % kernel) / l.window.kw);
        e.kx = static_cast<std::uint32_t>((j % kernel) % l.window.kw);
      }
      p.group_table.push_back(e);
    }
  }
  for (int m = 0; m < l.rows(); ++m) {
    p.row_table.push_back({static_cast<std::uint32_t>(m), l.bias[m], l.requant[m].m0, static_cast<std::int8_t>(l.requant[m].shift)});
  }
  if (shift) {
    for (std::size_t c = 0; c < shift->shift.size(); ++c) {
      p.shift_table.push_back({static_cast<std::uint32_t>(c), shift->shift[c][0], shift->shift[c][1]});
    }
  }
  p.activations = input.data;
  return p;
}

}  // namespace ccsim::cosim
