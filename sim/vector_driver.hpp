// The host side of the RTL vector unit (rtl/ccsim_vector_unit.sv), templated on its Verilated
// C++ model: writes each pass's input store, operand table and shift table, starts it, collects
// the output stream lane by lane and checks that the pass takes the cycles of its formula
// (VectorPass::cycles) and that every output value is written once. `on_cycle` runs once per
// clock cycle (the co-simulation bench advances its own clock with it), told whether the unit
// computed in it (start_i to done_o of a pass: the cycles its formula counts) or was loaded,
// started or reset; `on_edge`, when set,
// after the model has evaluated each clock edge (true: rising) of clock cycle `cycle` of the
// layer run (0 = the first of run(), as VectorLayerRun::write_cycle), e.g. to dump a waveform.
#pragma once

#include <cstdint>
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/vector_driver_types.hpp"
#include "sim/verilated_fields.hpp"

namespace ccsim::cosim {

// Byte `i` of a packed-array port (integral or VlWide).
template <typename T>
std::uint32_t port_byte(const T& field, int i) {
  return (rtl::word(field, i / 4) >> (8 * (i % 4))) & 0xffu;
}

template <typename V>
class VectorUnitDriver {
 public:
  VectorUnitDriver(V& unit, const VectorLimits& limits, std::function<void(bool computing)> on_cycle = {},
                   std::function<void(bool rising, std::int64_t cycle)> on_edge = {})
      : v_(unit), limits_(limits), on_cycle_(std::move(on_cycle)), on_edge_(std::move(on_edge)) {}

  void reset() {
    v_.rst_ni = 0;
    idle_inputs();
    v_.clk_i = 0;
    v_.eval();
    tick();
    v_.rst_ni = 1;
    tick();
  }

  VectorLayerRun run(const std::vector<VectorPass>& passes, std::size_t output_size) {
    VectorLayerRun r;
    r.output.assign(output_size, 0);
    r.written.assign(output_size, 0);
    r.write_cycle.assign(output_size, -1);
    layer_cycle_ = 0;
    for (const VectorPass& p : passes) {
      load(p, r);
      run_pass(p, r);
      if (r.error) return r;
    }
    const auto missing = std::find(r.written.begin(), r.written.end(), 0);
    if (missing != r.written.end()) {
      r.error = VectorError{"vector_unit output_stream never wrote", 1, 0, missing - r.written.begin(), layer_cycle_ - 1};
    }
    return r;
  }

 private:
  static constexpr int kWriteBytes = 8;  // WrBytes

  void tick(bool computing = false) {
    v_.clk_i = 1;
    v_.eval();
    if (on_edge_) on_edge_(true, layer_cycle_);
    v_.clk_i = 0;
    v_.eval();
    if (on_edge_) on_edge_(false, layer_cycle_);
    ++layer_cycle_;
    if (on_cycle_) on_cycle_(computing);
  }

  void idle_inputs() {
    v_.start_i = 0;
    v_.op_we_i = 0;
    v_.sh_we_i = 0;
    v_.in_we_i = 0;
  }

  // Store, operand table and shift table, through their write ports in parallel.
  void load(const VectorPass& p, VectorLayerRun& r) {
    const std::size_t words = (p.store.size() + kWriteBytes - 1) / kWriteBytes;
    const std::size_t n = std::max({words, p.table.size(), p.shifts.size()});
    for (std::size_t k = 0; k < n; ++k) {
      v_.in_we_i = k < words;
      if (k < words) {
        std::uint64_t data = 0;
        std::uint32_t strobe = 0;
        for (std::size_t b = 0; b < kWriteBytes && k * kWriteBytes + b < p.store.size(); ++b) {
          data |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p.store[k * kWriteBytes + b])) << (8 * b);
          strobe |= 1u << b;
        }
        v_.in_addr_i = static_cast<std::uint32_t>(k * kWriteBytes);
        v_.in_strb_i = strobe;
        v_.in_data_i = data;
      }
      v_.op_we_i = k < p.table.size();
      if (k < p.table.size()) {
        v_.op_idx_i = static_cast<std::uint32_t>(k);
        v_.op_base_i = p.table[k].base;
        v_.op_mult_i = static_cast<std::uint32_t>(p.table[k].multiplier);
        v_.op_shift_i = static_cast<std::uint8_t>(p.table[k].shift);
      }
      v_.sh_we_i = k < p.shifts.size();
      if (k < p.shifts.size()) {
        v_.sh_ch_i = static_cast<std::uint32_t>(k);
        v_.sh_dy_i = static_cast<std::uint8_t>(p.shifts[k][0]) & 0x7u;
        v_.sh_dx_i = static_cast<std::uint8_t>(p.shifts[k][1]) & 0x7u;
      }
      tick();
      ++r.host_cycles;
    }
    idle_inputs();
  }

  void run_pass(const VectorPass& p, VectorLayerRun& r) {
    v_.cfg_op_i = static_cast<std::uint32_t>(p.op);
    v_.cfg_channels_i = p.channels;
    v_.cfg_in_h_i = p.in_h;
    v_.cfg_in_w_i = p.in_w;
    v_.cfg_out_h_i = p.out_h;
    v_.cfg_out_w_i = p.out_w;
    v_.cfg_kh_i = p.kh;
    v_.cfg_kw_i = p.kw;
    v_.cfg_stride_h_i = p.stride_h;
    v_.cfg_stride_w_i = p.stride_w;
    v_.cfg_pad_top_i = static_cast<std::uint8_t>(p.pad_top);
    v_.cfg_pad_left_i = static_cast<std::uint8_t>(p.pad_left);
    v_.cfg_include_pad_i = p.include_pad;
    v_.cfg_shift_en_i = p.shift_enable;
    v_.cfg_operands_i = p.operands;
    v_.cfg_act_min_i = static_cast<std::uint8_t>(p.act_min);
    v_.cfg_act_max_i = static_cast<std::uint8_t>(p.act_max);
    v_.cfg_out_mult_i = static_cast<std::uint32_t>(p.out_multiplier);
    v_.cfg_out_shift_i = static_cast<std::uint8_t>(p.out_shift);
    v_.start_i = 1;
    tick();
    v_.start_i = 0;
    const std::int64_t expected = p.cycles(limits_.lanes);
    const std::size_t pass_values = static_cast<std::size_t>(p.channels) * p.out_h * p.out_w;
    std::int64_t cycles = 0;
    // Bounded: a unit that never finishes fails at twice its formula.
    while (cycles < 2 * expected + 8) {
      tick(true);
      ++cycles;
      collect(p, pass_values, r);
      if (v_.done_o) break;
      if (r.error) {
        r.compute_cycles += cycles;
        return;
      }
    }
    r.compute_cycles += cycles;
    if (!v_.done_o) {
      r.error = VectorError{"vector_unit done_o (a pass never finished: cycles waited)", expected, cycles, -1, layer_cycle_ - 1};
    } else if (cycles != expected) {
      r.error = VectorError{"vector_unit cycles of a pass (start_i to done_o)", expected, cycles, -1, layer_cycle_ - 1};
    }
  }

  void collect(const VectorPass& p, std::size_t pass_values, VectorLayerRun& r) {
    for (int l = 0; l < limits_.lanes; ++l) {
      if (((static_cast<std::uint64_t>(v_.vo_valid_o) >> l) & 1u) == 0) continue;
      const std::uint32_t index = rtl::word(v_.vo_index_o, l);
      const std::size_t at = p.output_offset + index;
      if (index >= pass_values || at >= r.output.size()) {
        r.error = VectorError{"vector_unit output_stream index of lane " + std::to_string(l) + " (the pass's last, got)",
                              static_cast<std::int64_t>(pass_values) - 1, index, -1, layer_cycle_ - 1};
        return;
      }
      if (r.written[at]) {
        r.error = VectorError{"vector_unit output_stream writes of one value", 1, 2, static_cast<std::int64_t>(at),
                              layer_cycle_ - 1};
        return;
      }
      r.written[at] = 1;
      r.write_cycle[at] = layer_cycle_ - 1;  // the clock edge that just passed
      r.output[at] = static_cast<std::int8_t>(port_byte(v_.vo_data_o, l));
    }
  }

  V& v_;
  VectorLimits limits_;
  std::function<void(bool computing)> on_cycle_;
  std::function<void(bool, std::int64_t)> on_edge_;
  std::int64_t layer_cycle_ = 0;  // the clock cycle tick() runs next (0 = the first of run())
};

}  // namespace ccsim::cosim
