// What the two drivers of the Verilated RTL accelerator (rtl/ccsim_accel.sv) share: `ccsim
// cosim`'s bench (sim/cosim_bench.hpp) and the tile swapped into the SystemC accelerator
// (sim/rtl_tile.cpp). Its ports but the clock, as an X-macro list (a signal per port and the
// binding come from the one list), and the comparisons of its observation ports with the SystemC
// model beside it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include <systemc>
#include <verilated.h>

#include "hw/array_config.hpp"
#include "hw/matmul_engine.hpp"

// X(port) for every port of ccsim_accel but clk_i.
#define CCSIM_ACCEL_PORTS(X)                                                                                   \
  X(rst_ni)                                                                                                    \
  X(ctrl_start_i) X(ctrl_desc_addr_i) X(ctrl_busy_o) X(ctrl_error_o) X(ctrl_blocks_o) X(tile_start_o)          \
  X(dma_busy_o)                                                                                                \
  X(mem_req_valid_o) X(mem_req_ready_i) X(mem_req_addr_o) X(mem_rsp_valid_i) X(mem_rsp_data_i)                 \
  X(wr_valid_o) X(wr_ready_i) X(wr_addr_o) X(wr_data_o) X(wr_strb_o) X(out_busy_o) X(out_overflow_o)           \
  X(ts_req_valid_o) X(ts_req_ready_i) X(ts_req_addr_o) X(ts_rsp_valid_i) X(ts_rsp_data_i) X(ts_busy_o)         \
  X(os_valid_o) X(os_row_o) X(os_pixel_o) X(os_data_o)                                                         \
  X(busy_o) X(done_o) X(tile_o) X(tile_cycle_o) X(computing_o)                                                 \
  X(top_lines_o) X(psum_o) X(prod_o) X(out_writes_o)

// Binds every port of Verilated model `v` (but clk_i) to the owner's signal of the same name.
#define CCSIM_BIND_ACCEL_PORT(port) v.port(port);
#define CCSIM_BIND_ACCEL_PORTS(v) CCSIM_ACCEL_PORTS(CCSIM_BIND_ACCEL_PORT)

namespace ccsim::cosim {

// Verilator's SystemC port types: bool (1 bit), uint32_t (<= 32), uint64_t (<= 64), sc_bv above.
inline bool bit_of(bool v, int) { return v; }
inline bool bit_of(std::uint32_t v, int i) { return ((v >> i) & 1u) != 0; }
inline bool bit_of(std::uint64_t v, int i) { return ((v >> i) & 1u) != 0; }
template <int W>
bool bit_of(const sc_dt::sc_bv<W>& v, int i) { return v[i].to_bool(); }
inline std::uint32_t word_of(std::uint32_t v, int) { return v; }
inline std::uint32_t word_of(std::uint64_t v, int i) { return static_cast<std::uint32_t>(v >> (32 * i)); }
template <int W>
std::uint32_t word_of(const sc_dt::sc_bv<W>& v, int i) { return static_cast<std::uint32_t>(v.get_word(i)); }
// Fields [lsb, lsb + width) of a port value (width <= 64).
inline std::uint64_t bits_of(bool v, int, int) { return v ? 1 : 0; }
inline std::uint64_t bits_of(std::uint32_t v, int lsb, int width) {
  return (static_cast<std::uint64_t>(v) >> lsb) & (width >= 64 ? ~0ull : (1ull << width) - 1);
}
inline std::uint64_t bits_of(std::uint64_t v, int lsb, int width) {
  return (v >> lsb) & (width >= 64 ? ~0ull : (1ull << width) - 1);
}
template <int W>
std::uint64_t bits_of(const sc_dt::sc_bv<W>& v, int lsb, int width) { return v.range(lsb + width - 1, lsb).to_uint64(); }

// A port value from little-endian bytes: integral ports, and sc_bv 32 bits at a time.
inline void from_bytes(std::uint32_t& v, const std::uint8_t* bytes, std::size_t) { std::memcpy(&v, bytes, sizeof v); }
inline void from_bytes(std::uint64_t& v, const std::uint8_t* bytes, std::size_t) { std::memcpy(&v, bytes, sizeof v); }
template <int W>
void from_bytes(sc_dt::sc_bv<W>& v, const std::uint8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; 4 * i < n && static_cast<int>(32 * i) < W; ++i) {
    std::uint32_t word = 0;
    std::memcpy(&word, bytes + 4 * i, std::min<std::size_t>(4, n - 4 * i));
    v.set_word(static_cast<int>(i), word);
  }
}

// The Verilated context the SystemC accelerator models (Vaccel_RxC, built with SC_CTOR) are made
// in: they take the thread's context at construction, and Verilator's thread context falls back
// to the last context constructed, which may be a C++ model's private one (sim/rtl_array.cpp and
// the other swapped units make their own) destroyed since: using it hangs or worse. So these
// models use Verilator's default context, which lives as long as the process, made the thread's
// before each is built.
inline VerilatedContext& accel_context() {
  VerilatedContext* context = Verilated::defaultContextp();
  Verilated::threadContextp(context);
  return *context;
}

// Every cell's partial-sum and product registers of the RTL (psum_o, prod_o after a rising edge)
// against the model's; `differ(row, col, signal, expected, actual)` for each that differs.
template <typename Psum, typename Prod, typename Differ>
void compare_cell_registers(const hw::ArrayConfig& a, const hw::MatmulEngine& e, const Psum& psum, const Prod& prod,
                            Differ&& differ) {
  for (int r = 0; r < a.rows; ++r) {
    for (int c = 0; c < a.cols; ++c) {
      const int idx = r * a.cols + c;
      const auto got_psum = static_cast<std::int32_t>(word_of(psum, idx));
      const auto got_prod = static_cast<std::int32_t>(word_of(prod, idx));
      const auto& cell = e.array().cell(r, c);
      if (got_psum != cell.psum()) differ(r, c, "psum", cell.psum(), got_psum);
      if (got_prod != cell.product()) differ(r, c, "product", cell.product(), got_prod);
    }
  }
}

// The bit lines entering row 0 (top_lines_o, alpha per column) against the model's, in a cycle
// the model computed; `differ(col, expected, actual)` for each column that differs.
template <typename Lines, typename Differ>
void compare_top_lines(const hw::ArrayConfig& a, const hw::MatmulEngine& e, const Lines& lines, Differ&& differ) {
  for (int c = 0; c < a.cols; ++c) {
    std::uint64_t got = 0;
    for (int b = 0; b < a.alpha_max; ++b) got |= static_cast<std::uint64_t>(bit_of(lines, c * a.alpha_max + b)) << b;
    if (got != e.top_lines()[c]) differ(c, static_cast<std::int64_t>(e.top_lines()[c]), static_cast<std::int64_t>(got));
  }
}

// The output stream's lanes at a falling edge (os_*: one per array row): `lane(row, filter_row,
// pixel, value)` for each valid one. Returns whether any was.
template <typename Valid, typename Rows, typename Pixels, typename Data, typename Lane>
bool for_each_output_lane(int rows, const Valid& valid_port, const Rows& rows_port, const Pixels& pixels_port,
                          const Data& data_port, Lane&& lane) {
  const auto valid = valid_port.read();
  bool any = false;
  for (int r = 0; r < rows && !any; ++r) any = bits_of(valid, r, 1) != 0;
  if (!any) return false;  // most cycles: the wide lanes need not be read
  const auto filter_rows = rows_port.read();
  const auto pixels = pixels_port.read();
  const auto data = data_port.read();
  for (int r = 0; r < rows; ++r) {
    if (bits_of(valid, r, 1) == 0) continue;
    lane(r, bits_of(filter_rows, 16 * r, 16), bits_of(pixels, 16 * r, 16), static_cast<std::int8_t>(bits_of(data, 8 * r, 8)));
  }
  return true;
}

}  // namespace ccsim::cosim
