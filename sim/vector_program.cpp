#include "sim/vector_program.hpp"

#include "hw/timing.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace ccsim::cosim {

using model::OpKind;
using model::PackedLayer;

std::int64_t VectorPass::cycles(int lanes) const {
  const std::int64_t groups = (static_cast<std::int64_t>(channels) + lanes - 1) / lanes;
  const std::int64_t taps = op == VectorOp::Add ? operands : (op == VectorOp::Rescale ? 1 : std::int64_t{kh} * kw);
  return groups * out_h * out_w * taps;
}

bool runs_on_vector_unit(OpKind kind) { return kind != OpKind::Matmul && kind != OpKind::Flatten; }

namespace {

[[noreturn]] void refuse(const PackedLayer& l, const std::string& what) {
  throw std::invalid_argument("layer '" + l.name + "' (" + model::to_string(l.kind) +
                              ") does not fit the RTL vector unit: " + what);
}

std::int64_t plane(const model::Shape& s) { return static_cast<std::int64_t>(s.h) * s.w; }

// Channels per pass (hw/timing.hpp vector_channels_per_pass, the rule the SystemC model counts).
std::uint32_t channels_per_pass(const PackedLayer& l, std::int64_t bytes_per_channel, std::int64_t channels,
                                const VectorLimits& limits, std::int64_t table_channels) {
  const std::int64_t store = std::int64_t{1} << limits.addr_bits;
  const std::int64_t n = hw::vector_channels_per_pass(limits.lanes, store, bytes_per_channel, channels, table_channels);
  if (n == 0) {
    refuse(l, "one channel's operands take " + std::to_string(bytes_per_channel) + " bytes, more than its " +
                  std::to_string(store) + "-byte input store (raise AddrW, CMake CCSIM_COSIM_VECTOR_ADDR_BITS)");
  }
  return static_cast<std::uint32_t>(n);
}

// A pass over channels [c0, c0 + n) of one-operand layer l (the operand in CHW at address 0).
VectorPass one_operand_pass(const VectorPass& shape, const PackedLayer& l, const model::Int8Tensor& in, std::uint32_t c0,
                            std::uint32_t n) {
  VectorPass p = shape;
  p.channels = n;
  const auto bytes = static_cast<std::size_t>(plane(in.shape));
  p.store.assign(in.data.begin() + static_cast<std::ptrdiff_t>(c0 * bytes),
                 in.data.begin() + static_cast<std::ptrdiff_t>((c0 + n) * bytes));
  p.table = {VectorOperand{0, 0, 0}};
  if (p.shift_enable) {
    for (std::uint32_t c = 0; c < n; ++c) p.shifts.push_back(l.shift[c0 + c]);
  }
  p.output_offset = static_cast<std::size_t>(c0) * static_cast<std::size_t>(plane(l.out));
  return p;
}

}  // namespace

std::vector<VectorPass> make_vector_passes(const PackedLayer& l, const std::vector<const model::Int8Tensor*>& operands,
                                           const VectorLimits& limits) {
  if (!runs_on_vector_unit(l.kind)) throw std::invalid_argument("layer '" + l.name + "' does not run on the vector unit");
  VectorPass shape;
  shape.in_h = static_cast<std::uint32_t>(l.in.h);
  shape.in_w = static_cast<std::uint32_t>(l.in.w);
  shape.out_h = static_cast<std::uint32_t>(l.out.h);
  shape.out_w = static_cast<std::uint32_t>(l.out.w);
  std::vector<VectorPass> passes;
  const std::int64_t table_all = std::int64_t{1} << 30;
  static_assert(hw::kVectorShiftTableChannels == 1024, "ShChW 10");
  switch (l.kind) {
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
    case OpKind::Clamp:
    case OpKind::Shift:
    case OpKind::Pad: {
      const model::Int8Tensor& in = *operands.at(0);
      if (l.kind == OpKind::MaxPool || l.kind == OpKind::AvgPool) {
        const model::Window& w = l.window;
        shape.op = l.kind == OpKind::MaxPool ? VectorOp::Max : VectorOp::Avg;
        shape.kh = static_cast<std::uint32_t>(w.kh);
        shape.kw = static_cast<std::uint32_t>(w.kw);
        shape.stride_h = static_cast<std::uint32_t>(w.stride_h);
        shape.stride_w = static_cast<std::uint32_t>(w.stride_w);
        shape.pad_top = w.pad_top;
        shape.pad_left = w.pad_left;
        shape.include_pad = l.count_include_pad;
        if (w.stride_h > 255 || w.stride_w > 255 || w.pad_top > 127 || w.pad_left > 127) {
          refuse(l, "strides above 255 or padding above 127 (the descriptor's 8-bit fields)");
        }
      } else if (l.kind == OpKind::GlobalAvgPool) {
        shape.op = VectorOp::Avg;  // a window the size of the input, every tap inside it
        shape.kh = shape.in_h;
        shape.kw = shape.in_w;
      } else if (l.kind == OpKind::Pad) {
        shape.pad_top = l.window.pad_top;  // a 1x1 max: outside the input reads nothing, writes 0
        shape.pad_left = l.window.pad_left;
        if (shape.pad_top > 127 || shape.pad_left > 127) refuse(l, "padding above 127 (the descriptor's 8-bit fields)");
      } else if (l.kind == OpKind::Clamp) {
        shape.act_min = l.act_min;
        shape.act_max = l.act_max;
      } else {
        shape.shift_enable = true;
        for (const auto& d : l.shift) {
          if (d[0] < -4 || d[0] > 3 || d[1] < -4 || d[1] > 3) {
            refuse(l, "a shift of (" + std::to_string(d[0]) + ", " + std::to_string(d[1]) +
                          ") is outside the shift table's 3-bit range [-4, 3]");
          }
        }
      }
      if (shape.kh > 65535 || shape.kw > 65535 || l.in.h > 65535 || l.in.w > 65535) {
        refuse(l, "a dimension above 65535 (the descriptor's 16-bit fields)");
      }
      const std::int64_t table = shape.shift_enable ? (std::int64_t{1} << limits.shift_channel_bits) : table_all;
      const std::uint32_t n = channels_per_pass(l, plane(l.in), l.in.c, limits, table);
      for (std::uint32_t c0 = 0; c0 < static_cast<std::uint32_t>(l.in.c); c0 += n) {
        passes.push_back(one_operand_pass(shape, l, in, c0, std::min<std::uint32_t>(n, l.in.c - c0)));
      }
      break;
    }
    case OpKind::Add: {
      const auto k = static_cast<std::uint32_t>(operands.size());
      if (static_cast<int>(k) > limits.max_operands) {
        refuse(l, std::to_string(k) + " operands, more than its operand table's " + std::to_string(limits.max_operands) +
                      " (raise MaxOps)");
      }
      shape.op = VectorOp::Add;
      shape.operands = k;
      shape.act_min = l.act_min;
      shape.act_max = l.act_max;
      shape.out_multiplier = l.requant.at(0).m0;
      shape.out_shift = static_cast<std::int8_t>(l.requant.at(0).shift);
      const std::int64_t P = plane(l.out);
      const std::uint32_t n = channels_per_pass(l, P * k, l.out.c, limits, table_all);
      for (std::uint32_t c0 = 0; c0 < static_cast<std::uint32_t>(l.out.c); c0 += n) {
        VectorPass p = shape;
        p.channels = std::min<std::uint32_t>(n, l.out.c - c0);
        const auto bytes = static_cast<std::size_t>(p.channels * P);
        for (std::uint32_t j = 0; j < k; ++j) {
          p.table.push_back({static_cast<std::uint32_t>(p.store.size()), l.operand_requant.at(j).m0,
                             static_cast<std::int8_t>(l.operand_requant.at(j).shift)});
          const auto from = operands[j]->data.begin() + static_cast<std::ptrdiff_t>(c0 * P);
          p.store.insert(p.store.end(), from, from + static_cast<std::ptrdiff_t>(bytes));
        }
        p.output_offset = static_cast<std::size_t>(c0 * P);
        passes.push_back(std::move(p));
      }
      break;
    }
    case OpKind::Concat: {
      shape.op = VectorOp::Rescale;
      const std::int64_t P = plane(l.out);
      std::size_t first_channel = 0;
      for (std::size_t j = 0; j < operands.size(); ++j) {
        const model::Int8Tensor& in = *operands[j];
        const std::uint32_t n = channels_per_pass(l, P, in.shape.c, limits, table_all);
        for (std::uint32_t c0 = 0; c0 < static_cast<std::uint32_t>(in.shape.c); c0 += n) {
          VectorPass p = shape;
          p.channels = std::min<std::uint32_t>(n, in.shape.c - c0);
          const auto from = in.data.begin() + static_cast<std::ptrdiff_t>(c0 * P);
          p.store.assign(from, from + static_cast<std::ptrdiff_t>(p.channels * P));
          p.table = {VectorOperand{0, l.operand_requant.at(j).m0, static_cast<std::int8_t>(l.operand_requant.at(j).shift)}};
          p.output_offset = (first_channel + c0) * static_cast<std::size_t>(P);
          passes.push_back(std::move(p));
        }
        first_channel += static_cast<std::size_t>(in.shape.c);
      }
      break;
    }
    default:
      break;
  }
  return passes;
}

}  // namespace ccsim::cosim
