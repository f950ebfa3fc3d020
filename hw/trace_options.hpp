// What a waveform of the cycle-accurate mode records (no SystemC here: the `ccsim` program sets
// it up before handing the run to ccsim-systemc's code, sim/systemc_runs.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace ccsim::hw {

// What a waveform of the cycle-accurate mode records (ccsim run --vcd): the controller's layer,
// the array's tile and tile cycle, the bit lines entering each array column and the partial sum
// leaving each array row, sampled at every falling clock edge inside the window (layer, tile,
// first and last cycle counted from the start of the simulation), plus the busy flags of the
// weight-buffer fill, the array, the DMA engine and the vector unit, and the running counts of
// values fed, accumulator writes and DRAM bytes.
struct TraceOptions {
  std::string vcd_path;       // without the .vcd extension sc_create_vcd_trace_file adds; empty = off
  int layer = -1;             // -1 = every layer
  std::int64_t tile = -1;     // -1 = every tile of the traced layer(s)
  std::int64_t start_cycle = 0;
  std::int64_t end_cycle = -1;  // -1 = to the end
};

}  // namespace ccsim::hw
