#include "sim/gtkw.hpp"

#include <algorithm>
#include <sstream>

#include "models/atomic_file.hpp"

namespace ccsim::cosim {
namespace {

// Scope of the Verilated tile inside the co-simulation (CosimBench "cosim", model "rtl", top module).
constexpr const char* kTop = "cosim.rtl.ccsim_tile.";

void signal(std::ostringstream& o, const std::string& name) { o << kTop << name << "\n"; }

void begin_group(std::ostringstream& o, const std::string& name) { o << "@800200\n-" << name << "\n"; }
void end_group(std::ostringstream& o, const std::string& name) { o << "@1000200\n-" << name << "\n"; }

int clog2(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return b;
}

std::string range(int width) { return "[" + std::to_string(width - 1) + ":0]"; }

}  // namespace

void write_gtkw(const std::string& path, const std::string& waveform, int rows, int cols, int alpha, int data_bits) {
  const std::string lines = range(alpha);
  const std::string select = range(std::max(1, clog2(alpha)));
  const std::string bit = range(std::max(1, clog2(data_bits)));
  std::ostringstream o;
  o << "[*] GTKWave save file written by ccsim cosim\n";
  o << "[dumpfile] \"" << waveform << "\"\n";
  o << "[savefile] \"" << path << "\"\n";
  o << "[timestart] 0\n[size] 1600 900\n[signals_width] 320\n[sst_expanded] 1\n";
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

}  // namespace ccsim::cosim
