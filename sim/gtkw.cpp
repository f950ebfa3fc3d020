#include "sim/gtkw.hpp"

#include <algorithm>
#include <sstream>

#include "models/atomic_file.hpp"

namespace ccsim::cosim {
namespace {

// Scope of the Verilated vector unit (sim/rtl_vector.cpp: model "vector_unit", top module).
constexpr const char* kVectorTop = "vector_unit.ccsim_vector_unit.";

void vector_signal(std::ostringstream& o, const std::string& name) { o << kVectorTop << name << "\n"; }

void header(std::ostringstream& o, const std::string& path, const std::string& waveform) {
  o << "[*] GTKWave save file written by ccsim\n";
  o << "[dumpfile] \"" << waveform << "\"\n";
  o << "[savefile] \"" << path << "\"\n";
  o << "[timestart] 0\n[size] 1600 900\n[signals_width] 320\n[sst_expanded] 1\n";
}

void begin_group(std::ostringstream& o, const std::string& name) { o << "@800200\n-" << name << "\n"; }
void end_group(std::ostringstream& o, const std::string& name) { o << "@1000200\n-" << name << "\n"; }

int clog2(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return b;
}

std::string range(int width) { return "[" + std::to_string(width - 1) + ":0]"; }

}  // namespace

void write_gtkw(const std::string& path, const std::string& waveform, int rows, int cols, int alpha, int data_bits,
                const std::string& model_scope) {
  // The tile, the layer controller and the tile-stream DMA inside the Verilated top ccsim_accel.
  const std::string top = model_scope + ".ccsim_accel.";
  const auto signal = [&](std::ostringstream& o, const std::string& name) { o << top << "u_tile." << name << "\n"; };
  const auto ctrl_signal = [&](std::ostringstream& o, const std::string& name) { o << top << "u_ctrl." << name << "\n"; };
  const auto tw_dma_signal = [&](std::ostringstream& o, const std::string& name) { o << top << "u_tw_dma." << name << "\n"; };
  const std::string lines = range(alpha);
  const std::string select = range(std::max(1, clog2(alpha)));
  const std::string bit = range(std::max(1, clog2(data_bits)));
  std::ostringstream o;
  header(o, path, waveform);
  begin_group(o, "controller");
  o << "@28\n";
  for (const char* name : {"busy_o", "fetching_o", "dma_start_o", "tile_start_o", "error_o"}) ctrl_signal(o, name);
  o << "@24\n";
  ctrl_signal(o, "state_q[2:0]");
  ctrl_signal(o, "blocks_o[15:0]");
  o << "@22\n";
  ctrl_signal(o, "addr_q[31:0]");
  end_group(o, "controller");
  begin_group(o, "tile-stream DMA");
  o << "@28\n";
  for (const char* name : {"busy_o", "mem_req_valid_o", "mem_req_ready_i", "mem_rsp_valid_i", "tw_valid_o", "tw_ready_i"}) {
    tw_dma_signal(o, name);
  }
  o << "@24\n";
  tw_dma_signal(o, "left_q[31:0]");
  o << "@22\n";
  tw_dma_signal(o, "mem_req_addr_o[31:0]");
  end_group(o, "tile-stream DMA");
  begin_group(o, "sequencer");
  o << "@28\n";
  signal(o, "clk_i");
  signal(o, "start_i");
  signal(o, "busy_o");
  signal(o, "computing_o");
  signal(o, "done_o");
  o << "@24\n";
  signal(o, "tile_o[31:0]");
  signal(o, "tile_cycle_o[31:0]");
  signal(o, "bit_q" + bit);
  signal(o, "slot_q[15:0]");
  end_group(o, "sequencer");
  begin_group(o, "stored-input DMA");
  o << "@28\n";
  for (const char* name : {"dma_busy_o", "mem_req_valid_o", "mem_req_ready_i", "mem_rsp_valid_i"}) signal(o, name);
  o << "@22\n";
  signal(o, "mem_req_addr_o[31:0]");
  end_group(o, "stored-input DMA");
  begin_group(o, "output DMA");
  o << "@28\n";
  for (const char* name : {"out_busy_o", "wr_valid_o", "wr_ready_i", "out_overflow_o"}) signal(o, name);
  o << "@22\n";
  signal(o, "wr_addr_o[31:0]");
  signal(o, "wr_strb_o[7:0]");
  signal(o, "wr_data_o[63:0]");
  end_group(o, "output DMA");
  for (int c = 0; c < cols; ++c) {
    const std::string name = "column " + std::to_string(c);
    begin_group(o, name);
    o << "@22\n";
    signal(o, "u_array.g_row[0].g_col[" + std::to_string(c) + "].u_cell.lines_i" + lines);
    o << "@24\n";
    signal(o, "u_array.g_row[0].g_col[" + std::to_string(c) + "].u_cell.select_q" + select);
    o << "@420\n";
    signal(o, "u_array.g_row[0].g_col[" + std::to_string(c) + "].u_cell.weight_q[7:0]");
    end_group(o, name);
  }
  for (int r = 0; r < rows; ++r) {
    const std::string name = "row " + std::to_string(r);
    begin_group(o, name);
    o << "@420\n";  // signed decimal
    for (int c = 0; c < cols; ++c) {
      signal(o, "u_array.g_row[" + std::to_string(r) + "].g_col[" + std::to_string(c) + "].u_cell.psum_q[31:0]");
    }
    end_group(o, name);
  }
  o << "[pattern_trace] 1\n[pattern_trace] 0\n";
  write_file_atomic(path, o.str());
}

void write_vector_gtkw(const std::string& path, const std::string& waveform, int lanes) {
  std::ostringstream o;
  header(o, path, waveform);
  begin_group(o, "pass");
  o << "@28\n";
  for (const char* name : {"clk_i", "start_i", "busy_o", "done_o"}) vector_signal(o, name);
  o << "@24\n";
  for (const char* name : {"cfg_op_i[1:0]", "cfg_channels_i[15:0]", "cfg_out_h_i[15:0]", "cfg_out_w_i[15:0]",
                           "cfg_kh_i[15:0]", "cfg_kw_i[15:0]"}) {
    vector_signal(o, name);
  }
  end_group(o, "pass");
  begin_group(o, "walk");
  o << "@24\n";
  for (const char* name : {"group_q[15:0]", "oy_q[15:0]", "ox_q[15:0]", "ty_q[15:0]", "tx_q[15:0]"}) {
    vector_signal(o, name);
  }
  end_group(o, "walk");
  for (int l = 0; l < lanes; ++l) {
    const std::string lane = "[" + std::to_string(l) + "]";
    const std::string name = "lane " + std::to_string(l);
    begin_group(o, name);
    o << "@420\n";  // signed decimal
    vector_signal(o, "acc_q" + lane + "[31:0]");
    o << "@24\n";
    vector_signal(o, "out_index_q" + lane + "[31:0]");
    o << "@420\n";
    vector_signal(o, "out_data_q" + lane + "[7:0]");
    end_group(o, name);
  }
  o << "@28\n";
  vector_signal(o, "vo_valid_o[" + std::to_string(lanes - 1) + ":0]");
  o << "[pattern_trace] 1\n[pattern_trace] 0\n";
  write_file_atomic(path, o.str());
}

}  // namespace ccsim::cosim
