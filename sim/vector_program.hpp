// What the host gives the RTL vector unit (rtl/ccsim_vector_unit.sv) to run one layer beside the
// array (pooling, global average pooling, clamp, a standalone shift, padding, residual add,
// concatenation; hw/README.md "RTL vector unit"): passes over channel ranges, each with its
// descriptor, operand table, shift table and the bytes of its input store. A layer whose
// operands do not fit the store runs in several passes of whole channels; a concatenation runs
// one operand per pass.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "models/golden.hpp"
#include "models/packed_network.hpp"

namespace ccsim::cosim {

// Sizes the Verilated vector unit was built with (its SystemVerilog parameters).
struct VectorLimits {
  int lanes = 8;
  int addr_bits = 16;           // AddrW: input store of 2^AddrW bytes
  int shift_channel_bits = 10;  // ShChW: a shift pass covers up to 2^ShChW channels
  int max_operands = 16;        // MaxOps
};

enum class VectorOp : std::uint8_t { Max = 0, Avg = 1, Add = 2, Rescale = 3 };

struct VectorOperand {
  std::uint32_t base = 0;  // first byte in the input store
  std::int32_t multiplier = 0;
  std::int8_t shift = 0;
};

struct VectorPass {
  // descriptor
  VectorOp op = VectorOp::Max;
  std::uint32_t channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0, kh = 1, kw = 1, stride_h = 1, stride_w = 1;
  std::int32_t pad_top = 0, pad_left = 0;
  bool include_pad = false, shift_enable = false;
  std::uint32_t operands = 1;
  std::int8_t act_min = -128, act_max = 127;
  std::int32_t out_multiplier = 0;
  std::int8_t out_shift = 0;

  std::vector<VectorOperand> table;                // operand table entries
  std::vector<std::array<std::int8_t, 2>> shifts;  // shift table: (dy, dx) per channel of the pass
  std::vector<std::int8_t> store;                  // the input store from address 0
  std::size_t output_offset = 0;                   // layer output index of the pass's first value

  // Cycles from start_i to done_o: ceil(channels / lanes) * out_h * out_w * taps.
  std::int64_t cycles(int lanes) const;
};

// Whether the vector unit runs layer kind `kind` (a Matmul runs on the array; a flatten moves nothing).
bool runs_on_vector_unit(model::OpKind kind);

// The passes of a layer, given its operands (golden.hpp operands_of). Throws
// std::invalid_argument naming the layer and the parameter to raise when one channel does not fit.
std::vector<VectorPass> make_vector_passes(const model::PackedLayer& layer,
                                           const std::vector<const model::Int8Tensor*>& operands,
                                           const VectorLimits& limits);

}  // namespace ccsim::cosim
